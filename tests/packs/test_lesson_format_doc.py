"""docs/lesson-format.md: its examples compile, and it lists every message code."""

from __future__ import annotations

import re

from app.packs.compiler import SourceFile, compile_pack
from app.packs.diagnostics import Report
from app.settings import PROJECT_ROOT

DOC = (PROJECT_ROOT / "docs" / "lesson-format.md").read_text()


def markdown_examples() -> list[str]:
    return re.findall(r"```markdown\n(.*?)```", DOC, flags=re.DOTALL)


def test_the_documented_example_pack_compiles_cleanly() -> None:
    pack_md, items_md = markdown_examples()[:2]
    report = Report()
    compiled = compile_pack([SourceFile("pack.md", pack_md), SourceFile("01.md", items_md)], report)
    assert report.sorted() == []
    assert compiled is not None
    assert compiled["items"][0]["key"] == "handyverbot"
    assert compiled["items"][0]["stimuli"][0]["type"] == "headline"


def test_every_documented_example_compiles_and_every_type_has_one() -> None:
    pack_md, *examples = markdown_examples()
    types = set()
    for number, example in enumerate(examples, start=1):
        report = Report()
        compiled = compile_pack([SourceFile("pack.md", pack_md), SourceFile(f"{number:02}.md", example)], report)
        problems = [str(d) for d in report.sorted() if d.code != "ITEM011"]
        assert problems == [], f"example {number} of docs/lesson-format.md"
        assert compiled is not None
        types |= {item["type"] for item in compiled["items"]}
    from app.packs.vocabulary import ITEM_TYPES

    assert types == set(ITEM_TYPES)


def test_every_message_code_in_the_code_is_documented() -> None:
    sources = "".join(p.read_text() for p in (PROJECT_ROOT / "app" / "packs").glob("*.py"))
    used = set(re.findall(r'"((?:PACK|BLOCK|ATTR|ITEM|CALLOUT|FILE|MEDIA|ZIP)\d{3})"', sources))
    documented = set(re.findall(r"\b((?:PACK|BLOCK|ATTR|ITEM|CALLOUT|FILE|MEDIA|ZIP)\d{3})\b", DOC))
    assert used - documented == set()
