"""Paging helpers shared by the API families: opaque offset cursors, paging tokens, `limit`
clamping, list parameters, and how a `short_page` fault shortens a page.

Families build their own paging envelopes (Graph's ``paging.cursors`` / ``next``; others will
differ) from these pieces; errors are raised as `ParamError`, which each family words in its
own dialect."""

from __future__ import annotations

import base64
import binascii
import json

from .errors import ParamError


def encode_cursor(offset: int, key: str) -> str:
    """An opaque cursor: the offset in the list, and the key of the item at its edge."""
    return base64.urlsafe_b64encode(f"{offset}:{key}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The offset of a cursor made by `encode_cursor`."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        offset = int(base64.urlsafe_b64decode(padded.encode()).decode().split(":", 1)[0])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ParamError(f"Invalid cursor: {cursor}") from None
    if offset < 0:
        raise ParamError(f"Invalid cursor: {cursor}")
    return offset


def encode_paging_token(item_id: str) -> str:
    """A time-based paging token naming the item a page stopped at."""
    return "enc_" + base64.urlsafe_b64encode(item_id.encode()).decode().rstrip("=")


def decode_paging_token(token: str) -> str:
    try:
        raw = token.removeprefix("enc_")
        return base64.urlsafe_b64decode((raw + "=" * (-len(raw) % 4)).encode()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ParamError(f"Invalid paging token: {token}") from None


def list_param(value: str | None) -> list[str]:
    """A list parameter: JSON (``["a","b"]``) or comma-separated."""
    if value is None:
        return []
    text = value.strip()
    if text.startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError:
            raise ParamError(f"Invalid JSON list: {value}") from None
        return [str(x).strip() for x in items if str(x).strip()]
    return [x.strip() for x in text.split(",") if x.strip()]


def page_limit(raw: str | None, default: int, maximum: int) -> int:
    """A `limit` parameter: absent → `default`, otherwise clamped to 1…`maximum`."""
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ParamError(f"Param limit must be an integer, got {raw!r}") from None
    if value < 0:
        raise ParamError("Param limit must be a non-negative integer")
    return max(1, min(value, maximum))


def short_page_count(fired: int, limit: int) -> int:
    """Items a page holds under a `short_page` fault: a third of `limit`, and none on every
    third firing (an empty page that still has a next link)."""
    return 0 if fired % 3 == 0 else max(1, limit // 3)
