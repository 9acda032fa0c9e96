"""Documented rate limits the core enforces for a family, per token or per app, under any
concurrency.

A family declares its platform's limits (`Limit`: how many calls, over which window, counted per
what, on which paths) and the error kind that answers a call over one; the core counts every API
request against them and, over a limit, answers with that kind in the family's own dialect
(`FamilyApi.fault_response`, usage headers saturated) with the wait the platform would give: X's
reset epoch, Google's `retryDelay`, LinkedIn's daily-limit body (reset at midnight UTC). The
limits only apply on a server started with `documented_limits=True` (the bench's latency
scenario); tests and the demo are not throttled unless a fault says so.

Windows: `window_seconds` is a fixed window opened by the first call (X's 15-minute windows,
which restart at their reset), or `UTC_DAY` (LinkedIn: calendar days, reset at midnight UTC), or
`ROLLING` with `window_seconds` (Google Ads: operations in a sliding 24 hours).
"""

from __future__ import annotations

import collections
import datetime as dt
import math
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

FIXED, UTC_DAY, ROLLING = "fixed", "utc_day", "rolling"


@dataclass(frozen=True)
class Limit:
    """One documented limit of a platform."""

    name: str
    """Shown in records and the bench (`x search, per app`)."""
    calls: int
    window_seconds: float
    per: str
    """`token` (the bearer token: one user or member), `app` (every token of the one app the
    sandbox serves) or `header:<name>` (a request header's value, e.g. Google's
    `developer-token`)."""
    kind: str
    """The family's error kind answering a call over the limit."""
    paths: str | None = None
    """Regex searched in the request path (None: every request of the family)."""
    window: str = FIXED
    options: Callable[[float], dict[str, Any]] = field(default=lambda wait: {}, compare=False)
    """The fault rule's options from the wait in seconds (X: `reset_seconds`; Google:
    `retry_delay`; LinkedIn: `scope`)."""

    def matches(self, path: str) -> bool:
        return self.paths is None or re.search(self.paths, path) is not None

    def key(self, path: str, headers: Mapping[str, str]) -> str:
        """The bucket this call counts in; a `(?P<resource>…)` group in `paths` makes the limit
        per resource too (LinkedIn's limits are per endpoint)."""
        match = re.search(self.paths, path) if self.paths else None
        resource = (match.groupdict().get("resource") or "") if match else ""
        if self.per == "app":
            who = "app"
        elif self.per == "token":
            auth = headers.get("Authorization", "") or ""
            who = auth.partition(" ")[2].strip() or "-"
        elif self.per.startswith("header:"):
            who = headers.get(self.per.split(":", 1)[1], "") or "-"
        else:
            raise ValueError(f"limit {self.name}: per must be token, app or header:<name>")
        return f"{who}|{resource}"


@dataclass
class Refusal:
    """A call over `limit`: the platform asks to wait `wait_seconds`."""

    limit: Limit
    wait_seconds: float


class RateLimiter:
    """Counts calls per (limit, key); thread-safe. `clock` is wall-clock seconds (epoch)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._fixed: dict[tuple[str, str], tuple[float, int]] = {}
        self._rolling: dict[tuple[str, str], collections.deque[float]] = {}
        self.refused: collections.Counter[str] = collections.Counter()
        self.first_refusal: dict[str, float] = {}
        self.peak: dict[str, int] = {}
        """Per limit: the most calls one bucket held in one window (how close it came)."""
        self.buckets: dict[str, set[str]] = collections.defaultdict(set)
        self.declared: dict[str, Limit] = {}

    def reset(self) -> None:
        with self._lock:
            self._fixed.clear()
            self._rolling.clear()
            self.refused.clear()
            self.first_refusal.clear()
            self.peak.clear()
            self.buckets.clear()

    def check(
        self, limits: tuple[Limit, ...], path: str, headers: Mapping[str, str]
    ) -> Refusal | None:
        """Count this call against every limit it falls under; the first it exceeds, if any.
        A refused call counts too (platforms count throttled calls against the window)."""
        now = self._clock()
        refusal: Refusal | None = None
        with self._lock:
            for limit in limits:
                if not limit.matches(path):
                    continue
                bucket = (limit.name, limit.key(path, headers))
                self.declared[limit.name] = limit
                self.buckets[limit.name].add(bucket[1])
                wait = self._hit(limit, bucket, now)
                if wait is not None and refusal is None:
                    refusal = Refusal(limit, wait)
            if refusal is not None:
                self.refused[refusal.limit.name] += 1
                self.first_refusal.setdefault(refusal.limit.name, now)
        return refusal

    def _hit(self, limit: Limit, bucket: tuple[str, str], now: float) -> float | None:
        if limit.window == ROLLING:
            calls = self._rolling.setdefault(bucket, collections.deque())
            while calls and calls[0] <= now - limit.window_seconds:
                calls.popleft()
            if len(calls) >= limit.calls:
                return calls[0] + limit.window_seconds - now
            calls.append(now)
            self.peak[limit.name] = max(self.peak.get(limit.name, 0), len(calls))
            return None
        if limit.window == UTC_DAY:
            day = dt.datetime.fromtimestamp(now, dt.UTC).date()
            start = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC).timestamp()
            end = start + 86_400
        else:
            start, used = self._fixed.get(bucket, (now, 0))
            end = start + limit.window_seconds
            if now >= end:
                start, end = now, now + limit.window_seconds
        previous_start, used = self._fixed.get(bucket, (start, 0))
        if previous_start != start:
            used = 0
        used += 1
        self._fixed[bucket] = (start, used)
        self.peak[limit.name] = max(self.peak.get(limit.name, 0), min(used, limit.calls))
        return math.ceil(end - now) if used > limit.calls else None

    def summary(self) -> dict[str, Any]:
        """Refused calls per limit and when the first was refused (ISO UTC)."""
        with self._lock:
            return {
                name: {
                    "refused": count,
                    "first_refused_at": dt.datetime.fromtimestamp(
                        self.first_refusal[name], dt.UTC
                    ).isoformat(timespec="seconds"),
                }
                for name, count in sorted(self.refused.items())
            }

    def usage(self) -> dict[str, dict[str, Any]]:
        """Per limit met so far: its numbers, how many buckets (tokens, apps) it counted, the
        most calls one bucket held in one window, and the calls refused."""
        with self._lock:
            return {
                name: {
                    "calls": limit.calls,
                    "window_seconds": limit.window_seconds,
                    "window": limit.window,
                    "per": limit.per,
                    "buckets": len(self.buckets[name]),
                    "peak_calls_in_a_window": self.peak.get(name, 0),
                    "refused": self.refused.get(name, 0),
                }
                for name, limit in sorted(self.declared.items())
            }
