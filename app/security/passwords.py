"""Password rules and Argon2 hashing."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 1024

_hasher = PasswordHasher()
# Verifying against this when the account is unknown keeps both answers equally slow.
_DUMMY_HASH = _hasher.hash("lupe-dummy-password-for-timing")

COMMON_PASSWORDS = frozenset(
    """
    12345678 123456789 1234567890 password passwort password1 passwort1 qwertz123 qwerty123
    qwertzuiop qwertyuiop 11111111 00000000 abc12345 abcd1234 iloveyou sommer2024 winter2024
    hallo123 hallo1234 schule123 schule2024 lehrer123 lehrerin letmein1 welcome1 willkommen
    master123 dragon123 football fussball baseball sunshine princess 87654321 asdfghjk
    asdf1234 geheim123 passwort123 password123 admin123 administrator changeme 1q2w3e4r
    q1w2e3r4 zaq12wsx 1qaz2wsx superman batman123 monkey123 shadow123 trustno1 lupe1234
    """.split()
)


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
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password``; with no hash, spend the same time and say no."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password[:MAX_LENGTH]) and bool(
            password_hash
        )
    except (VerificationError, InvalidHashError):
        return False
