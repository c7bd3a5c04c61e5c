"""The ``lupe`` command: serve, prepare, db upgrade, backup, restore, purge, export, admin create, packs."""

from __future__ import annotations

import getpass
import os
import shutil
from pathlib import Path
from typing import Annotated, Any

import typer

from app.serving import (
    PreparationFailed,
    data_folder_problem,
    metrics_folder_for,
    prepare,
    prepare_for_serving,
    serving_problem,
    upgrade_database,
)
from app.settings import Settings

cli = typer.Typer(help="Lupe: media-literacy practice for schools.", no_args_is_help=True, add_completion=False)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
admin_cli = typer.Typer(help="Accounts.", no_args_is_help=True)
packs_cli = typer.Typer(help="Lesson packs.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(admin_cli, name="admin")
cli.add_typer(packs_cli, name="packs")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the current version."""
    upgrade_database(Settings())
    typer.echo("database is up to date")


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (LUPE_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (LUPE_PORT).")] = None,
    workers: Annotated[
        int | None, typer.Option(help="Server processes; more than 1 needs PostgreSQL (LUPE_WORKERS).")
    ] = None,
    proxy_headers: Annotated[
        bool | None,
        typer.Option(
            "--proxy-headers/--no-proxy-headers", help="Trust X-Forwarded-* from the proxy (LUPE_PROXY_HEADERS)."
        ),
    ] = None,
    forwarded_allow_ips: Annotated[
        str | None,
        typer.Option(help="Proxy addresses to trust, comma-separated, * for any (LUPE_FORWARDED_ALLOW_IPS)."),
    ] = None,
) -> None:
    """Migrate and load the shipped lesson packs once, then serve Lupe in one or more processes."""
    import uvicorn

    from app.observability.logging import configure_logging

    given: dict[str, Any] = {
        "host": host,
        "port": port,
        "workers": workers,
        "proxy_headers": proxy_headers,
        "forwarded_allow_ips": forwarded_allow_ips,
    }
    settings = Settings(**{name: value for name, value in given.items() if value is not None})
    problem = serving_problem(settings) or data_folder_problem(settings)
    if problem:
        typer.echo(f"error: {problem}", err=True)
        raise typer.Exit(2)
    configure_logging(settings)
    try:
        typer.echo(f"{prepare_for_serving(settings)} lesson packs ready")
    except PreparationFailed as failed:
        raise typer.Exit(failed.code) from failed
    typer.echo(f"serving on http://{settings.host}:{settings.port} with {settings.workers} process(es)")
    metrics_folder = metrics_folder_for(settings)
    try:
        uvicorn.run(
            "app.asgi:app",
            host=settings.host,
            port=settings.port,
            workers=settings.workers,
            proxy_headers=settings.proxy_headers,
            forwarded_allow_ips=settings.forwarded_allow_ips,
            log_level=settings.log_level,
            log_config=None,  # Lupe's own set-up (text or JSON) handles uvicorn's records too
            access_log=False,  # Lupe's access log names routes, never paths
            timeout_graceful_shutdown=5,  # open live streams must not hold up a restart
        )
    finally:
        if metrics_folder is not None:
            shutil.rmtree(metrics_folder, ignore_errors=True)


@cli.command("prepare")
def prepare_command() -> None:
    """Migrate the database and load the shipped lesson packs, then exit (before starting workers yourself)."""
    ready = prepare(Settings())
    typer.echo(f"database is up to date; {ready} lesson packs ready")


@cli.command("backup")
def backup_command(
    target: Annotated[Path | None, typer.Argument(help="File to write (default: data/backups/lupe-<time>.…).")] = None,
) -> None:
    """Write a consistent backup of the database; safe while Lupe runs."""
    from app.backup import BackupError, backup, default_target

    settings = Settings()
    try:
        written = backup(settings, target or default_target(settings))
    except BackupError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"backup written to {written}")


@cli.command("restore")
def restore_command(
    source: Annotated[Path, typer.Argument(help="A file written by `lupe backup`.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before replacing the data.")] = False,
) -> None:
    """Replace the database with a backup. Stop Lupe first; everything stored since is replaced."""
    from app.backup import BackupError, restore

    if not yes and not typer.confirm(f"Replace all data with {source}?"):
        raise typer.Exit(1)
    try:
        restore(Settings(), source)
    except BackupError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"restored from {source}")


@cli.command("purge")
def purge_command(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count what would be deleted.")] = False,
) -> None:
    """Delete what each school's retention rules say must go; print counts per school."""
    from zoneinfo import ZoneInfo

    from app.db import Database
    from app.privacy.purge import run_purge

    settings = Settings()
    database = Database.from_settings(settings)
    try:
        report = run_purge(database, zone=ZoneInfo(settings.timezone), dry_run=dry_run)
    finally:
        database.close()
    verb = "would delete" if dry_run else "deleted"
    for done in report.schools:
        typer.echo(
            f"school {done.school_id} ({done.school_name}): {verb} {done.answers} answers, {done.pupils} pupils, "
            f"{done.audit_entries} audit entries; blanked {done.free_text} typed texts"
        )
    typer.echo(f"instance: {verb} {report.sessions} expired sign-ins, {report.audit_entries} audit entries")


@cli.command("export")
def export_command(
    school: Annotated[int, typer.Option("--school", help="Id of the school to export.")],
    out: Annotated[Path, typer.Option("--out", help="The zip file to write.")],
) -> None:
    """Write a school's data (classes, pupils, answers, accounts, audit log) as a zip of CSV and JSON."""
    from app.accounts.models import School
    from app.db import Database
    from app.privacy import audit
    from app.privacy.export import Scope, write_export

    database = Database.from_settings(Settings())
    try:
        with database.read_session() as db:
            if db.get(School, school) is None:
                typer.echo(f"error: no school with id {school}", err=True)
                raise typer.Exit(1)
            write_export(db, Scope("school", school, school), out)
        with database.writing() as db:
            audit.record(
                db, actor=None, action="school.export", subject_type="school", subject_id=school, school_id=school
            )
    finally:
        database.close()
    typer.echo(f"school {school} exported to {out}")


@admin_cli.command("create")
def admin_create(
    email: Annotated[str, typer.Option(help="Sign-in e-mail of the new admin.")],
    school: Annotated[str | None, typer.Option(help="Name of the school to create.")] = None,
    name: Annotated[str, typer.Option(help="Display name.")] = "Admin",
    instance: Annotated[
        bool, typer.Option("--instance", help="Create the instance admin, who creates schools (instead of --school).")
    ] = False,
) -> None:
    """Create a school and its first admin, or the instance admin; asks for the password (or LUPE_ADMIN_PASSWORD)."""
    from app.accounts.services import AccountError, create_instance_admin, create_school_with_admin
    from app.db import Database

    if instance == (school is not None):
        typer.echo("error: give either --school NAME or --instance", err=True)
        raise typer.Exit(2)
    password = os.environ.get("LUPE_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    settings = Settings()
    database = Database.from_settings(settings)
    try:
        with database.writing() as db:
            if school is None:
                create_instance_admin(db, email=email, display_name=name, password=password)
            else:
                create_school_with_admin(db, school_name=school, email=email, display_name=name, password=password)
    except AccountError as error:
        typer.echo(f"error: {error.code.replace('_', ' ')}", err=True)
        raise typer.Exit(1) from error
    finally:
        database.close()
    typer.echo(f"created instance admin {email}" if school is None else f"created school {school!r} with admin {email}")


@packs_cli.command("check")
def packs_check(
    paths: Annotated[list[Path], typer.Argument(help="Pack folders, or folders of packs.")],
    against_database: Annotated[
        bool,
        typer.Option("--against-database/--alone", help="Also compare with the versions stored in Lupe's database."),
    ] = True,
) -> None:
    """Print every problem as path:line:col: severity[CODE] message; exit 1 on errors."""
    from app.packs.library import check_folder, pack_folders

    folders = pack_folders(paths)
    if not folders:
        typer.echo(f"error: no pack found in {' '.join(map(str, paths))} (a pack is a folder with pack.md)", err=True)
        raise typer.Exit(1)
    stored = _stored_shipped_versions() if against_database else {}
    errors = 0
    for folder in folders:
        shown = os.path.relpath(folder)
        checked = check_folder(folder, shown_as=shown)
        diagnostics = list(checked.diagnostics)
        if checked.compiled is not None and checked.compiled["key"] in stored:
            from app.packs.library import disappeared_items

            diagnostics += disappeared_items(stored[checked.compiled["key"]], checked.compiled, f"{shown}/pack.md")
        for diagnostic in diagnostics:
            typer.echo(str(diagnostic))
        errors += sum(1 for d in diagnostics if d.severity == "error")
    typer.echo(f"{len(folders)} pack(s) checked, {errors} error(s)", err=True)
    raise typer.Exit(1 if errors else 0)


def _stored_shipped_versions() -> dict[str, dict]:
    """The current compiled version of each shipped pack in the configured database, if there is one."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from app.db import Database
    from app.packs.models import Pack, PackVersion

    settings = Settings()
    if settings.is_sqlite and not (settings.data_dir / "lupe.sqlite3").exists():
        return {}
    database = Database.from_settings(settings)
    try:
        with database.read_session() as db:
            rows = db.execute(
                select(Pack.key, PackVersion.compiled)  # type: ignore[call-overload]
                .join(PackVersion, PackVersion.id == Pack.current_version_id)
                .where(Pack.shipped)
            )
            return {key: compiled for key, compiled in rows}
    except SQLAlchemyError:
        return {}
    finally:
        database.close()


@packs_cli.command("list")
def packs_list(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Pack folders, or folders of packs (default: the lessons folder).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per pack.")] = False,
) -> None:
    """List packs: id, title, version, language, items, and counts per type and technique."""
    import json
    from collections import Counter

    from app.packs.library import check_folder, pack_folders

    folders = pack_folders(paths or [Settings().lessons_dir])
    summaries = []
    for folder in folders:
        compiled = check_folder(folder).compiled
        if compiled is None:
            typer.echo(f"error: {folder} has errors; run `lupe packs check {folder}`", err=True)
            continue
        items = compiled["items"]
        summaries.append(
            {
                "id": compiled["key"],
                "title": compiled["title"],
                "version": compiled["version"],
                "language": compiled["language"],
                "items": len(items),
                "types": dict(sorted(Counter(i["type"] for i in items).items())),
                "techniques": dict(sorted(Counter(t for i in items for t in i["techniques"]).items())),
                "path": os.path.relpath(folder),
            }
        )
    for summary in summaries:
        if as_json:
            typer.echo(json.dumps(summary, ensure_ascii=False))
        else:
            typer.echo(
                f"{summary['id']:<28} {summary['language']} {summary['version']:<8} "
                f"{summary['items']:>4} items  {summary['title']}"
            )
    if len(summaries) < len(folders):
        raise typer.Exit(1)


def main() -> None:
    cli(prog_name="lupe")


if __name__ == "__main__":
    main()
