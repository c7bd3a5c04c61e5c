"""`lupe packs check`, and a broken shipped pack that must not stop the app."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from app.cli import cli, upgrade_database
from app.db import Database
from app.packs.library import pack_folders, sync_shipped_packs
from app.packs.models import Pack
from app.settings import Settings
from tests.conftest import LESSONS

DIAGNOSTIC_LINE = re.compile(
    r"^(?P<path>\S+):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning)\[(?P<code>[A-Z]+\d{3})\] .+$"
)

PACK = """---
id: {key}
title: Probe
version: 1.0.0
language: de
---

Einleitung.
"""

GOOD_ITEMS = """::: verdict {#eins answer=Fake technique=emotion}
Stimmt das?

> [!CLUE]
> Hinweis

> [!EXPLAIN]
> Erklärung
:::
"""

BROKEN_ITEMS = """::: verdict {#eins answer=Fake technique=emotion}
Stimmt das?

> [!CLUE]
> Hinweis
:::

::: verdict {#zwei answer=Vielleicht}
Und das?

> [!EXPLAIN]
> Erklärung
:::
"""  # 'eins' has no explanation (line 1); 'zwei' has an answer that is no verdict (line 8, col 20)


def write_pack(folder: Path, key: str, items: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "pack.md").write_text(PACK.format(key=key), encoding="utf-8")
    (folder / "01-items.md").write_text(items, encoding="utf-8")
    return folder


def check(*paths: str) -> tuple[int, list[str], str]:
    result = CliRunner().invoke(cli, ["packs", "check", *paths])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout.splitlines(), result.stderr


def test_shipped_lessons_pass() -> None:
    code, lines, summary = check(str(LESSONS))
    assert code == 0
    assert lines == []
    assert f"{len(pack_folders([LESSONS]))} pack(s) checked, 0 error(s)" in summary


def test_a_single_pack_folder_can_be_checked() -> None:
    code, lines, summary = check(str(LESSONS / "echt-oder-erfunden"))
    assert code == 0
    assert "1 pack(s) checked" in summary


def test_broken_pack_exits_1_with_file_line_col_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_pack(tmp_path / "packs" / "kaputt", "kaputt", BROKEN_ITEMS)
    write_pack(tmp_path / "packs" / "heil", "heil", GOOD_ITEMS)
    monkeypatch.chdir(tmp_path)
    code, lines, summary = check("packs")
    assert code == 1
    assert lines, summary
    for line in lines:
        assert DIAGNOSTIC_LINE.match(line), line
    errors = [line for line in lines if ": error[" in line]
    assert errors == [
        "packs/kaputt/01-items.md:1:1: error[ITEM005] verdict 'eins' has no explanation: add a '> [!EXPLAIN]' callout",
        "packs/kaputt/01-items.md:8:20: error[ITEM004] answer 'Vielleicht' of verdict 'zwei'"
        " is not one of this pack's verdicts: Fakt, Fake",
    ]
    assert not any("packs/heil" in line for line in lines)
    assert "2 pack(s) checked, 2 error(s)" in summary


def test_warnings_alone_do_not_fail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_pack(tmp_path / "warn", "warn", GOOD_ITEMS.replace("> [!CLUE]\n> Hinweis\n\n", ""))
    monkeypatch.chdir(tmp_path)
    code, lines, _ = check("warn")
    assert code == 0
    assert lines and all(": warning[" in line for line in lines)


@pytest.mark.parametrize("kind", ["empty-folder", "missing-path", "folder-of-markdown"])
def test_a_path_without_packs_exits_1_with_a_message(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "nothing"
    if kind != "missing-path":
        target.mkdir()
    if kind == "folder-of-markdown":
        (target / "notes.md").write_text("# no pack here\n", encoding="utf-8")
    code, lines, message = check(str(target))
    assert code == 1
    assert lines == []
    assert "no pack found" in message and str(target) in message


def test_a_broken_pack_does_not_stop_loading_the_others(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    lessons = tmp_path / "lessons"
    write_pack(lessons / "a-kaputt", "kaputt", BROKEN_ITEMS)
    write_pack(lessons / "b-heil", "heil", GOOD_ITEMS)
    data = tmp_path / "data"
    settings = Settings(data_dir=data, secret_key="test-secret-key", lessons_dir=lessons)
    upgrade_database(settings)
    database = Database.from_settings(settings)
    try:
        with caplog.at_level(logging.WARNING, logger="app.packs.library"):
            checked = sync_shipped_packs(database, lessons)
        with database.read_session() as db:
            keys = set(db.execute(select(Pack.key)).scalars())
    finally:
        database.close()
    assert keys == {"heil"}
    assert [c.compiled is not None for c in checked] == [False, True]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    broken_file = str(lessons / "a-kaputt" / "01-items.md")
    assert f"{broken_file}:1:1: error[ITEM005]" in "\n".join(errors)
    assert f"{broken_file}:8:20: error[ITEM004]" in "\n".join(errors)
    assert any("a-kaputt" in message and "skipped" in message for message in errors)
