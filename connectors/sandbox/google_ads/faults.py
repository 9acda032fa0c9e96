"""The Google Ads family's fault kinds and the exact answer of each (GoogleAdsFailure bodies,
quota errors with `quotaErrorDetails.retryDelay`, gateway errors)."""

from __future__ import annotations

from ..faults import FaultRule
from .errors import AdsError, user_permission_denied

RATE_LIMIT_KINDS = ("resource_exhausted", "resource_temporarily_exhausted")
TRANSIENT_KINDS = ("internal_error", "unavailable", "http_502")
PERMANENT_KINDS = (
    "oauth_token_expired",
    "user_permission_denied",
    "developer_token_not_approved",
    "customer_not_enabled",
    "unrecognized_field",
)
ERROR_KINDS = (*RATE_LIMIT_KINDS, *TRANSIENT_KINDS, *PERMANENT_KINDS)


def fault_error(rule: FaultRule, version: str) -> AdsError | tuple[int, str, bytes]:
    """The answer of an error fault (an `AdsError`, or a raw (status, type, body))."""
    kind = rule.kind
    if kind in RATE_LIMIT_KINDS:
        code = kind.upper()
        message = (
            "Too many requests. Retry in 30 seconds."
            if kind == "resource_temporarily_exhausted"
            else "Resource has been exhausted (e.g. check quota)."
        )
        return AdsError(
            429,
            "quotaError",
            code,
            str(rule.option("message", message)),
            version,
            details={
                "quotaErrorDetails": {
                    "rateScope": "DEVELOPER",
                    "rateName": "Number of operations for basic access",
                    "retryDelay": str(rule.option("retry_delay", "2s")),
                }
            },
        )
    if kind == "internal_error":
        return AdsError(
            500, "internalError", "INTERNAL_ERROR", "An internal error has occurred.", version
        )
    if kind == "unavailable":
        return AdsError(503, None, None, "", version)
    if kind == "http_502":
        body = (
            b"<!DOCTYPE html><html lang=en><title>Error 502 (Server Error)!!1</title>"
            b"<p><b>502.</b> That's an error.</html>"
        )
        return 502, "text/html; charset=UTF-8", body
    if kind == "oauth_token_expired":
        return AdsError(
            401,
            "authenticationError",
            "OAUTH_TOKEN_EXPIRED",
            "Authentication of the request failed. The OAuth token has expired.",
            version,
        )
    if kind == "user_permission_denied":
        return user_permission_denied(version)
    if kind == "developer_token_not_approved":
        return AdsError(
            403,
            "authorizationError",
            "DEVELOPER_TOKEN_NOT_APPROVED",
            "The developer token is only approved for use with test accounts. To access "
            "non-test accounts, apply for Basic or Standard access.",
            version,
        )
    if kind == "customer_not_enabled":
        return AdsError(
            403,
            "authorizationError",
            "CUSTOMER_NOT_ENABLED",
            "The customer account can't be accessed because it is not yet enabled or has been "
            "deactivated.",
            version,
        )
    if kind == "unrecognized_field":
        return AdsError(
            400,
            "queryError",
            "UNRECOGNIZED_FIELD",
            "Unrecognized field in the query: 'metrics.video_views'.",
            version,
        )
    raise ValueError(f"{kind} is not an error fault")
