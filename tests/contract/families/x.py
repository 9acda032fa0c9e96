"""The X family's ground truth for the contract tests: what the X connector must land from the
sandbox world (the user's follower count, the timeline's posts with their counters, the replies
recent search still reaches) and what the marts must add up to. X's rules the comparison needs
(30-day private metrics, the 7-day reply reach) are said next to the checks that rely on them."""

from __future__ import annotations

from typing import Any

from connectors.base import Window
from connectors.landing import CONTEXT_KEY
from ruche.platforms.x import POSTS_REFETCH_DAYS


def _x(run, world, client, account, window: Window) -> None:
    user_id = account.id
    [user] = run.records("user")
    truth_user = world.x_user(user_id)
    assert user["id"] == user_id and isinstance(user["id"], str)
    assert (
        user["public_metrics"]["followers_count"]
        == (truth_user["public_metrics"]["followers_count"])
    )

    since, until = window.extended(POSTS_REFETCH_DAYS).local_bounds(client.timezone)
    truth_posts = world.x_posts(user_id, since, until)
    posts = run.records("posts")
    assert [p["id"] for p in posts] == [p["id"] for p in truth_posts]
    assert len(posts) > 10
    withheld = 0
    for landed, truth in zip(posts, truth_posts, strict=True):
        assert isinstance(landed["id"], str) and int(landed["id"]) > 2**53
        assert landed["created_at"] == truth["created_at"]
        assert landed["text"] == truth["text"]
        assert landed["public_metrics"] == truth["public_metrics"]
        private = truth["private_metrics"]
        if private is None:  # older than 30 days: X withholds them (an `errors` entry each)
            assert "non_public_metrics" not in landed and "organic_metrics" not in landed
            withheld += 2
        else:
            assert landed["non_public_metrics"] == private["non_public_metrics"]
            assert landed["organic_metrics"] == private["organic_metrics"]
    assert run.result.notes["private_metrics_withheld"] == withheld

    replies = run.records("comments", keep_context=True)
    by_post: dict[str, dict[str, dict]] = {}
    for reply in replies:
        assert reply[CONTEXT_KEY]["parent_id"] == reply["conversation_id"]
        by_post.setdefault(reply["conversation_id"], {})[reply["id"]] = reply
    brand = 0
    for post in truth_posts:
        truth = {c["id"]: c for c in world.x_replies(post["id"])}
        landed = by_post.get(post["id"], {})
        assert landed.keys() == truth.keys(), post["id"]
        for reply_id, reply in landed.items():
            expected = truth[reply_id]
            assert reply["author_id"] == expected["author_id"]
            assert reply["created_at"] == expected["created_at"]
            assert reply["referenced_tweets"] == [
                {"type": "replied_to", "id": expected["replied_to"]}
            ]
            assert (reply["author_id"] == user_id) == expected["is_brand_reply"]
            brand += expected["is_brand_reply"]
    assert brand > 0


def check_landed(platform: str, run, world, client, account, window: Window) -> None:
    """Assert that what `run` landed for `account` equals the world's ground truth."""
    assert platform == "x", f"tests/contract/families/x.py has no landed check for {platform}"
    _x(run, world, client, account, window)


def mart_truth(platform: str, world, client, accounts, window: Window) -> dict[str, Any]:
    """The world's value of each mart measure for one client's X accounts."""
    since, until = window.extended(POSTS_REFETCH_DAYS).local_bounds(client.timezone)
    posts = [p for a in accounts for p in world.x_posts(a.id, since, until)]
    replies = [c for p in posts for c in world.x_replies(p["id"])]
    return {
        "post_ids": {p["id"] for p in posts},
        "comment_ids": {c["id"] for c in replies},
        "brand_replies": sum(c["is_brand_reply"] for c in replies),
        # X's v2 tweet object has no hidden flag: no reply is counted hidden.
        "hidden_comments": 0,
    }
