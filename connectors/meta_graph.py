"""What Facebook Pages, Instagram and Meta Ads share: the Graph API's error envelope, its usage
headers, its paging (cursor and time-based) and its timestamp format.

Error codes (reference/platform_apis.md §1, §7): 190/102 token, 10 and 200–299 permission,
4/17/32/613/800xx throttling, 1/2 temporary, 100 invalid parameter or removed metric.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from connectors.http import Failure, Usage, default_classify, parse_retry_after, strip_params
from connectors.paginators import (
    TOKEN_PARAMS,
    CursorPaginator,
    PaginationError,
    TimePaginator,
    dig,
)
from ruche.platforms.meta import GRAPH_API

GRAPH_API_VERSION = GRAPH_API.version
"""The Graph API version Ruche is built and tested against (the registry's API calendar)."""
GRAPH_API_VERSION_ENV = "RUCHE_GRAPH_API_VERSION"
"""Setting that moves every Meta connector to another Graph version (e.g. before a sunset)."""
GRAPH_VERSION_PATTERN = r"v\d+\.\d+"
GRAPH_BASE_URL = "https://graph.facebook.com"
PAGE_SIZE = 100

THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
TOKEN_CODES = frozenset({190, 102})
TRANSIENT_CODES = frozenset({1, 2})
TOO_LARGE_SUBCODES = frozenset({1504018, 1504038})
BEFORE_BUSINESS_CONVERSION_SUBCODE = 2108006
NOT_ENOUGH_VIEWERS_MESSAGE = "not enough viewers for the media to show insights"
MEDIA_LOW_REACH = "media_low_reach"  # `Failure.reason` / `ConnectorError.details["reason"]`
MEDIA_BEFORE_CONVERSION = "media_before_business_conversion"

_TOKEN_HINTS = {
    458: "the app was removed from the account; reinstall it and issue a new token",
    459: "the user must log in to Facebook to clear a security checkpoint, then issue a new token",
    460: "the password changed; issue a new token",
    463: "the token expired; issue a new long-lived token",
    464: "the user must confirm their Facebook account, then issue a new token",
    467: "the token is invalid (revoked or malformed); issue a new token",
}

USAGE_HEADERS = (
    "X-App-Usage",
    "X-Page-Usage",
    "X-Ad-Account-Usage",
    "X-FB-Ads-Insights-Throttle",
    "X-Business-Use-Case-Usage",
)


@dataclass
class GraphPaginator:
    """Graph paging, both kinds Meta answers with (developers.facebook.com/docs/graph-api/
    results): cursor paging (`paging.cursors.after`, sent back as `after`) and time-based paging
    (Page `/posts` and `/published_posts` with `since`/`until`: `paging.next` carries `until` and
    `__paging_token` and no `cursors`, as recorded in real answers, e.g.
    `…/posts?…&limit=25&until=1527877935&__paging_token=enc_…`). It stops only when
    `paging.next` is missing (short and empty pages are normal); a `next` it cannot follow, or
    one that repeats, is a `PaginationError`, never a silent stop."""

    page_size: int | None = PAGE_SIZE

    def __post_init__(self) -> None:
        self._cursor = CursorPaginator(page_size=self.page_size)
        self._time = TimePaginator()

    def init_request(self, params: dict[str, Any]) -> dict[str, Any]:
        self._time.init_request(params)
        return self._cursor.init_request(params)

    def next_request(self, body: Any, url: str, params: Mapping[str, Any]):
        nxt = dig(body, ("paging", "next"))
        if not nxt:
            return None
        cursor = dig(body, ("paging", "cursors", "after"))
        if cursor:
            following = self._cursor.next_request(body, url, params)
            if following is None:
                raise PaginationError(f"paging.next repeats the cursor {cursor!r}")
            return following
        if self._time.follows(body):
            return self._time.next_request(body, url, params)
        raise PaginationError(
            "paging.next has neither a cursor nor time bounds: "
            + strip_params(str(nxt), TOKEN_PARAMS)
        )


def cursor_paginator(page_size: int = PAGE_SIZE) -> GraphPaginator:
    """The paginator of every Graph edge Ruche pages through (see `GraphPaginator`)."""
    return GraphPaginator(page_size=page_size)


def graph_date_range(start: dt.date, end: dt.date) -> dict[str, str]:
    """Graph `since`/`until` for the inclusive days start..end (`until` is exclusive)."""
    return {"since": start.isoformat(), "until": (end + dt.timedelta(days=1)).isoformat()}


def parse_graph_time(value: str) -> dt.datetime:
    """'2026-11-02T14:05:33+0000' → aware datetime."""
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")


# Each usage header is read by its documented meaning (developers.facebook.com/docs/graph-api/
# overview/rate-limiting and /docs/marketing-api/overview/rate-limiting): only these keys are
# percentages (0–100+); `estimated_time_to_regain_access` is in MINUTES, `reset_time_duration` in
# SECONDS, and `type` / `ads_api_access_tier` are labels. Reading every number as a percentage
# once turned `reset_time_duration: 100` (seconds) into "100 % used" and paused every ads call.
PERCENT_KEYS: dict[str, tuple[str, ...]] = {
    "X-App-Usage": ("call_count", "total_cputime", "total_time"),
    "X-Page-Usage": ("call_count", "total_cputime", "total_time"),
    "X-Business-Use-Case-Usage": ("call_count", "total_cputime", "total_time"),
    "X-Ad-Account-Usage": ("acc_id_util_pct",),
    "X-FB-Ads-Insights-Throttle": ("app_id_util_pct", "acc_id_util_pct"),
}
REGAIN_MINUTES_KEY = "estimated_time_to_regain_access"  # X-Business-Use-Case-Usage entries
RESET_SECONDS_KEY = "reset_time_duration"  # X-Ad-Account-Usage


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):  # some SDK recordings quote the numbers
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _usage_entries(name: str, value: Any) -> list[Mapping[str, Any]]:
    """The objects of one header that carry its keys: BUC nests them per business id."""
    if name == "X-Business-Use-Case-Usage" and isinstance(value, Mapping):
        entries: list[Mapping[str, Any]] = []
        for items in value.values():
            for item in items if isinstance(items, list) else [items]:
                if isinstance(item, Mapping):
                    entries.append(item)
        return entries
    return [value] if isinstance(value, Mapping) else []


def read_graph_usage(headers: Mapping[str, str]) -> Usage | None:
    """The highest percentage across Meta's usage headers, and the longest wait they announce
    (BUC `estimated_time_to_regain_access` minutes, ad-account `reset_time_duration` seconds)."""
    percents: list[float] = []
    regain_seconds = 0.0
    for name, keys in PERCENT_KEYS.items():
        raw = headers.get(name)
        if not raw:
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        for entry in _usage_entries(name, value):
            percents.extend(n for k in keys if (n := _number(entry.get(k))) is not None)
            minutes = (
                _number(entry.get(REGAIN_MINUTES_KEY)) if name.endswith("Case-Usage") else None
            )
            if minutes:
                regain_seconds = max(regain_seconds, minutes * 60)
            seconds = (
                _number(entry.get(RESET_SECONDS_KEY)) if name == "X-Ad-Account-Usage" else None
            )
            if seconds:
                regain_seconds = max(regain_seconds, seconds)
    if not percents:
        return None
    return Usage(percent=max(percents), regain_seconds=regain_seconds or None)


def classify_graph(
    response: requests.Response, body: Any, permissions: str = "", product: str = "Meta"
) -> Failure | None:
    """Read the Graph error envelope (which often arrives with HTTP 400, sometimes 200)."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return default_classify(response, body)
    code = _int(error.get("code"))
    sub = _int(error.get("error_subcode"))
    message = str(error.get("message") or "no message")
    trace = error.get("fbtrace_id")
    user_msg = error.get("error_user_msg")
    summary = message if not user_msg else f"{message} — {user_msg}"

    def failure(
        kind: str,
        text: str,
        hint: str | None = None,
        wait: float | None = None,
        reason: str | None = None,
    ) -> Failure:
        return Failure(
            kind,
            text,
            code=code,
            subcode=sub,
            trace_id=trace,
            hint=hint,
            wait_seconds=wait,
            reason=reason,
        )

    if code in THROTTLE_CODES or response.status_code == 429:
        usage = read_graph_usage(response.headers)
        wait = parse_retry_after(response.headers.get("Retry-After"))
        if wait is None and usage and usage.regain_seconds:
            wait = usage.regain_seconds
        return failure("rate_limited", f"throttled by {product}: {summary}", wait=wait)
    if sub in TOO_LARGE_SUBCODES or "reduce the amount of data" in message.lower():
        return failure("too_large", summary, hint="ask for a shorter date range")
    if code in TOKEN_CODES:
        return _token_failure(failure, sub, message, summary, permissions, product)
    # Instagram withholds a media's insights in two documented cases; both concern that one
    # media, so the connector skips it and counts it instead of failing the account:
    # * 10 with no subcode and "Not enough viewers for the media to show insights" (IG Media
    #   Insights reference, "Limitations"; Airbyte source-instagram treats the code/message
    #   pair as an expected error). Any other code-10 message is a real missing permission.
    # * 100/2108006 "Media posted before business account conversion" (recorded answers in
    #   airbytehq/airbyte#1814 and keboola/ex-facebook-graph-api#35, `is_transient: false`).
    if code == 10 and NOT_ENOUGH_VIEWERS_MESSAGE in message.lower():
        return failure("permanent", summary, reason=MEDIA_LOW_REACH)
    if code == 100 and sub == BEFORE_BUSINESS_CONVERSION_SUBCODE:
        return failure("permanent", summary, reason=MEDIA_BEFORE_CONVERSION)
    if code == 10 or (code is not None and 200 <= code <= 299):
        hint = "grant the missing permission to the token's user/app"
        if permissions:
            hint += f" ({product} needs: {permissions}), then issue a new token"
        return failure("permanent", f"missing permission: {summary}", hint=hint)
    if code == 100 and sub == 33:
        return failure(
            "permanent",
            f"the account does not exist or this token cannot see it: {summary}",
            hint="check the account id in the client configuration and that the token "
            "belongs to someone with access to this account",
        )
    if code == 100 and "metric" in message.lower():
        return failure(
            "permanent",
            f"{product} rejected a metric (removed or renamed): {summary}",
            hint="the metric list in Ruche or in this account's `fields` option must be "
            "updated; see DECISIONLOG.md for the metrics Ruche uses",
        )
    # `is_transient` is Meta's own verdict and outranks the code: 1/2 and 5xx are "temporary"
    # only when Meta does not say otherwise (code 1 / subcode 2853001 arrives with
    # `is_transient: false` and never succeeds on retry).
    if error.get("is_transient") is False:
        return failure(
            "permanent",
            f"{product} refused the request and marked the error as not transient: {summary}",
            hint="retrying will not help; check the account in Meta's Business Manager and "
            "the error's subcode, or report it with the trace id",
        )
    if code in TRANSIENT_CODES or error.get("is_transient") is True or response.status_code >= 500:
        return failure("transient", summary)
    return failure("permanent", summary, hint="the request was refused; see the message")


def _token_failure(
    failure: Callable[..., Failure],
    sub: int | None,
    message: str,
    summary: str,
    permissions: str,
    product: str,
) -> Failure:
    """190/102: the documented subcode decides the hint; without one, Meta's docs only say
    "expired, revoked or otherwise invalid", so the hint follows what Meta's message says and
    the message itself is quoted (a 190 about an app the user no longer authorises is fixed by
    granting the permissions again, not by waiting for a "new token")."""
    text = f'the access token was refused; {product} says: "{summary}"'
    if sub in _TOKEN_HINTS:
        return failure("permanent", text, hint=_TOKEN_HINTS[sub])
    lowered = message.lower()
    if any(word in lowered for word in ("permission", "not authorized", "not authorised")):
        hint = (
            "the token's user no longer authorises the app or lacks a permission: have them "
            "authorise it again"
            + (f" with {permissions}" if permissions else "")
            + ", then issue a new token"
        )
    elif sub is None:
        hint = (
            "Meta gave no subcode (the token expired, was revoked or is otherwise invalid); "
            "issue a new token"
        )
    else:
        hint = f"Meta's subcode {sub} is not one Ruche knows; issue a new token"
    return failure("permanent", text, hint=hint)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
