"""Usage metering shared by the API families: calls per rolling window, per bucket. Each family
renders the numbers in its own rate-limit headers."""

from __future__ import annotations

import collections
import math
import threading
import time


class UsageMeter:
    """Calls per rolling 60 s window, per bucket (the app, and each business object), as a
    percentage of a budget. Generous by default, so usage stays low unless a fault says so."""

    def __init__(self, budget: int, window: float = 60.0) -> None:
        self.budget = max(1, budget)
        self.window = window
        self._calls: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, *buckets: str) -> dict[str, int]:
        now = time.monotonic()
        out = {}
        with self._lock:
            for bucket in buckets:
                calls = self._calls.setdefault(bucket, collections.deque())
                calls.append(now)
                while calls and calls[0] < now - self.window:
                    calls.popleft()
                out[bucket] = min(100, len(calls) * 100 // self.budget)
        return out

    def hit_with_reset(self, bucket: str) -> tuple[float, int]:
        """(percent used, 2 decimals; whole seconds until the window holds no call again):
        the two numbers of `X-Ad-Account-Usage`."""
        now = time.monotonic()
        with self._lock:
            calls = self._calls.setdefault(bucket, collections.deque())
            calls.append(now)
            while calls and calls[0] < now - self.window:
                calls.popleft()
            pct = min(100.0, round(len(calls) * 100 / self.budget, 2))
            reset = math.ceil(calls[0] + self.window - now) if calls else 0
        return pct, reset

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
