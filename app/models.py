"""Every table of Lupe, imported in one place so that metadata and migrations see them all."""

from sqlmodel import SQLModel

from app.accounts.models import Account, AuthSession, Role, School
from app.classroom.models import Class, ClassPack, Pupil
from app.packs.models import Item, Pack, PackVersion
from app.practice.models import Answer

metadata = SQLModel.metadata

__all__ = [
    "Account",
    "Answer",
    "AuthSession",
    "Class",
    "ClassPack",
    "Item",
    "Pack",
    "PackVersion",
    "Pupil",
    "Role",
    "School",
    "metadata",
]
