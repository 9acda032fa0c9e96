"""What Facebook Pages, Instagram and Meta Ads share: the Graph API's error envelope, its usage
headers, its cursor paging and its timestamp format.

Error codes (reference/platform_apis.md §1, §7): 190/102 token, 10 and 200–299 permission,
4/17/32/613/800xx throttling, 1/2 temporary, 100 invalid parameter or removed metric.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import requests

from connectors.http import Failure, Usage, default_classify, parse_retry_after
from connectors.paginators import CursorPaginator

GRAPH_API_VERSION = "v25.0"
GRAPH_BASE_URL = "https://graph.facebook.com"
PAGE_SIZE = 100
META_ORGANIC_TIMEZONE = "America/Los_Angeles"
"""Page and Instagram daily insights count Pacific days (`end_time` is a Pacific midnight)."""

THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80000, 80015)})
TOKEN_CODES = frozenset({190, 102})
TRANSIENT_CODES = frozenset({1, 2})
TOO_LARGE_SUBCODES = frozenset({1504018, 1504038})
NOT_ENOUGH_VIEWERS_SUBCODE = 2108006

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


def cursor_paginator(page_size: int = PAGE_SIZE) -> CursorPaginator:
    """Graph cursor paging: send `after`, stop only when `paging.next` is missing."""
    return CursorPaginator(page_size=page_size)


def graph_date_range(start: dt.date, end: dt.date) -> dict[str, str]:
    """Graph `since`/`until` for the inclusive days start..end (`until` is exclusive)."""
    return {"since": start.isoformat(), "until": (end + dt.timedelta(days=1)).isoformat()}


def parse_graph_time(value: str) -> dt.datetime:
    """'2026-11-02T14:05:33+0000' → aware datetime."""
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")


def _percentages(value: Any) -> list[float]:
    out: list[float] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if key in ("estimated_time_to_regain_access", "type", "ads_api_access_tier"):
                continue
            out.extend(_percentages(item))
    elif isinstance(value, list):
        for item in value:
            out.extend(_percentages(item))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        out.append(float(value))
    return out


def _regain_minutes(value: Any) -> float:
    if isinstance(value, Mapping):
        mine = value.get("estimated_time_to_regain_access")
        nested = max((_regain_minutes(v) for v in value.values()), default=0.0)
        return max(float(mine or 0), nested)
    if isinstance(value, list):
        return max((_regain_minutes(v) for v in value), default=0.0)
    return 0.0


def read_graph_usage(headers: Mapping[str, str]) -> Usage | None:
    """Max percentage across Meta's usage headers, and the BUC regain time if any."""
    percents: list[float] = []
    regain = 0.0
    for name in USAGE_HEADERS:
        raw = headers.get(name)
        if not raw:
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            continue
        percents.extend(_percentages(value))
        regain = max(regain, _regain_minutes(value))
    if not percents:
        return None
    return Usage(percent=max(percents), regain_seconds=regain * 60 if regain else None)


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

    def failure(kind: str, text: str, hint: str | None = None, wait: float | None = None):
        return Failure(
            kind, text, code=code, subcode=sub, trace_id=trace, hint=hint, wait_seconds=wait
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
        hint = _TOKEN_HINTS.get(sub or 0, "the token is no longer valid; issue a new one")
        return failure("permanent", f"the access token was refused: {summary}", hint=hint)
    if code == 10 and sub == NOT_ENOUGH_VIEWERS_SUBCODE:
        return failure("permanent", summary)
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
    if code in TRANSIENT_CODES or error.get("is_transient") is True or response.status_code >= 500:
        return failure("transient", summary)
    return failure("permanent", summary, hint="the request was refused; see the message")


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
