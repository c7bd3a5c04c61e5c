"""The ``lupe`` command: serve, db upgrade, admin create, packs check."""

from __future__ import annotations

import gc
import getpass
import os
from pathlib import Path
from typing import Annotated

import typer

from app.settings import PROJECT_ROOT, Settings

cli = typer.Typer(help="Lupe: media-literacy practice for schools.", no_args_is_help=True, add_completion=False)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
admin_cli = typer.Typer(help="Accounts.", no_args_is_help=True)
packs_cli = typer.Typer(help="Lesson packs.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
cli.add_typer(admin_cli, name="admin")
cli.add_typer(packs_cli, name="packs")


def upgrade_database(settings: Settings) -> None:
    """Apply every Alembic migration to the configured database."""
    from alembic import command
    from alembic.config import Config

    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    config = Config(str(PROJECT_ROOT / "migrations" / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.attributes["database_url"] = settings.effective_database_url
    command.upgrade(config, "head")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the current version."""
    upgrade_database(Settings())
    typer.echo("database is up to date")


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (LUPE_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (LUPE_PORT).")] = None,
    workers: Annotated[int | None, typer.Option(help="Server processes (LUPE_WORKERS).")] = None,
) -> None:
    """Migrate, load the shipped lesson packs, and serve Lupe."""
    import uvicorn

    from app.db import Database
    from app.packs.library import sync_shipped_packs

    settings = Settings()
    upgrade_database(settings)
    database = Database.from_settings(settings)
    ready = sum(1 for checked in sync_shipped_packs(database, settings.lessons_dir) if checked.compiled)
    database.close()
    gc.collect()  # the packs just compiled are in the database now; don't keep them in this process
    typer.echo(f"{ready} lesson packs ready; serving on http://{host or settings.host}:{port or settings.port}")
    settings.signing_key()  # create the key once, before any worker starts
    uvicorn.run(
        "app.asgi:app",
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        proxy_headers=True,
        log_level=settings.log_level,
        access_log=False,
    )


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


@admin_cli.command("create")
def admin_create(
    email: Annotated[str, typer.Option(help="Sign-in e-mail of the new admin.")],
    school: Annotated[str, typer.Option(help="Name of the school to create.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "Admin",
) -> None:
    """Create a school and its first admin; asks for the password (or LUPE_ADMIN_PASSWORD)."""
    from app.accounts.services import AccountError, create_school_with_admin
    from app.db import Database

    password = os.environ.get("LUPE_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    settings = Settings()
    database = Database.from_settings(settings)
    try:
        with database.writing() as db:
            create_school_with_admin(db, school_name=school, email=email, display_name=name, password=password)
    except AccountError as error:
        typer.echo(f"error: {error.code.replace('_', ' ')}", err=True)
        raise typer.Exit(1) from error
    finally:
        database.close()
    typer.echo(f"created school {school!r} with admin {email}")


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
