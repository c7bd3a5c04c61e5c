"""Time-based one-time passwords (RFC 6238): 30-second steps, 6 digits, HMAC-SHA-1, as authenticator apps expect."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
# One step either side: the phone's clock may be a little off, and typing takes time.
DRIFT_STEPS = 1


def new_secret() -> str:
    """A random 160-bit secret in base32, the form authenticator apps take."""
    return base64.b32encode(secrets.token_bytes(20)).decode("ascii")


def secret_bytes(secret: str) -> bytes:
    """The key behind a base32 secret (spaces and lower case allowed, padding optional)."""
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, algorithm: str = "sha1") -> str:
    """RFC 4226: the code for ``counter``, by dynamic truncation of the HMAC."""
    mac = hmac.new(key, counter.to_bytes(8, "big"), getattr(hashlib, algorithm)).digest()
    offset = mac[-1] & 0x0F
    number = int.from_bytes(mac[offset : offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def time_step(unix_time: float) -> int:
    return int(unix_time // STEP_SECONDS)


def matching_step(secret: str, code: str, *, unix_time: float, last_step: int | None) -> int | None:
    """The time step ``code`` belongs to (now ± one), or None; steps up to ``last_step`` are spent."""
    typed = "".join(ch for ch in code if ch.isdigit())
    if len(typed) != DIGITS:
        return None
    key = secret_bytes(secret)
    current = time_step(unix_time)
    found = None
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        # Compare every candidate, in constant time, so that timing says nothing.
        if hmac.compare_digest(hotp(key, step), typed) and (last_step is None or step > last_step):
            found = step
    return found


def provisioning_uri(secret: str, *, account: str, issuer: str = "Lupe") -> str:
    """The ``otpauth://`` link an authenticator app reads from a QR code."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode({"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": 30})
    return f"otpauth://totp/{label}?{query}"
