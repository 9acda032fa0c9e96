"""Graph API error envelopes, as Meta sends them.

``{"error": {"message", "type", "code", "error_subcode", "error_user_title", "error_user_msg",
"fbtrace_id"}}``; Instagram responses add ``is_transient``.
"""

from __future__ import annotations

import base64
import os
from typing import Any


def fbtrace_id() -> str:
    """A trace id like Meta's (``AbC1dEf2GhI…``); not part of the world, so not deterministic."""
    return base64.urlsafe_b64encode(os.urandom(9)).decode().rstrip("=")


class GraphError(Exception):
    """An error response: HTTP status plus the Graph error object."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        status: int = 400,
        type: str = "OAuthException",
        subcode: int | None = None,
        user_title: str | None = None,
        user_msg: str | None = None,
        transient: bool = False,
        show_transient: bool = False,
        headers: dict[str, str] | None = None,
        error_data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.type = type
        self.subcode = subcode
        self.user_title = user_title
        self.user_msg = user_msg
        self.transient = transient
        self.show_transient = show_transient
        self.headers = headers or {}
        self.error_data = error_data

    def body(self, instagram: bool = False) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code}
        if self.error_data is not None:
            error["error_data"] = self.error_data
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if instagram or self.show_transient:
            error["is_transient"] = self.transient
        if self.user_title is not None:
            error["error_user_title"] = self.user_title
        if self.user_msg is not None:
            error["error_user_msg"] = self.user_msg
        error["fbtrace_id"] = fbtrace_id()
        return {"error": error}


def no_object(object_id: str, method: str = "get") -> GraphError:
    return GraphError(
        100,
        f"Unsupported {method} request. Object with ID '{object_id}' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation. Please read the "
        "Graph API documentation at https://developers.facebook.com/docs/graph-api",
        type="GraphMethodException",
        subcode=33,
    )


def unknown_field(field: str, node_type: str) -> GraphError:
    return GraphError(
        100, f"(#100) Tried accessing nonexisting field ({field}) on node type ({node_type})"
    )


def unknown_path(component: str) -> GraphError:
    return GraphError(2500, f"Unknown path components: /{component}")


def invalid_metric() -> GraphError:
    return GraphError(100, "(#100) The value must be a valid insights metric")


def bad_parameter(message: str) -> GraphError:
    return GraphError(100, f"(#100) {message}")


def missing_token() -> GraphError:
    return GraphError(190, "An access token is required to request this resource.")


def bad_version(version: str, latest: str) -> GraphError:
    return GraphError(
        2635,
        f"(#2635) You are calling a deprecated or unknown version of the Graph API ({version}). "
        f"Please update to the latest version: {latest}.",
    )


def not_enough_viewers() -> GraphError:
    """IG media insights of a low-reach media: code 10 and this message, **no subcode** (IG Media
    Insights reference, "Limitations"; the answer Airbyte's source-instagram tests replay)."""
    return GraphError(10, "(#10) Not enough viewers for the media to show insights")


def media_before_conversion() -> GraphError:
    """IG media insights of a media published before the account's latest conversion to a
    business account, as recorded in airbytehq/airbyte#1814 and keboola/ex-facebook-graph-api#35
    (HTTP 400, `is_transient: false`)."""
    return GraphError(
        100,
        "Invalid parameter",
        subcode=2108006,
        error_data={"blame_field_specs": [[""]]},
        user_title="Media posted before business account conversion",
        user_msg="The media was posted before the most recent time that the user's account was "
        "converted to a business account from a personal account.",
    )
