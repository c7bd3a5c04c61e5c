"""The report pages over HTTP: values from a small made-up class, both languages, and who may see them."""

from __future__ import annotations

import pytest

from tests.conftest import html, new_client, pack_id_by_key
from tests.reports.conftest import PACK, World, answer, pupil

REAL = ["a-seahorse", "a-sunlight", "a-baby-bones", "a-france-brazil", "a-moth", "a-vikings", "a-banana", "a-lightning"]
FAKE = [
    "a-summer-holidays",
    "a-chewing-gum",
    "a-smoking-gran",
    "a-pyramids",
    "a-study-capsules",
    "a-pineapple-pizza",
    "a-sun-cream",
    "a-snow-day",
]


def made_up_class(world: World) -> dict[str, str]:
    """Ada calls all 16 headlines fake, very sure; Ben calls 4 real ones real and 2 of 4 fakes fake; Cem waits."""
    _, ada = pupil(world, "Ada")
    _, ben = pupil(world, "Ben")
    _, cem = pupil(world, "Cem")
    answer(world, world.assignment_id, ada, {key: ("Fake", 100) for key in REAL + FAKE})
    ben_answers = {key: ("Fact", None) for key in REAL[:4]}
    ben_answers.update({FAKE[0]: ("Fake", None), FAKE[1]: ("Fake", None)})
    ben_answers.update({FAKE[2]: ("Fact", None), FAKE[3]: ("Fact", None)})
    answer(world, world.assignment_id, ben, ben_answers)
    return {"ada": ada, "ben": ben, "cem": cem}


def cells(page, row_name: str) -> list[str]:  # noqa: ANN001
    for row in page.select("table.figures tbody tr"):
        header = row.find("th")
        if header and header.get_text(" ", strip=True).startswith(row_name):
            return [cell.get_text(" ", strip=True) for cell in row.find_all("td")]
    raise AssertionError(f"no row {row_name}")


def figures(page) -> dict[str, str]:  # noqa: ANN001
    found = page.select("ul.report-figures")[0].select("li")
    names = [li.select_one(".figure-name").get_text(strip=True) for li in found]
    return dict(zip(names, [li.select_one(".figure-value").get_text() for li in found], strict=True))


BOTH_DATABASES = pytest.mark.parametrize(
    "database_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@BOTH_DATABASES
def test_class_report_matches_a_hand_computation(world: World) -> None:
    made_up_class(world)
    world.owner.cookies.set("lupe_lang", "en")
    response = world.owner.get(f"/teacher/assignments/{world.assignment_id}/report")
    assert response.status_code == 200
    page = html(response)
    # Ada: real 0/8, fakes 8/8; H = 8.5/9 = 0.9444, FA = 8.5/9 → z = 1.5932 both: d′ = 0, c = −1.5932
    # Brier: 8 right and 8 wrong at p = 1 → 8/16 = 0.5; over-confidence 1 − 0.5 = 0.5; accuracy 8/16
    assert cells(page, "Ada") == ["16/16", "50 %", "0/8", "8/8", "0.00", "−1.59", "0.50", "0.50"]
    warned = [th.get_text(" ", strip=True) for th in page.select("tbody th") if th.select_one(".visually-hidden")]
    assert warned == ["Ada ⚠ calls true news fake too readily"]  # Ada only: Ben's c is above 0
    # Ben: real 4/4, fakes 2/4: H = 2.5/5 = 0.5 → z = 0; FA = 0.5/5 = 0.1 → z = −1.2816
    # d′ = 1.2816, c = −½(0 − 1.2816) = 0.6408; accuracy 6/8; no confidence given
    assert cells(page, "Ben") == ["8/16", "75 %", "4/4", "2/4", "1.28", "0.64", "–", "–"]
    assert cells(page, "Cem") == ["0/16", "–", "–", "–", "–", "–", "–", "–"]
    # Class (Ada and Ben; Cem has not started): accuracy (50 + 75)/2 = 62.5 → 63 %; real (0 + 1)/2 = 50 %;
    # fakes (1 + 0.5)/2 = 75 %; d′ (0 + 1.2816)/2 = 0.64; c (−1.5932 + 0.6408)/2 = −0.4762 → −0.48
    shown = figures(page)
    assert shown["answers right"] == "63 %"
    assert shown["real news recognised as real"] == "50 %"
    assert shown["fakes recognised as fake"] == "75 %"
    assert shown["discernment d′ (0 = guessing, higher is better)"] == "0.64"
    assert shown["bias c (below 0: says “fake” readily)"] == "−0.48"
    assert shown["Brier score (0 is perfect, 0.25 is guessing)"] == "0.50"
    # c ≤ −0.25 and 50 % < 60 %, both pupils with ≥ 3 real items: the class warning shows
    assert page.select_one(".warning-box h2").get_text(strip=True).startswith("Warning")
    # Items: a-seahorse right for Ben only → facility 50 %; the most chosen wrong answer is "Fake"
    seahorse = cells(page, "In seahorses")
    assert seahorse[:3] == ["1", "2", "50 %"]
    assert seahorse[-1] == "Fake (1 time)"
    assert cells(page, "BREAKING: Summer holidays")[:3] == ["2", "2", "100 %"]  # both said Fake
    assert page.select("svg.heat-map") and page.select("svg.heat-map title")


def test_class_report_in_german(world: World) -> None:
    made_up_class(world)
    world.owner.cookies.set("lupe_lang", "de")
    response = world.owner.get(f"/teacher/assignments/{world.assignment_id}/report")
    assert response.status_code == 200
    page = html(response)
    assert page.find("html")["lang"] == "de"
    assert cells(page, "Ben")[4:6] == ["1,28", "0,64"]
    assert "Warnung" in page.select_one(".warning-box h2").get_text()


def test_empty_class_report(world: World) -> None:
    response = world.owner.get(f"/teacher/assignments/{world.assignment_id}/report")
    assert response.status_code == 200
    assert html(response).select_one(".warning-box") is None


def test_school_admin_sees_the_report(world: World) -> None:
    assert world.admin.get(f"/teacher/assignments/{world.assignment_id}/report").status_code == 200


@pytest.mark.parametrize("who", ["colleague", "stranger", "stranger_admin"])
@pytest.mark.parametrize("suffix", ["/report", "/report.csv", "/report/print"])
def test_other_teachers_get_404(world: World, who: str, suffix: str) -> None:
    made_up_class(world)
    response = getattr(world, who).get(f"/teacher/assignments/{world.assignment_id}{suffix}")
    assert response.status_code == 404
    assert "Ada" not in response.text


def test_pupils_and_anonymous_cannot_see_teacher_reports(world: World) -> None:
    browser, _ = pupil(world, "Ada")
    for url in (
        f"/teacher/assignments/{world.assignment_id}/report",
        f"/teacher/assignments/{world.assignment_id}/report.csv",
        f"/teacher/retests/{world.assignment_id}",
        f"/teacher/packs/{pack_id_by_key(world.admin, PACK)}/report",
    ):
        response = browser.get(url, headers={"HX-Request": "true"}, follow_redirects=False)
        assert response.status_code in (303, 401, 403, 404), url
        anonymous = new_client(world.app).get(url, follow_redirects=False)
        assert anonymous.status_code in (303, 401), url


def test_unknown_assignment_is_404(world: World) -> None:
    assert world.owner.get("/teacher/assignments/999999/report").status_code == 404
    assert world.owner.get("/teacher/assignments/abc/report").status_code in (400, 404, 422)
