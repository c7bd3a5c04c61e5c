"""For pack authors: load packs from ``lessons/`` again when their files change, without a restart."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from starlette.concurrency import run_in_threadpool

from app.db import Database
from app.packs.library import sync_shipped_packs

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 1.5


def fingerprint(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of every file below ``folder``."""
    if not folder.is_dir():
        return ()
    entries = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            stat = path.stat()
            entries.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(entries)


async def watch_lessons(database: Database, folder: Path) -> None:
    """Poll ``folder``; when anything changed, load the packs again (errors are logged, as at start)."""
    seen = fingerprint(folder)
    while True:
        await asyncio.sleep(INTERVAL_SECONDS)
        current = await run_in_threadpool(fingerprint, folder)
        if current != seen:
            seen = current
            log.info("lessons changed; loading packs again")
            await run_in_threadpool(sync_shipped_packs, database, folder)
