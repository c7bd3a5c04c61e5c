"""The heap trimmer: it hands freed memory back once work is followed by quiet, never while busy."""

from __future__ import annotations

import asyncio
import platform

import pytest

from app.heap import malloc_trim, release_heap_when_quiet


class Finished(Exception):
    """The fake clock ran out of readings."""


def test_trims_once_per_quiet_spell_after_enough_work() -> None:
    # CPU seconds read at the start and at each look (0.001 s apart); the release reads once more.
    readings = iter([0.0, 0.10, 0.10, 0.10, 0.10, 0.13, 0.13, 0.20, 0.20, 0.20])
    trims: list[int] = []

    def clock() -> float:
        try:
            return next(readings)
        except StopIteration:
            raise Finished from None

    def trim(pad: int) -> int:
        trims.append(pad)
        return 1

    with pytest.raises(Finished):
        asyncio.run(release_heap_when_quiet(0.001, clock=clock, trim=trim))
    # busy, quiet → trim, quiet again (nothing new), busy, quiet after too little work, busy, quiet → trim
    assert trims == [0, 0]


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_glibc_malloc_trim_is_found() -> None:
    trim = malloc_trim()
    assert trim is not None
    trim(0)
