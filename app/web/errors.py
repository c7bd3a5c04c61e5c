"""Friendly error pages: 404 for what is missing or not visible, a sign-in redirect, 500."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from app.security.authz import NotVisible, PupilSignInRequired, SignInRequired
from app.security.sessions import ANONYMOUS

log = logging.getLogger(__name__)


def error_page(request: Request, status: int, kind: str) -> Response:
    renderer = request.app.state.lupe.renderer
    return renderer.render(request, "web/error.html", {"status": status, "kind": kind}, status_code=status)


def install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(NotVisible)
    async def not_visible(request: Request, _exc: NotVisible) -> Response:
        return error_page(request, 404, "not_found")

    @app.exception_handler(SignInRequired)
    async def sign_in(request: Request, _exc: SignInRequired) -> Response:
        target = request.url.path if request.method == "GET" else "/teacher"
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(PupilSignInRequired)
    async def pupil_sign_in(request: Request, _exc: PupilSignInRequired) -> Response:
        return RedirectResponse("/", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        kinds = {404: "not_found", 405: "method", 400: "bad_request", 413: "too_large", 503: "unavailable"}
        return error_page(request, exc.status_code, kinds.get(exc.status_code, "bad_request"))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, _exc: RequestValidationError) -> Response:
        return error_page(request, 400, "bad_request")

    @app.exception_handler(Exception)
    async def crashed(request: Request, _exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_page(request, 500, "server")


__all__ = ["install_error_pages", "error_page", "ANONYMOUS"]
