"""Creating schools and accounts, and checking a sign-in."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.accounts.models import Account, Role, School
from app.security.passwords import hash_password, password_problem, verify_password


class AccountError(ValueError):
    """Input that cannot become an account; ``code`` says what is wrong."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def has_accounts(db: Session) -> bool:
    return bool(db.execute(select(func.count()).select_from(Account)).scalar_one())


def normalise_email(email: str) -> str:
    return email.strip().lower()[:254]


def create_school_with_admin(db: Session, *, school_name: str, email: str, display_name: str, password: str) -> Account:
    """The first school of an instance and its first admin (the setup page, ``lupe admin create``)."""
    name = school_name.strip()
    if not 2 <= len(name) <= 200:
        raise AccountError("school_name")
    school = School(name=name)
    db.add(school)
    db.flush()
    return create_account(
        db, school_id=school.id, email=email, display_name=display_name, password=password, role=Role.school_admin
    )


def create_account(
    db: Session, *, school_id: int | None, email: str, display_name: str, password: str, role: Role
) -> Account:
    """A new account; refuses a bad e-mail, a weak password or an e-mail in use."""
    address = normalise_email(email)
    if "@" not in address or address.startswith("@") or address.endswith("@") or any(c.isspace() for c in address):
        raise AccountError("email")
    shown = " ".join(display_name.split())[:120]
    if not shown:
        raise AccountError("display_name")
    problem = password_problem(password)
    if problem:
        raise AccountError(f"password_{problem}")
    if db.execute(select(col(Account.id)).where(Account.email == address)).first():  # type: ignore[arg-type]
        raise AccountError("email_taken")
    account = Account(
        school_id=school_id, email=address, display_name=shown, password_hash=hash_password(password), role=role
    )
    db.add(account)
    db.flush()
    return account


def authenticate(db: Session, *, email: str, password: str) -> Account | None:
    """The enabled account with these credentials, or None; equally slow either way."""
    account = db.execute(select(Account).where(Account.email == normalise_email(email))).scalar_one_or_none()  # type: ignore[arg-type]
    valid = verify_password(account.password_hash if account else None, password)
    if account is None or not valid or account.disabled:
        return None
    return account
