"""The Google Ads API family: `googleAds:searchStream` with GAQL under ``/v{N}/customers/…``.

`api.py` answers requests (GAQL subset, streamed batches, headers, versions), `errors.py`
words Google's `GoogleAdsFailure` bodies, `faults.py` its fault kinds, `world.py` its accounts'
objects and ground truth.
"""

from __future__ import annotations

import math

from ..families import Family
from ..ratelimit import ROLLING, Limit
from .api import API_VERSIONS, GoogleAdsApi
from .faults import ERROR_KINDS, PERMANENT_KINDS, RATE_LIMIT_KINDS
from .world import GoogleAdsWorld


def synthetic_accounts(scale, k: int, display: str) -> dict:
    """One Google Ads account per ad account of a synthetic client, 10-digit customer ids."""
    return {
        "google_ads": [
            {"id": f"7{k + 1:05d}{j + 1:04d}", "name": f"{display} — Google Ads {j + 1}"}
            for j in range(scale.ad_accounts_per_client)
        ]
    }


BASIC_DAILY_OPERATIONS = 15_000
"""Basic access: operations per developer token in a sliding 24 hours (platform_apis.md §8);
Explorer access has 2,880 on production accounts, Standard is unlimited."""
RATE_LIMITS = (
    Limit(
        "google_ads operations, per developer token (Basic access), 24 h",
        BASIC_DAILY_OPERATIONS,
        86_400,
        "header:developer-token",
        "resource_exhausted",
        window=ROLLING,
        options=lambda wait: {"retry_delay": f"{math.ceil(wait)}s"},
    ),
)

FAMILY = Family(
    name="google_ads",
    paths=r"^/v\d+(_\d+)?/customers/",
    platforms=("google_ads",),
    api=GoogleAdsApi,
    world=GoogleAdsWorld,
    error_kinds=ERROR_KINDS,
    rate_limit_kinds=RATE_LIMIT_KINDS,
    synthetic_accounts=synthetic_accounts,
    permanent_kinds=PERMANENT_KINDS,
    rate_limits=RATE_LIMITS,
)

__all__ = ["API_VERSIONS", "FAMILY"]
