"""What the Google Ads connector needs from the Google Ads API as a family: its version setting,
its headers, its `GoogleAdsFailure` error envelope (classified for the HTTP core) and the
`retryDelay` it asks clients to wait.

Error envelope (REST, reference/platform_apis.md §8; recorded bodies in public issues, e.g.
googleads/google-ads-php#876 and google-marketing-solutions/adios#47): the HTTP status and a
Google RPC status, with the Google Ads errors inside `details[]`:

    {"error": {"code": 403, "message": "The caller does not have permission",
      "status": "PERMISSION_DENIED",
      "details": [{"@type": "type.googleapis.com/google.ads.googleads.v26.errors.GoogleAdsFailure",
        "errors": [{"errorCode": {"authorizationError": "USER_PERMISSION_DENIED"},
                    "message": "User doesn't have permission to access customer. …"}],
        "requestId": "…"}]}}

searchStream wraps the same object in a JSON array. Quota errors carry
`errors[].details.quotaErrorDetails.retryDelay` (a protobuf Duration, "30s"; the field comes from
the v24 `QuotaErrorDetails` / `ErrorDetails` protos, no recorded REST body was found — the
sandbox writes it where the protos put it).

A sunset version: while Google still routes it, 400 INVALID_ARGUMENT with
`requestError: UNSUPPORTED_VERSION` ("Version v14 is deprecated. Requests to this version will be
blocked.", recorded in google-marketing-solutions/adios#47); once removed, a plain 404 "Not
Found" that is not JSON (same issue, and cohnen/mcp-google-ads#21: "v19 was sunset and returning
404 errors on all API calls"). Both are permanent and name the setting.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import requests

from connectors.http import Failure, default_classify
from ruche.platforms.google import GOOGLE_ADS_API, GOOGLE_ADS_DEVELOPER_TOKEN_ENV
from ruche.settings import platform_env

GOOGLE_ADS_API_VERSION = GOOGLE_ADS_API.version
"""The Google Ads API version Ruche is built and tested against (the registry's API calendar)."""
GOOGLE_ADS_VERSION_PATTERN = r"v\d+(_\d+)?"  # majors (v26) and minors (v26_1)
GOOGLE_ADS_BASE_URL = "https://googleads.googleapis.com"

DEVELOPER_TOKEN_ENV = GOOGLE_ADS_DEVELOPER_TOKEN_ENV
"""The agency's developer token (Google Ads API Center of its manager account), sent as the
`developer-token` header on every request. One per deployment, like the manager account."""
LOGIN_CUSTOMER_ID_ENV = "RUCHE_GOOGLE_ADS_LOGIN_CUSTOMER_ID"
"""The manager account through which the token's user reaches the client accounts, sent as
`login-customer-id` (digits only); unset when the user has direct access to each account."""

RATE_LIMIT_QUOTA_ERRORS = frozenset(
    {
        "RESOURCE_EXHAUSTED",
        "RESOURCE_TEMPORARILY_EXHAUSTED",
        "EXCESSIVE_SHORT_TERM_QUERY_RESOURCE_CONSUMPTION",
        "EXCESSIVE_LONG_TERM_QUERY_RESOURCE_CONSUMPTION",
    }
)
TRANSIENT_STATUSES = frozenset({"INTERNAL", "UNAVAILABLE", "DEADLINE_EXCEEDED", "ABORTED"})

_VERSION_IN_PATH = re.compile(r"/(v\d+(?:_\d+)?)/")

_AUTHORIZATION_HINTS = {
    "USER_PERMISSION_DENIED": (
        "give the token's Google user access to this customer id, or, when it reaches the "
        f"account through a manager account, set {LOGIN_CUSTOMER_ID_ENV} to that manager's "
        "10-digit customer id"
    ),
    "DEVELOPER_TOKEN_NOT_APPROVED": (
        "the developer token has Test Account access only: apply for Basic or Standard access "
        "in the API Center of the manager account that owns the token"
    ),
    "DEVELOPER_TOKEN_PROHIBITED": (
        "the developer token may not be used with this Google Cloud project: use the token "
        f"registered for the project of the OAuth client ({DEVELOPER_TOKEN_ENV})"
    ),
    "CUSTOMER_NOT_ENABLED": (
        "the Google Ads account is not enabled (cancelled, or its sign-up is not finished); "
        "check it in the Google Ads UI or disable it in the client configuration"
    ),
    "ACTION_NOT_PERMITTED": "the token's user has read access too narrow for reporting",
}
_AUTHENTICATION_HINTS = {
    "OAUTH_TOKEN_EXPIRED": "the OAuth access token expired; issue a new one for the account",
    "OAUTH_TOKEN_INVALID": "the OAuth access token is invalid; issue a new one for the account",
    "OAUTH_TOKEN_REVOKED": "the user revoked the app's access; have them authorise it again",
    "DEVELOPER_TOKEN_INVALID": f"the developer token is not valid: check {DEVELOPER_TOKEN_ENV}",
    "DEVELOPER_TOKEN_PARAMETER_MISSING": f"set {DEVELOPER_TOKEN_ENV} to the developer token",
    "NOT_ADS_USER": "the token's Google account has no Google Ads access; use another user",
    "CUSTOMER_NOT_FOUND": "check the account's customer id in the client configuration",
}


def developer_token(env: Mapping[str, str] | None = None) -> str | None:
    return platform_env(DEVELOPER_TOKEN_ENV, env)


def login_customer_id(env: Mapping[str, str] | None = None) -> str | None:
    """The manager id for `login-customer-id`, digits only (users type `123-456-7890`);
    ValueError naming the setting when it is not ten digits."""
    raw = platform_env(LOGIN_CUSTOMER_ID_ENV, env) or ""
    if not raw:
        return None
    digits = raw.replace("-", "")
    if not re.fullmatch(r"\d{10}", digits):
        raise ValueError(
            f"{LOGIN_CUSTOMER_ID_ENV}={raw!r} is not a Google Ads customer id; expected the "
            "manager account's 10 digits, e.g. 123-456-7890 (or unset it)"
        )
    return digits


def parse_duration(value: Any) -> float | None:
    """A protobuf Duration in JSON ("30s", "1.5s") in seconds, or None."""
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value.endswith("s"):
        try:
            return max(0.0, float(value[:-1]))
        except ValueError:
            return None
    return None


def _google_ads_errors(error: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], str | None]:
    errors: list[Mapping[str, Any]] = []
    request_id = None
    for detail in error.get("details") or []:
        if isinstance(detail, Mapping) and str(detail.get("@type", "")).endswith(
            "GoogleAdsFailure"
        ):
            errors.extend(e for e in detail.get("errors") or [] if isinstance(e, Mapping))
            request_id = request_id or detail.get("requestId")
    return errors, request_id


def _version_of(response: requests.Response) -> str:
    found = _VERSION_IN_PATH.search(response.url or "")
    return found.group(1) if found else "?"


def classify_google_ads(response: requests.Response, body: Any) -> Failure | None:
    """Read Google's error envelope (an object, or searchStream's array holding one)."""
    if isinstance(body, list):
        body = next((item for item in body if isinstance(item, Mapping) and "error" in item), None)
    error = body.get("error") if isinstance(body, Mapping) else None
    setting = GOOGLE_ADS_API.setting
    if not isinstance(error, Mapping):
        if response.status_code == 404:
            version = _version_of(response)
            return Failure(
                "permanent",
                f"Google Ads API {version} is not served any more (HTTP 404 on the versioned "
                "path: the version is sunset or does not exist)",
                hint=f"move to a version Google serves: {setting}",
                reason="unsupported_version",
            )
        return default_classify(response, body)
    errors, request_id = _google_ads_errors(error)
    status = str(error.get("status") or "")
    http_code = _int(error.get("code")) or response.status_code
    codes = [
        (category, str(value))
        for item in errors
        for category, value in (item.get("errorCode") or {}).items()
    ]
    message = "; ".join(str(item.get("message") or "") for item in errors if item.get("message"))
    summary = message or str(error.get("message") or status or "no message")
    tag = ", ".join(f"{category}.{value}" for category, value in codes) or status

    def failure(
        kind: str, text: str, hint: str | None = None, wait: float | None = None
    ) -> Failure:
        return Failure(
            kind,
            f"{text} [{tag}]" if tag else text,
            code=http_code,
            trace_id=request_id,
            hint=hint,
            wait_seconds=wait,
            reason=codes[0][1] if codes else status or None,
        )

    quota = [value for category, value in codes if category == "quotaError"]
    if any(q in RATE_LIMIT_QUOTA_ERRORS for q in quota) or (
        status == "RESOURCE_EXHAUSTED" or response.status_code == 429
    ):
        delays = [
            parse_duration(
                ((item.get("details") or {}).get("quotaErrorDetails") or {}).get("retryDelay")
            )
            for item in errors
        ]
        wait = max((d for d in delays if d is not None), default=None)
        return failure("rate_limited", f"Google Ads quota: {summary}", wait=wait)
    for category, value in codes:
        if category == "requestError" and value == "UNSUPPORTED_VERSION":
            return failure(
                "permanent",
                f"Google Ads API {_version_of(response)} is sunset: {summary}",
                hint=f"move to a version Google serves: {setting}",
            )
        if category == "authorizationError":
            return failure(
                "permanent",
                f"Google Ads refused access: {summary}",
                hint=_AUTHORIZATION_HINTS.get(
                    value, "check the token's user's access to this account in Google Ads"
                ),
            )
        if category == "authenticationError":
            return failure(
                "permanent",
                f"Google Ads refused the credentials: {summary}",
                hint=_AUTHENTICATION_HINTS.get(
                    value, "check the OAuth access token and the developer token"
                ),
            )
        if category == "queryError":
            return failure(
                "permanent",
                f"Google Ads rejected the query (a field removed or renamed?): {summary}",
                hint="the field list in Ruche or in this account's `fields` option must be "
                "updated; see DECISIONLOG.md for the Google Ads metrics Ruche uses",
            )
    if status in TRANSIENT_STATUSES or response.status_code >= 500:
        return failure("transient", f"Google Ads server error: {summary}")
    return failure(
        "permanent",
        f"Google Ads refused the request: {summary}",
        hint="the request was refused; see the message and the request id",
    )


def stream_results(body: Any) -> list[dict[str, Any]]:
    """Every row of a searchStream answer: a JSON array of batches, each with `results`."""
    batches = body if isinstance(body, list) else [body]
    rows: list[dict[str, Any]] = []
    for batch in batches:
        if isinstance(batch, Mapping):
            rows.extend(batch.get("results") or [])
    return rows


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
