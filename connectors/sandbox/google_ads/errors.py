"""Google Ads API error bodies (REST): a Google RPC status with a `GoogleAdsFailure` in
`details[]`, as recorded in public issues (googleads/google-ads-php#876,
google-marketing-solutions/adios#47). searchStream answers them inside a JSON array."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

RPC_MESSAGES = {
    400: ("INVALID_ARGUMENT", "Request contains an invalid argument."),
    401: (
        "UNAUTHENTICATED",
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login "
        "cookie or other valid authentication credential.",
    ),
    403: ("PERMISSION_DENIED", "The caller does not have permission"),
    429: ("RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
    500: ("INTERNAL", "Internal error encountered."),
    503: ("UNAVAILABLE", "The service is currently unavailable."),
}


@dataclass
class AdsError(Exception):
    """One Google Ads error answer: HTTP status, error code (category, value), message."""

    status: int
    category: str | None
    code: str | None
    message: str
    version: str = "v26"
    details: dict[str, Any] | None = None
    request_id: str = "sandbox-request"
    headers: dict[str, str] = field(default_factory=dict)

    def body(self) -> Any:
        rpc_status, rpc_message = RPC_MESSAGES.get(self.status, ("UNKNOWN", "Unknown error."))
        error: dict[str, Any] = {"code": self.status, "message": rpc_message, "status": rpc_status}
        if self.category:
            item: dict[str, Any] = {
                "errorCode": {self.category: self.code},
                "message": self.message,
            }
            if self.details:
                item["details"] = self.details
            error["details"] = [
                {
                    "@type": f"type.googleapis.com/google.ads.googleads.{self.version}.errors."
                    "GoogleAdsFailure",
                    "errors": [item],
                    "requestId": self.request_id,
                }
            ]
        # searchStream answers its errors as an array of one status object.
        return [{"error": error}]

    def payload(self) -> bytes:
        return json.dumps(self.body(), indent=2).encode()


def unrecognized_field(name: str, version: str) -> AdsError:
    return AdsError(
        400,
        "queryError",
        "UNRECOGNIZED_FIELD",
        f"Unrecognized field in the query: '{name}'.",
        version,
    )


def bad_query(message: str, code: str, version: str) -> AdsError:
    return AdsError(400, "queryError", code, message, version)


def unsupported_version(version: str) -> AdsError:
    return AdsError(
        400,
        "requestError",
        "UNSUPPORTED_VERSION",
        f" Version {version} is deprecated. Requests to this version will be blocked.",
        version,
    )


def user_permission_denied(version: str) -> AdsError:
    return AdsError(
        403,
        "authorizationError",
        "USER_PERMISSION_DENIED",
        "User doesn't have permission to access customer. Note: If you're accessing a client "
        "customer, the manager's customer id must be set in the 'login-customer-id' header. "
        "See https://developers.google.com/google-ads/api/docs/concepts/call-structure#cid",
        version,
    )


def developer_token_missing(version: str) -> AdsError:
    # Status unverified: the enum value exists (AuthenticationError), no recorded REST body.
    return AdsError(
        401,
        "authenticationError",
        "DEVELOPER_TOKEN_PARAMETER_MISSING",
        "Developer token parameter is missing.",
        version,
    )


def oauth_missing(version: str) -> AdsError:
    return AdsError(
        401,
        "authenticationError",
        "OAUTH_TOKEN_INVALID",
        "Oauth token in the header is not valid.",
        version,
    )
