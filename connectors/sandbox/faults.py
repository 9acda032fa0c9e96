"""Fault injection for the sandbox server.

A `FaultPlan` holds rules; each request takes at most one rule of each phase: request faults
(errors, `slow`, `drop`, `truncated`, `usage_high`) are decided before the request is handled;
`short_page` is only taken by list responses and `async_failed` only by report runs (creation or
polling), so a catch-all `plan.add("async_failed")` waits for the first report run instead of
being spent on an unrelated request. Faults never change the world: a client that retries
transient faults lands exactly the records of a clean run.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from .errors import GraphError, invalid_metric

THROTTLE_MESSAGES: dict[int, str] = {
    4: "(#4) Application request limit reached",
    17: "(#17) User request limit reached",
    32: "(#32) Page request limit reached",
    613: "(#613) Calls to this api have exceeded the rate limit.",
    80000: "(#80000) There have been too many calls from this ad-account. Wait a bit and try "
    "again. For more info, please refer to "
    "https://developers.facebook.com/docs/graph-api/overview/rate-limiting#ads-insights.",
    80001: "(#80001) There have been too many calls to this Page account. Wait a bit and try "
    "again. For more info, please refer to "
    "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
    80002: "(#80002) There have been too many calls to this Instagram account. Wait a bit and "
    "try again. For more info, please refer to "
    "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
    80004: "(#80004) There have been too many calls to this ad-account. Wait a bit and try "
    "again. For more info, please refer to "
    "https://developers.facebook.com/docs/graph-api/overview/rate-limiting#ads-management.",
}

THROTTLE_KINDS = tuple(f"throttle_{code}" for code in THROTTLE_MESSAGES)
META_ANSWER_KINDS = ("not_transient", "token_unauthorized")  # see meta_answer_error
ERROR_KINDS = (
    "http_429",
    *THROTTLE_KINDS,
    "http_500",
    "http_502",
    "http_503",
    "token_expired",
    "token_invalid",
    "permission",
    "permission_200",
    "removed_metric",
    *META_ANSWER_KINDS,
)
REQUEST_KINDS = (*ERROR_KINDS, "usage_high", "slow", "drop", "truncated")
LIST_KINDS = ("short_page",)
ASYNC_KINDS = ("async_failed",)
# Faults in what a response holds rather than whether it succeeds (see `graph.py`).
RENDER_KINDS = ("comment_author_hidden",)
KINDS = (*REQUEST_KINDS, *LIST_KINDS, *ASYNC_KINDS, *RENDER_KINDS)

_RULE_KEYS = ("kind", "path", "times", "skip")


@dataclass
class FaultRule:
    """One fault: fires on requests whose path matches `path` (regex search; None = all),
    after letting `skip` matching requests pass, `times` times (None = forever).

    Option `rate` (0–1) makes it fire on that random share of the matching requests only,
    drawn from a generator seeded with the option `seed` (default 0), so a soak is repeatable.
    """

    kind: str
    path: str | None = None
    times: int | None = 1
    skip: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    id: int = 0
    fired: int = 0
    skipped: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; known: {', '.join(KINDS)}")
        self._regex = re.compile(self.path) if self.path else None
        rate = self.options.get("rate")
        if rate is not None and not 0 <= float(rate) <= 1:
            raise ValueError(f"rate must be between 0 and 1, got {rate!r}")
        self._rng = random.Random(f"{self.kind}|{self.options.get('seed', 0)}")

    def draw(self) -> bool:
        """Whether this matching request is one of the `rate` share (always without `rate`)."""
        rate = self.options.get("rate")
        return rate is None or self._rng.random() < float(rate)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def matches(self, path: str) -> bool:
        return self._regex is None or self._regex.search(path) is not None

    def option(self, name: str, default: Any) -> Any:
        return self.options.get(name, default)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "path": self.path,
            "times": self.times,
            "skip": self.skip,
            "fired": self.fired,
            **self.options,
        }


class FaultPlan:
    """Thread-safe list of fault rules, consulted by the server on every API request."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._next_id = 1

    def add(
        self,
        kind: str,
        path: str | None = None,
        times: int | None = 1,
        skip: int = 0,
        **options: Any,
    ) -> FaultRule:
        """Add a rule and return it (its `fired` count says how often it applied)."""
        rule = FaultRule(kind=kind, path=path, times=times, skip=skip, options=dict(options))
        with self._lock:
            rule.id = self._next_id
            self._next_id += 1
            self._rules.append(rule)
        return rule

    def add_from_json(self, data: dict[str, Any]) -> FaultRule:
        """A rule from the control endpoint's JSON body (extra keys are options)."""
        if not isinstance(data, dict) or "kind" not in data:
            raise ValueError('expected a JSON object with at least "kind"')
        options = {k: v for k, v in data.items() if k not in _RULE_KEYS}
        times = data.get("times", 1)
        return self.add(
            str(data["kind"]),
            path=data.get("path"),
            times=None if times is None else int(times),
            skip=int(data.get("skip", 0)),
            **options,
        )

    def clear(self) -> int:
        """Remove every rule; returns how many there were."""
        with self._lock:
            count = len(self._rules)
            self._rules.clear()
        return count

    @property
    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def take(self, path: str, kinds: tuple[str, ...]) -> FaultRule | None:
        """The first live rule of one of `kinds` matching `path`, counted as fired."""
        with self._lock:
            for rule in self._rules:
                if rule.kind not in kinds or rule.exhausted or not rule.matches(path):
                    continue
                if rule.skipped < rule.skip:
                    rule.skipped += 1
                    continue
                if not rule.draw():
                    continue
                rule.fired += 1
                return rule
        return None


def parse_header_fault(value: str) -> FaultRule:
    """``X-Sandbox-Fault: kind`` or ``kind; option=value; …`` (numbers parsed)."""
    kind, *pairs = [p.strip() for p in value.split(";")]
    options: dict[str, Any] = {}
    for pair in pairs:
        if "=" in pair:
            key, raw = (x.strip() for x in pair.split("=", 1))
            try:
                options[key] = float(raw) if "." in raw else int(raw)
            except ValueError:
                options[key] = raw
    rule = FaultRule(kind=kind, options=options, times=1)
    rule.fired = 1
    return rule


@dataclass
class RawResponse:
    """A non-Graph response (gateway errors): status, content type and body."""

    status: int
    content_type: str
    body: bytes


def _expiry_message(now: dt.datetime) -> str:
    pacific = dt.timezone(dt.timedelta(hours=-8))
    expired = (now - dt.timedelta(hours=1)).astimezone(pacific)
    current = now.astimezone(pacific)
    fmt = "%A, %d-%b-%y %H:%M:%S PST"
    return (
        f"Error validating access token: Session has expired on {expired.strftime(fmt)}. "
        f"The current time is {current.strftime(fmt)}."
    )


def fault_error(rule: FaultRule, now: dt.datetime) -> GraphError | RawResponse:
    """The response of an error fault."""
    kind = rule.kind
    if kind == "http_429":
        return GraphError(
            4,
            THROTTLE_MESSAGES[4],
            status=429,
            transient=True,
            show_transient=True,
            headers={"Retry-After": str(rule.option("retry_after", 1))},
        )
    if kind.startswith("throttle_"):
        code = int(kind.removeprefix("throttle_"))
        return GraphError(code, THROTTLE_MESSAGES[code], transient=True)
    if kind == "http_500":
        return GraphError(
            1,
            "An unknown error occurred",
            status=500,
            subcode=99,
            transient=True,
            show_transient=True,
        )
    if kind == "http_502":
        body = (
            b"<html><head><title>502 Bad Gateway</title></head>"
            b"<body><h1>502 Bad Gateway</h1></body></html>"
        )
        return RawResponse(502, "text/html; charset=utf-8", body)
    if kind == "http_503":
        return RawResponse(503, "text/plain; charset=utf-8", b"Service Unavailable")
    if kind == "token_expired":
        return GraphError(190, _expiry_message(now), subcode=463)
    if kind == "token_invalid":
        return GraphError(
            190,
            "Error validating access token: The session is invalid because the user logged out "
            "or the token was revoked.",
            subcode=467,
        )
    if kind == "permission":
        return GraphError(10, "(#10) Application does not have permission for this action")
    if kind == "permission_200":
        return GraphError(
            200, "(#200) Requires pages_read_engagement permission to manage the object"
        )
    if kind == "removed_metric":
        return invalid_metric()
    if kind in META_ANSWER_KINDS:
        return meta_answer_error(rule)
    raise ValueError(f"{kind} is not an error fault")


def meta_answer_error(rule: FaultRule) -> GraphError:
    """Answers recorded from the real API that Ruche once misread.

    * `not_transient`: HTTP 500, code 1 / subcode 2853001 with `is_transient: false` — Meta's
      verdict that retrying will not help (the Graph error envelope's `is_transient`).
    * `token_unauthorized`: code 190 with **no subcode** and a message about the app no longer
      being authorised by the user (recorded "Error validating access token: User … has not
      authorized application …"); Meta's error-handling guide: 190 without a subcode means the
      token is expired, revoked or otherwise invalid.
    """
    if rule.kind == "not_transient":
        return GraphError(
            int(rule.option("code", 1)),
            str(rule.option("message", "An unknown error occurred")),
            status=int(rule.option("status", 500)),
            subcode=int(rule.option("subcode", 2853001)),
            transient=False,
            show_transient=True,
        )
    return GraphError(
        190,
        str(
            rule.option(
                "message",
                "Error validating access token: User 1053947411 has not authorized "
                "application 157111564357680.",
            )
        ),
    )


def async_failure(rule: FaultRule) -> dict[str, Any]:
    """The error fields of a report run that ends in "Job Failed" (v25 shape)."""
    return {
        "error_code": rule.option("error_code", 2),
        "error_message": rule.option(
            "error_message", "An unexpected error has occurred. Please retry your request later."
        ),
        "error_subcode": rule.option("error_subcode", 2490547),
        "error_user_title": rule.option("error_user_title", "Async report failed"),
        "error_user_msg": rule.option(
            "error_user_msg",
            "The report could not be completed. Try a shorter date range or a lower level.",
        ),
    }
