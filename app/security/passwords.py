"""Password rules and Argon2 hashing."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 8
MAX_LENGTH = 1024

_hasher: PasswordHasher | None = None  # made on first use: argon2 costs a server that signs nobody in 0.5 MB


def _argon2() -> PasswordHasher:
    global _hasher  # noqa: PLW0603 - the one hasher of this process, made when first needed
    if _hasher is None:
        from argon2 import PasswordHasher

        _hasher = PasswordHasher()
    return _hasher


@cache
def _dummy_hash() -> str:
    """Verifying against this when the account is unknown keeps both answers equally slow."""
    return _argon2().hash("lupe-dummy-password-for-timing")


# Refused outright: the most used passwords, German and English, one per line.
COMMON_PASSWORDS = frozenset((Path(__file__).with_name("common-passwords.txt")).read_text().split())


def password_problem(password: str) -> str | None:
    """Why ``password`` is not acceptable, or None when it is."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    if password.lower() in COMMON_PASSWORDS or len(set(password)) < 3:
        return "too_common"
    return None


def hash_password(password: str) -> str:
    return _argon2().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password``; with no hash, spend the same time and say no."""
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _argon2().verify(password_hash or _dummy_hash(), password[:MAX_LENGTH]) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
