"""ASGI middleware: a request id, the access log line and the request metrics.

Plain ASGI (not ``BaseHTTPMiddleware``) because it wraps every request, bursts included.
It is the outermost layer, so refusals of the security middleware are seen too.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db import Database
from app.observability.logging import access_log, new_request_id, request_id
from app.settings import Settings

if TYPE_CHECKING:  # prometheus_client is imported only when metrics are on
    from app.observability.metrics import Metrics

UNMATCHED = "<unmatched>"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_REQUEST_ID_HEADER = b"x-request-id"


def install_observability(app: Starlette, settings: Settings, database: Database) -> Metrics | None:
    """Add the outermost middleware, and /metrics when metrics are on; return the metrics."""
    metrics = None
    if settings.metrics:
        from app.observability.metrics import Metrics

        metrics = Metrics(database, token=settings.metrics_token)
        app.add_route("/metrics", metrics.endpoint, methods=["GET"], include_in_schema=False)
    app.add_middleware(ObservabilityMiddleware, metrics=metrics)
    return metrics


class ObservabilityMiddleware:
    """Names each request by its route template, logs it once, and counts it."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics | None = None) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        offered = next((v.decode("latin-1") for k, v in scope["headers"] if k == _REQUEST_ID_HEADER), None)
        identifier = new_request_id(offered)
        token = request_id.set(identifier)
        started = time.perf_counter()
        status = 500
        root_path = scope.get("root_path", "")  # a mount changes it on the way in

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (_REQUEST_ID_HEADER, identifier.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, root_path, status, time.perf_counter() - started)
            request_id.reset(token)

    def _record(self, scope: Scope, root_path: str, status: int, seconds: float) -> None:
        logged = access_log.isEnabledFor(logging.INFO)
        if self.metrics is None and not logged:
            return  # nobody asks for the route: spare matching it again
        route = route_template(scope, root_path)
        method = scope["method"] if scope["method"] in METHODS else "OTHER"  # bounded labels
        if self.metrics is not None:
            self.metrics.observe_request(method, route, status, seconds)
        if logged:
            duration_ms = round(seconds * 1000, 1)
            access_log.info(
                "%s %s %d %.1f ms",
                method,
                route,
                status,
                duration_ms,
                extra={"method": method, "route": route, "status": status, "duration_ms": duration_ms},
            )


def route_template(scope: Scope, root_path: str = "") -> str:
    """The template of the route that served ``scope`` (``/join/{code}``), never its path."""
    route = scope.get("route")
    if route is None:  # a mount (static files), refused before routing, or no route at all
        routes = getattr(getattr(scope.get("app"), "router", None), "routes", ())
        original = {**scope, "root_path": root_path}  # as it arrived, before a mount changed it
        route = next((r for r in routes if r.matches(original)[0] is Match.FULL), None)
    if route is None:
        return UNMATCHED
    return str(getattr(route, "path_format", None) or getattr(route, "path", UNMATCHED))
