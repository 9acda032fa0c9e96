"""Per-request latency for the sandbox: a seeded log-normal delay, so a run over loopback takes
the time a run against the platforms would.

Real API latency is skewed: most answers come in a few hundred milliseconds and a few take
seconds (a cold cache, a large page, a busy shard). A log-normal is the usual model of such
service times. It is set by its median and the ratio of its 95th percentile to the median; the
defaults (median 150 ms, p95 = 4.4 × median ≈ 660 ms, p99 ≈ 8 × median ≈ 1.2 s, mean 225 ms)
are a choice: the platforms publish no latency figures (what was found is in the sandbox
README, "Latency"). Delays are capped (`max_ms`) so a draw far in the tail cannot reach a
client's read timeout.

Each request's delay is a function of the seed, the request (method, path, its parameters but
no credential) and how many times that same request was made before: the same run gives every
request the same delay whatever order concurrent workers send them in.
"""

from __future__ import annotations

import hashlib
import math
import threading
from dataclasses import dataclass, field
from statistics import NormalDist

_Z95 = NormalDist().inv_cdf(0.95)
_SECRET_PARAMS = frozenset({"access_token", "appsecret_proof"})


@dataclass
class Latency:
    """Log-normal delays: `median_ms`, `p95_ratio` (p95 / median, > 1), capped at `max_ms`."""

    median_ms: float = 150.0
    p95_ratio: float = 4.4
    max_ms: float = 10_000.0
    seed: int = 0
    _seen: dict[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )
    _drawn: list[float] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.median_ms <= 0:
            raise ValueError(f"latency median must be more than 0 ms, got {self.median_ms}")
        if self.p95_ratio <= 1:
            raise ValueError(f"latency p95/median ratio must be more than 1, got {self.p95_ratio}")
        if self.max_ms < self.median_ms:
            raise ValueError(f"latency cap {self.max_ms} ms is below the median {self.median_ms}")

    @property
    def sigma(self) -> float:
        """The log-normal's shape: ln(p95 / median) / z(0.95)."""
        return math.log(self.p95_ratio) / _Z95

    def quantile_ms(self, q: float) -> float:
        """The q-quantile of the (uncapped) distribution, in milliseconds."""
        return self.median_ms * math.exp(self.sigma * NormalDist().inv_cdf(q))

    def draw_ms(self, u: float) -> float:
        """The delay at uniform draw `u` in (0, 1), capped."""
        u = min(max(u, 1e-12), 1 - 1e-12)
        return min(self.max_ms, self.quantile_ms(u))

    def delay(self, method: str, path: str, params: dict[str, str]) -> float:
        """Seconds to wait before answering this request (the n-th of its kind)."""
        query = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in _SECRET_PARAMS)
        key = f"{method} {path}?{query}"
        with self._lock:
            n = self._seen.get(key, 0)
            self._seen[key] = n + 1
        digest = hashlib.blake2b(f"{self.seed}|{key}|{n}".encode(), digest_size=8).digest()
        u = (int.from_bytes(digest, "big") + 0.5) / 2**64
        ms = self.draw_ms(u)
        with self._lock:
            self._drawn.append(ms)
        return ms / 1000.0

    def reset(self) -> None:
        with self._lock:
            self._seen.clear()
            self._drawn.clear()

    def stats(self) -> dict[str, float | int | None]:
        """The delays drawn so far: how many, their mean and percentiles (ms)."""
        with self._lock:
            drawn = sorted(self._drawn)
        if not drawn:
            return {"requests": 0, "mean_ms": None, "p50_ms": None, "p95_ms": None, "p99_ms": None}

        def pct(q: float) -> float:
            return round(drawn[min(len(drawn) - 1, int(q * len(drawn)))], 1)

        return {
            "requests": len(drawn),
            "mean_ms": round(sum(drawn) / len(drawn), 1),
            "p50_ms": pct(0.5),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
        }

    def describe(self) -> str:
        return (
            f"log-normal latency: median {self.median_ms:.0f} ms, p95 "
            f"{self.quantile_ms(0.95):.0f} ms, p99 {self.quantile_ms(0.99):.0f} ms, "
            f"cap {self.max_ms:.0f} ms, seed {self.seed}"
        )


def parse_latency(spec: str | float | None, seed: int = 0) -> Latency | None:
    """`off`/`0`/empty → None; `150` (median ms) or `150/600` (median/p95 ms) → a `Latency`.
    ValueError names what was wrong."""
    if spec is None:
        return None
    text = str(spec).strip().lower()
    if text in ("", "off", "0", "0.0", "none"):
        return None
    median_text, _, p95_text = text.partition("/")
    try:
        median = float(median_text.strip().removesuffix("ms"))
        p95 = float(p95_text.strip().removesuffix("ms")) if p95_text else None
    except ValueError:
        raise ValueError(
            f"latency {spec!r}: expected a median in ms (150), median/p95 in ms (150/600), or off"
        ) from None
    if median <= 0:
        raise ValueError(f"latency {spec!r}: the median must be more than 0 ms (or off)")
    if p95 is not None and p95 <= median:
        raise ValueError(f"latency {spec!r}: the p95 must be above the median")
    ratio = p95 / median if p95 is not None else Latency.p95_ratio
    return Latency(median_ms=median, p95_ratio=ratio, max_ms=max(10_000.0, median), seed=seed)
