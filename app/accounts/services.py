"""Creating schools and accounts, checking a sign-in, and what a school admin does to accounts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.accounts.models import Account, Role, School
from app.i18n import LANGUAGES
from app.security.codes import digest
from app.security.passwords import hash_password, password_problem, verify_password
from app.security.sessions import end_sessions_of


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
    school = create_school(db, name=school_name)
    return create_account(
        db, school_id=school.id, email=email, display_name=display_name, password=password, role=Role.school_admin
    )


def create_instance_admin(db: Session, *, email: str, display_name: str, password: str) -> Account:
    """The admin of a whole instance (a city's IT): in no school, creates schools (``lupe admin create --instance``)."""
    return create_account(
        db, school_id=None, email=email, display_name=display_name, password=password, role=Role.instance_admin
    )


def create_account(
    db: Session, *, school_id: int | None, email: str, display_name: str, password: str, role: Role
) -> Account:
    """A new account; refuses a bad e-mail, a weak password or an e-mail in use."""
    address = normalise_email(email)
    check_email(address)
    shown = " ".join(display_name.split())[:120]
    if not shown:
        raise AccountError("display_name")
    check_password_rules(password)
    if email_in_use(db, address):
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


def create_school(db: Session, *, name: str) -> School:
    """A new, empty school (tenant)."""
    shown = " ".join(name.split())
    if not 2 <= len(shown) <= 200:
        raise AccountError("school_name")
    school = School(name=shown)
    db.add(school)
    db.flush()
    return school


def check_email(address: str) -> None:
    if "@" not in address or address.startswith("@") or address.endswith("@") or any(c.isspace() for c in address):
        raise AccountError("email")


def email_in_use(db: Session, address: str) -> bool:
    return db.execute(select(col(Account.id)).where(Account.email == address)).first() is not None  # type: ignore[arg-type]


def check_password_rules(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise AccountError(f"password_{problem}")


def password_fingerprint(account: Account) -> str:
    """Changes whenever the password does: a note made with the old password is then worthless."""
    return digest(account.password_hash)[:16]


def set_password(db: Session, account: Account, password: str) -> None:
    """A new password (rules checked); every session of the account ends."""
    check_password_rules(password)
    account.password_hash = hash_password(password)
    db.add(account)
    assert account.id is not None
    end_sessions_of(db, account.id)


def change_password(db: Session, account: Account, *, current: str, new: str) -> None:
    """The user's own change: only with the current password."""
    if not verify_password(account.password_hash, current):
        raise AccountError("current_password")
    set_password(db, account, new)


def set_language(db: Session, account: Account, language: str) -> None:
    if language not in LANGUAGES:
        raise AccountError("language")
    account.language = language
    db.add(account)


def school_accounts(db: Session, school_id: int) -> list[Account]:
    """A school's accounts, admins first, then by name."""
    query = select(Account).where(Account.school_id == school_id)  # type: ignore[arg-type]
    accounts = list(db.execute(query).scalars())
    return sorted(accounts, key=lambda a: (a.role != Role.school_admin, a.display_name.lower(), a.id or 0))


def _other_enabled_admins(db: Session, account: Account) -> int:
    query = select(func.count()).where(
        Account.school_id == account.school_id,  # type: ignore[arg-type]
        Account.role == Role.school_admin.value,  # type: ignore[arg-type]
        Account.disabled == False,  # type: ignore[arg-type]  # noqa: E712 - SQL, not Python
        Account.id != account.id,  # type: ignore[arg-type]
    )
    return int(db.execute(query).scalar_one())


def set_disabled(db: Session, account: Account, *, disabled: bool, by_account_id: int) -> None:
    """Disable (its sessions end at once) or enable an account; never oneself, never the last admin."""
    assert account.id is not None
    if disabled and account.id == by_account_id:
        raise AccountError("disable_self")
    if disabled and account.role == Role.school_admin and _other_enabled_admins(db, account) == 0:
        raise AccountError("last_admin")
    account.disabled = disabled
    db.add(account)
    if disabled:
        end_sessions_of(db, account.id)


def set_admins_need_two_factor(db: Session, school_id: int, *, required: bool) -> None:
    school = db.get(School, school_id)
    assert school is not None
    school.admins_need_two_factor = required
    db.add(school)


def schools_overview(db: Session) -> list[tuple[School, int]]:
    """Every school with its number of accounts, for the instance admin."""
    query = select(Account.school_id, func.count()).group_by(Account.school_id)  # type: ignore[call-overload]
    counts: dict[int | None, int] = {school_id: int(n) for school_id, n in db.execute(query).all()}
    schools = db.execute(select(School).order_by(func.lower(School.name))).scalars()  # type: ignore[arg-type]
    return [(school, int(counts.get(school.id, 0))) for school in schools]
