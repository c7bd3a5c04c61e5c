"""Exports: formula-safe CSV cells, safe file names, JSON beside CSV, bounded memory for a big school."""

from __future__ import annotations

import csv
import io
import json
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update

from app.classroom.models import Pupil
from app.db import Database
from app.practice.models import Answer
from app.privacy.export import Scope, download_name, safe_cell, write_export
from tests.privacy.world import build_school


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+2", "'=1+2"),
        ("+49 170", "'+49 170"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Fuchs", "Fuchs"),
        ("Übermut", "Übermut"),
        (-3, -3),
        (None, None),
    ],
)
def test_cells_that_spreadsheets_would_run_are_neutralised(value: object, shown: object) -> None:
    assert safe_cell(value) == shown


def test_json_values_in_cells_are_text() -> None:
    assert safe_cell({"text": "=1"}) == '{"text": "=1"}'


@pytest.mark.parametrize("key", ['a"; filename=x.exe', "x\r\nSet-Cookie: a=b", "../../etc", "ä€"])
def test_download_names_hold_only_safe_characters(key: str) -> None:
    from datetime import date

    name = download_name(Scope("pupil", key, 1), date(2026, 11, 25))
    assert name.startswith("lupe-pupil-") and name.endswith("-2026-11-25.zip")
    assert all(c.isascii() and (c.isalnum() or c in "-.") for c in name)


def read_csv(archive: zipfile.ZipFile, name: str) -> list[dict[str, str]]:
    raw = archive.read(name)
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: spreadsheets read umlauts right
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_a_class_export_neutralises_formulas_and_keeps_json_exact(database: Database, tmp_path: Path) -> None:
    with database.writing() as db:
        world = build_school(db, "Gamma")
        db.execute(update(Pupil).where(Pupil.id == world.pupil_ids[0]).values(pseudonym="=cmd|' /C calc'!A0"))  # type: ignore[arg-type]
        db.execute(update(Answer).where(Answer.pupil_id == world.pupil_ids[1]).values(choice="@Füchse"))  # type: ignore[arg-type]
    target = tmp_path / "class.zip"
    with database.read_session() as db:
        write_export(db, Scope("class", world.class_ids[0], world.school_id), target)
    archive = zipfile.ZipFile(target)
    pupils = read_csv(archive, "pupils.csv")
    assert "'=cmd|' /C calc'!A0" in [p["pseudonym"] for p in pupils]
    answers = read_csv(archive, "answers.csv")
    assert "'@Füchse" in {a["choice"] for a in answers}
    as_json = json.loads(archive.read("answers.json"))
    assert len(as_json) == len(answers) == 10
    assert "@Füchse" in {a["choice"] for a in as_json}
    texts = [a["response"]["text"] for a in as_json if a["response"]]
    assert texts and all(t.startswith("Ich heiße") for t in texts)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["scope"] == "class" and "answers.csv" in manifest["files"]


def test_a_big_school_exports_in_bounded_memory(database: Database, tmp_path: Path) -> None:
    with database.writing() as db:
        world = build_school(db, "Delta")
        template = db.execute(select(Answer).where(Answer.pupil_id == world.pupil_ids[0]).limit(1)).scalar_one()  # type: ignore[arg-type]
        row = {c: getattr(template, c) for c in Answer.model_fields if c not in ("id", "attempt")}
        row["response"] = {"text": "x" * 200}
        db.execute(insert(Answer), [{**row, "attempt": n} for n in range(2, 20_002)])
    target = tmp_path / "school.zip"
    tracemalloc.start()
    started = time.perf_counter()
    with database.read_session() as db:
        write_export(db, Scope("school", world.school_id, world.school_id), target)
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"20,000 answers exported in {seconds:.1f} s (traced), peak {peak / 1e6:.1f} MB")
    assert peak < 10e6  # rows are streamed; building the zip in memory would need far more
    with zipfile.ZipFile(target) as archive:
        assert archive.getinfo("answers.csv").file_size > 20_000 * 200
