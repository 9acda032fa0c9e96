"""The LinkedIn family's ground truth for the contract tests: what LinkedIn Pages must land
from the sandbox world, field by field, and what the marts must add up to. LinkedIn's rules
the comparison relies on are said next to the checks: posts listed newest first and windowed
in the client's days, comment text not landed by default (LinkedIn's terms), daily statistics
served for UTC days at least 2 days old, the 28- and 7-day re-fetch windows. LinkedIn Ads: the
ad account, its campaign groups, campaigns and creatives as listed, and adAnalytics elements per
creative and UTC day over the window plus the 30-day conversion re-fetch, every metric merged
from the connector's field chunks; spend from the decimal strings, exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from connectors import linkedin_ads as lia
from connectors.base import Window
from connectors.landing import CONTEXT_KEY
from ruche.platforms.linkedin import (
    ADS_CONVERSION_WINDOW_DAYS,
    DAILY_STATS_REFETCH_DAYS,
    POSTS_REFETCH_DAYS,
)

from ...conftest import NOW

ORG = "urn:li:organization:"
LAST_STATS_DAY = NOW.date() - dt.timedelta(days=2)  # LinkedIn's "at least 2 days old"


def _utc_day(ms: int) -> dt.date:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).date()


def _truth_posts(world, client, account, window: Window) -> list[dict]:
    since, until = window.extended(POSTS_REFETCH_DAYS).local_bounds(client.timezone)
    return world.linkedin_posts(account.id, since, until)


def _linkedin_pages(run, world, client, account, window: Window) -> None:
    org = f"{ORG}{account.id}"
    [size] = run.records("network_size")
    assert size == {"firstDegreeSize": world.linkedin_network_size(account.id)}

    truth_posts = _truth_posts(world, client, account, window)
    posts = run.records("posts")
    assert posts == truth_posts
    assert len(posts) >= 10

    comments = run.records("comments", keep_context=True)
    by_post: dict[str, list[dict]] = {}
    for comment in comments:
        by_post.setdefault(comment[CONTEXT_KEY]["parent_id"], []).append(comment)
    brand = replies = 0
    for post in truth_posts:
        truth = {c["commentUrn"]: c for c in world.linkedin_comments(post["id"])}
        landed = {c["commentUrn"]: c for c in by_post.get(post["id"], [])}
        assert landed.keys() == truth.keys()
        for urn, comment in landed.items():
            expected = truth[urn]
            assert isinstance(urn, str) and urn.startswith("urn:li:comment:(urn:li:activity:")
            assert comment.get("parentComment") == expected["parentComment"]
            assert comment["actor"] == expected["actor"]
            assert comment["created"]["time"] == int(expected["created"].timestamp()) * 1000
            assert (comment["actor"] == org) == expected["is_brand_reply"]
            # LinkedIn's terms: the demo accounts keep the platform default, text not stored.
            assert "message" not in comment
            brand += expected["is_brand_reply"]
            replies += expected["parentComment"] is not None
    assert brand > 0 and replies > brand  # brand replies are replies, members reply too

    stats = {s[CONTEXT_KEY]["parent_id"]: s for s in run.records("post_statistics", True)}
    assert stats.keys() == {p["id"] for p in truth_posts}
    for urn, item in stats.items():
        assert item["totalShareStatistics"] == world.linkedin_post_statistics(urn)
        assert item.get("share", item.get("ugcPost")) == urn

    first = window.start - dt.timedelta(days=DAILY_STATS_REFETCH_DAYS)
    days = {_utc_day(e["timeRange"]["start"]): e for e in run.records("share_statistics_daily")}
    assert min(days) == first and max(days) == min(window.end, LAST_STATS_DAY)
    assert len(days) == (max(days) - first).days + 1
    for day, element in days.items():
        assert element["totalShareStatistics"] == world.linkedin_daily_share_statistics(
            account.id, day
        )
    gains = {
        _utc_day(e["timeRange"]["start"]): e["followerGains"]
        for e in run.records("follower_statistics_daily")
    }
    assert gains.keys() == days.keys()
    for day, value in gains.items():
        assert value == world.linkedin_follower_gains(account.id, day)


def _ad_analytics(world, account_id: str, window: Window) -> list[dict]:
    acct = world.linkedin_ads_account(account_id)
    first = window.start - dt.timedelta(days=ADS_CONVERSION_WINDOW_DAYS)
    return world.linkedin_ad_analytics(acct, first, window.end)


def _linkedin_ads(run, world, client, account, window: Window) -> None:
    acct = world.linkedin_ads_account(account.id)
    [landed_account] = run.records("ad_account")
    assert landed_account == world.linkedin_ad_account(acct)
    assert run.records("campaign_groups") == world.linkedin_campaign_groups(acct)
    assert run.records("campaigns") == world.linkedin_campaigns(acct)
    assert run.records("creatives") == world.linkedin_creatives(acct)
    rows = run.records("ad_analytics")
    assert rows == _ad_analytics(world, account.id, window)  # merged chunks, ordered
    assert len(rows) > 100
    assert all(isinstance(r["costInLocalCurrency"], str) for r in rows)
    assert all(set(r) == {"dateRange", "pivotValues", *lia.METRICS} for r in rows)
    manifest = next(m for m in run.result.manifests if m.entity == "ad_analytics")
    first = window.start - dt.timedelta(days=ADS_CONVERSION_WINDOW_DAYS)
    assert manifest.window_start == first.isoformat()
    assert manifest.requested_start == window.start.isoformat()


_CHECKS = {"linkedin_pages": _linkedin_pages, "linkedin_ads": _linkedin_ads}


def check_landed(platform: str, run, world, client, account, window: Window) -> None:
    """Assert that what `run` landed for `account` equals the world's ground truth."""
    check = _CHECKS.get(platform)
    assert check, f"tests/contract/families/linkedin.py has no landed-records check for {platform}"
    check(run, world, client, account, window)


def mart_truth(platform: str, world, client, accounts, window: Window) -> dict[str, Any]:
    """The world's value of each mart measure for one client's accounts of `platform`."""
    assert platform in _CHECKS, f"linkedin.py has no mart truth for {platform}"
    if platform == "linkedin_ads":
        rows = [r for a in accounts for r in _ad_analytics(world, a.id, window)]
        spend = sum((Decimal(r["costInLocalCurrency"]) for r in rows), Decimal(0))
        return {
            "ad_rows": len(rows),
            "spend": spend,
            "impressions": sum(r["impressions"] for r in rows),
            "clicks": sum(r["clicks"] for r in rows),
            "campaign_spend": spend,
        }
    posts = [p for a in accounts for p in _truth_posts(world, client, a, window)]
    comments = [c for p in posts for c in world.linkedin_comments(p["id"])]
    return {
        "post_ids": {p["id"] for p in posts},
        "comment_ids": {c["commentUrn"] for c in comments},
        "brand_replies": sum(c["is_brand_reply"] for c in comments),
        "hidden_comments": 0,  # LinkedIn has no hidden comments
    }
