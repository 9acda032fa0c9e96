"""LinkedIn's Rest.li error bodies, as LinkedIn sends them.

``{"status": 403, "serviceErrorCode": 100, "code": "ACCESS_DENIED", "message": "…"}``: the
HTTP status carries the meaning; `serviceErrorCode` and `code` are left out where LinkedIn
leaves them out (older 429 bodies, 400 `timeIntervals` errors). Recorded bodies: the reference
(§4) and the Microsoft Learn error-handling page; marked where a body is the sandbox's guess.
"""

from __future__ import annotations

from typing import Any


class RestliError(Exception):
    """An error response: HTTP status plus LinkedIn's error body."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        service_error_code: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.service_error_code = service_error_code
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.status}
        if self.service_error_code is not None:
            out["serviceErrorCode"] = self.service_error_code
        if self.code is not None:
            out["code"] = self.code
        out["message"] = self.message
        return out


def version_missing() -> RestliError:
    """No `LinkedIn-Version` header (recorded: 400, with `X-Restli-Gateway-Error`)."""
    return RestliError(
        400,
        "A version must be present. Please specify a version by adding the LinkedIn-Version "
        "header.",
        code="VERSION_MISSING",
        headers={"X-Restli-Gateway-Error": "true"},
    )


def version_not_active(version: str) -> RestliError:
    """A sunset or unknown version: HTTP 426 `NONEXISTENT_VERSION` (client code checks the
    code; the message as third-party notes record it)."""
    return RestliError(
        426,
        f"Requested version {version} is not active",
        code="NONEXISTENT_VERSION",
        headers={"X-Restli-Gateway-Error": "true"},
    )


def protocol_required(value: str) -> RestliError:
    """Rest.li 2.0 syntax sent without `X-Restli-Protocol-Version: 2.0.0` (the sandbox's
    wording: LinkedIn then parses the query as protocol 1.0 and refuses it)."""
    shown = value or "(missing)"
    return RestliError(
        400,
        f"Invalid Rest.li protocol version {shown}: this resource requires "
        "X-Restli-Protocol-Version: 2.0.0",
        code="ILLEGAL_ARGUMENT",
    )


def empty_token() -> RestliError:
    return RestliError(401, "Empty oauth2 access token", service_error_code=65604)


def invalid_token() -> RestliError:
    return RestliError(
        401, "Invalid access token", code="INVALID_ACCESS_TOKEN", service_error_code=65600
    )


def revoked_token() -> RestliError:
    return RestliError(
        401,
        "The token used in the request has been revoked by the user",
        code="REVOKED_ACCESS_TOKEN",
        service_error_code=65601,
    )


def expired_token() -> RestliError:
    """(unverified code: one client maps 65601 to an expired token)"""
    return RestliError(
        401,
        "The token used in the request has expired",
        code="EXPIRED_ACCESS_TOKEN",
        service_error_code=65601,
    )


def access_denied(resource: str, version: str) -> RestliError:
    """Recorded: `Not enough permissions to access: socialActions.GET.NO_VERSION`."""
    return RestliError(
        403,
        f"Not enough permissions to access: {resource}.GET.{version or 'NO_VERSION'}",
        code="ACCESS_DENIED",
        service_error_code=100,
    )


def not_found(path: str) -> RestliError:
    return RestliError(404, f"No virtual resource found for {path}", code="RESOURCE_NOT_FOUND")


def bad_request(message: str) -> RestliError:
    return RestliError(400, message, code="ILLEGAL_ARGUMENT")


def invalid_time_intervals() -> RestliError:
    """A time range outside what LinkedIn serves (older than 12 months): recorded as 400
    `Invalid timeIntervals parameter`, no code."""
    return RestliError(400, "Invalid timeIntervals parameter")


def malformed_time_intervals() -> RestliError:
    """A `timeIntervals` value that does not parse (recorded in a client issue, 2023)."""
    return RestliError(400, "Parameter 'timeIntervals' is invalid")


DAY_LIMIT_MESSAGE = (
    "Resource level throttle {scope} DAY limit for calls to this resource is reached."
)
THROTTLE_MESSAGE = "Resource level throttle limit for calls to this resource is reached."


def throttled(scope: str | None) -> RestliError:
    """429: with a `scope` (APPLICATION or MEMBER) the daily-limit body LinkedIn sends today;
    without, the older body (`serviceErrorCode` 101, recorded 2019), which does not say which
    limit was hit."""
    if scope:
        return RestliError(429, DAY_LIMIT_MESSAGE.format(scope=scope.upper()))
    return RestliError(429, THROTTLE_MESSAGE, service_error_code=101)
