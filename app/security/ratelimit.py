"""Counting failed attempts per key in a sliding window (per process)."""

from __future__ import annotations

import threading
import time
from collections import deque


class AttemptLimiter:
    """Allows ``limit`` failures per ``window`` seconds for each key."""

    def __init__(self, limit: int, window: float, max_keys: int = 100_000) -> None:
        self.limit = limit
        self.window = window
        self._max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def blocked(self, key: str) -> bool:
        """Whether ``key`` has used up its failures for now."""
        with self._lock:
            failures = self._failures.get(key)
            if not failures:
                return False
            self._expire(failures, time.monotonic())
            return len(failures) >= self.limit

    def fail(self, key: str) -> None:
        """Record one failure for ``key``."""
        now = time.monotonic()
        with self._lock:
            if len(self._failures) >= self._max_keys:
                self._failures.clear()  # bounded memory beats perfect memory under a flood
            failures = self._failures.setdefault(key, deque())
            self._expire(failures, now)
            failures.append(now)

    def reset(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _expire(self, failures: deque[float], now: float) -> None:
        while failures and now - failures[0] > self.window:
            failures.popleft()


class Limits:
    """The limits of one app process."""

    def __init__(self) -> None:
        # A class of 30 behind one school address may mistype; a guesser needs millions.
        self.join_by_address = AttemptLimiter(limit=40, window=600)
        self.resume_by_address = AttemptLimiter(limit=40, window=600)
        self.login_by_account = AttemptLimiter(limit=5, window=900)
        self.login_by_address = AttemptLimiter(limit=20, window=900)
        # Invitation and reset links carry 256 random bits; the limit stops scanning anyway.
        self.link_by_address = AttemptLimiter(limit=20, window=900)
        # A six-digit code: five wrong tries per account in 15 minutes leave a guesser ~1:40,000.
        self.two_factor_by_account = AttemptLimiter(limit=5, window=900)
        self.two_factor_by_address = AttemptLimiter(limit=20, window=900)
