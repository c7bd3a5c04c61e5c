"""Serving a pack's pictures by content hash, so that they can be cached for long."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from app.packs.models import PackMedia
from app.security.authz import NotVisible
from app.web.deps import DbDep, PrincipalDep

router = APIRouter()

# Even an SVG opened on its own can run nothing: no script, no requests, a sandbox.
MEDIA_POLICY = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; sandbox"


@router.get("/media/{sha256}")
def media(db: DbDep, principal: PrincipalDep, sha256: str) -> Response:
    """A pack's picture, for anyone signed in (pupil or teacher)."""
    if principal.account is None and principal.pupil is None:
        raise NotVisible
    if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
        raise NotVisible
    found = db.get(PackMedia, sha256)
    if found is None:
        raise NotVisible
    headers = {
        "Cache-Control": "private, max-age=31536000, immutable",
        "Content-Security-Policy": MEDIA_POLICY,
        "Content-Disposition": "inline",
    }
    return Response(found.data, media_type=found.content_type, headers=headers)
