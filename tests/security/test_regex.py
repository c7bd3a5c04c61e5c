"""SECURITY.md #26: no regular expression in app/ can be driven into catastrophic backtracking.

Every pattern written as a literal in app/ (``re.compile``, ``re.search`` …) is found in the
source, checked for nested unbounded repeats (``(a+)+``, ``(a*)*``: the exponential kind), and
run against long hostile inputs within a time limit.
"""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import pytest

from app.settings import PROJECT_ROOT

APP = PROJECT_ROOT / "app"
RE_FUNCTIONS = {"compile", "search", "match", "fullmatch", "sub", "subn", "findall", "finditer", "split"}
UNBOUNDED = sre_parse.MAXREPEAT
REPEATS = (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT)
HOSTILE_LENGTH = 20_000
SECONDS = 0.5


def patterns_in(path: Path) -> list[tuple[str, str | bytes, int]]:
    """(where, pattern, flags) for each literal pattern passed to a function of ``re``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "re"
            and node.func.attr in RE_FUNCTIONS
            and node.args
            and isinstance(node.args[0], ast.Constant)
        ):
            continue
        flags = 0
        for argument in [*node.args[1:], *(k.value for k in node.keywords if k.arg == "flags")]:
            text = ast.unparse(argument)
            flags |= eval(text, {"re": re}) if text.startswith("re.") else 0  # noqa: S307 - re.IGNORECASE and friends
        found.append((f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}", node.args[0].value, flags))
    return found


ALL = [p for path in sorted(APP.rglob("*.py")) for p in patterns_in(path)]


def nested_unbounded(parsed: Any, inside: bool = False) -> bool:
    """Whether an unbounded repeat sits inside another (a heuristic; the timing test is the second wall)."""
    for op, value in parsed:
        if op in REPEATS:
            low, high, body = value
            unbounded = high == UNBOUNDED
            if unbounded and inside:
                return True
            # Each round starting with a fixed character (``(?:-[a-z]+)*``) cannot split the same text two ways.
            separated = bool(body) and body[0][0] == sre_parse.LITERAL
            if nested_unbounded(body, inside or (unbounded and not separated)):
                return True
        elif op == sre_parse.SUBPATTERN:
            if nested_unbounded(value[-1], inside):
                return True
        elif op == sre_parse.BRANCH and any(nested_unbounded(branch, inside) for branch in value[1]):
            return True
    return False


def test_the_patterns_are_found() -> None:
    assert len(ALL) >= 20
    assert any("scanner.py" in where for where, _, _ in ALL)


@pytest.mark.parametrize(("where", "pattern", "flags"), ALL, ids=[where for where, _, _ in ALL])
def test_no_nested_unbounded_repeats(where: str, pattern: str | bytes, flags: int) -> None:
    text = pattern.decode("latin-1") if isinstance(pattern, bytes) else pattern
    assert not nested_unbounded(sre_parse.parse(text, flags)), f"{where}: {pattern!r} can backtrack exponentially"


def hostile_inputs(pattern: str | bytes) -> list[str]:
    """Runs of each character the pattern mentions, of whitespace and letters, with a spoiler at the end.

    Short runs first: an exponential pattern takes seconds at 28 characters (and forever at 20,000).
    """
    text = pattern.decode("latin-1") if isinstance(pattern, bytes) else pattern
    characters = sorted({c for c in text if c.isprintable()} | set(' \t\n-a0.=:"<>,'))
    return [
        run
        for length in (24, 28, HOSTILE_LENGTH)
        for run in [c * length + "\x00!" for c in characters]
        + [" a" * (length // 2) + "\x00", "a=" * (length // 2) + "{"]
    ]


@pytest.mark.parametrize(("where", "pattern", "flags"), ALL, ids=[where for where, _, _ in ALL])
def test_hostile_input_is_matched_quickly(where: str, pattern: str | bytes, flags: int) -> None:
    compiled = re.compile(pattern, flags)
    for text in hostile_inputs(pattern):
        subject: Any = text.encode("latin-1", "replace") if isinstance(pattern, bytes) else text
        started = time.perf_counter()
        compiled.match(subject)
        compiled.search(subject[:2000])  # search tries every start: quadratic on bounded input is fine
        elapsed = time.perf_counter() - started
        assert elapsed < SECONDS, f"{where}: {elapsed:.2f} s on {text[:10]!r}…"


def test_the_checks_catch_a_catastrophic_pattern() -> None:
    assert nested_unbounded(sre_parse.parse(r"(a+)+$"))
    assert nested_unbounded(sre_parse.parse(r"(?:\s*,?)*x"))
    assert not nested_unbounded(sre_parse.parse(r"[a-z]+(?:-[a-z0-9]{1,5})*"))
