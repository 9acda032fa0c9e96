"""X API v2 pieces the X connector uses: the problem-body error classifier, the `x-rate-limit-*`
reader (pace before the limit, wait until the absolute reset when it is spent), `next_token`
paging, RFC 3339 bounds and the partial errors X puts inside a 200.

Facts (reference/platform_apis.md §3; looked up where it said "unverified", see
`connectors/x.py`): errors are RFC 7807 problem bodies (`type`, `title`, `detail`, `status`),
400s add `errors[{parameters, message}]`; rate limits come as `x-rate-limit-limit`,
`x-rate-limit-remaining` and `x-rate-limit-reset` (unix seconds, absolute) on every answer, and
a 429 carries no `Retry-After`; a monthly post-read cap answers 429 with problem type
`usage-capped`.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from connectors.http import Failure, Usage
from connectors.paginators import dig

log = logging.getLogger(__name__)

X_BASE_URL = "https://api.x.com"
X_API_VERSION = "2"

EXPIRED_HINT = (
    "issue a new OAuth 2.0 user-context access token for this account (X's user tokens expire "
    "after 2 hours: refresh it with the refresh token of the `offline.access` scope, POST "
    "/2/oauth2/token grant_type=refresh_token) and put it where the account's token_env / "
    "airflow_conn_id points"
)
USER_CONTEXT_HINT = (
    "this needs a user-context token (OAuth 2.0 with PKCE, scopes tweet.read users.read "
    "offline.access, authorised by the account's owner), not the app's bearer token"
)
USAGE_CAP_HINT = (
    "the X app's monthly post-read cap is spent: raise it (or the spend limit) in the X "
    "developer console, or wait for the next billing cycle; the next nightly run resumes"
)
MAX_EXAMPLES = 5


def x_time(moment: dt.datetime) -> str:
    """RFC 3339 in UTC, to the second (`2026-11-02T05:00:00Z`)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_x_time(value: str) -> dt.datetime:
    """'2026-11-02T14:05:33.000Z' → aware datetime."""
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def reset_wait(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds until `x-rate-limit-reset` (an absolute epoch), plus one second of margin for
    clock skew; None without the header."""
    reset = _int(headers.get("x-rate-limit-reset"))
    if reset is None:
        return None
    return max(0.0, reset - (time.time() if now is None else now)) + 1.0


def read_x_usage(headers: Mapping[str, str]) -> Usage | None:
    """The share of the endpoint's window already used, and the wait until its reset."""
    limit = _int(headers.get("x-rate-limit-limit"))
    remaining = _int(headers.get("x-rate-limit-remaining"))
    if not limit or remaining is None:
        return None
    return Usage(percent=100.0 * (limit - remaining) / limit, regain_seconds=reset_wait(headers))


def _problem_text(body: Any, status: int) -> str:
    if not isinstance(body, dict):
        return f"HTTP {status}"
    title = str(body.get("title") or "").strip()
    detail = str(body.get("detail") or "").strip()
    messages = [
        str(e.get("message"))
        for e in body.get("errors") or []
        if isinstance(e, dict) and e.get("message")
    ]
    if messages:
        detail = "; ".join(messages)
    if title and detail and detail != title:
        return f"{title}: {detail}"
    return title or detail or f"HTTP {status}"


def classify_x(response: requests.Response, body: Any) -> Failure | None:
    """X's meaning is in the HTTP status and the problem `type`; a 200 holding only `errors`
    (a user lookup of an unknown id) is a failure too."""
    status = response.status_code
    kind = str(body.get("type") or "") if isinstance(body, dict) else ""
    text = _problem_text(body, status)
    if status == 200:
        if isinstance(body, dict) and body.get("errors") and not ("data" in body or "meta" in body):
            first = body["errors"][0] if isinstance(body["errors"][0], dict) else {}
            return Failure(
                "permanent",
                f"X answered with errors only: {first.get('title')}: {first.get('detail')}",
                hint="check the account's id (the numeric X user id, not the @handle) and "
                "that the token's user can see it",
            )
        return None
    if status < 400:
        return None
    if status == 429:
        if kind.endswith("/usage-capped"):
            return Failure("permanent", f"X's monthly usage cap: {text}", hint=USAGE_CAP_HINT)
        return Failure(
            "rate_limited", f"rate limited by X: {text}", wait_seconds=reset_wait(response.headers)
        )
    if status >= 500:
        return Failure("transient", f"X server error: {text}")
    if status == 401:
        return Failure("permanent", f"X refused the token: {text}", hint=EXPIRED_HINT)
    if status == 403:
        hint = (
            USER_CONTEXT_HINT
            if kind.endswith("/unsupported-authentication")
            else (
                "the token's app or user may not read this: check the app's project and access "
                "level in the X developer console"
            )
        )
        return Failure("permanent", f"X forbade the request: {text}", hint=hint)
    if status == 400:
        return Failure(
            "permanent",
            f"X refused a parameter: {text}",
            hint="report this as a Ruche bug (with this message): the X connector sent it",
        )
    return Failure("permanent", f"X answered HTTP {status}: {text}", hint="see the message")


@dataclass
class XPaginator:
    """`meta.next_token` sent back as `param` (`pagination_token` on timelines; recent search
    takes `next_token`). The last page has no `next_token`; a repeated token is a loop."""

    param: str = "pagination_token"
    page_size: int | None = None

    def __post_init__(self) -> None:
        self._seen: set[str] = set()

    def init_request(self, params: dict[str, Any]) -> dict[str, Any]:
        self._seen.clear()
        if self.page_size:
            params = {**params, "max_results": self.page_size}
        return params

    def next_request(self, body: Any, url: str, params: Mapping[str, Any]):
        from connectors.paginators import PaginationError

        token = dig(body, ("meta", "next_token"))
        if not token:
            return None
        if token in self._seen:
            raise PaginationError(f"meta.next_token repeats {token!r}")
        self._seen.add(token)
        return url, {**params, self.param: token}


@dataclass
class PartialErrors:
    """The `errors` X puts next to `data` in a 200: counted by problem type and kept (a few
    examples) for the run's notes, never dropped silently."""

    withheld_fields: tuple[str, ...] = ()
    """`not-authorized-for-field` errors on these fields are the documented 30-day limit of
    private metrics, counted apart (`private_metrics_withheld`)."""
    by_type: dict[str, int] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)
    private_withheld: int = 0

    def add(self, body: Any) -> None:
        for error in (body.get("errors") or []) if isinstance(body, dict) else []:
            if not isinstance(error, dict):
                continue
            kind = str(error.get("type") or "unknown").rsplit("/", 1)[-1]
            if kind == "not-authorized-for-field" and error.get("field") in self.withheld_fields:
                self.private_withheld += 1
                continue
            self.by_type[kind] = self.by_type.get(kind, 0) + 1
            if len(self.examples) < MAX_EXAMPLES:
                self.examples.append(
                    {
                        k: error.get(k)
                        for k in ("type", "title", "detail", "resource_type", "resource_id")
                        if error.get(k) is not None
                    }
                )

    @property
    def count(self) -> int:
        return sum(self.by_type.values())

    def notes(self) -> dict[str, Any]:
        return {"count": self.count, "by_type": dict(self.by_type), "examples": self.examples}
