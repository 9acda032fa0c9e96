"""Errors the sandbox core raises while reading a request (a bad `limit`, a malformed cursor or
`fields` value, an unknown sub-field). They carry no dialect: each API family turns them into
its own error envelope (Graph: a #100 `OAuthException`), in its request handler."""

from __future__ import annotations


class RequestError(Exception):
    """A request the core helpers could not read; `message` is the platform-neutral text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ParamError(RequestError):
    """An invalid parameter value (``limit=abc``, an undecodable cursor or list)."""


class FieldSyntaxError(RequestError):
    """A `fields` value that does not parse; `message` says where, as Graph words it."""


class UnknownField(RequestError):
    """A field or sub-field the node does not have."""

    def __init__(self, field: str, node_type: str) -> None:
        super().__init__(f"unknown field {field} on {node_type}")
        self.field = field
        self.node_type = node_type
