"""ASGI middleware: refuse cross-site state changes and oversized bodies, add security headers.

Written as plain ASGI (not ``BaseHTTPMiddleware``) because it runs on every request,
the answer burst included.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_BODY_BYTES = 1_000_000
# Where teachers send whole lesson packs, a larger body is fine.
LARGE_BODIES = {
    "/teacher/packs/upload": 25_000_000,
    "/teacher/packs/save": 8_000_000,
    "/teacher/packs/preview": 8_000_000,
}

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
_COMMON = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
]
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")


class BodyTooLarge(Exception):
    pass


class SecurityMiddleware:
    """Cross-site check, body limit and headers for every HTTP response."""

    def __init__(self, app: ASGIApp, *, https: bool = False, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.https = https
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_body = LARGE_BODIES.get(scope["path"], self.max_body)
        if scope["method"] not in SAFE_METHODS:
            headers = _checked_headers(scope["headers"])
            if is_cross_site(headers):
                await self._refuse(send, 403, "Cross-site request refused. / Anfrage von fremder Seite abgelehnt.")
                return
            length = headers.get("content-length", "0")
            if not length.isdecimal() or len(length) > 15 or int(length) > max_body:
                await self._refuse(send, 413, "Request too large. / Anfrage zu groß.")
                return
        started = False
        is_static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message["headers"] = self._add_headers(list(message.get("headers", [])), is_static)
            await send(message)

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_body:
                    raise BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            if not started:
                await self._refuse(send, 413, "Request too large. / Anfrage zu groß.")

    def _add_headers(self, raw: list[tuple[bytes, bytes]], is_static: bool) -> list[tuple[bytes, bytes]]:
        present = {name.lower() for name, _ in raw}
        raw.extend(header for header in _COMMON if header[0] not in present)
        if self.https:
            raw.append(_HSTS)
        if b"cache-control" not in present:
            raw.append((b"cache-control", b"public, max-age=86400" if is_static else b"no-store"))
        return raw

    async def _refuse(self, send: Send, status: int, text: str) -> None:
        body = text.encode()
        headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": self._add_headers(headers, False)})
        await send({"type": "http.response.body", "body": body})


def is_cross_site(headers: dict[str, str]) -> bool:
    """Whether a state-changing request comes from another site (Fetch metadata, then Origin)."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is None:
        return False  # not sent by a browser form on another site; no cookies to abuse
    if origin == "null":
        return True
    return urlsplit(origin).netloc.lower() != headers.get("host", "").lower()


_CHECKED = frozenset({b"sec-fetch-site", b"origin", b"host", b"content-length"})


def _checked_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    """The headers a state-changing request is checked by, by lowercase name."""
    checked = {}
    for name, value in raw:
        lowered = name.lower()
        if lowered in _CHECKED:
            checked[lowered.decode("latin-1")] = value.decode("latin-1")
    return checked
