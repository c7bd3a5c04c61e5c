"""Property tests: every parser and validator that takes user input answers any input with a result or its own error.

Markdown rendering and whole-pack compiling have their own property tests
(tests/security/test_user_content.py, tests/packs/test_compiler.py); these cover the rest.
The strategies mix arbitrary text with the characters that once broke things: digits that
``str.isdigit`` accepts but ``int`` refuses ("²"), numbers longer than ``int`` reads (4,300
digits), control and direction characters, and years without a UTC time.
"""

from __future__ import annotations

import inspect
import string
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.accounts.services import AccountError, check_email, normalise_email
from app.classroom.assignment_routes import parse_local_time
from app.classroom.assignments import AssignmentError
from app.classroom.pseudonyms import MAX_LENGTH, MIN_LENGTH, clean
from app.packs.compiler import SourceFile, compile_pack
from app.packs.diagnostics import Diagnostic, Report
from app.packs.frontmatter import check_front_matter, split_front_matter
from app.packs.library import check_folder, pack_folders
from app.packs.scanner import parse_attributes, scan_blocks
from app.practice.scoring import AnswerError, score_answer
from app.privacy.retention import BOUNDS, Retention, RetentionError
from app.privacy.retention import parse as parse_retention
from app.reports.csv_export import FORMULA_STARTS, file_name, safe_cell
from app.security.codes import ALPHABET, display, normalise
from app.web.safe_redirect import local_path
from tests.conftest import LESSONS, create_class, join, new_client, open_pack, set_up_school

FEW = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

TRICKY = st.sampled_from(
    ["²", "¹", "٣", "①", "9" * 5000, "-1", "+1", " 1", "1.5", "0", "00", "\x00", "\u202e", "\u200b", "\r\n", "", "ß"]
)
texts = st.one_of(st.text(), TRICKY, st.text(alphabet=string.digits, min_size=1, max_size=8))

# Join and resume codes


@FEW
@given(texts)
def test_normalised_codes_hold_only_ascii_letters_and_digits(raw: str) -> None:
    code = normalise(raw)
    assert len(code) <= 64
    assert all(ch in string.ascii_uppercase + string.digits for ch in code)
    assert normalise(code) == code


@FEW
@given(st.text(alphabet=ALPHABET, min_size=1, max_size=12), st.sampled_from([str.lower, str.upper, display]))
def test_a_code_survives_how_people_type_it(code: str, typed: Any) -> None:
    assert normalise(f"  {typed(display(code))} ") == code


# Pseudonyms


@FEW
@given(st.one_of(texts, st.text(min_size=MIN_LENGTH, max_size=MAX_LENGTH)))
def test_a_pseudonym_is_clean_or_refused_with_a_reason(raw: str) -> None:
    pseudonym, reason = clean(raw)
    if pseudonym is None:
        assert reason in {"too_short", "too_long", "bad_character"}
        return
    assert reason is None
    assert MIN_LENGTH <= len(pseudonym) <= MAX_LENGTH
    assert pseudonym == pseudonym.strip() and "  " not in pseudonym
    assert unicodedata.normalize("NFC", pseudonym) == pseudonym
    assert not any(unicodedata.category(ch) in {"Cc", "Cf", "Co", "Cs", "Zl", "Zp"} for ch in pseudonym)
    assert clean(pseudonym) == (pseudonym, None)


# Answers of every item type


def shipped_items() -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(compiled pack, item) for every item of every shipped pack."""
    found = []
    for folder in pack_folders([LESSONS]):
        compiled = check_folder(folder).compiled
        assert compiled is not None, folder
        found += [(compiled, item) for item in compiled["items"]]
    return found


ITEMS = shipped_items()
TYPES = sorted({item["type"] for _, item in ITEMS})


def fitting_values(pack: dict[str, Any], item: dict[str, Any]) -> list[str]:
    """Values that make a valid answer likely, so the scoring itself is reached."""
    values = [*pack["verdicts"], "1", "2", "50", "75", "100"]
    values += [option["id"] for option in item.get("options", [])]
    values += [str(n) for n in range(len(item.get("tokens", [])) + 1)]
    values += [str(n) for n in range(1, len(item.get("entries", [])) + 1)]
    values += list(item.get("accepted", []))
    return values


@st.composite
def answer_forms(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]]:
    pack, item = draw(st.sampled_from(ITEMS))
    names = ["choice", "option", "text", "word", "confidence", "attempt"]
    names += [f"pos-{entry['id']}" for entry in item.get("entries", [])]
    value = st.one_of(st.sampled_from(fitting_values(pack, item)), texts)
    form = draw(st.dictionaries(st.one_of(st.sampled_from(names), st.text(max_size=8)), st.lists(value, max_size=4)))
    return pack, item, form


def test_every_item_type_is_exercised() -> None:
    every = ["verdict", "compare", "single", "source", "technique", "multiple", "order", "short", "clue", "reflection"]
    assert sorted(every) == TYPES


@settings(max_examples=400, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_forms())
def test_any_answer_form_is_scored_or_refused_with_an_answer_error(
    drawn: tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]],
) -> None:
    pack, item, form = drawn
    try:
        scored = score_answer(pack, item, form)
    except AnswerError as error:
        assert error.code
        return
    assert len(scored.choice) <= 200
    assert scored.confidence in (None, 50, 75, 100)
    if scored.score is None:
        assert item["type"] == "reflection" and scored.is_correct is None
    else:
        assert 0.0 <= scored.score <= 1.0
        assert scored.is_correct == (scored.score == 1.0), (item["type"], scored)


# The opening and closing times of an assignment


@FEW
@given(
    st.one_of(
        texts,
        st.datetimes().map(lambda d: d.isoformat(timespec="minutes")),
        st.datetimes().map(str),
        st.sampled_from(["0001-01-01T00:30", "9999-12-31T23:59", "0001-01-01T00:30+05:00", "2026-03-29T02:30"]),
    ),
    st.sampled_from(["Europe/Berlin", "UTC", "Pacific/Kiritimati", "America/Adak"]),
)
def test_a_form_time_is_a_utc_storable_moment_or_an_assignment_error(value: str, zone: str) -> None:
    try:
        moment = parse_local_time(value, zone)
    except AssignmentError as error:
        assert error.code == "date_format"  # type: ignore[attr-defined]
        return
    if moment is None:
        assert value.strip() == ""
        return
    assert isinstance(moment, datetime) and moment.tzinfo is not None
    moment.astimezone(UTC)  # storing it needs its UTC time


# Lesson pack sources: front matter, fences, attributes


markdownish = st.lists(
    st.sampled_from([*"-:{}#=\"' \n\tab1²", "---\n", ":::", "::: verdict {#a}\n", "> [!HINT]\n", "tries=²"])
).map("".join)


def only_diagnostics(report: Report) -> None:
    assert all(isinstance(d, Diagnostic) for d in report.sorted())


@FEW
@given(st.one_of(markdownish, st.text()))
def test_any_lesson_file_splits_and_scans_into_blocks_or_diagnostics(text: str) -> None:
    report = Report()
    front, body, first_line = split_front_matter(SourceFile("p/01.md", text), report)
    if front is not None:
        check_front_matter("p/01.md", front, report)
    scan_blocks("p/01.md", body, first_line, report)
    only_diagnostics(report)


@FEW
@given(st.one_of(markdownish, st.text()).map(lambda t: "{" + t + "}"))
def test_any_attribute_text_is_read_or_reported(text: str) -> None:
    report = Report()
    attributes = parse_attributes("p/01.md", 1, 1, text, report)
    only_diagnostics(report)
    assert all(isinstance(value, str) for value in attributes.values.values())


@FEW
@given(st.one_of(markdownish, st.text()))
def test_any_front_matter_is_loaded_or_reported(text: str) -> None:
    report = Report()
    data = check_front_matter("p/pack.md", text, report)
    only_diagnostics(report)
    assert data is None or isinstance(data, dict)


# Redirects, downloads, e-mail addresses, retention rules


@FEW
@given(st.one_of(texts, st.text(alphabet="/\\:.@%?#\t\r\n aZ")))
def test_a_redirect_target_always_stays_on_this_site(target: str) -> None:
    path = local_path(target)
    assert path.startswith("/")
    assert not path.startswith(("//", "/\\"))
    assert not any(ord(ch) < 32 for ch in path)
    parts = urlsplit(path)
    assert not parts.scheme and not parts.netloc


@FEW
@given(st.one_of(texts, st.text(alphabet="=+-@\t\r ab")), st.integers(), st.floats(allow_nan=False))
def test_no_csv_cell_starts_a_formula(text: str, number: int, real: float) -> None:
    assert not safe_cell(text).startswith(FORMULA_STARTS)
    assert safe_cell(number) == str(number) and safe_cell(real) == str(real)


@FEW
@given(st.lists(texts, min_size=1, max_size=3))
def test_download_file_names_are_harmless(parts: list[str]) -> None:
    name = file_name(*parts)
    assert name.endswith(".csv") and len(name) <= 84
    assert all(ch in string.ascii_letters + string.digits + "-_." for ch in name)


@FEW
@given(texts)
def test_e_mail_addresses_are_checked_without_surprises(address: str) -> None:
    normalised = normalise_email(address)
    assert len(normalised) <= 254
    try:
        check_email(normalised)
    except AccountError as error:
        assert error.code == "email"


@FEW
@given(st.fixed_dictionaries({name: st.one_of(texts, st.integers(-5, 1200).map(str)) for name in BOUNDS}))
def test_retention_rules_are_parsed_or_refused_by_name(values: dict[str, str]) -> None:
    try:
        rules = parse_retention(values)
    except RetentionError as error:
        assert error.field in BOUNDS
        return
    assert isinstance(rules, Retention)
    for name, (low, high) in BOUNDS.items():
        assert low <= getattr(rules, name) <= high


# The same over HTTP: the answer form and the request headers never give a 500


@pytest.fixture
def pupil_at_an_item(client: TestClient, app: Any) -> tuple[TestClient, str]:
    set_up_school(client)
    class_id, code = create_class(client)
    assignment_id = open_pack(client, class_id)
    pupil = new_client(app)
    join(pupil, code, "Fuchs")
    return pupil, f"/play/{assignment_id}/items/zocken-iq"


bodies = st.one_of(
    st.binary(max_size=300),
    st.lists(st.tuples(st.sampled_from(["choice", "attempt", "confidence", "x"]), texts), max_size=5).map(
        lambda pairs: "&".join(f"{k}={v}" for k, v in pairs).encode("utf-8", "surrogatepass")
    ),
    st.integers(150, 400).map(lambda n: ("x=1&" * n + "choice=Fake&attempt=1").encode()),
)


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(bodies)
def test_any_answer_body_gets_a_page_not_a_500(pupil_at_an_item: tuple[TestClient, str], body: bytes) -> None:
    pupil, url = pupil_at_an_item
    response = pupil.post(url, content=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code in {200, 400, 409, 413, 422}, response.status_code


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.one_of(st.text(alphabet="0123456789²³¹ -+", min_size=1, max_size=20), st.just("9" * 5000)))
def test_any_content_length_gets_an_answer_not_a_500(client: TestClient, length: str) -> None:
    response = client.post(
        "/join", content=b"code=ABCD", headers={"Content-Length": length.encode("latin-1"), "Accept-Language": "en"}
    )
    assert response.status_code < 500, response.status_code


@pytest.mark.parametrize("tries", ["²", "9" * 5000])
def test_a_tries_attribute_int_cannot_read_is_a_diagnostic(tries: str) -> None:
    pack = "---\nid: probe\ntitle: Probe\nversion: 1.0.0\nlanguage: de\n---\n"
    item = f"::: verdict {{#eins answer=Fake tries={tries}}}\nStimmt das?\n\n> [!EXPLAIN]\n> Darum.\n:::\n"
    report = Report()
    compiled = compile_pack([SourceFile("probe/pack.md", pack), SourceFile("probe/01.md", item)], report)
    assert compiled is None and "ITEM013" in {d.code for d in report.sorted()}


@pytest.mark.parametrize("value", ["0001-01-01T00:30", "0001-01-01T00:30+01:00", "²"])
def test_an_assignment_time_without_a_utc_time_is_refused_not_a_500(client: TestClient, value: str) -> None:
    set_up_school(client)
    class_id, _ = create_class(client)
    response = client.post(f"/teacher/classes/{class_id}/assignments", data={"pack_id": 1, "opens_at": value})
    assert 400 <= response.status_code < 500


# schemathesis: Lupe has no JSON API to run it against, and this keeps it that way knowingly

JSON_ROUTES = {"/healthz"}  # no parameters, nothing to fuzz; its answers are tested in tests/web


def routes_of(app: Any) -> Iterator[Any]:
    """Every route, also those of routers included inside routers."""

    def walk(routes: list[Any]) -> Iterator[Any]:
        for route in routes:
            inner = getattr(route, "original_router", None)
            yield from walk(inner.routes) if inner is not None else [route]

    yield from walk(app.routes)


def speaks_json(route: Any) -> bool:
    """Whether a route answers with JSON: it builds JSON itself, or is a FastAPI route returning data."""
    endpoint = getattr(route, "endpoint", None)
    if endpoint is None:
        return False  # a mount (static files)
    source = inspect.getsource(endpoint)
    if "JSONResponse" in source or "application/json" in source:
        return True
    if not isinstance(route, APIRoute):
        return False
    returns = inspect.signature(endpoint).return_annotation
    names = returns if isinstance(returns, str) else getattr(returns, "__name__", "")
    return not names.endswith("Response")


def test_no_route_speaks_json_without_a_schemathesis_run(app: Any) -> None:
    assert app.openapi_url is None and app.docs_url is None
    routes = list(routes_of(app))
    assert len(routes) > 50  # the walk reached the included routers
    found = {route.path for route in routes if speaks_json(route)}
    assert found == JSON_ROUTES, (
        f"JSON routes {sorted(found - JSON_ROUTES)} are new: give them an OpenAPI schema and run schemathesis "
        "against it in tests/security (see docs/security.md), then list them here"
    )
    health = next(route for route in routes if route.path == "/healthz")
    assert not health.dependant.query_params and not health.dependant.body_params


def test_the_json_check_sees_a_route_that_returns_data(app: Any) -> None:
    @app.get("/probe-data")
    def probe() -> dict[str, str]:
        return {"pupil": "x"}

    assert any(speaks_json(route) for route in routes_of(app) if route.path == "/probe-data")


def test_no_schema_or_api_docs_are_served(client: TestClient) -> None:
    for path in ("/openapi.json", "/docs", "/redoc"):
        assert client.get(path).status_code == 404
