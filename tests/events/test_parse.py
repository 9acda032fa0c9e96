"""The parser over Meta-shaped deliveries, including the odd ones Meta really sends: `from`
left out, `created_time` in unix seconds, `verb: edited` and `remove`, a top-level comment's
`parent_id` equal to its post id, Instagram's `parent_id` on replies only and its
`media.media_product_type`, non-comment feed items, and bodies that are not Meta's."""

from __future__ import annotations

import json

import pytest

from ruche.events import ParseError, parse_entry
from ruche.webhooks.queue import make_entry

PAGE = "101"
IG = "17841400000000001"


def entry(payload: dict) -> dict[str, str]:
    """The stream entry the receiver writes for `payload` (its real `make_entry`)."""
    return make_entry(json.dumps(payload).encode())


def page_change(value: dict, time_: int = 1763625600) -> dict:
    return {
        "object": "page",
        "entry": [{"id": PAGE, "time": time_, "changes": [{"field": "feed", "value": value}]}],
    }


def test_facebook_top_level_comment_its_parent_is_the_post_not_a_comment():
    events, others = parse_entry(
        entry(
            page_change(
                {
                    "from": {"id": "7001", "name": "Ann Lee"},
                    "post": {"status_type": "added_photos", "id": f"{PAGE}_55"},
                    "message": "Où est ma commande ?",
                    "post_id": f"{PAGE}_55",
                    "comment_id": "55_9001",
                    "parent_id": f"{PAGE}_55",
                    "created_time": 1763625000,
                    "item": "comment",
                    "verb": "add",
                }
            )
        ),
        "1763625600123-0",
    )
    assert others == 0
    [event] = events
    assert (event.platform, event.account_id) == ("facebook", PAGE)
    record = event.record
    assert record["comment_id"] == "55_9001" and record["verb"] == "add"
    assert record["post_id"] == f"{PAGE}_55"
    assert record["parent_comment_id"] is None
    assert record["event_time"] == "2025-11-20T07:50:00+0000"  # unix seconds → Graph format
    assert record["_ruche"] == {"parent_id": f"{PAGE}_55"}
    assert record["message"] == "Où est ma commande ?"  # the value kept as Meta sent it
    assert record["stream_id"] == "1763625600123-0" and len(record["delivery_id"]) == 64


def test_facebook_reply_edited_and_remove_without_from():
    reply = {
        "post_id": f"{PAGE}_55",
        "comment_id": "55_9002",
        "parent_id": "55_9001",
        "created_time": 1763625100,
        "item": "comment",
        "verb": "edited",
        "message": "edited text",
        "from": {"id": PAGE, "name": "The Brand"},
    }
    removed = {
        "post_id": f"{PAGE}_55",
        "comment_id": "55_9001",
        "parent_id": f"{PAGE}_55",
        "created_time": 1763625200,
        "item": "comment",
        "verb": "remove",
    }
    payload = {
        "object": "page",
        "entry": [
            {
                "id": PAGE,
                "time": 1763625600,
                "changes": [
                    {"field": "feed", "value": reply},
                    {"field": "feed", "value": removed},
                    # not comments: a reaction and a new post
                    {"field": "feed", "value": {"item": "reaction", "verb": "add"}},
                    {"field": "feed", "value": {"item": "status", "verb": "add"}},
                ],
            }
        ],
    }
    events, others = parse_entry(entry(payload))
    assert others == 2
    edited, gone = (e.record for e in events)
    assert edited["verb"] == "edited" and edited["parent_comment_id"] == "55_9001"
    assert edited["from"]["id"] == PAGE  # the brand's own reply: staging marks it
    assert gone["verb"] == "remove" and "from" not in gone and "message" not in gone
    assert gone["parent_comment_id"] is None


def test_instagram_comment_and_reply_take_the_entry_time():
    payload = {
        "object": "instagram",
        "entry": [
            {
                "id": IG,
                "time": 1763625600,
                "changes": [
                    {
                        "field": "comments",
                        "value": {
                            "from": {"id": "5001", "username": "ann.lee"},
                            "media": {"id": "18000000000000001", "media_product_type": "REELS"},
                            "id": "18100000000000001",
                            "text": "Love it",
                        },
                    },
                    {
                        "field": "comments",
                        "value": {
                            "from": {"id": IG, "username": "brand"},
                            "media": {"id": "18000000000000001", "media_product_type": "FEED"},
                            "id": "18100000000000002",
                            "parent_id": "18100000000000001",
                            "text": "Thank you!",
                        },
                    },
                    # another Instagram field: not a comment
                    {"field": "mentions", "value": {"media_id": "1", "comment_id": "2"}},
                ],
            }
        ],
    }
    events, others = parse_entry(entry(payload))
    assert others == 1
    top, reply = (e.record for e in events)
    assert top["verb"] == "add" and top["parent_comment_id"] is None
    assert top["post_id"] == "18000000000000001"
    assert top["event_time"] == "2025-11-20T08:00:00+0000"  # no time in the value: the entry's
    assert reply["parent_comment_id"] == "18100000000000001"
    assert reply["media"]["media_product_type"] == "FEED"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not JSON"),
        (b'{"object": "page"}', "no `entry` list"),
        (b'{"object": "whatsapp_business_account", "entry": []}', "not a Page or Instagram"),
        (
            json.dumps(page_change({"item": "comment", "verb": "add", "post_id": "1_2"})).encode(),
            "without comment id",
        ),
    ],
)
def test_unreadable_bodies_say_why(body, reason):
    with pytest.raises(ParseError, match=reason):
        parse_entry(make_entry(body))


def test_dbt_knows_the_platforms_with_comment_events():
    """dbt resolves `ref()` while parsing: `ruche_event_platforms` in dbt_project.yml must list
    exactly the registry's platforms that have a `comment_events` entity."""
    from pathlib import Path

    import yaml

    from ruche.events import event_platforms

    project = Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml"
    declared = yaml.safe_load(project.read_text())["vars"]["ruche_event_platforms"]
    assert declared == event_platforms() and declared
