"""gzip for what is worth it (app/web/compression.py): pages and files yes; events, pictures, tiny bodies no."""

from __future__ import annotations

import gzip

from starlette.applications import Starlette
from starlette.responses import HTMLResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from app.web.compression import MINIMUM_SIZE, Compression

PAGE = "<p>" + "Stimmt diese Meldung? " * 200 + "</p>"


def client() -> TestClient:
    async def page(_request: object) -> Response:
        return HTMLResponse(PAGE, headers={"Vary": "Cookie"})

    async def tiny(_request: object) -> Response:
        return PlainTextResponse("ok")

    async def events(_request: object) -> Response:
        async def chunks():  # noqa: ANN202
            yield "data: " + "x" * 2000 + "\n\n"

        return StreamingResponse(chunks(), media_type="text/event-stream")

    async def picture(_request: object) -> Response:
        return Response(b"\x89PNG" + b"\0" * 5000, media_type="image/png")

    async def streamed(_request: object) -> Response:
        async def parts():  # noqa: ANN202
            for number in range(50):
                yield f"Zeile {number}: " + "Quelle prüfen. " * 50 + "\n"

        return StreamingResponse(parts(), media_type="text/csv")

    routes = [Route(f"/{f.__name__}", f) for f in (page, tiny, events, picture, streamed)]
    return TestClient(Compression(Starlette(routes=routes)))


def test_a_page_is_compressed_with_its_length_and_vary_headers() -> None:
    response = client().get("/page", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.text == PAGE  # the client decompressed it
    assert int(response.headers["content-length"]) < len(PAGE) / 5
    assert response.headers["vary"] == "Cookie, Accept-Encoding"
    assert len(response.headers.get_list("vary")) == 1


def test_a_long_stream_is_compressed_as_it_goes() -> None:
    response = client().get("/streamed", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "content-length" not in response.headers
    assert response.text.count("Quelle prüfen.") == 50 * 50


def test_what_is_not_worth_it_passes_untouched() -> None:
    web = client()
    assert len("ok") < MINIMUM_SIZE
    for path in ("/tiny", "/events", "/picture"):
        response = web.get(path, headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in response.headers, path
    plain = web.get("/page", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.text == PAGE


def test_the_small_window_still_makes_standard_gzip() -> None:
    """Browsers get an ordinary gzip stream, whatever window the body got."""
    for size in (MINIMUM_SIZE, 3000, 40_000):
        body = ("Faktencheck " * (size // 12 + 1))[:size]

        async def sized(_request: object, body: str = body) -> Response:
            return HTMLResponse(body)

        web = TestClient(Compression(Starlette(routes=[Route("/", sized)])))
        response = web.stream("GET", "/", headers={"Accept-Encoding": "gzip"})
        with response as streamed:
            assert streamed.headers["content-encoding"] == "gzip"
            compressed = b"".join(streamed.iter_raw())
        assert int(streamed.headers["content-length"]) == len(compressed)
        assert gzip.decompress(compressed).decode() == body
