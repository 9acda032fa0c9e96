"""Meta's comment webhooks, from a stream entry to landing records.

One stream entry (`ruche.webhooks.queue.make_entry`) holds one delivery: `{"object": "page" |
"instagram", "entry": [{"id": <Page or IG user id>, "time": <unix s>, "changes": [{"field",
"value"}]}]}`. Only comment changes become records:

* **Page `feed`** with `value.item == "comment"`: `verb` `add`, `edited` or `remove` (also
  `hide` / `unhide`, kept as they come: the audit flags them); `comment_id`, `post_id`,
  `parent_id` (the post id for a top-level comment, the comment answered for a reply),
  `created_time` in unix seconds, `message` (not on a remove), `from` (left out of some events).
  Other feed items (posts, reactions, shares) are not comments: skipped, counted.
* **Instagram `comments`**: `value.id` is the comment, `value.media.id` the media,
  `value.parent_id` only on replies, `text`, `from.{id, username}`; no verb (Instagram notifies
  new comments only, so it is `add`) and no time in the value (the entry's `time` is used).

Each record is the change's `value` as Meta sent it plus normalised fields the key, the audit
and staging read: `comment_id`, `verb`, `post_id`, `parent_comment_id` (None for a top-level
comment, whatever the platform writes there), `event_time` (Graph's timestamp format),
`field`, `_entry_time`, `received_at`, `delivery_id`, `stream_id`, and `_ruche.parent_id` (the
post, the landing contract's context key).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from connectors.landing import CONTEXT_KEY

ENTITY = "comment_events"
OBJECT_PLATFORM = {"page": "facebook", "instagram": "instagram"}
GRAPH_TIME = "%Y-%m-%dT%H:%M:%S+0000"


class ParseError(ValueError):
    """A stream entry that is not a Meta delivery Ruche can read; the message says why."""


@dataclass(frozen=True)
class CommentEvent:
    platform: str
    account_id: str
    record: dict[str, Any]

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.platform, self.account_id, self.record["comment_id"], self.record["verb"])

    @property
    def order(self) -> tuple[str, int, int]:
        """Later events sort after earlier ones (event time, then the stream's order)."""
        ms, _, seq = str(self.record.get("stream_id") or "0-0").partition("-")
        return (self.record["event_time"], int(ms or 0), int(seq or 0))

    @property
    def day(self) -> dt.date:
        return dt.datetime.strptime(self.record["event_time"], GRAPH_TIME).date()


def _graph_time(value: Any) -> str | None:
    """Unix seconds (int or digits) or an ISO / Graph timestamp, as Graph's format in UTC."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        seconds = int(value)
        # Meta sends seconds; one write-up shows an entry `time` in milliseconds: both read.
        moment = dt.datetime.fromtimestamp(seconds / 1000 if seconds > 10**11 else seconds, dt.UTC)
    elif isinstance(value, str):
        text = value.strip().replace("Z", "+00:00")
        if len(text) >= 5 and text[-5] in "+-" and text[-3] != ":":  # Graph's +0000
            text = text[:-2] + ":" + text[-2:]
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
    else:
        return None
    return moment.astimezone(dt.UTC).strftime(GRAPH_TIME)


def _text(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)


def _change_record(
    platform: str, field: str, value: dict[str, Any], entry_time: Any
) -> dict[str, Any] | None:
    """The record of one change, None when it is not about a comment; ParseError when it is
    one Ruche cannot key (no comment id, no post)."""
    if platform == "facebook":
        if field != "feed" or value.get("item") != "comment":
            return None
        comment_id = _text(value.get("comment_id"))
        post_id = _text(value.get("post_id")) or _text((value.get("post") or {}).get("id"))
        verb = _text(value.get("verb"))
        parent = _text(value.get("parent_id"))
        # Meta writes the post as the parent of a top-level comment.
        parent_comment = None if parent in (None, post_id) else parent
        when = _graph_time(value.get("created_time")) or _graph_time(entry_time)
    else:
        if field != "comments":
            return None
        comment_id = _text(value.get("id"))
        post_id = _text((value.get("media") or {}).get("id"))
        verb = "add"  # Instagram notifies new comments only
        parent_comment = _text(value.get("parent_id"))
        when = _graph_time(value.get("timestamp")) or _graph_time(entry_time)
    missing = [
        name
        for name, got in (("comment id", comment_id), ("post id", post_id), ("verb", verb))
        if not got
    ]
    if missing:
        raise ParseError(f"{platform} {field} change without {', '.join(missing)}")
    if when is None:
        raise ParseError(f"{platform} {field} change {comment_id}: no usable time")
    return {
        **value,
        "comment_id": comment_id,
        "verb": verb,
        "post_id": post_id,
        "parent_comment_id": parent_comment,
        "event_time": when,
        "field": field,
        "_entry_time": entry_time,
        CONTEXT_KEY: {"parent_id": post_id},
    }


def parse_entry(fields: dict[str, str], stream_id: str = "") -> tuple[list[CommentEvent], int]:
    """The comment events of one stream entry and how many other changes it held (not
    comments); ParseError naming what is wrong when the body is not a readable Meta delivery."""
    body = fields.get("body")
    if body is None:
        raise ParseError("stream entry has no body field")
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise ParseError(f"body is not JSON ({exc.msg} at {exc.pos})") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise ParseError("body is not a Meta delivery (no `entry` list)")
    platform = OBJECT_PLATFORM.get(str(payload.get("object")))
    if platform is None:
        raise ParseError(
            f"object {payload.get('object')!r} is not a Page or Instagram subscription"
        )
    events: list[CommentEvent] = []
    others = 0
    for entry in payload["entry"]:
        if not isinstance(entry, dict) or entry.get("id") is None:
            raise ParseError("an entry without an id (the Page or Instagram account)")
        account_id = str(entry["id"])
        changes = entry.get("changes")
        if not isinstance(changes, list):
            # `messaging` and other entry kinds carry no comment changes.
            others += 1
            continue
        for change in changes:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                raise ParseError(f"entry {account_id}: a change without a value object")
            record = _change_record(platform, str(change.get("field")), value, entry.get("time"))
            if record is None:
                others += 1
                continue
            record["received_at"] = fields.get("received_at")
            record["delivery_id"] = fields.get("delivery_id")
            record["stream_id"] = stream_id
            events.append(CommentEvent(platform, account_id, record))
    return events, others
