"""Pseudonyms: suggesting friendly ones and refusing unsafe ones."""

from __future__ import annotations

import secrets
import unicodedata

MIN_LENGTH = 2
MAX_LENGTH = 30
ALLOWED_PUNCTUATION = frozenset(" -_.'")

_WORDS = {
    "de": (
        (
            "Kluger",
            "Flinker",
            "Mutiger",
            "Wacher",
            "Schlauer",
            "Stiller",
            "Heller",
            "Kühner",
            "Froher",
            "Weiser",
            "Genauer",
            "Ruhiger",
        ),
        (
            "Fuchs",
            "Luchs",
            "Dachs",
            "Biber",
            "Igel",
            "Adler",
            "Falke",
            "Otter",
            "Wolf",
            "Rabe",
            "Uhu",
            "Specht",
            "Delfin",
            "Pinguin",
            "Panda",
            "Koala",
        ),
    ),
    "en": (
        ("Clever", "Swift", "Brave", "Alert", "Wise", "Quiet", "Bright", "Bold", "Cheerful", "Keen", "Careful", "Calm"),
        (
            "Fox",
            "Lynx",
            "Badger",
            "Beaver",
            "Hedgehog",
            "Eagle",
            "Falcon",
            "Otter",
            "Wolf",
            "Raven",
            "Owl",
            "Woodpecker",
            "Dolphin",
            "Penguin",
            "Panda",
            "Koala",
        ),
    ),
}


def suggest(language: str) -> str:
    """A random pseudonym like "Flinker Fuchs 27" that says nothing about the pupil."""
    adjectives, animals = _WORDS.get(language, _WORDS["de"])
    return f"{secrets.choice(adjectives)} {secrets.choice(animals)} {secrets.randbelow(90) + 10}"


def clean(raw: str) -> tuple[str | None, str | None]:
    """``(pseudonym, None)`` when acceptable, else ``(None, reason)``."""
    if len(raw) > 4 * MAX_LENGTH:
        return None, "too_long"
    text = " ".join(unicodedata.normalize("NFC", raw).split())
    if len(text) < MIN_LENGTH:
        return None, "too_short"
    if len(text) > MAX_LENGTH:
        return None, "too_long"
    for char in text:
        category = unicodedata.category(char)
        # Letters, digits and a little punctuation: no controls, no invisible or direction marks.
        if not (category[0] in "LN" or char in ALLOWED_PUNCTUATION or category == "Mn"):
            return None, "bad_character"
    return text, None
