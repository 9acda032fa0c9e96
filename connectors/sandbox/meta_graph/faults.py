"""The Meta Graph family's faults: its kinds (errors, throttles, report-run failures, hidden
comment authors) and the exact response of each, as Meta answers. The core's `FaultPlan`
decides when a rule fires; this module decides what the client sees.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from ..faults import FaultRule
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
PERMANENT_KINDS = (
    "token_expired",
    "token_invalid",
    "permission",
    "permission_200",
    "removed_metric",
    *META_ANSWER_KINDS,
)
"""Error kinds Meta means as final: code 190 (token), 10 / 200 (permission), 100 (bad metric),
and any error with `is_transient: false`."""
RATE_LIMIT_KINDS = ("http_429", *THROTTLE_KINDS)
"""Error kinds that also put the usage headers at 100 % (with a regain time)."""
ASYNC_KINDS = ("async_failed",)
# Faults in what a response holds rather than whether it succeeds (see `graph.py`).
RENDER_KINDS = ("comment_author_hidden",)


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
