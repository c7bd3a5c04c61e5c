"""FastAPI dependencies: the app's services, a database session, who is asking."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.db import Database
from app.live.bus import Bus, MemoryBus
from app.packs.library import CompiledPacks
from app.security.grants import RememberedGrants
from app.security.ratelimit import Limits
from app.security.sessions import COOKIE_NAME, Principal, SessionCookies, load_principal
from app.settings import Settings
from app.templating import Renderer


@dataclass
class Lupe:
    """The services of one app process, kept on ``app.state.lupe``."""

    settings: Settings
    db: Database
    renderer: Renderer
    cookies: SessionCookies
    packs: CompiledPacks = field(default_factory=CompiledPacks)
    limits: Limits = field(default_factory=Limits)
    bus: Bus = field(default_factory=MemoryBus)  # live events; create_app picks the backend
    grants: RememberedGrants = field(init=False)  # the answer path's sign-in and grant, remembered

    def __post_init__(self) -> None:
        self.grants = RememberedGrants(self.db)


# Dependencies are async on purpose: a sync one costs a trip to the thread pool on every
# request, more than the short SQLite or PostgreSQL query it makes.


async def get_lupe(request: Request) -> Lupe:
    return request.app.state.lupe  # type: ignore[no-any-return]


LupeDep = Annotated[Lupe, Depends(get_lupe)]


async def get_db(lupe: LupeDep) -> AsyncIterator[Session]:
    session = lupe.db.read_session()
    try:
        yield session
    finally:
        session.close()


DbDep = Annotated[Session, Depends(get_db)]


async def get_principal(request: Request, lupe: LupeDep, db: DbDep) -> Principal:
    token_hash = lupe.cookies.token_hash(request.cookies.get(COOKIE_NAME))
    return load_principal(db, token_hash)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def client_address(request: Request) -> str:
    """The client's address as uvicorn sees it (set --proxy-headers behind a proxy)."""
    return request.client.host if request.client else "unknown"


def is_htmx(request: Request) -> bool:
    """Whether htmx sent the request; decides page or fragment, never access."""
    return request.headers.get("hx-request") == "true"
