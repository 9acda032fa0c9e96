"""The Meta Graph family's ground truth for the contract tests: what Facebook Pages, Instagram
and Meta Ads must land from the sandbox world, field by field, and what the marts must add up
to. The Graph quirks the comparison needs (Pacific days, insights not ready, re-fetch windows)
are said here, next to the checks that rely on them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connectors.base import Window
from connectors.landing import CONTEXT_KEY
from connectors.meta_graph import parse_graph_time
from ruche.platforms.meta import ADS_REFETCH_DAYS, META_ORGANIC_TIMEZONE, POSTS_REFETCH_DAYS

from ...conftest import NOW

PACIFIC = ZoneInfo(META_ORGANIC_TIMEZONE)
LAST_COMPLETE_META_DAY = NOW.astimezone(PACIFIC).date() - dt.timedelta(days=1)


def _pacific_day(end_time: str) -> dt.date:
    """Graph daily `end_time` is the end of a Pacific day: the day it closes is the one before."""
    return parse_graph_time(end_time).astimezone(PACIFIC).date() - dt.timedelta(days=1)


def _facebook(run, world, client, account, window: Window) -> None:
    page_id = account.id
    [page] = run.records("page")
    assert page == world.page(page_id) | {k: page[k] for k in page if k not in world.page(page_id)}

    since, until = window.extended(POSTS_REFETCH_DAYS).local_bounds(client.timezone)
    truth_posts = world.posts("facebook", page_id, since, until)
    posts = run.records("posts")
    assert [p["id"] for p in posts] == [p["id"] for p in truth_posts]
    assert len(posts) > 10
    for landed, truth in zip(posts, truth_posts, strict=True):
        assert landed["created_time"] == truth["created_time"]
        assert landed.get("message") == truth.get("message")
        assert landed["permalink_url"] == truth["permalink_url"]
        counts = world.post_counts("facebook", landed["id"])
        assert landed["reactions"]["summary"]["total_count"] == counts["reactions"]
        assert landed["comments"]["summary"]["total_count"] == counts["comments"]
        assert landed.get("shares", {}).get("count", 0) == counts["shares"]

    comments = run.records("comments", keep_context=True)
    by_post: dict[str, list[dict]] = {}
    for comment in comments:
        by_post.setdefault(comment[CONTEXT_KEY]["parent_id"], []).append(comment)
    brand_replies = 0
    for post in truth_posts:
        truth = {c["id"]: c for c in world.comments("facebook", post["id"])}
        landed = {c["id"]: c for c in by_post.get(post["id"], [])}
        assert landed.keys() == truth.keys()
        for comment_id, comment in landed.items():
            expected = truth[comment_id]
            assert (comment.get("parent") or {}).get("id") == expected["parent_id"]
            assert comment["from"]["id"] == expected["from_id"]
            is_brand = comment["from"]["id"] == page_id
            assert is_brand == expected["is_brand_reply"]
            brand_replies += is_brand
            assert comment["is_hidden"] == expected["is_hidden"]
            assert comment.get("message") == expected["message"]
    assert brand_replies > 0

    insights = run.records("post_insights", keep_context=True)
    landed_metrics: dict[str, dict] = {}
    for item in insights:
        landed_metrics.setdefault(item[CONTEXT_KEY]["parent_id"], {})[item["name"]] = item[
            "values"
        ][0]["value"]
    for post in truth_posts:
        if post["id"] in landed_metrics:
            assert landed_metrics[post["id"]] == world.post_lifetime("facebook", post["id"])
    assert len(landed_metrics) >= len(truth_posts) - 2  # only posts < 2 h old lack insights

    page_days = {}
    for item in run.records("page_insights"):
        for value in item["values"]:
            page_days.setdefault(_pacific_day(value["end_time"]), {})[item["name"]] = value["value"]
    assert min(page_days) == window.start - dt.timedelta(days=3)
    assert max(page_days) == LAST_COMPLETE_META_DAY  # a Meta day still under way is not served
    for day, metrics in page_days.items():
        assert metrics == world.account_daily("facebook", page_id, day)


def _instagram(run, world, client, account, window: Window) -> None:
    ig_id = account.id
    [user] = run.records("user")
    assert (
        user["id"] == ig_id and user["followers_count"] == world.ig_user(ig_id)["followers_count"]
    )

    since, until = window.extended(POSTS_REFETCH_DAYS).local_bounds(client.timezone)
    truth_media = world.posts("instagram", ig_id, since, until)
    media = run.records("media")
    assert [m["id"] for m in media] == [m["id"] for m in truth_media]
    for landed, truth in zip(media, truth_media, strict=True):
        assert landed["timestamp"] == truth["timestamp"]
        assert landed.get("caption") == truth.get("caption")
        assert landed["media_type"] == truth["media_type"]

    comments = run.records("comments", keep_context=True)
    for item in truth_media:
        truth = {c["id"]: c for c in world.comments("instagram", item["id"])}
        landed = {c["id"]: c for c in comments if c[CONTEXT_KEY]["parent_id"] == item["id"]}
        assert landed.keys() == truth.keys()
        for comment_id, comment in landed.items():
            assert comment.get("parent_id") == truth[comment_id]["parent_id"]
            assert (comment["from"]["id"] == ig_id) == truth[comment_id]["is_brand_reply"]
            assert comment["hidden"] == truth[comment_id]["is_hidden"]
            assert "replies" not in comment  # replies are landed flat, each with parent_id

    insights: dict[str, dict] = {}
    for item in run.records("media_insights", keep_context=True):
        insights.setdefault(item[CONTEXT_KEY]["parent_id"], {})[item["name"]] = item["values"][0][
            "value"
        ]
    assert insights, "no media insights landed"
    for media_id, metrics in insights.items():
        assert metrics == world.post_lifetime("instagram", media_id)
    notes = run.result.notes
    assert len(insights) + notes["media_insights_not_ready"] + notes[
        "media_insights_low_reach"
    ] + notes["media_insights_before_business_conversion"] == len(truth_media)

    series: dict[dt.date, dict] = {}
    totals: dict[dt.date, dict] = {}
    for item in run.records("user_insights", keep_context=True):
        if "total_value" in item:
            day = dt.date.fromisoformat(item[CONTEXT_KEY]["day"])
            totals.setdefault(day, {})[item["name"]] = item["total_value"]["value"]
        else:
            for value in item["values"]:
                series.setdefault(_pacific_day(value["end_time"]), {})[item["name"]] = value[
                    "value"
                ]
    start = window.start
    assert sorted(totals) == [start - dt.timedelta(days=3 - i) for i in range(window.days + 3)]
    for day, metrics in totals.items():
        if day > LAST_COMPLETE_META_DAY:
            continue  # a day still under way: landed as served, re-read by the 3-day re-fetch
        truth = world.account_daily("instagram", ig_id, day)
        assert metrics == {k: truth[k] for k in metrics}
    for day, metrics in series.items():
        truth = world.account_daily("instagram", ig_id, day)
        assert metrics == {k: truth[k] for k in metrics}


def _meta_ads(run, world, client, account, window: Window) -> None:
    account_id = account.id
    [node] = run.records("account")
    assert node == world.ad_account(account_id)
    assert run.records("campaigns") == world.campaigns(account_id)
    assert run.records("adsets") == world.adsets(account_id)
    assert run.records("ads") == world.ads(account_id)
    rows = run.records("ad_insights")
    first = window.start - dt.timedelta(days=ADS_REFETCH_DAYS)
    truth = world.ad_insight_rows(account_id, first, window.end)
    assert rows == truth
    assert len(rows) > 100
    # The 28-day re-fetch window is what was asked for and what the manifest says.
    manifest = next(m for m in run.result.manifests if m.entity == "ad_insights")
    assert manifest.window_start == first.isoformat()
    assert manifest.requested_start == window.start.isoformat()
    spend = sum(float(r["spend"]) for r in rows)
    truth_spend = sum(
        float(
            world.ad_daily(account_id, r["ad_id"], dt.date.fromisoformat(r["date_start"]))["spend"]
        )
        for r in truth
    )
    assert spend == pytest.approx(truth_spend)


_CHECKS = {"facebook": _facebook, "instagram": _instagram, "meta_ads": _meta_ads}


def check_landed(platform: str, run, world, client, account, window: Window) -> None:
    """Assert that what `run` landed for `account` equals the world's ground truth."""
    check = _CHECKS.get(platform)
    assert check, (
        f"tests/contract/families/meta_graph.py has no landed-records check for {platform}"
    )
    check(run, world, client, account, window)


def mart_truth(platform: str, world, client, accounts, window: Window) -> dict[str, Any]:
    """The world's value of each mart measure for one client's accounts of `platform`."""
    if platform == "meta_ads":
        rows = [
            row
            for account in accounts
            for row in world.ad_insight_rows(
                account.id, window.start - dt.timedelta(days=ADS_REFETCH_DAYS), window.end
            )
        ]
        return {
            "ad_rows": len(rows),
            "spend": sum((Decimal(r["spend"]) for r in rows), Decimal(0)),
            "impressions": sum(int(r["impressions"]) for r in rows),
            "clicks": sum(int(r["clicks"]) for r in rows),
            "campaign_spend": sum((Decimal(r["spend"]) for r in rows), Decimal(0)),
        }
    assert platform in _CHECKS, f"meta_graph.py has no mart truth for {platform}"
    since, until = window.extended(POSTS_REFETCH_DAYS).local_bounds(client.timezone)
    posts = [p for a in accounts for p in world.posts(platform, a.id, since, until)]
    comments = [c for p in posts for c in world.comments(platform, p["id"])]
    return {
        "post_ids": {p["id"] for p in posts},
        "comment_ids": {c["id"] for c in comments},
        "brand_replies": sum(c["is_brand_reply"] for c in comments),
        "hidden_comments": sum(c["is_hidden"] for c in comments),
    }
