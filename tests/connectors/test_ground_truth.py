"""What the real connectors land from the sandbox equals what the sandbox world holds."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from connectors.landing import CONTEXT_KEY
from connectors.meta_graph import parse_graph_time

from ..conftest import NOW
from .conftest import END, START, WINDOW

CLIENTS = ("cafe_lumiere", "stride_athletics", "maison_des_arts")
PACIFIC = ZoneInfo("America/Los_Angeles")
LAST_COMPLETE_META_DAY = NOW.astimezone(PACIFIC).date() - dt.timedelta(days=1)


def _pacific_day(end_time: str) -> dt.date:
    """Graph daily `end_time` is the end of a Pacific day: the day it closes is the one before."""
    return parse_graph_time(end_time).astimezone(PACIFIC).date() - dt.timedelta(days=1)


@pytest.mark.parametrize("client_id", CLIENTS)
def test_facebook_lands_the_world(extract, world, demo_config, client_id):
    client = demo_config.client(client_id)
    page_id = client.accounts.facebook[0].id
    run = extract(client_id, "facebook")
    assert run.result.ok, run.result.error

    [page] = run.records("page")
    assert page == world.page(page_id) | {k: page[k] for k in page if k not in world.page(page_id)}

    since, until = WINDOW.extended(28).local_bounds(client.timezone)
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
    assert min(page_days) == START - dt.timedelta(days=3)
    assert max(page_days) == LAST_COMPLETE_META_DAY  # a Meta day still under way is not served
    for day, metrics in page_days.items():
        assert metrics == world.account_daily("facebook", page_id, day)


@pytest.mark.parametrize("client_id", CLIENTS)
def test_instagram_lands_the_world(extract, world, demo_config, client_id):
    client = demo_config.client(client_id)
    ig_id = client.accounts.instagram[0].id
    run = extract(client_id, "instagram")
    assert run.result.ok, run.result.error

    [user] = run.records("user")
    assert (
        user["id"] == ig_id and user["followers_count"] == world.ig_user(ig_id)["followers_count"]
    )

    since, until = WINDOW.extended(28).local_bounds(client.timezone)
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
    assert sorted(totals) == [START - dt.timedelta(days=3 - i) for i in range(WINDOW.days + 3)]
    for day, metrics in totals.items():
        if day > LAST_COMPLETE_META_DAY:
            continue  # a day still under way: landed as served, re-read by the 3-day re-fetch
        truth = world.account_daily("instagram", ig_id, day)
        assert metrics == {k: truth[k] for k in metrics}
    for day, metrics in series.items():
        truth = world.account_daily("instagram", ig_id, day)
        assert metrics == {k: truth[k] for k in metrics}


@pytest.mark.parametrize("client_id", CLIENTS)
def test_meta_ads_lands_the_world(extract, world, demo_config, client_id):
    account_id = demo_config.client(client_id).accounts.meta_ads[0].id
    run = extract(client_id, "meta_ads")
    assert run.result.ok, run.result.error
    [account] = run.records("account")
    assert account == world.ad_account(account_id)
    assert run.records("campaigns") == world.campaigns(account_id)
    assert run.records("adsets") == world.adsets(account_id)
    assert run.records("ads") == world.ads(account_id)
    rows = run.records("ad_insights")
    truth = world.ad_insight_rows(account_id, START - dt.timedelta(days=28), END)
    assert rows == truth
    assert len(rows) > 100
    # The 28-day re-fetch window is what was asked for and what the manifest says.
    manifest = next(m for m in run.result.manifests if m.entity == "ad_insights")
    assert manifest.window_start == (START - dt.timedelta(days=28)).isoformat()
    assert manifest.requested_start == START.isoformat()
    spend = sum(float(r["spend"]) for r in rows)
    truth_spend = sum(
        float(
            world.ad_daily(account_id, r["ad_id"], dt.date.fromisoformat(r["date_start"]))["spend"]
        )
        for r in truth
    )
    assert spend == pytest.approx(truth_spend)
