"""Moodle GIFT export: exact output for a small pack, escaping, skipped items, the download."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from app.i18n import gettext_for
from app.packs.compiler import SourceFile, compile_pack
from app.packs.diagnostics import Report
from app.packs.gift import escape, html_to_text, item_to_gift, pack_to_gift
from tests.conftest import create_class, pack_id_by_key, set_up_school
from tests.practice.test_item_types import store_doc_pack

PACK_MD = """---
id: gift-probe
title: GIFT-Probe
version: 1.0.0
language: de
verdicts: [Fakt, Fake, Satire]
---

Nur für Lehrkräfte.
"""

ITEMS_MD = r"""
::: post {author="Tante Erna" handle="@erna" time="gestern" likes=12}
Heute 50 % Rabatt: {Sonderangebot} für alle ~ Leser = Freunde #glück \ :-)

// kein Kommentar
:::

::: verdict {#rabatt answer=Fake technique=hidden-advertising}
Ist dieser Post echt?

> [!CLUE]
> Ein Rabatt ohne Absender.

> [!EXPLAIN]
> Das ist **versteckte Werbung**.

> [!TEACHER]
> Nur für die Lehrkraft.
:::

::: single {#zuerst}
Was tust du zuerst?
- [ ] Teilen
  > Erst prüfen!
- [x] Innehalten
  > Genau.

> [!EXPLAIN]
> Innehalten hilft.
:::

::: multiple {#zeichen}
Welche Warnzeichen gibt es?
- [x] Keine Quelle
- [x] Zeitdruck
- [x] Großbuchstaben
- [ ] Ein Datum
- [ ] Ein Foto

> [!EXPLAIN]
> Ein Datum ist kein Warnzeichen.
:::

::: short {#impressum}
Wie heißt die Seite mit dem Betreiber?
- Impressum
- das Impressum*

> [!EXPLAIN]
> Dort steht, wer verantwortlich ist.
:::

::: technique {#trick answer=emotion options=emotion,trolling}
Welcher Trick?

> [!EXPLAIN]
> Gefühle.
:::

::: headline {source="Tagesblick"}
Radwege werden gefördert
:::

::: headline {source="Tagesblick24.info"}
Autos VERBOTEN!!!
:::

::: compare {#radwege answer=1}
Welche Schlagzeile ist echt?

> [!EXPLAIN]
> Die zweite übertreibt.
:::

::: order {#schritte}
In welcher Reihenfolge?
1. Innehalten
2. Prüfen

> [!EXPLAIN]
> Erst innehalten.
:::

::: clue {#woerter}
Welche Wörter drängen?

Jetzt ==sofort== teilen!

> [!EXPLAIN]
> Zeitdruck.
:::

::: reflection {#gedanken}
Was denkst du?

> [!EXPLAIN]
> Jeder irrt sich mal.
:::
"""

# Read by Moodle: blank lines part questions; "\n" (two characters) is a line break, used where a
# real one would start a line with "//", which Moodle takes for a comment.
EXPECTED = r"""// GIFT-Probe (gift-probe 1.0.0), exported from Lupe
// skipped schritte: GIFT has no question type for putting steps in order
// skipped woerter: GIFT has no question type for marking words in a text

::rabatt::[plain]Tante Erna · @erna · gestern
Heute 50 % Rabatt\: \{Sonderangebot\} für alle \~ Leser \= Freunde \#glück \\ \:-)\n// kein Kommentar
♥ 12
Ist dieser Post echt?
{
~Fakt
=Fake
~Satire
####Das ist versteckte Werbung.
}

::zuerst::[plain]Was tust du zuerst?
{
~Teilen#Erst prüfen!
=Innehalten#Genau.
####Innehalten hilft.
}

::zeichen::[plain]Welche Warnzeichen gibt es?
{
~%33.33333%Keine Quelle
~%33.33333%Zeitdruck
~%33.33333%Großbuchstaben
~%-50%Ein Datum
~%-50%Ein Foto
####Ein Datum ist kein Warnzeichen.
}

::impressum::[plain]Wie heißt die Seite mit dem Betreiber?
{
=Impressum
=das Impressum\*
####Dort steht, wer verantwortlich ist.
}

::trick::[plain]Welcher Trick?
{
=Gefühle aufwühlen
~Trollen
####Gefühle.
}

::radwege::[plain]Version 1\:
Tagesblick
Radwege werden gefördert
Version 2\:
Tagesblick24.info
Autos VERBOTEN!!!
Welche Schlagzeile ist echt?
{
=Version 1
~Version 2
####Die zweite übertreibt.
}

::gedanken::[plain]Was denkst du?
{
####Jeder irrt sich mal.
}
"""


def compiled_pack() -> dict[str, Any]:
    report = Report()
    compiled = compile_pack([SourceFile("pack.md", PACK_MD), SourceFile("01.md", ITEMS_MD)], report)
    assert compiled is not None, report.sorted()
    return compiled


def test_a_small_pack_exports_exactly() -> None:
    assert pack_to_gift(compiled_pack(), "de") == EXPECTED


def test_teacher_notes_and_the_introduction_stay_out_of_the_file() -> None:
    gift = pack_to_gift(compiled_pack(), "de")
    assert "Nur für die Lehrkraft" not in gift
    assert "Nur für Lehrkräfte" not in gift


def test_every_control_character_is_escaped() -> None:
    assert escape("a~b=c#d{e}f:g\\h") == r"a\~b\=c\#d\{e\}f\:g\\h"
    assert escape("50 % (ohne Sonderzeichen)") == "50 % (ohne Sonderzeichen)"


def test_technique_labels_follow_the_language() -> None:
    item = next(i for i in compiled_pack()["items"] if i["key"] == "trick")
    assert "\n=Gefühle aufwühlen\n~Trollen\n" in item_to_gift(item, [], gettext_for("de")[0])
    assert "\n=Stirring up emotions\n~Trolling\n" in item_to_gift(item, [], gettext_for("en")[0])


def test_html_becomes_plain_text_lines() -> None:
    html = (
        "<p>Ein <strong>Post</strong> &amp; mehr<br>zweite Zeile</p><ul><li>eins</li><li>zwei</li></ul>"
        '<ol start="3"><li>drei</li></ol><p><a href="https://example.org/a">Quelle</a></p>'
    )
    assert html_to_text(html) == [
        "Ein Post & mehr",
        "zweite Zeile",
        "- eins",
        "- zwei",
        "3. drei",
        "Quelle (https://example.org/a)",
    ]


def test_the_format_doc_pack_exports_every_fitting_item(client: TestClient, app: Any) -> None:
    set_up_school(client)
    class_id, _ = create_class(client)
    pack_id, compiled = store_doc_pack(app)
    gift = client.get(f"/teacher/packs/{pack_id}/gift").text
    assert [line for line in gift.splitlines() if line.startswith("// skipped")] == [
        "// skipped zeitdruck: GIFT has no question type for marking words in a text",
        "// skipped pruefschritte: GIFT has no question type for putting steps in order",
    ]
    titles = [line.split("::")[1] for line in gift.splitlines() if line.startswith("::")]
    assert titles == [item["key"] for item in compiled["items"] if item["type"] not in ("clue", "order")]
    assert "Gut für das Gespräch" not in gift  # the [!TEACHER] note of 'handyverbot'


def test_the_download_has_a_file_name(client: TestClient) -> None:
    set_up_school(client)
    response = client.get(f"/teacher/packs/{pack_id_by_key(client, 'echt-oder-erfunden')}/gift")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="echt-oder-erfunden.gift.txt"'
    assert response.text.startswith("// Echt oder erfunden? (echt-oder-erfunden 1.0.0), exported from Lupe\n")
    assert response.text.count("\n::") == 14
