"""Scoring every item type, against values worked out by hand."""

from __future__ import annotations

import pytest

from app.packs.compiler import SourceFile, compile_pack
from app.packs.diagnostics import Report
from app.practice.normalise import normalise_text
from app.practice.scoring import AnswerError, score_answer

PACK = """---
id: probe
title: Probe
version: 1.0.0
language: de
---
"""

ITEMS = """
::: multiple {#multi}
Welche?
- [x] A
- [x] B
- [ ] C
- [ ] D

> [!EXPLAIN]
> x
:::

::: order {#steps}
Reihenfolge?
1. eins
2. zwei
3. drei
4. vier

> [!EXPLAIN]
> x
:::

::: short {#word}
Wort?
- Impressum
- das Impressum

> [!EXPLAIN]
> x
:::

::: clue {#marks}
Welche Wörter?

Jetzt ==sofort teilen== bevor es ==zu spät== ist heute

> [!EXPLAIN]
> x
:::

::: technique {#trick answer=emotion options=emotion,trolling}
Trick?

> [!EXPLAIN]
> x
:::
"""


@pytest.fixture(scope="module")
def pack() -> dict:
    report = Report()
    compiled = compile_pack([SourceFile("pack.md", PACK), SourceFile("01.md", ITEMS)], report)
    assert compiled is not None, [str(d) for d in report.sorted()]
    return compiled


def item(pack: dict, key: str) -> dict:
    return next(i for i in pack["items"] if i["key"] == key)


@pytest.mark.parametrize(
    ("chosen", "score", "right"),
    [
        (["1", "2"], 1.0, True),
        (["1"], 0.5, False),  # one of two right: +1/2
        (["1", "3"], 0.0, False),  # +1/2 - 1/2
        (["1", "2", "3"], 0.5, False),  # +1 - 1/2
        (["3", "4"], 0.0, False),  # never below zero
    ],
)
def test_multiple_choice_partial_credit(pack: dict, chosen: list[str], score: float, right: bool) -> None:
    scored = score_answer(pack, item(pack, "multi"), {"option": chosen})
    assert (scored.score, scored.is_correct) == (score, right)


def test_multiple_choice_needs_a_choice(pack: dict) -> None:
    with pytest.raises(AnswerError):
        score_answer(pack, item(pack, "multi"), {"option": ["99"]})


def test_order_scores_the_share_at_the_right_place(pack: dict) -> None:
    steps = item(pack, "steps")
    ids = [e["id"] for e in steps["entries"]]
    right = {f"pos-{entry}": [str(n)] for n, entry in enumerate(ids, start=1)}
    assert score_answer(pack, steps, right).score == 1.0
    swapped = dict(right, **{f"pos-{ids[0]}": ["2"], f"pos-{ids[1]}": ["1"]})
    scored = score_answer(pack, steps, swapped)
    assert (scored.score, scored.is_correct) == (0.5, False)
    with pytest.raises(AnswerError):
        score_answer(pack, steps, dict(right, **{f"pos-{ids[0]}": ["2"]}))  # two entries at place 2
    assert steps["shown_order"] != ids  # pupils never start from the solution


def test_short_text_is_normalised(pack: dict) -> None:
    short = item(pack, "word")
    assert score_answer(pack, short, {"text": ["  IMPRESSUM! "]}).is_correct is True
    assert score_answer(pack, short, {"text": ["Das   Impressum"]}).is_correct is True
    assert score_answer(pack, short, {"text": ["Impressionismus"]}).is_correct is False
    assert normalise_text("Ｉｍｐｒｅｓｓｕｍ") == "impressum"  # full-width letters (NFKC)
    with pytest.raises(AnswerError):
        score_answer(pack, short, {"text": ["   "]})


def test_spot_the_clue(pack: dict) -> None:
    clue = item(pack, "marks")
    words = [t["text"] for t in clue["tokens"]]
    assert clue["spans"] == 2
    index = {w: i for i, w in enumerate(words)}
    both = {"word": [str(index["sofort"]), str(index["spät"])]}
    assert score_answer(pack, clue, both).is_correct is True
    one = score_answer(pack, clue, {"word": [str(index["teilen"])]})
    assert (one.score, one.is_correct) == (0.5, False)
    # Words outside the marks: "Jetzt bevor es ist heute" are 5; one stray costs 1/5.
    stray = score_answer(pack, clue, {"word": [str(index["sofort"]), str(index["spät"]), str(index["Jetzt"])]})
    assert (stray.score, stray.is_correct) == (0.8, False)


def test_technique_choice(pack: dict) -> None:
    trick = item(pack, "trick")
    assert [o["id"] for o in trick["options"]] == ["emotion", "trolling"]
    assert score_answer(pack, trick, {"option": ["emotion"]}).is_correct is True
    assert score_answer(pack, trick, {"option": ["trolling"]}).is_correct is False
    with pytest.raises(AnswerError):
        score_answer(pack, trick, {"option": ["conspiracy"]})  # not offered
