"""Handing back to the operating system the heap that requests freed, once the server is quiet."""

from __future__ import annotations

import asyncio
import ctypes
import time
from collections.abc import Callable

QUIET_SHARE = 0.02  # under 2 % of a core over one look: nothing is being served now
WORTH_CPU_SECONDS = 0.05  # CPU spent since the last release before another one is worth it


def malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where there is no glibc (musl, macOS, Windows)."""
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


async def release_heap_when_quiet(
    interval: float = 0.5,
    *,
    clock: Callable[[], float] = time.process_time,
    trim: Callable[[int], int] | None = None,
) -> None:
    """Each ``interval``: when the process has worked since the last release and is quiet now, trim the heap.

    glibc keeps the memory a request frees for later requests, so an idle server would go on
    holding what its busiest moment needed: after start-up and the first pages about 2.4 MB of
    resident memory (docs/benchmarks.md, section 4). ``malloc_trim`` takes well under a millisecond;
    it runs at most once per quiet spell, never while requests keep the process busy.
    """
    trim = trim or malloc_trim()
    if trim is None:
        return
    released = last = clock()
    while True:
        await asyncio.sleep(interval)
        now = clock()
        if now - last < QUIET_SHARE * interval and now - released > WORTH_CPU_SECONDS:
            trim(0)
            released = clock()
        last = now
