"""Reading a lesson file's text into blocks, attributes and callouts, with line numbers.

The grammar is deliberately small: a block opens with ``::: type {attributes}`` on a
line of its own and closes with ``:::``; blocks do not nest; callouts are blockquotes
whose first line is ``> [!KIND]``. Nothing depends on indentation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.packs.diagnostics import N_, Report

OPEN_RE = re.compile(r":::[ \t]+([A-Za-z][A-Za-z0-9_-]{0,39})[ \t]*(\{[^\n]*\})?[ \t]*")
CLOSE_RE = re.compile(r":::[ \t]*")
LOOKS_LIKE_FENCE_RE = re.compile(r":::")
ATTR_RE = re.compile(
    r'[ \t]*(?:#([A-Za-z0-9_-]{1,100})|([A-Za-z][A-Za-z0-9_-]{0,39})(?:=(?:"([^"\n]{0,2000})"|([^\s"{}]{1,2000})))?)'
)
CALLOUT_RE = re.compile(r">[ \t]?\[!([A-Za-z]{1,20})\][ \t]*(.{0,2000})")


@dataclass
class Attributes:
    """Parsed ``{#id key=value flag}``: the id, values, and flags."""

    id: str | None = None
    values: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    columns: dict[str, int] = field(default_factory=dict)

    def names(self) -> set[str]:
        return set(self.values) | self.flags


@dataclass
class Block:
    """One ``::: type`` block: where it starts and its body lines with their numbers."""

    type: str
    line: int
    attributes: Attributes
    body: list[tuple[int, str]]


@dataclass
class Callout:
    kind: str
    line: int
    text: str


def scan_blocks(path: str, text: str, first_line: int, report: Report) -> list[Block]:
    """The blocks of a lesson file; problems with fences are added to ``report``."""
    blocks: list[Block] = []
    current: Block | None = None
    for offset, raw in enumerate(text.split("\n")):
        number = first_line + offset
        line = raw.rstrip("\r")
        opening = OPEN_RE.fullmatch(line)
        if opening:
            if current is not None:
                report.error(
                    path,
                    current.line,
                    1,
                    "BLOCK001",
                    N_("block '%(type)s' is not closed: add a line ':::' before line %(next_line)d"),
                    type=current.type,
                    next_line=number,
                )
            attrs_text = opening.group(2) or ""
            attributes = parse_attributes(
                path, number, line.index(attrs_text) + 1 if attrs_text else 1, attrs_text, report
            )
            current = Block(opening.group(1).lower(), number, attributes, [])
        elif CLOSE_RE.fullmatch(line):
            if current is None:
                report.error(path, number, 1, "BLOCK002", N_("':::' closes no block: nothing was opened above it"))
            else:
                blocks.append(current)
                current = None
        elif current is not None:
            current.body.append((number, line))
        elif line.startswith(":::"):
            report.error(
                path,
                number,
                1,
                "BLOCK003",
                N_("this line starts with ':::' but is not a block opening like '::: verdict {#my-id answer=Fake}'"),
            )
    if current is not None:
        report.error(
            path,
            current.line,
            1,
            "BLOCK001",
            N_("block '%(type)s' is not closed: add a line ':::' at its end"),
            type=current.type,
        )
    return blocks


def parse_attributes(path: str, line: int, col: int, text: str, report: Report) -> Attributes:
    """Parse ``{#id key=value key="quoted value" flag}``; report what cannot be read."""
    attributes = Attributes()
    if not text:
        return attributes
    inner = text[1:-1]
    position = 0
    while position < len(inner):
        if inner[position:].strip() == "":
            break
        match = ATTR_RE.match(inner, position)
        if match is None or match.end() == position:
            report.error(
                path,
                line,
                col + 1 + position,
                "ATTR001",
                N_(
                    'cannot read the attributes here: %(text)s; write key=value, key="value with spaces", #id or a flag'
                ),
                text=repr(inner[position : position + 30]),
            )
            break
        name_col = col + 1 + position + (len(match.group(0)) - len(match.group(0).lstrip()))
        if match.group(1) is not None:
            attributes.id = match.group(1)
            attributes.columns["#id"] = name_col
        else:
            name = match.group(2).lower()
            value = match.group(3) if match.group(3) is not None else match.group(4)
            if name in attributes.names():
                report.error(path, line, name_col, "ATTR003", N_("attribute '%(name)s' is given twice"), name=name)
            if value is None:
                attributes.flags.add(name)
            else:
                attributes.values[name] = value
            attributes.columns[name] = name_col
        position = match.end()
    return attributes


def split_callouts(body: list[tuple[int, str]]) -> tuple[list[tuple[int, str]], list[Callout]]:
    """Separate an item's own text from its ``> [!KIND]`` callouts."""
    own: list[tuple[int, str]] = []
    callouts: list[Callout] = []
    index = 0
    while index < len(body):
        number, line = body[index]
        marker = CALLOUT_RE.fullmatch(line.strip())
        if marker is None:
            own.append((number, line))
            index += 1
            continue
        lines = [marker.group(2)] if marker.group(2).strip() else []
        index += 1
        while index < len(body) and body[index][1].lstrip().startswith(">"):
            if CALLOUT_RE.fullmatch(body[index][1].strip()):
                break
            lines.append(_unquote(body[index][1]))
            index += 1
        callouts.append(Callout(marker.group(1).upper(), number, "\n".join(lines).strip()))
    return own, callouts


def _unquote(line: str) -> str:
    stripped = line.lstrip()[1:]
    return stripped[1:] if stripped.startswith(" ") else stripped
