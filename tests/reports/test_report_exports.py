"""CSV and printable report of a class's assignment."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select, update

from app.classroom.models import Pupil
from tests.conftest import html
from tests.reports.conftest import World, answer, pupil


def test_pupils_csv(world: World) -> None:
    _, mia = pupil(world, "Mia")
    answer(world, world.assignment_id, mia, {"a-seahorse": ("Fact", 100), "a-summer-holidays": ("Fact", 50)})
    world.owner.cookies.set("lupe_lang", "en")
    response = world.owner.get(f"/teacher/assignments/{world.assignment_id}/report.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="7b-headline-test-a-pupils.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Pseudonym", "Items answered", "Items", "Accuracy"]
    # Mia: 2 answered, 1 right; real 1/1, fakes 0/1; H = 0.5/2 = 0.25, FA = 0.5/2 = 0.25 → d′ 0, c 0.674
    # Brier ((1 − 1)² + (0.5 − 0)²) / 2 = 0.125; over-confidence 0.75 − 0.5 = 0.25
    assert rows[1] == ["Mia", "2", "16", "0.5", "1.0", "0.0", "0.0", "0.674", "0.125", "0.25", "0"]


def test_items_csv(world: World) -> None:
    _, mia = pupil(world, "Mia")
    answer(world, world.assignment_id, mia, {"a-seahorse": ("Fake", None)})
    response = world.owner.get(f"/teacher/assignments/{world.assignment_id}/report.csv?part=items")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 17  # a header and 16 items
    assert rows[1][0] == "1" and rows[1][3:5] == ["1", "0.0"] and rows[1][-2:] == ["Fake", "1"]
    assert world.owner.get(f"/teacher/assignments/{world.assignment_id}/report.csv?part=evil").status_code in (
        400,
        422,
    )


def test_csv_neutralises_formulas_in_pseudonyms(world: World) -> None:
    _, mia = pupil(world, "Mia")
    with world.app.state.lupe.db.writing() as db:  # a pseudonym the join form would refuse, written directly
        db.execute(update(Pupil).where(Pupil.id == mia).values(pseudonym="=HYPERLINK(1)"))
    response = world.owner.get(f"/teacher/assignments/{world.assignment_id}/report.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][0] == "'=HYPERLINK(1)"


def test_printable_report(world: World) -> None:
    _, mia = pupil(world, "Mia")
    answer(world, world.assignment_id, mia, {"a-seahorse": ("Fake", None), "a-pyramids": ("Fact", None)})
    for language in ("en", "de"):
        world.owner.cookies.set("lupe_lang", language)
        response = world.owner.get(f"/teacher/assignments/{world.assignment_id}/report/print")
        assert response.status_code == 200
        page = html(response)
        assert page.select_one("body")["class"] == ["printout"]
        assert any("print.css" in link["href"] for link in page.select("link[media=print]"))
        assert page.select_one(".report-links") is None  # no links on paper
        assert len(page.select("details")) == 3
        assert all(details.has_attr("open") for details in page.select("details"))  # paper shows everything


def test_views_and_exports_are_audited_without_pseudonyms(world: World) -> None:
    from app.privacy.models import AuditEntry

    _, mia = pupil(world, "Mia")
    world.owner.get(f"/teacher/assignments/{world.assignment_id}/report")
    world.owner.get(f"/teacher/assignments/{world.assignment_id}/report.csv")
    with world.app.state.lupe.db.read_session() as db:
        entries = db.execute(select(AuditEntry.action, AuditEntry.subject_type, AuditEntry.subject_id)).all()
    assert ("report.view", "assignment", str(world.assignment_id)) in entries
    assert ("report.export", "assignment", str(world.assignment_id)) in entries
    assert all("Mia" not in str(entry) for entry in entries)
