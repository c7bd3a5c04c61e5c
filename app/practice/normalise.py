"""Normalising short text answers so that harmless differences do not count."""

from __future__ import annotations

import unicodedata

_EDGE_PUNCTUATION = " .,!?;:\"'„“”‚‘’«»()[]-–—"


def normalise_text(text: str) -> str:
    """NFKC, case folded, whitespace collapsed, punctuation at the edges dropped."""
    folded = unicodedata.normalize("NFKC", text[:500]).casefold()
    return " ".join(folded.split()).strip(_EDGE_PUNCTUATION)
