"""Random codes people type: class join codes and pupil resume codes."""

from __future__ import annotations

import hashlib
import secrets

# No 0/O, 1/I/L: codes are read off a projector and typed on phones.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
JOIN_CODE_LENGTH = 8  # 31^8 ≈ 8.5e11 codes; wrong tries are rate limited
RESUME_CODE_LENGTH = 12  # 31^12 ≈ 7.9e17: a resume code alone identifies a pupil


def new_code(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise(raw: str) -> str:
    """Upper-case and drop everything but letters and digits (spaces, hyphens)."""
    return "".join(ch for ch in raw.upper()[:64] if ch.isascii() and ch.isalnum())


def display(code: str) -> str:
    """Groups of four, easier to read aloud: ``ABCD-EFGH``."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def digest(token: str) -> str:
    """SHA-256 of a secret we only need to recognise again."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)
