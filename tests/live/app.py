"""A small ASGI app on the live bus and event streams, served by the tests in and out of process.

``uvicorn --factory tests.live.app:create`` reads LUPE_* settings like Lupe does. A file in the
data folder stands in for the database: POST /publish writes it, the fragment reads it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html import escape

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from app.live.bus import Bus, create_bus
from app.live.stream import end_streams_on_exit_signal, event_stream, too_many_streams
from app.security.headers import SecurityMiddleware
from app.settings import PROJECT_ROOT, Settings

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Live</title>
<meta name="htmx-config" content='{{"allowEval":false,"allowScriptTags":false,"includeIndicatorStyles":false}}'>
<script src="/static/vendor/htmx.min.js" defer></script>
<script src="/static/js/live.js" defer></script></head>
<body><main><h1>Live</h1>
{board}
</main></body></html>"""


def create(settings: Settings | None = None, bus: Bus | None = None) -> Starlette:
    """GET /events?topic=…&who=… streams; POST /publish/{topic}?note=… publishes; GET /open counts streams."""
    settings = settings or Settings()
    bus = bus or create_bus(settings)
    note = settings.data_dir / "note.txt"

    async def events(request: Request) -> Response:
        topics = request.query_params.getlist("topic") or ["live:1"]
        return event_stream(request, bus, topics, principal_key=request.query_params.get("who", "pupil:1"))

    async def publish(request: Request) -> Response:
        if "note" in request.query_params:
            note.write_text(request.query_params["note"])
        await bus.publish(request.path_params["topic"])
        return PlainTextResponse("published")

    async def open_streams(_request: Request) -> Response:
        return JSONResponse({"open": bus.subscribers()})

    def board(events: str, swap: str, content: str) -> str:
        refresh = escape(f"/fragment?events={events}&swap={swap}")
        return (
            f'<section id="board" data-live-events="{escape(events)}" data-live-refresh="{refresh}" '
            f'data-live-swap="{escape(swap)}">{content}</section>'
        )

    async def page(request: Request) -> Response:
        events, swap = request.query_params.get("events", "/events"), request.query_params.get("swap", "innerHTML")
        return HTMLResponse(PAGE.format(board=board(events, swap, "not yet")))

    async def fragment(request: Request) -> Response:
        content = f"<p>{escape(note.read_text()) if note.exists() else 'nothing'}</p>"
        if request.query_params.get("swap") == "outerHTML":  # the whole element, attributes and all
            return HTMLResponse(board(request.query_params["events"], "outerHTML", content))
        return HTMLResponse(content)

    async def refused(_request: Request) -> Response:
        return too_many_streams()

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await bus.start()
        end_streams_on_exit_signal()
        yield
        await bus.stop()

    routes = [
        Route("/events", events),
        Route("/refused", refused),
        Route("/publish/{topic}", publish, methods=["POST"]),
        Route("/open", open_streams),
        Route("/page", page),
        Route("/fragment", fragment),
        Mount("/static", StaticFiles(directory=PROJECT_ROOT / "static")),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.add_middleware(SecurityMiddleware, https=False)
    return app
