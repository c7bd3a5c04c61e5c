"""Friendly error pages: 404 for what is missing or not visible, a sign-in redirect, 503, 500."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.observability.middleware import route_template
from app.security.authz import (
    AssignmentClosed,
    NotVisible,
    PupilSignInRequired,
    SignInRequired,
    TwoFactorSetupRequired,
)
from app.security.headers import BodyTooLarge

log = logging.getLogger(__name__)

ExceptionHandler = Callable[[Request, Exception], Awaitable[Response]]
ExceptionHandlers = dict[Any, Any]  # Starlette's registry: exception class (or status) → handler


def handler_for(handlers: ExceptionHandlers, error: Exception) -> ExceptionHandler | None:
    """The handler registered for ``error``'s class or its nearest base, as Starlette looks it up."""
    for kind in type(error).__mro__:
        if kind in handlers:
            return handlers[kind]  # type: ignore[no-any-return]
    return None


def error_page(request: Request, status: int, kind: str) -> Response:
    renderer = request.app.state.lupe.renderer
    return renderer.render(request, "web/error.html", {"status": status, "kind": kind}, status_code=status)


def install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotVisible)
    async def not_visible(request: Request, _exc: NotVisible) -> Response:
        return error_page(request, 404, "not_found")

    @app.exception_handler(AssignmentClosed)
    async def closed(request: Request, _exc: AssignmentClosed) -> Response:
        return error_page(request, 409, "closed")

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, _exc: SignInRequired) -> Response:
        target = request.url.path if request.method == "GET" else "/teacher"
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(TwoFactorSetupRequired)
    async def two_factor_first(request: Request, _exc: TwoFactorSetupRequired) -> Response:
        return RedirectResponse("/account/two-factor", status_code=303)

    @app.exception_handler(PupilSignInRequired)
    async def pupil_sign_in(request: Request, _exc: PupilSignInRequired) -> Response:
        return RedirectResponse("/", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        kinds = {404: "not_found", 405: "method", 400: "bad_request", 413: "too_large", 503: "unavailable"}
        return error_page(request, exc.status_code, kinds.get(exc.status_code, "bad_request"))

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def database_down(request: Request, _exc: Exception) -> Response:
        # The pool checks connections before use, so the app recovers by itself when the database is back.
        log.warning("database unavailable on %s %s", request.method, route_template(request.scope))
        response = error_page(request, 503, "unavailable")
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(DataError)
    async def refused_by_database(request: Request, _exc: DataError) -> Response:
        # A value the database cannot hold (PostgreSQL: NUL in text): bad input, and the write was rolled back.
        log.info("value refused by the database on %s %s", request.method, request.url.path)
        return error_page(request, 400, "bad_request")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, _exc: RequestValidationError) -> Response:
        return error_page(request, 400, "bad_request")

    # Not an exception handler: Starlette runs the handler for ``Exception`` outside every
    # middleware, so the 500 page would miss the security headers. Added here, first, this
    # middleware sits inside them.
    app.add_middleware(CrashPage)


class CrashPage:
    """The friendly 500 page for an unhandled error; the error is re-raised for the server to log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except BodyTooLarge:
            raise  # the security middleware answers it with 413
        except ClientDisconnect:
            # The browser went away mid-request (a pupil's dropped connection): nobody to answer, nothing broken.
            log.info("client disconnected during %s %s", scope["method"], scope["path"])
        except Exception:
            request = Request(scope)
            # The route's template, not the path: paths carry join codes and invitation tokens.
            log.exception("unhandled error on %s %s", request.method, route_template(scope))
            if not started:
                await error_page(request, 500, "server")(scope, receive, send)
            raise


__all__ = ["install_error_pages", "error_page"]
