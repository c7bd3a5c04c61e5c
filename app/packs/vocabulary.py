"""The words of the pack format: limits, item types, content blocks, callouts, techniques."""

from __future__ import annotations

import re

PACK_FILE = "pack.md"
MEDIA_FOLDER = "media"
MAX_FILE_BYTES = 512_000
MAX_FILES = 60
MAX_FRONT_MATTER_BYTES = 20_000
ID_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
LANGUAGES = ("de", "en")
DEFAULT_VERDICTS = {"de": ["Fakt", "Fake"], "en": ["Fact", "Fake"]}

# The default taxonomy of manipulation techniques (BRIEF.md); labels live in the interface catalog.
TECHNIQUES = (
    "emotion",
    "impersonation",
    "polarisation",
    "conspiracy",
    "discrediting",
    "trolling",
    "cherry-picking",
    "false-context",
    "manipulated-image",
    "hidden-advertising",
    "chain-letter",
)

ITEM_TYPES = ("verdict", "single", "multiple", "technique", "source", "compare", "order", "short", "clue", "reflection")
# Types where a second try makes sense; the others are decided in one go.
RETRYABLE = frozenset({"single", "multiple", "technique", "source", "order", "short", "clue"})
MAX_TRIES = 5

CONTENT_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "post": ("author", "handle", "time", "likes", "shares", "comments", "image", "alt", "credit"),
    "headline": ("source", "date"),
    "chat": ("sender", "time"),
    "article": ("source", "title", "date"),
    "search": ("query",),
    "image": ("src", "alt", "credit", "source"),
}
NUMBER_ATTRIBUTES = ("likes", "shares", "comments")

CALLOUT_KINDS = {"CLUE": "clue", "EXPLAIN": "explain", "CHECK": "check", "TEACHER": "teacher", "HINT": "hint"}

FIELDS = (
    "id",
    "title",
    "version",
    "language",
    "grades",
    "minutes",
    "license",
    "authors",
    "description",
    "objectives",
    "verdicts",
)
