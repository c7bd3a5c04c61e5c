"""CSV downloads: formula injection, BOM, file names."""

from __future__ import annotations

import csv
import io

import pytest

from app.reports.csv_export import attachment, csv_bytes, file_name, safe_cell


@pytest.mark.parametrize("dangerous", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x")'])
def test_text_that_could_be_a_formula_is_quoted(dangerous: str) -> None:
    assert safe_cell(dangerous) == "'" + dangerous


def test_harmless_cells_stay_as_they_are() -> None:
    assert safe_cell("Mia") == "Mia"
    assert safe_cell(" =x") == " =x"
    assert safe_cell(None) == ""
    assert safe_cell(True) == "1"
    assert safe_cell(-0.25) == "-0.25"  # our own numbers stay numbers
    assert safe_cell(3) == "3"


def test_csv_is_utf8_with_bom_and_round_trips() -> None:
    data = csv_bytes([["Pseudonym", "d′"], ["Jörg", -0.5], ["=cmd", None]])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["Pseudonym", "d′"], ["Jörg", "-0.5"], ["'=cmd", ""]]
    assert b"\r\n" in data


def test_file_names_cannot_inject_headers() -> None:
    name = file_name('7b"; Klasse\r\nSet-Cookie: x=1', "Übung/../..")
    assert name == "7b-Klasse-Set-Cookie-x-1-Ubung.csv"
    header = attachment("a\nb")["Content-Disposition"]
    assert header == 'attachment; filename="a-b.csv"'
    assert file_name("😀") == "report.csv"
    assert len(file_name("x" * 500)) == 84
