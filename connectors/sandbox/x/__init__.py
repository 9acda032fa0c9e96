"""The X API v2 family: users, user timelines and recent search under ``/2/``.

`api.py` answers requests (routes, X's problem bodies, `x-rate-limit-*` headers, partial errors
inside a 200, fault responses), `world.py` holds X's objects (posts, replies, followers) and
ground truth.
"""

from __future__ import annotations

from ..families import Family
from ..ratelimit import Limit
from .api import LIMITS, WINDOW_SECONDS, XApi
from .world import XWorld

ERROR_KINDS = (
    "http_429",
    "http_500",
    "http_503",
    "token_invalid",
    "app_only_token",
    "usage_capped",
)
RATE_LIMIT_KINDS = ("http_429",)
"""Answered with `x-rate-limit-remaining: 0` and a reset a few seconds ahead."""
PERMANENT_KINDS = ("token_invalid", "app_only_token", "usage_capped")
"""401 (token expired or revoked), 403 `unsupported-authentication` (an app-only token where a
user context is needed) and 429 `usage-capped` (the month's post-read cap is spent: waiting
minutes cannot help)."""


def _reset(wait: float) -> dict[str, float]:
    return {"reset_seconds": wait}


_TIMELINE, _SEARCH, _USER = (
    r"^/2/users/\d+/tweets$",
    r"^/2/tweets/search/recent$",
    r"^/2/users/\d+$",
)
RATE_LIMITS = (
    # Per user (each account's own user-context token) and per app (every token of the one
    # app the sandbox serves), 15-minute windows: reference/platform_apis.md §3's table.
    Limit(
        "x timeline, per user",
        LIMITS["timeline"],
        WINDOW_SECONDS,
        "token",
        "http_429",
        _TIMELINE,
        options=_reset,
    ),
    Limit(
        "x search, per user",
        LIMITS["search"],
        WINDOW_SECONDS,
        "token",
        "http_429",
        _SEARCH,
        options=_reset,
    ),
    Limit(
        "x user lookup, per user",
        LIMITS["user"],
        WINDOW_SECONDS,
        "token",
        "http_429",
        _USER,
        options=_reset,
    ),
    Limit(
        "x timeline, per app", 10_000, WINDOW_SECONDS, "app", "http_429", _TIMELINE, options=_reset
    ),
    Limit("x search, per app", 450, WINDOW_SECONDS, "app", "http_429", _SEARCH, options=_reset),
)


def synthetic_accounts(scale, k: int, display: str) -> dict[str, list[dict[str, str]]]:
    """One X account per synthetic client."""
    return {"x": [{"id": f"14600{k + 1:07d}0000001", "name": display}]}


FAMILY = Family(
    name="x",
    paths=r"^/2/",
    platforms=("x",),
    api=XApi,
    world=XWorld,
    error_kinds=ERROR_KINDS,
    rate_limit_kinds=RATE_LIMIT_KINDS,
    synthetic_accounts=synthetic_accounts,
    permanent_kinds=PERMANENT_KINDS,
    rate_limits=RATE_LIMITS,
)

__all__ = ["FAMILY"]
