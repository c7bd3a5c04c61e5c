"""The `lupe` command: db upgrade and admin create."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, select
from sqlmodel import Session
from typer.testing import CliRunner

from app.accounts.models import Account, School
from app.cli import cli


def test_db_upgrade_and_admin_create(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("LUPE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LUPE_DATABASE_URL", "")
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    monkeypatch.setenv("LUPE_ADMIN_PASSWORD", "korrekt-pferd-batterie")
    result = runner.invoke(cli, ["admin", "create", "--email", "Chefin@Schule.example", "--school", "Realschule Nord"])
    assert result.exit_code == 0, result.output
    with Session(create_engine(f"sqlite:///{tmp_path / 'lupe.sqlite3'}")) as db:
        account = db.execute(select(Account)).scalar_one()
        assert account.email == "chefin@schule.example" and account.role == "school_admin"
        assert db.execute(select(School.name)).scalar_one() == "Realschule Nord"


def test_admin_create_refuses_a_weak_password(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setenv("LUPE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LUPE_DATABASE_URL", "")
    runner = CliRunner()
    runner.invoke(cli, ["db", "upgrade"])
    monkeypatch.setenv("LUPE_ADMIN_PASSWORD", "12345678")
    result = runner.invoke(cli, ["admin", "create", "--email", "a@b.example", "--school", "X Schule"])
    assert result.exit_code == 1
    assert "password too common" in result.output
