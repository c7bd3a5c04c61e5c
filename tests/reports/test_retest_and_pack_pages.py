"""Retest comparison, the pack report and a pupil's own progress, over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import create_class, html, join, new_client, open_pack, pack_id_by_key
from tests.reports.conftest import PACK, RETEST_PACK, World, answer, pupil


def keys_of(world: World, pack_key: str) -> tuple[list[str], list[str]]:
    """The real and the fake verdict items of a shipped pack."""
    lupe = world.app.state.lupe
    with lupe.db.read_session() as db:
        from app.packs.models import Pack

        pack = db.get(Pack, pack_id_by_key(world.admin, pack_key))
        compiled = lupe.packs.get(db, pack.current_version_id)
    real = [i["key"] for i in compiled["items"] if i.get("answer") == compiled["verdicts"][0]]
    fake = [i["key"] for i in compiled["items"] if i.get("answer") == compiled["verdicts"][1]]
    return real, fake


def row(page: Any, name: str) -> list[str]:
    for tr in page.select("tbody tr"):
        th = tr.find("th")
        if th and th.get_text(" ", strip=True).startswith(name):
            return [td.get_text(" ", strip=True) for td in tr.find_all("td")]
    raise AssertionError(name)


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_retest_comparison_by_hand(world: World) -> None:
    post = open_pack(world.owner, world.class_id, RETEST_PACK, kind="post", retest_of=str(world.assignment_id))
    _, ada = pupil(world, "Ada")
    _, ben = pupil(world, "Ben")
    real_a, fake_a = keys_of(world, PACK)
    real_b, fake_b = keys_of(world, RETEST_PACK)
    answer(world, world.assignment_id, ada, {key: ("Fake", None) for key in real_a + fake_a})
    answer(world, world.assignment_id, ben, {k: ("Fact", None) for k in real_a[:4]})
    answer(world, world.assignment_id, ben, {k: ("Fake", None) for k in fake_a[:2]})
    answer(world, world.assignment_id, ben, {k: ("Fact", None) for k in fake_a[2:4]})
    answer(world, post, ada, {k: ("Fact", None) for k in real_b} | {k: ("Fake", None) for k in fake_b})
    world.owner.cookies.set("lupe_lang", "en")
    response = world.owner.get(f"/teacher/retests/{world.assignment_id}")
    assert response.status_code == 200
    page = html(response)
    # Pre: Ada d′ 0, c −1.5932; Ben d′ 1.2816, c 0.6408 → means 0.64 and −0.48; real (0 + 1)/2, fakes (1 + 0.5)/2
    assert row(page, "Pre-test")[1:] == ["2", "63 %", "50 %", "75 %", "0.64", "−0.48"]
    # Post: Ada alone, all right: H = 8.5/9 → z 1.5932, FA = 0.5/9 → z −1.5932: d′ 3.19, c 0
    assert row(page, "Post-test")[1:] == ["1", "100 %", "100 %", "100 %", "3.19", "0.00"]
    # Only Ada took both rounds
    assert row(page, "Ada")[0].startswith("d′ 0.00 · c −1.59")
    assert row(page, "Ada")[1] == "d′ 3.19 · c 0.00"
    assert "Ben" not in [th.get_text(strip=True) for th in page.select("tbody th")]
    assert page.select_one("svg.rounds title").get_text() == "Real news and fakes recognised, round by round"
    world.owner.cookies.set("lupe_lang", "de")
    assert world.owner.get(f"/teacher/retests/{world.assignment_id}").status_code == 200


def test_retest_page_only_for_pre_tests_of_ones_own_class(world: World) -> None:
    post = open_pack(world.owner, world.class_id, RETEST_PACK, kind="post", retest_of=str(world.assignment_id))
    assert world.owner.get(f"/teacher/retests/{post}").status_code == 404
    for who in (world.colleague, world.stranger, world.stranger_admin):
        assert who.get(f"/teacher/retests/{world.assignment_id}").status_code == 404
    assert world.admin.get(f"/teacher/retests/{world.assignment_id}").status_code == 200


@pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_pack_report_is_anonymous_and_needs_groups_of_five(world: World) -> None:
    _, fake = keys_of(world, PACK)
    for name in ("Ada", "Ben", "Cem", "Dan", "Eva"):
        _, pupil_id = pupil(world, name)
        answer(world, world.assignment_id, pupil_id, {fake[0]: ("Fact" if name == "Ada" else "Fake", None)})
    small_class, code = create_class(world.owner, "8c")
    small = open_pack(world.owner, small_class, PACK)
    browser = new_client(world.app)
    join(browser, code, "Zoe")
    from sqlalchemy import select

    from app.classroom.models import Pupil

    with world.app.state.lupe.db.read_session() as db:
        zoe = db.execute(select(Pupil.id).where(Pupil.pseudonym == "Zoe")).scalar_one()
    answer(world, small, zoe, {fake[0]: ("Fact", None)})
    pack_id = pack_id_by_key(world.admin, PACK)
    world.admin.cookies.set("lupe_lang", "en")
    response = world.admin.get(f"/teacher/packs/{pack_id}/report")
    assert response.status_code == 200
    page = html(response)
    text = page.get_text(" ")
    for name in ("Ada", "Ben", "Zoe", "7b", "8c"):
        assert name not in text
    assert row(page, "Group 1")[:2] == ["5", "80 %"]  # 4 of 5 right
    assert "1 class with fewer than 5 pupils counts in the total only" in text
    # the technique of that fake: 2 of 6 pupil results wrong overall
    assert "2 of 6" in [td.get_text(" ", strip=True).split(" (")[0] for td in page.select("td")]
    world.admin.cookies.set("lupe_lang", "de")
    assert world.admin.get(f"/teacher/packs/{pack_id}/report").status_code == 200


def test_pack_report_access(world: World) -> None:
    pack_id = pack_id_by_key(world.admin, PACK)
    _, ada = pupil(world, "Ada")
    answer(world, world.assignment_id, ada, {"a-seahorse": ("Fake", None)})
    # A shipped pack's report: school admins only; teachers get 404
    assert world.owner.get(f"/teacher/packs/{pack_id}/report").status_code == 404
    assert world.colleague.get(f"/teacher/packs/{pack_id}/report").status_code == 404
    world.stranger_admin.cookies.set("lupe_lang", "en")
    other = world.stranger_admin.get(f"/teacher/packs/{pack_id}/report")
    assert other.status_code == 200
    assert "No class of your school has answered this pack yet." in other.text  # nothing from school one
    assert world.admin.get("/teacher/packs/999999/report").status_code == 404


def test_pupil_sees_only_their_own_progress(world: World) -> None:
    practice = open_pack(world.owner, world.class_id, "real-or-made-up")
    ada_browser, ada = pupil(world, "Ada")
    ben_browser, ben = pupil(world, "Ben")
    answer(world, world.assignment_id, ada, {"a-seahorse": ("Fake", 100)})
    real, _ = keys_of(world, "real-or-made-up")
    answer(world, practice, ada, {real[0]: ("Fake", None)})
    answer(world, practice, ben, {real[1]: ("Fact", None)})
    ada_browser.cookies.set("lupe_lang", "en")
    response = ada_browser.get("/play/progress")
    assert response.status_code == 200
    page = html(response)
    sections = page.select("section.card")
    assert len(sections) == 2  # the practice and the pre-test
    practice_text = sections[0].get_text(" ", strip=True)
    assert "1/1 real" not in practice_text and "0/1" in practice_text
    assert sections[0].select("ol.mistakes li")  # practice: mistakes with explanations at once
    assert sections[0].select_one(".user-content") is not None
    # the pre-test is still open: no explanations yet
    assert not sections[1].select("ol.mistakes li")
    assert "once the task is over" in sections[1].get_text()
    ben_browser.cookies.set("lupe_lang", "de")
    ben_page = ben_browser.get("/play/progress")
    assert ben_page.status_code == 200
    assert "Ada" not in ben_page.text
    assert not html(ben_page).select("ol.mistakes li")  # Ben made no mistake; Ada's are not his


def test_progress_needs_a_pupil(world: World) -> None:
    assert new_client(world.app).get("/play/progress", follow_redirects=False).status_code in (303, 401, 404)
    assert world.owner.get("/play/progress", follow_redirects=False).status_code in (303, 401, 403, 404)


def test_progress_with_dates_and_closed_tasks(world: World) -> None:
    """Assignments with opening and closing dates (stored and read back) and a closed one."""
    dated = open_pack(
        world.owner, world.class_id, "real-or-made-up", opens_at="2020-01-01T08:00", closes_at="2020-01-02T08:00"
    )
    future = open_pack(world.owner, world.class_id, "satire-or-fake", opens_at="2999-01-01T08:00")
    browser, ada = pupil(world, "Ada")
    real, _ = keys_of(world, "real-or-made-up")
    answer(world, dated, ada, {real[0]: ("Fake", None)})
    world.owner.post(f"/teacher/assignments/{world.assignment_id}/close")
    browser.cookies.set("lupe_lang", "en")
    response = browser.get("/play/progress")
    assert response.status_code == 200
    page = html(response)
    titles = [h2.get_text(strip=True) for h2 in page.select("section.card h2")]
    assert "Satire or fake?" not in titles and len(titles) == 2  # the task that has not started is not shown
    assert all(f"/play/{future}/" not in a["href"] for a in page.select("a"))
    # the dated task is over and the pre-test closed: explanations of mistakes are shown
    assert page.select("ol.mistakes li")


def test_the_pack_page_links_to_the_report_only_for_those_who_may_see_it(world: World) -> None:
    pack_id = pack_id_by_key(world.admin, PACK)
    link = f"/teacher/packs/{pack_id}/report"
    admin_page = html(world.admin.get(f"/teacher/packs/{pack_id}"))
    teacher_page = html(world.owner.get(f"/teacher/packs/{pack_id}"))
    assert admin_page.select_one(f"a[href='{link}']") is not None
    assert teacher_page.select_one(f"a[href='{link}']") is None
