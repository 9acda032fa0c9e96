"""What LinkedIn Pages and LinkedIn Ads share: LinkedIn's versioned REST dialect.

* **Headers.** Every call carries `LinkedIn-Version: YYYYMM` (the registry's `LINKEDIN_API`,
  overridden by `RUCHE_LINKEDIN_API_VERSION`, format checked) and `X-Restli-Protocol-Version:
  2.0.0`. Missing version: 400 `VERSION_MISSING` ("A version must be present…", recorded with an
  `X-Restli-Gateway-Error` header). A sunset version: **HTTP 426** `NONEXISTENT_VERSION`
  ("Requested version … is not active"); LinkedIn sends no Sunset/Deprecation header, so the
  registry's API calendar warns 30 days ahead and a 426 is a permanent error naming the setting.
  Versions are monthly and each is served for at least one year (migrations table: 202510 →
  2026-10-15, 202511 → 2026-11-16, 202601 → 2027-01-15); learn.microsoft.com/en-us/linkedin/
  marketing/versioning.
* **Errors.** Rest.li bodies `{status, serviceErrorCode, code, message}`; the HTTP status
  carries the meaning. 401 65600 invalid token, 65601 revoked (one client maps it to expired);
  403 `ACCESS_DENIED` serviceErrorCode 100 ("Not enough permissions to access: socialActions.GET
  .NO_VERSION", recorded); 400 `Parameter 'timeIntervals' is invalid` (recorded, linkedin-
  api-python-client issue 23) and `Invalid timeIntervals parameter`.
* **Rate limits.** Daily, per application and per member, per endpoint; they **reset at midnight
  UTC**; numbers are not published (Developer Portal, Analytics tab); no rate-limit headers and
  no Retry-After (learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/rate-limits). A
  429 whose message names a DAY limit ("Resource level throttle APPLICATION DAY limit for calls
  to this resource is reached.") is waited out until midnight UTC when the run's deadline
  allows, and otherwise defers the account with that resume time (the HTTP core's
  `DeferredError`: what was fetched is landed). LinkedIn "in rare cases" also answers 429 for
  infrastructure protection and the older body ("Resource level throttle limit …",
  serviceErrorCode 101, recorded 2019) names no limit: those are backed off and retried,
  bounded by the core's throttle budget.
* **Rest.li 2.0 query encoding.** URNs in paths and inside `List(…)` are percent-encoded
  (`urn%3Ali%3Ashare%3A1`; a composite comment URN `urn:li:comment:(urn:li:activity:1,2)`
  becomes `urn%3Ali%3Acomment%3A%28urn%3Ali%3Aactivity%3A1%2C2%29`); the structure itself
  (`List(`, `)`, `(timeRange:(start:…,end:…),timeGranularityType:DAY)`) is not. `requests`
  would encode the structure, so such queries are written here into the path and only plain
  values (start, count) go through `params`.
* **Paging.** `start`/`count`; `{paging:{start,count,total,links}, elements}`. The `next` link
  is followed while there is one (its `start`, not ours: a page may hold fewer elements than
  `count`); without links, `start` advances by the elements received until `total`. The ads
  finders of current versions (adCampaignGroups, adCampaigns `q=search`, creatives
  `q=criteria`) page by cursor instead: `pageSize` and `pageToken`, the next token in
  `metadata.nextPageToken` (`token_paginator`). adAnalytics does not page at all.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

import requests

from connectors.http import Failure
from connectors.paginators import PageTokenPaginator, PaginationError, dig
from ruche.platforms.linkedin import (
    LINKEDIN_API,
    LINKEDIN_API_VERSION_ENV,
    LINKEDIN_VERSION_PATTERN,
)

LINKEDIN_API_VERSION = LINKEDIN_API.version
LINKEDIN_BASE_URL = "https://api.linkedin.com"
RESTLI_PROTOCOL_VERSION = "2.0.0"
PAGE_SIZE = 100
"""The largest `count` the Posts and Comments APIs take."""
DAY_LIMIT_MARGIN_SECONDS = 60
"""Waited past midnight UTC before trying again after a daily limit (clocks differ)."""

DAILY_LIMIT = "daily_limit"  # `Failure.reason` of a DAY-limit 429
VERSION_NOT_ACTIVE = "version_not_active"

_DAY_LIMIT = re.compile(r"throttle\s+(\w+)\s+DAY\s+limit", re.IGNORECASE)


# ---------------------------------------------------------------------- Rest.li 2.0 encoding
def encode(value: str) -> str:
    """A value percent-encoded for a Rest.li 2.0 path key or list member."""
    return quote(value, safe="")


def restli_list(values: Iterable[str]) -> str:
    """`List(a,b)` with every member encoded."""
    return "List(" + ",".join(encode(v) for v in values) + ")"


def time_intervals(start: dt.date, end: dt.date, granularity: str = "DAY") -> str:
    """`(timeRange:(start:<ms>,end:<ms>),timeGranularityType:DAY)` for the UTC days
    `start`…`end` (end exclusive at the next UTC midnight)."""
    first = dt.datetime.combine(start, dt.time(0), tzinfo=dt.UTC)
    after = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    return (
        f"(timeRange:(start:{int(first.timestamp()) * 1000},end:{int(after.timestamp()) * 1000}),"
        f"timeGranularityType:{granularity})"
    )


def restli_path(path: str, query: Mapping[str, str]) -> str:
    """`path?k=v&…` with values already in Rest.li 2.0 form (see `encode`), kept as written."""
    if not query:
        return path
    return path + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def restli_headers(version: str) -> Callable[[str], dict[str, str]]:
    """The `auth_header` hook of `HttpClient`: the token plus the headers every call needs."""

    def headers(token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": version,
            "X-Restli-Protocol-Version": RESTLI_PROTOCOL_VERSION,
        }

    return headers


def configured_version(env: Mapping[str, str]) -> str:
    """The version a run sends (ValueError naming the setting when malformed)."""
    raw = (env.get(LINKEDIN_API_VERSION_ENV) or "").strip()
    if not raw:
        return LINKEDIN_API_VERSION
    if not re.fullmatch(LINKEDIN_VERSION_PATTERN, raw):
        raise ValueError(
            f"{LINKEDIN_API_VERSION_ENV}={raw!r} is not a LinkedIn API version; expected YYYYMM "
            f"such as {LINKEDIN_API_VERSION!r} (or unset it for the default)"
        )
    return raw


# ---------------------------------------------------------------------- errors
def seconds_to_utc_midnight(now: dt.datetime) -> float:
    tomorrow = dt.datetime.combine(now.astimezone(dt.UTC).date(), dt.time(0), tzinfo=dt.UTC)
    tomorrow += dt.timedelta(days=1)
    return (tomorrow - now).total_seconds()


def classify_restli(
    response: requests.Response,
    body: Any,
    *,
    scopes: str,
    role: str = "ADMINISTRATOR (or DIRECT_SPONSORED_CONTENT_POSTER) of this organization",
    member: str = "this page's administrator",
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
) -> Failure | None:
    """A LinkedIn answer's meaning: None when it succeeded; `scopes`, the `role` the token's
    member needs and who that `member` is are named in the hints (they differ between Pages
    and Ads)."""
    status = response.status_code
    if status < 400:
        return None
    error = body if isinstance(body, Mapping) else {}
    message = str(error.get("message") or f"HTTP {status}")
    code = str(error.get("code") or "")
    service = error.get("serviceErrorCode")
    service_code = (
        int(service) if isinstance(service, int | str) and str(service).isdigit() else None
    )
    sent = response.request.headers.get("LinkedIn-Version", "") if response.request else ""
    if status == 426 or code == "NONEXISTENT_VERSION":
        return Failure(
            "permanent",
            f"LinkedIn no longer serves API version {sent or '(none)'}: {message} "
            f"({code or 'HTTP 426'})",
            code=service_code,
            hint=(
                f"set {LINKEDIN_API_VERSION_ENV} to a LinkedIn-Version LinkedIn still serves "
                f"(YYYYMM, less than a year old, e.g. 202611), then run again; update the "
                "registry's LINKEDIN_API once tested (learn.microsoft.com/en-us/linkedin/"
                "marketing/versioning)"
            ),
            reason=VERSION_NOT_ACTIVE,
        )
    if code == "VERSION_MISSING":
        return Failure(
            "permanent", message, hint="report this as a Ruche bug (the version header is missing)"
        )
    if status == 429:
        day = _DAY_LIMIT.search(message)
        if day:
            now = clock()
            wait = seconds_to_utc_midnight(now) + DAY_LIMIT_MARGIN_SECONDS
            return Failure(
                "rate_limited",
                f"LinkedIn's daily {day.group(1).upper()} limit for this resource is reached "
                "(it resets at midnight UTC)",
                code=service_code,
                wait_seconds=wait,
                reason=DAILY_LIMIT,
            )
        return Failure("rate_limited", f"throttled by LinkedIn: {message}", code=service_code)
    if status >= 500:
        return Failure("transient", f"LinkedIn server error {status}: {message}", code=service_code)
    if status == 401:
        hint = f"issue a new token for {member} (3-legged OAuth)"
        if service_code == 65601 or "REVOKED" in code or "EXPIRED" in code:
            hint = (
                "the member's token expired or was revoked: the administrator must authorise "
                "the app again (access tokens last about 60 days; refresh them with the refresh "
                "token, valid about a year, at https://www.linkedin.com/oauth/v2/accessToken)"
            )
        return Failure(
            "permanent", f"the token was refused: {message}", code=service_code, hint=hint
        )
    if status == 403:
        return Failure(
            "permanent",
            f"access denied: {message}",
            code=service_code,
            hint=(f"the token's member must be {role} and the app needs {scopes}"),
        )
    return Failure(
        "permanent",
        f"LinkedIn refused the request (HTTP {status}): {message}",
        code=service_code,
        hint="check the account id; if it is right, report this as a Ruche bug with this message",
    )


# ---------------------------------------------------------------------- paging
@dataclass
class RestliPaginator:
    """`start`/`count` paging (see the module docstring). Paths carry the Rest.li query; only
    `start` and `count` go through `params`."""

    page_size: int = PAGE_SIZE
    max_repeats: int = 5
    """An empty page may point `next` at the same `start` (nothing served this time); the same
    `start` this many times in a row is a loop, not progress."""

    def __post_init__(self) -> None:
        self._repeats = 0

    def init_request(self, params: dict[str, Any]) -> dict[str, Any]:
        self._repeats = 0
        return {**params, "start": 0, "count": self.page_size}

    def next_request(self, body: Any, url: str, params: Mapping[str, Any]):
        links = dig(body, ("paging", "links")) or []
        for link in links:
            if isinstance(link, Mapping) and link.get("rel") == "next" and link.get("href"):
                query = dict(parse_qsl(urlsplit(str(link["href"])).query))
                start = int(query.get("start", 0))
                current = int(params.get("start", 0))
                if start < current:
                    raise PaginationError(f"paging.links next goes back from {current} to {start}")
                self._repeats = self._repeats + 1 if start == current else 0
                if self._repeats >= self.max_repeats:
                    raise PaginationError(f"paging.links next repeated start={start}")
                count = int(query.get("count", self.page_size))
                return url, {**params, "start": start, "count": count}
        if links:
            return None  # links given, none `next`: the last page
        elements = dig(body, ("elements",)) or []
        total = dig(body, ("paging", "total"))
        start = int(params.get("start", 0)) + len(elements)
        if not elements or total is None or start >= int(total):
            return None
        return url, {**params, "start": start}


def token_paginator() -> PageTokenPaginator:
    """Cursor paging of the ads finders (`pageToken` ← `metadata.nextPageToken`); `pageSize`
    goes in the request's params."""
    return PageTokenPaginator(token_path=("metadata", "nextPageToken"), param="pageToken")


def elements(body: Any) -> list[Any]:
    return (body or {}).get("elements") or []
