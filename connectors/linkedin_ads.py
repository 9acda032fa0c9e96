"""LinkedIn Ads (Marketing API, versioned REST): the ad account (currency), its campaign groups,
campaigns and creatives with names and statuses, and daily `adAnalytics` per creative. The
dialect (headers, version, errors, daily limits, Rest.li 2.0 encoding) is
`connectors/linkedin_rest.py`, shared with LinkedIn Pages.

Token: a 3-legged OAuth token of a member with a role on the ad account (VIEWER or above), for
an app with the Advertising API (scopes `r_ads` and `r_ads_reporting`).

Levels, mapped explicitly into Ruche's campaign layer (README, `_campaign__models.yml`):
LinkedIn **campaign group → Ruche campaign**, LinkedIn **campaign → ad set** (where budget,
bid and targeting live, as on Meta's ad set), **creative → ad**.

adAnalytics (reference/platform_apis.md §9; learn.microsoft.com/en-us/linkedin/marketing/
integrations/ads-reporting/ads-reporting, "Restrictions"):

* `q=analytics&pivot=CREATIVE&timeGranularity=DAILY&dateRange=(start:(year:…,month:…,day:…),
  end:(…))&accounts=List(urn%3Ali%3AsponsoredAccount%3AN)&fields=…`: one element per creative
  and day with delivery, `pivotValues` the creative's URN, `dateRange` the day.
* At most **20 fields** per request: the metrics are split into chunks of 18 plus `dateRange`
  and `pivotValues`, and the chunks' elements merged on (day, creative) — each metric taken
  from exactly one chunk (the chunks are disjoint), so none is doubled.
* At most **15,000 elements** per answer and **no paging**; a larger result is cut without an
  error (third-party notes: Airbyte's connector refuses a full page, OWOX and PostHog moved to
  smaller date slices). The date range is sliced by estimate (creatives listed × days ≤
  15,000), and a slice whose answer still comes back full is halved and asked again; a single
  day that is still full is a permanent error (nothing smaller can be asked of this pivot).
* Money: `costInLocalCurrency` and `conversionValueInLocalCurrency` are decimal strings in the
  account's currency (the ad account's `currency`), landed as sent; staging casts them to
  DECIMAL, never a float.
* Days are UTC days (the ad account has no time zone; reference §9, unverified). Conversions
  (`externalWebsiteConversions` = post-click + post-view) are credited to the day of the ad
  interaction within LinkedIn's default windows (30 days after a click, 7 after a view), so
  the trailing 30 days are read again every run (`refetch_days`, per account for longer
  windows).

Not pinned down (the sandbox README says what it does instead): the exact 400 body for more
than 20 fields, whether an oversized answer is cut or refused (Ruche slices either way), and
whether adAnalytics days are UTC or the account's.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from functools import partial
from typing import Any

from connectors.base import Connector, Stream, Window
from connectors.linkedin_rest import (
    LINKEDIN_API_VERSION,
    LINKEDIN_BASE_URL,
    classify_restli,
    configured_version,
    elements,
    encode,
    restli_headers,
    restli_list,
    restli_path,
    token_paginator,
)
from ruche.platforms.linkedin import (
    LINKEDIN_ADS,
    LINKEDIN_API_VERSION_ENV,
    LINKEDIN_VERSION_PATTERN,
)

SCOPES = "r_ads and r_ads_reporting (Advertising API)"
ROLE = "VIEWER (or above) on this ad account in Campaign Manager"
ACCOUNT_PREFIX = "urn:li:sponsoredAccount:"
MAX_FIELDS = 20
"""LinkedIn's limit of fields per adAnalytics request (`dateRange` and `pivotValues` count)."""
STRUCTURE_FIELDS = ("dateRange", "pivotValues")
METRICS_PER_REQUEST = MAX_FIELDS - len(STRUCTURE_FIELDS)
MAX_ELEMENTS = 15_000
"""LinkedIn's cap on the elements of one adAnalytics answer (no paging past it)."""
LISTING_PAGE_MAX = 1000
"""The largest `pageSize` of the ads finders."""
METRICS = (
    "impressions",
    "clicks",
    "costInLocalCurrency",
    "costInUsd",
    "externalWebsiteConversions",
    "externalWebsitePostClickConversions",
    "externalWebsitePostViewConversions",
    "conversionValueInLocalCurrency",
    "landingPageClicks",
    "oneClickLeads",
    "oneClickLeadFormOpens",
    "likes",
    "comments",
    "shares",
    "follows",
    "reactions",
    "totalEngagements",
    "otherEngagements",
    "companyPageClicks",
    "videoViews",
    "videoCompletions",
    "adUnitClicks",
    "actionClicks",
    "sends",
)
"""Daily metrics per creative requested by default (more than one request's worth: chunked);
an account's `fields` adds more by name; a name the registry marks removed is never asked."""


def chunked(metrics: list[str], size: int = METRICS_PER_REQUEST) -> list[tuple[str, ...]]:
    """Disjoint chunks of at most `size` metrics, in order (each is one request's fields with
    `dateRange` and `pivotValues`)."""
    unique = list(dict.fromkeys(metrics))
    return [tuple(unique[i : i + size]) for i in range(0, len(unique), size)]


def day_of(element: dict[str, Any]) -> dt.date:
    start = (element.get("dateRange") or {}).get("start") or {}
    return dt.date(int(start["year"]), int(start["month"]), int(start["day"]))


def date_range(window: Window) -> str:
    """`(start:(year:Y,month:M,day:D),end:(…))`, both days inclusive (Rest.li 2.0 structure)."""

    def one(day: dt.date) -> str:
        return f"(year:{day.year},month:{day.month},day:{day.day})"

    return f"(start:{one(window.start)},end:{one(window.end)})"


class LinkedInAds(Connector):
    platform = LINKEDIN_ADS.name
    api_version = LINKEDIN_API_VERSION
    api_version_env = LINKEDIN_API_VERSION_ENV
    api_version_pattern = LINKEDIN_VERSION_PATTERN
    default_base_url = LINKEDIN_BASE_URL
    entities = LINKEDIN_ADS.entity_names
    refetch_days = LINKEDIN_ADS.refetch_days
    days_timezone = LINKEDIN_ADS.reporting_day
    page_size = 100
    """`pageSize` of the campaign group, campaign and creative listings."""
    page_sizes = {
        "ad_account": 1,
        "ad_analytics": MAX_ELEMENTS // len(chunked(list(METRICS))),
    }
    """Records one request can return, per entity (the benchmark's request minimum): an
    adAnalytics element needs one request per field chunk, each up to 15,000 elements."""

    estimate_slices: bool = True
    """Slice adAnalytics' range by estimate (creatives × days ≤ the cap) before asking; off,
    the whole range is asked and only full answers are halved (slower: a cut answer is wasted)."""

    _creatives = 0

    @classmethod
    def http_hooks(cls) -> dict[str, Any]:
        return {
            "classify": partial(
                classify_restli,
                scopes=SCOPES,
                role=ROLE,
                member="a member with a role on the ad account",
            ),
            "auth_header": restli_headers(configured_version(os.environ)),
        }

    @property
    def account_urn(self) -> str:
        return f"{ACCOUNT_PREFIX}{self.account.account_id}"

    # ------------------------------------------------------------------ structure
    def _listing(self, resource: str, finder: str) -> Iterator[dict[str, Any]]:
        path = restli_path(f"rest/adAccounts/{self.account.account_id}/{resource}", {"q": finder})
        size = max(1, min(self.page_size, LISTING_PAGE_MAX))
        yield from self.http.paginate(path, {"pageSize": size}, token_paginator(), elements)

    def _creative_listing(self) -> Iterator[dict[str, Any]]:
        self._creatives = 0
        for creative in self._listing("creatives", "criteria"):
            self._creatives += 1
            yield creative

    def streams(self, window: Window) -> Iterator[Stream]:
        # The account first: a token or permission problem fails it before anything is landed,
        # and its `currency` is what every cost is in.
        account = self.http.get(f"rest/adAccounts/{self.account.account_id}")
        yield Stream("ad_account", window, [account])
        yield Stream("campaign_groups", window, self._listing("adCampaignGroups", "search"))
        yield Stream("campaigns", window, self._listing("adCampaigns", "search"))
        yield Stream("creatives", window, self._creative_listing())
        analytics_window = window.extended(self.effective_refetch_days)
        yield Stream("ad_analytics", analytics_window, self._analytics(analytics_window))

    # ------------------------------------------------------------------ adAnalytics
    def metric_chunks(self) -> list[tuple[str, ...]]:
        removed = self.removed_metrics()
        wanted = dict.fromkeys((*METRICS, *(self.account.fields or ())))
        skipped = sorted(m for m in wanted if m in removed)
        if skipped:
            self.notes["removed_metrics_skipped"] = skipped
        return chunked([m for m in wanted if m not in removed])

    def _analytics(self, window: Window) -> Iterator[dict[str, Any]]:
        chunks = self.metric_chunks()
        # Estimate: at most one element per creative and day, so this many days stay under the
        # cap (creatives removed since the listing can still have rows: a full answer halves).
        days = max(1, MAX_ELEMENTS // max(1, self._creatives))
        if not self.estimate_slices:
            days = window.days
        self.notes["analytics_field_chunks"] = len(chunks)
        self.notes["analytics_days_per_slice"] = min(days, window.days)
        for part in window.chunks(days):
            yield from self._slice(part, chunks)

    def _query(self, part: Window, chunk: tuple[str, ...]) -> str:
        return restli_path(
            "rest/adAnalytics",
            {
                "q": "analytics",
                "pivot": "CREATIVE",
                "timeGranularity": "DAILY",
                "dateRange": date_range(part),
                "accounts": restli_list([self.account_urn]),
                "fields": ",".join((*STRUCTURE_FIELDS, *chunk)),
            },
        )

    def _slice(self, part: Window, chunks: list[tuple[str, ...]]) -> Iterator[dict[str, Any]]:
        """The elements of `part`, every chunk's metrics merged once per (day, creative).
        Nothing is yielded before every chunk of the slice is in, so a halved slice never
        lands a row twice."""
        merged: dict[tuple[dt.date, str], dict[str, Any]] = {}
        for chunk in chunks:
            items = elements(self.http.get(self._query(part, chunk)))
            if len(items) >= MAX_ELEMENTS:
                if part.days == 1:
                    raise self.permanent(
                        f"LinkedIn's adAnalytics answer for {part.start} reached its "
                        f"{MAX_ELEMENTS:,}-element cap for one day (more creatives delivered "
                        "than one answer holds, and it cannot be paged)",
                        hint="report this as a Ruche bug with this message: the day has to be "
                        "split by campaign (`campaigns=List(…)`) instead",
                    )
                self.notes["analytics_slices_halved"] = (
                    self.notes.get("analytics_slices_halved", 0) + 1
                )
                middle = part.start + dt.timedelta(days=part.days // 2 - 1)
                yield from self._slice(Window(part.start, middle), chunks)
                yield from self._slice(Window(middle + dt.timedelta(days=1), part.end), chunks)
                return
            for item in items:
                key = (day_of(item), str((item.get("pivotValues") or [""])[0]))
                row = merged.setdefault(
                    key, {"dateRange": item["dateRange"], "pivotValues": item["pivotValues"]}
                )
                for metric in chunk:
                    if metric in item:
                        row[metric] = item[metric]
        yield from (merged[key] for key in sorted(merged))


def encoded_account(account_id: str) -> str:
    """The account's URN as it appears in a Rest.li 2.0 list (tests read the requests)."""
    return encode(f"{ACCOUNT_PREFIX}{account_id}")
