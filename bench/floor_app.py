"""The floor: the fastest thing the stack can do, an async endpoint with a two-byte body."""

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.get("/")
async def floor() -> PlainTextResponse:
    return PlainTextResponse("ok")
