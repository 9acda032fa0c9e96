"""The X API v2 family: users, user timelines and recent search under ``/2/``.

`api.py` answers requests (routes, X's problem bodies, `x-rate-limit-*` headers, partial errors
inside a 200, fault responses), `world.py` holds X's objects (posts, replies, followers) and
ground truth.
"""

from __future__ import annotations

from ..families import Family
from .api import XApi
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
)

__all__ = ["FAMILY"]
