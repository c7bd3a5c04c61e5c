"""`lupe admin create --instance`: the instance admin of a city's Lupe, who creates the schools."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlmodel import Session
from typer.testing import CliRunner

from app.accounts.models import Account, School
from app.cli import cli


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LUPE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LUPE_DATABASE_URL", "")
    monkeypatch.setenv("LUPE_ADMIN_PASSWORD", "korrekt-pferd-batterie")
    runner = CliRunner()
    assert runner.invoke(cli, ["db", "upgrade"]).exit_code == 0
    return runner


def test_admin_create_instance_makes_an_admin_without_a_school(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["admin", "create", "--instance", "--email", "IT@Stadt.example", "--name", "Stadt-IT"])
    assert result.exit_code == 0, result.output
    with Session(create_engine(f"sqlite:///{tmp_path / 'lupe.sqlite3'}")) as db:
        account = db.execute(select(Account)).scalar_one()
        assert (account.email, account.role, account.school_id) == ("it@stadt.example", "instance_admin", None)
        assert db.execute(select(School)).first() is None


@pytest.mark.parametrize("arguments", [[], ["--instance", "--school", "Realschule Nord"]])
def test_admin_create_needs_either_a_school_or_instance(runner: CliRunner, arguments: list[str]) -> None:
    result = runner.invoke(cli, ["admin", "create", "--email", "a@b.example", *arguments])
    assert result.exit_code == 2
    assert "--school" in result.output and "--instance" in result.output
