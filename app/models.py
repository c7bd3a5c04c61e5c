"""Every table of Lupe, imported in one place so that metadata and migrations see them all."""

from sqlmodel import SQLModel

from app.accounts.models import Account, AuthSession, Role, School
from app.classroom.models import Assignment, Class, Pupil
from app.live.models import LiveSession
from app.packs.models import Item, Pack, PackMedia, PackVersion
from app.practice.models import Answer
from app.privacy.models import AuditEntry, PurgeRun, RetentionPolicy
from app.security.grants import AccessVersion

metadata = SQLModel.metadata

__all__ = [
    "AccessVersion",
    "Account",
    "Answer",
    "Assignment",
    "AuditEntry",
    "AuthSession",
    "Class",
    "Item",
    "LiveSession",
    "Pack",
    "PackMedia",
    "PackVersion",
    "Pupil",
    "PurgeRun",
    "RetentionPolicy",
    "Role",
    "School",
    "metadata",
]
