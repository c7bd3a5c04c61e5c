"""The answer burst's route, served straight from the innermost of Lupe's middlewares.

Every other request goes on through FastAPI: its exception middleware, its router, and
Starlette's wrappers around the endpoint. For the one route a whole class hits at once,
those layers cost about a twentieth of an answer. Here the route's own ``matches`` finds it
(path and method exactly as the router would), and an error raised by its endpoint gets its
page from the app's own exception handlers (``install_error_pages``), so the answer route
looks and fails like every other route.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app.web.errors import ExceptionHandlers, handler_for


class HotRoute:
    """Serve ``route`` directly; pass everything else on to ``app``."""

    def __init__(self, app: ASGIApp, *, route: Route, handlers: ExceptionHandlers) -> None:
        self.app = app
        self.route = route
        self.handlers = handlers  # the app's registry, filled by install_error_pages

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            match, child_scope = self.route.matches(scope)
            if match is Match.FULL:
                scope.update(child_scope, route=self.route)  # the access log names it like any route
                await self._serve(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive, send)
        try:
            response = await self.route.endpoint(request)
        except Exception as error:
            handler = handler_for(self.handlers, error)
            if handler is None:
                raise  # the crash page answers it
            response = await handler(request, error)
        await response(scope, receive, send)
