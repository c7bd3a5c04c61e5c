"""TOTP against the test vectors of RFC 6238 (appendix B), drift and replay."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs, urlsplit

import pytest

from app.accounts import totp

# RFC 6238, appendix B: 8 digits; the SHA-1 key is the ASCII "12345678901234567890",
# the SHA-256 and SHA-512 keys the same digits repeated to 32 and 64 bytes.
KEYS = {
    "sha1": b"12345678901234567890",
    "sha256": b"12345678901234567890123456789012",
    "sha512": b"1234567890123456789012345678901234567890123456789012345678901234",
}
VECTORS = [
    (59, {"sha1": "94287082", "sha256": "46119246", "sha512": "90693936"}),
    (1111111109, {"sha1": "07081804", "sha256": "68084774", "sha512": "25091201"}),
    (1111111111, {"sha1": "14050471", "sha256": "67062674", "sha512": "99943326"}),
    (1234567890, {"sha1": "89005924", "sha256": "91819424", "sha512": "93441116"}),
    (2000000000, {"sha1": "69279037", "sha256": "90698825", "sha512": "38618901"}),
    (20000000000, {"sha1": "65353130", "sha256": "77737706", "sha512": "47863826"}),
]


@pytest.mark.parametrize(("unix_time", "expected"), VECTORS)
def test_rfc_6238_vectors(unix_time: int, expected: dict[str, str]) -> None:
    for algorithm, code in expected.items():
        assert totp.hotp(KEYS[algorithm], totp.time_step(unix_time), digits=8, algorithm=algorithm) == code


def test_six_digit_codes_are_the_last_six_of_the_vectors() -> None:
    rfc_secret = base64.b32encode(KEYS["sha1"]).decode()
    assert totp.matching_step(rfc_secret, "287082", unix_time=59, last_step=None) == 1
    assert totp.matching_step(rfc_secret, "081804", unix_time=1111111109, last_step=None) == 37037036


def test_one_step_of_drift_either_side_and_no_more() -> None:
    secret = totp.new_secret()
    key = totp.secret_bytes(secret)
    now = 1_700_000_000.0
    step = totp.time_step(now)
    for offset in (-1, 0, 1):
        assert totp.matching_step(secret, totp.hotp(key, step + offset), unix_time=now, last_step=None) == step + offset
    for offset in (-2, 2):
        assert totp.matching_step(secret, totp.hotp(key, step + offset), unix_time=now, last_step=None) is None


def test_a_used_step_cannot_be_replayed() -> None:
    secret = totp.new_secret()
    now = 1_700_000_000.0
    step = totp.time_step(now)
    code = totp.hotp(totp.secret_bytes(secret), step)
    assert totp.matching_step(secret, code, unix_time=now, last_step=step - 1) == step
    assert totp.matching_step(secret, code, unix_time=now, last_step=step) is None
    # nor a step before the last one used, though it is still inside the window
    earlier = totp.hotp(totp.secret_bytes(secret), step - 1)
    assert totp.matching_step(secret, earlier, unix_time=now, last_step=step) is None


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "12 34 5"])
def test_malformed_codes_are_refused(typed: str) -> None:
    assert totp.matching_step(totp.new_secret(), typed, unix_time=1_700_000_000, last_step=None) is None


def test_spaces_in_a_code_are_ignored() -> None:
    secret = totp.new_secret()
    code = totp.hotp(totp.secret_bytes(secret), totp.time_step(1_700_000_000))
    assert totp.matching_step(secret, f"{code[:3]} {code[3:]}", unix_time=1_700_000_000, last_step=None) is not None


def test_secrets_are_random_160_bit_base32() -> None:
    secrets = {totp.new_secret() for _ in range(50)}
    assert len(secrets) == 50
    assert all(len(totp.secret_bytes(s)) == 20 for s in secrets)


def test_provisioning_uri_for_authenticator_apps() -> None:
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXP", account="frau.berg@schule.example")
    parts = urlsplit(uri)
    assert parts.scheme == "otpauth" and parts.netloc == "totp"
    assert parts.path == "/Lupe:frau.berg@schule.example"
    query = parse_qs(parts.query)
    assert query == {
        "secret": ["JBSWY3DPEHPK3PXP"],
        "issuer": ["Lupe"],
        "algorithm": ["SHA1"],
        "digits": ["6"],
        "period": ["30"],
    }
