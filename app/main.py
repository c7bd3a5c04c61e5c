"""create_app(settings): middleware, routers, templates, static files."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from zoneinfo import ZoneInfo

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from fastapi.telemetry import TelemetryConfig
from starlette.staticfiles import StaticFiles

from app import __version__
from app.accounts.routes import ROUTERS as ACCOUNTS_ROUTERS
from app.classroom.assignment_routes import router as assignment_router
from app.classroom.routes import router as classroom_router
from app.db import Database
from app.heap import release_heap_when_quiet
from app.live.bus import create_bus
from app.live.routes import router as live_router
from app.live.stream import end_streams_on_exit_signal
from app.observability.logging import configure_logging
from app.observability.middleware import install_observability
from app.packs.print_routes import router as print_router
from app.packs.routes import router as packs_router
from app.packs.teacher_routes import router as pack_library_router
from app.packs.watch import watch_lessons
from app.practice.routes import ANSWER_ROUTE
from app.practice.routes import router as practice_router
from app.privacy.purge import daily_purge
from app.privacy.routes import router as privacy_router
from app.reports.routes import router as reports_router
from app.security.headers import SecurityMiddleware
from app.security.sessions import SessionCookies
from app.settings import Settings
from app.templating import STATIC_DIR, Renderer
from app.web.compression import Compression
from app.web.deps import Lupe
from app.web.errors import install_error_pages
from app.web.hot_route import HotRoute
from app.web.routes import router as web_router


def tell_screens(lupe: Lupe, assignments: set[int]) -> None:
    """New answers: the teachers' screens that show these assignments re-query them (from the writer's thread)."""
    for assignment_id in assignments:
        lupe.bus.publish_threadsafe(f"assignment:{assignment_id}")


NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


def add_routes(app: FastAPI, router: APIRouter) -> None:
    """Put ``router``'s routes on the app itself, where ``app.include_router`` would put the router.

    FastAPI builds a second request handler for every route of an included router, on the
    first request that passes it: 2.7 MB of an idle server (docs/benchmarks.md, section 4).
    Lupe's routers set nothing that only inclusion applies (their prefix is already in each
    path), so their routes serve the same from the app's own list.
    """
    if not all(isinstance(route, APIRoute) for route in router.routes):
        raise TypeError("add_routes takes plain routes only: add a router's inner routers themselves")
    app.router.routes.extend(router.routes)


def create_app(settings: Settings | None = None, *, database: Database | None = None) -> FastAPI:
    """The Lupe web application for ``settings`` (read from the environment when omitted)."""
    settings = settings or Settings()
    configure_logging(settings)
    database = database or Database.from_settings(settings)
    lupe = Lupe(settings=settings, db=database, renderer=Renderer(settings), cookies=SessionCookies(settings))
    lupe.bus = create_bus(settings)
    lupe.db.writer.on_stored = lambda assignments: tell_screens(lupe, assignments)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        lupe.db.writer.start()
        await lupe.bus.start()
        end_streams_on_exit_signal()  # uvicorn waits for open streams before the shutdown below
        metrics = _app.state.metrics
        if metrics is not None:
            metrics.start()
        watcher = asyncio.create_task(watch_lessons(lupe.db, settings.lessons_dir)) if settings.reload_lessons else None
        purger = (
            asyncio.create_task(daily_purge(lupe.db, zone=ZoneInfo(settings.timezone), hour=settings.purge_hour))
            if settings.purge_daily
            else None
        )
        trimmer = asyncio.create_task(release_heap_when_quiet())
        yield
        trimmer.cancel()
        if watcher is not None:
            watcher.cancel()
        if purger is not None:
            purger.cancel()
        if metrics is not None:
            metrics.stop()
        await lupe.bus.stop()  # ends the live streams
        lupe.db.close()

    app = FastAPI(
        title="Lupe",
        version=__version__,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        # FastAPI's own OpenTelemetry hooks stay off whatever the environment configures: they would
        # record exception messages and paths (which carry join codes) outside Lupe's logging rules.
        telemetry=NO_TELEMETRY,
    )
    app.state.lupe = lupe
    for router in (
        web_router,
        *ACCOUNTS_ROUTERS,
        classroom_router,
        assignment_router,
        live_router,
        reports_router,  # before practice: /play/progress is not an assignment id
        practice_router,
        packs_router,
        pack_library_router,
        print_router,
        privacy_router,
    ):
        add_routes(app, router)
    app.router.routes.insert(0, ANSWER_ROUTE)  # listed like every route; HotRoute serves it
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(HotRoute, route=ANSWER_ROUTE, handlers=app.exception_handlers)  # the innermost
    install_error_pages(app)
    app.add_middleware(Compression)
    app.add_middleware(SecurityMiddleware, https=settings.https)
    app.state.metrics = install_observability(app, settings, database)  # outermost: sees every request
    return app
