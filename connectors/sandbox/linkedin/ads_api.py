"""LinkedIn Ads requests of the LinkedIn family (same headers, versions, errors and daily 429s as
LinkedIn Pages: `api.py` checks them before handing a request here).

* `GET /rest/adAccounts/{id}`: the ad account (currency, status, name); an account the world
  does not hold answers 403 ACCESS_DENIED, as LinkedIn does for an account the member has no
  role on.
* `GET /rest/adAccounts/{id}/adCampaignGroups?q=search`, `…/adCampaigns?q=search`,
  `…/creatives?q=criteria`: cursor paging as the versioned API pages these finders since 202401
  (`pageSize`, at most 1000, default 100; `pageToken`; the next token in
  `metadata.nextPageToken`, absent on the last page).
* `GET /rest/adAnalytics?q=analytics&pivot=CREATIVE&timeGranularity=DAILY&dateRange=(start:
  (year:Y,month:M,day:D),end:(…))&accounts=List(urn%3Ali%3AsponsoredAccount%3AN)&fields=…`:
  one element per creative and UTC day with delivery. `pivot` and `timeGranularity` are also
  taken in the older `(value:CREATIVE)` form Airbyte sends. At most 20 `fields` (LinkedIn's
  documented restriction; the 400's wording is the sandbox's, no recorded body was found);
  without `fields` only `impressions` and `clicks` come back. **No paging**: an answer holds at
  most 15,000 elements and a larger result is cut there without an error (third-party notes
  and connectors that moved to smaller date slices; `paging` carries no `total` and no links).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import unquote

from ..faults import LIST_KINDS
from ..paging import short_page_count
from . import errors
from .ads import ACCOUNT_PREFIX, METRICS
from .api import path_urn, restli_list

MAX_FIELDS = 20
MAX_ELEMENTS = 15_000
PAGE_SIZE_MAX = 1000
PAGE_SIZE_DEFAULT = 100
DEFAULT_FIELDS = ("impressions", "clicks")
STRUCTURE_FIELDS = ("dateRange", "pivotValues")

_DATE = r"\(year:(\d{4}),month:(\d{1,2}),day:(\d{1,2})\)"
_DATE_RANGE = re.compile(rf"\(start:{_DATE}(?:,end:{_DATE})?\)")


def _enum(value: str | None) -> str | None:
    """`CREATIVE` or the older Rest.li form `(value:CREATIVE)`."""
    if value is None:
        return None
    match = re.fullmatch(r"\(value:(\w+)\)", unquote(value))
    return match.group(1) if match else unquote(value)


def _date_range(raw: str | None) -> tuple[dt.date, dt.date]:
    if raw is None:
        raise errors.bad_request("dateRange is required for timeGranularity DAILY")
    match = _DATE_RANGE.fullmatch(unquote(raw))
    if match is None:
        raise errors.bad_request(f"Invalid dateRange: {unquote(raw)}")
    y, m, d = (int(x) for x in match.group(1, 2, 3))
    try:
        start = dt.date(y, m, d)
        end = dt.date(*(int(x) for x in match.group(4, 5, 6))) if match.group(4) else None
    except ValueError:
        raise errors.bad_request(f"Invalid dateRange: {unquote(raw)}") from None
    return start, end or start


class LinkedInAdsApi:
    """The Ads half of the LinkedIn family, over the shared `World`."""

    def __init__(self, world: Any) -> None:
        self.world = world

    def _account(self, urn: str) -> Any:
        """The ad account of a decoded id or URN (403 as LinkedIn when not the member's)."""
        account_id = urn.removeprefix(ACCOUNT_PREFIX)
        acct = self.world.linkedin_ads_account(account_id) if account_id.isdigit() else None
        if acct is None:
            raise errors.access_denied("adAccounts", "")
        return acct

    def account_resource(self, ctx: Any, key: str, sub: str) -> dict[str, Any]:
        acct = self._account(path_urn(key))
        params = ctx.call.params
        if sub == "":
            return self.world.linkedin_ad_account(acct)
        finders = {
            "adCampaignGroups": ("search", self.world.linkedin_campaign_groups),
            "adCampaigns": ("search", self.world.linkedin_campaigns),
            "creatives": ("criteria", self.world.linkedin_creatives),
        }
        if sub not in finders:
            raise errors.not_found(ctx.call.path)
        finder, items = finders[sub]
        if params.get("q") != finder:
            raise errors.bad_request(f"q={finder} is the finder this sandbox serves on {sub}")
        return self._token_page(ctx, items(acct))

    @staticmethod
    def _token_page(ctx: Any, items: list[dict[str, Any]]) -> dict[str, Any]:
        params = ctx.call.params
        try:
            size = int(params.get("pageSize", PAGE_SIZE_DEFAULT))
            start = int(params.get("pageToken", "0") or 0, 36) if "pageToken" in params else 0
        except ValueError:
            raise errors.bad_request("Invalid pageSize or pageToken") from None
        if size < 1 or start < 0:
            raise errors.bad_request("pageSize must be positive")
        size = min(size, PAGE_SIZE_MAX)
        served = items[start : start + size]
        rule = ctx.call.take_fault(LIST_KINDS)
        if rule is not None:
            ctx.call.faults.append(rule.kind)
            served = served[: max(1, short_page_count(rule.fired, size))]
        after = start + len(served)
        metadata: dict[str, Any] = {}
        if after < len(items):
            metadata["nextPageToken"] = _token(after)
        return {"elements": served, "metadata": metadata, "paging": {"start": 0, "count": size}}

    def analytics(self, ctx: Any, raw: dict[str, str]) -> dict[str, Any]:
        params = ctx.call.params
        if params.get("q") != "analytics":
            raise errors.bad_request("q=analytics is the finder this sandbox serves on adAnalytics")
        pivot = _enum(raw.get("pivot"))
        if pivot != "CREATIVE":
            raise errors.bad_request(f"the sandbox serves pivot CREATIVE only, not {pivot}")
        granularity = _enum(raw.get("timeGranularity"))
        if granularity != "DAILY":
            raise errors.bad_request(
                f"the sandbox serves timeGranularity DAILY only, not {granularity}"
            )
        start, end = _date_range(raw.get("dateRange"))
        if end < start:
            raise errors.bad_request("dateRange end is before its start")
        if "accounts" not in raw:
            raise errors.bad_request("accounts=List(urn:li:sponsoredAccount:…) is required")
        accounts = [self._account(u) for u in restli_list(raw["accounts"])]
        fields = self._fields(raw.get("fields"))
        today = self.world.now.astimezone(dt.UTC).date()
        elements: list[dict[str, Any]] = []
        for acct in accounts:
            if start <= today:
                elements.extend(self.world.linkedin_ad_analytics(acct, start, min(end, today)))
        elements.sort(
            key=lambda e: (
                tuple(e["dateRange"]["start"][k] for k in ("year", "month", "day")),
                e["pivotValues"][0],
            )
        )
        # No paging: past the cap the answer is cut, with nothing saying so.
        elements = elements[:MAX_ELEMENTS]
        projected = [{k: v for k, v in e.items() if k in fields} for e in elements]
        return {"paging": {"start": 0, "count": 10, "links": []}, "elements": projected}

    @staticmethod
    def _fields(raw: str | None) -> frozenset[str]:
        if raw is None:
            return frozenset(DEFAULT_FIELDS)
        names = [f for f in unquote(raw).split(",") if f]
        if len(names) > MAX_FIELDS:
            raise errors.RestliError(
                400,
                f"Too many fields requested: {len(names)}. A request may project at most "
                f"{MAX_FIELDS} fields; split the fields over several requests",
                code="ILLEGAL_ARGUMENT",
            )
        unknown = sorted(set(names) - set(METRICS) - set(STRUCTURE_FIELDS))
        if unknown:
            raise errors.bad_request(f"Invalid field(s) for adAnalytics: {', '.join(unknown)}")
        return frozenset(names)


def _token(offset: int) -> str:
    """An opaque-looking page token (the offset in base 36)."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        offset, rest = divmod(offset, 36)
        out = digits[rest] + out
        if offset == 0:
            return out
