"""Two-factor sign-in: setting it up, checking a code (or a one-time recovery code), turning it off."""

from __future__ import annotations

import time

from sqlalchemy import delete, func, or_, select, update
from sqlmodel import Session, col

from app.accounts import totp
from app.accounts.models import Account, RecoveryCode
from app.accounts.services import AccountError
from app.security.codes import ALPHABET, digest, new_code, normalise

RECOVERY_CODES = 10
RECOVERY_CODE_LENGTH = 10  # 31^10 ≈ 8e14 per code, and wrong tries are limited


def _recovery_hash(account_id: int, code: str) -> str:
    return digest(f"{account_id}:{normalise(code)}")


def _new_recovery_codes(db: Session, account_id: int) -> list[str]:
    """Replace the account's recovery codes with fresh ones; they are shown once, kept hashed."""
    db.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account_id))  # type: ignore[arg-type]
    codes = [new_code(RECOVERY_CODE_LENGTH) for _ in range(RECOVERY_CODES)]
    for code in codes:
        db.add(RecoveryCode(account_id=account_id, code_hash=_recovery_hash(account_id, code)))
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def turn_on(db: Session, account: Account, *, secret: str, code: str, unix_time: float | None = None) -> list[str]:
    """Store ``secret`` once the first code from the app matches; return the new recovery codes."""
    assert account.id is not None
    if account.totp_secret is not None:
        raise AccountError("two_factor_on")
    step = totp.matching_step(secret, code, unix_time=_time(unix_time), last_step=None)
    if step is None:
        raise AccountError("code")
    account.totp_secret = secret
    account.totp_last_step = step
    db.add(account)
    return _new_recovery_codes(db, account.id)


def check_code(db: Session, account: Account, code: str, *, unix_time: float | None = None) -> bool:
    """Whether ``code`` is a fresh authenticator code or an unused recovery code; either is then spent."""
    assert account.id is not None
    if account.totp_secret is None:
        return False
    typed = normalise(code)
    if typed.isdigit() and len(typed) == totp.DIGITS:
        step = totp.matching_step(
            account.totp_secret, typed, unix_time=_time(unix_time), last_step=account.totp_last_step
        )
        return step is not None and _spend_step(db, account, step)
    if len(typed) != RECOVERY_CODE_LENGTH or any(ch not in ALPHABET for ch in typed):
        return False
    spent = db.execute(
        delete(RecoveryCode).where(
            RecoveryCode.account_id == account.id,  # type: ignore[arg-type]
            RecoveryCode.code_hash == _recovery_hash(account.id, typed),  # type: ignore[arg-type]
        )
    )
    return spent.rowcount == 1  # type: ignore[attr-defined]


def _spend_step(db: Session, account: Account, step: int) -> bool:
    """Record ``step`` as used, unless a request racing with this one (another process) already did."""
    spent = db.execute(
        update(Account)
        .where(
            Account.id == account.id,  # type: ignore[arg-type]
            or_(col(Account.totp_last_step).is_(None), col(Account.totp_last_step) < step),
        )
        .values(totp_last_step=step)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        return False
    account.totp_last_step = step
    return True


def turn_off(db: Session, account: Account) -> None:
    """Remove the secret and the recovery codes (the user confirmed with a code, or an admin reset it)."""
    assert account.id is not None
    account.totp_secret = None
    account.totp_last_step = None
    db.add(account)
    db.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))  # type: ignore[arg-type]


def recovery_codes_left(db: Session, account_id: int) -> int:
    query = select(func.count()).where(RecoveryCode.account_id == account_id)  # type: ignore[arg-type]
    return int(db.execute(query).scalar_one())


def _time(unix_time: float | None) -> float:
    return time.time() if unix_time is None else unix_time
