"""The LinkedIn family: the versioned REST API (``/rest/…``) that LinkedIn Pages (Community
Management API) and LinkedIn Ads (ad accounts, campaign groups, campaigns, creatives and
adAnalytics) share.

`api.py` answers requests (version and protocol headers, Rest.li 2.0 parameters, start/count
paging), `errors.py` LinkedIn's error bodies, `faults.py` its fault kinds, `world.py` the
organization pages and `ads.py` the ad accounts, with their ground truth.
"""

from __future__ import annotations

from ..families import Family
from .api import LinkedInApi
from .faults import ERROR_KINDS, PERMANENT_KINDS, RATE_LIMIT_KINDS
from .synthetic import synthetic_accounts
from .world import LinkedInWorld

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
)

__all__ = ["FAMILY"]
