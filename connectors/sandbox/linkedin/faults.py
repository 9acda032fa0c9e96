"""The LinkedIn family's fault kinds and the exact response of each, as LinkedIn answers.

* `http_429`: a throttle. By default LinkedIn's older body, which does not say which limit was
  hit (`serviceErrorCode` 101); option `scope=APPLICATION|MEMBER` sends today's daily-limit body
  ("… APPLICATION DAY limit …"), whose limit resets at midnight UTC. No rate-limit headers and
  no Retry-After, as LinkedIn.
* `http_500`, `http_503`: server and gateway errors (transient).
* `token_invalid`, `token_revoked`, `token_expired`: 401 with serviceErrorCode 65600 / 65601.
* `permission`: 403 ACCESS_DENIED (serviceErrorCode 100).
* `version_sunset`: 426 NONEXISTENT_VERSION for the version the request named, as LinkedIn
  answers once a version is sunset.
"""

from __future__ import annotations

from ..faults import FaultRule
from . import errors
from .errors import RestliError

ERROR_KINDS = (
    "http_429",
    "http_500",
    "http_503",
    "token_invalid",
    "token_revoked",
    "token_expired",
    "permission",
    "version_sunset",
)
PERMANENT_KINDS = (
    "token_invalid",
    "token_revoked",
    "token_expired",
    "permission",
    "version_sunset",
)
RATE_LIMIT_KINDS = ("http_429",)


def fault_error(
    rule: FaultRule, resource: str, version: str
) -> RestliError | tuple[int, str, bytes]:
    """The response of an error fault: a Rest.li error, or (status, content type, body)."""
    kind = rule.kind
    if kind == "http_429":
        scope = rule.option("scope", None)
        return errors.throttled(str(scope) if scope else None)
    if kind == "http_500":
        return RestliError(500, "Internal Server Error")
    if kind == "http_503":
        return (
            503,
            "text/html; charset=utf-8",
            b"<html><body><h1>503 Service Unavailable</h1></body></html>",
        )
    if kind == "token_invalid":
        return errors.invalid_token()
    if kind == "token_revoked":
        return errors.revoked_token()
    if kind == "token_expired":
        return errors.expired_token()
    if kind == "permission":
        return errors.access_denied(resource, version)
    if kind == "version_sunset":
        return errors.version_not_active(version or "(none)")
    raise ValueError(f"{kind} is not an error fault")
