"""Deterministic randomness keyed by name.

Every random draw in the sandbox comes from a `random.Random` seeded by a keyed BLAKE2b digest of
``"{seed}|{key}"``. Python's `hash()` is salted per process, so it is never used: the same seed,
configuration and clock give the same world in every process, whatever order things are asked in.
"""

from __future__ import annotations

import collections
import hashlib
import math
import random
import threading


def derive(seed: int, key: str) -> int:
    """A 64-bit integer that depends only on `seed` and `key`."""
    digest = hashlib.blake2b(f"{seed}|{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def rng(seed: int, key: str) -> random.Random:
    """An independent random stream for one named thing (an account-day, a post, an ad-day…)."""
    return random.Random(derive(seed, key))


def poisson(r: random.Random, lam: float) -> int:
    """A Poisson draw; Knuth's method for small means, a rounded normal for large ones."""
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, round(r.gauss(lam, math.sqrt(lam))))
    limit = math.exp(-lam)
    k, p = 0, r.random()
    while p > limit:
        k += 1
        p *= r.random()
    return k


def heavy_count(r: random.Random, mean: float, sigma: float = 1.0) -> int:
    """A heavy-tailed count (log-normal) whose mean is about `mean`: most posts get a few
    comments, a few get very many."""
    if mean <= 0:
        return 0
    mu = math.log(mean) - sigma * sigma / 2
    return int(r.lognormvariate(mu, sigma))


def weighted(r: random.Random, choices: dict[str, float]) -> str:
    """One key of `choices`, with probability proportional to its weight."""
    total = sum(choices.values())
    x = r.random() * total
    for key, weight in choices.items():
        x -= weight
        if x < 0:
            return key
    return next(reversed(choices))


def digits(seed: int, key: str, width: int) -> str:
    """`width` decimal digits derived from `key` (leading zeros kept)."""
    value = derive(seed, key) * 0x9E3779B97F4A7C15 + derive(seed, key + "#2")
    return f"{value % 10**width:0{width}d}"


class Memo:
    """A thread-safe bounded memo (least recently used out). Everything in the world can be
    regenerated from its key, so evicting only costs time; it keeps agency-scale runs within
    memory."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: object) -> object | None:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: object, value: object) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)
