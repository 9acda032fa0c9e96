"""The LinkedIn family: the versioned REST API (``/rest/…``) that LinkedIn Pages (Community
Management API) and LinkedIn Ads (ad accounts, campaign groups, campaigns, creatives and
adAnalytics) share.

`api.py` answers requests (version and protocol headers, Rest.li 2.0 parameters, start/count
paging), `errors.py` LinkedIn's error bodies, `faults.py` its fault kinds, `world.py` the
organization pages and `ads.py` the ad accounts, with their ground truth.
"""

from __future__ import annotations

from ..families import Family
from ..ratelimit import UTC_DAY, Limit
from .api import LinkedInApi
from .faults import ERROR_KINDS, PERMANENT_KINDS, RATE_LIMIT_KINDS
from .synthetic import synthetic_accounts
from .world import LinkedInWorld

# LinkedIn's limits are daily, per application and per member (token), per endpoint, reset at
# midnight UTC; "standard rate limits are not published" (each app reads its own in the
# Developer Portal). These numbers are an assumption, not LinkedIn's: an app with the Community
# Management API and one member token per organization.
APP_DAILY_CALLS = 100_000
MEMBER_DAILY_CALLS = 5_000
_RESOURCE = r"^/rest/(?P<resource>[A-Za-z]+)"
RATE_LIMITS = (
    Limit(
        "linkedin, per app per endpoint, daily",
        APP_DAILY_CALLS,
        86_400,
        "app",
        "http_429",
        _RESOURCE,
        window=UTC_DAY,
        options=lambda wait: {"scope": "APPLICATION"},
    ),
    Limit(
        "linkedin, per member per endpoint, daily",
        MEMBER_DAILY_CALLS,
        86_400,
        "token",
        "http_429",
        _RESOURCE,
        window=UTC_DAY,
        options=lambda wait: {"scope": "MEMBER"},
    ),
)

FAMILY = Family(
    name="linkedin",
    paths=r"^/rest/",
    platforms=("linkedin_pages", "linkedin_ads"),
    api=LinkedInApi,
    world=LinkedInWorld,
    error_kinds=ERROR_KINDS,
    rate_limit_kinds=RATE_LIMIT_KINDS,
    synthetic_accounts=synthetic_accounts,
    permanent_kinds=PERMANENT_KINDS,
    rate_limits=RATE_LIMITS,
)

__all__ = ["FAMILY"]
