"""The sandbox world: deterministic, lazy, internally consistent, and realistic where the
pipeline's logic depends on it (business-hours replies, restated ads, growing insights)."""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
import time

import pytest

from connectors.sandbox import SCALES, Scale, World
from connectors.sandbox.timeutil import BusinessCalendar
from ruche.sandbox import synthetic_config

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
SINCE = NOW - dt.timedelta(days=30)
PAGE = "104000000000001"
IG = "17841400000000002"
ADS = "100000000000002"


def _snapshot(world: World, reverse: bool = False) -> dict:
    """Everything a 30-day ingest would see, asked for in one order or the reverse."""
    out: dict = {}
    accounts = world.accounts()
    if reverse:
        accounts = list(reversed(accounts))
    for _, platform, account_id in accounts:
        if platform == "meta_ads":
            out[(platform, account_id)] = (
                world.ad_insight_rows(account_id, SINCE.date(), NOW.date()),
                world.campaigns(account_id),
                world.ads(account_id),
            )
            continue
        if platform == "google_ads":
            acct = world.google_ads_account(account_id)
            out[(platform, account_id)] = (
                world.google_ads_metric_rows(acct, SINCE.date(), NOW.date()),
                world.google_ads_rows(acct, "ad_group_ad"),
            )
            continue
        if platform == "x":
            posts = world.x_posts(account_id, SINCE, NOW)
            ordered = list(reversed(posts)) if reverse else posts
            replies = {p["id"]: world.x_replies(p["id"]) for p in ordered}
            out[(platform, account_id)] = (world.x_user(account_id), posts, replies)
            continue
        if platform == "linkedin_ads":
            acct = world.linkedin_ads_account(account_id)
            out[(platform, account_id)] = (
                world.linkedin_ad_analytics(acct, SINCE.date(), NOW.date()),
                world.linkedin_creatives(acct),
                world.linkedin_campaigns(acct),
            )
            continue
        if platform == "linkedin_pages":
            li_posts = world.linkedin_posts(account_id, SINCE, NOW)
            ordered = list(reversed(li_posts)) if reverse else li_posts
            li_details = {
                p["id"]: (
                    world.linkedin_comment_truth(p["id"]),
                    world.linkedin_post_statistics(p["id"]),
                )
                for p in ordered
            }
            days = [NOW.date() - dt.timedelta(days=d) for d in range(2, 31)]
            li_daily = [
                (
                    world.linkedin_daily_share_statistics(account_id, d),
                    world.linkedin_follower_gains(account_id, d),
                )
                for d in days
            ]
            out[(platform, account_id)] = (li_posts, li_details, li_daily)
            continue
        posts = world.posts(platform, account_id, SINCE, NOW)
        ordered = list(reversed(posts)) if reverse else posts
        details = {
            p["id"]: (
                world.comment_truth(platform, p["id"]),
                world.post_lifetime(platform, p["id"]),
                world.post_counts(platform, p["id"]),
            )
            for p in ordered
        }
        days = [NOW.date() - dt.timedelta(days=d) for d in range(1, 31)]
        daily = [world.account_daily(platform, account_id, d) for d in days]
        out[(platform, account_id)] = (posts, details, daily)
    return out


def test_same_inputs_give_the_same_world_in_any_order(demo_config):
    first = _snapshot(World(demo_config, seed=7, now=NOW))
    second = _snapshot(World(demo_config, seed=7, now=NOW), reverse=True)
    assert first == second


def test_another_seed_gives_another_world(demo_config, world):
    other = World(demo_config, seed=8, now=NOW)
    mine = [p["id"] for p in world.posts("facebook", PAGE, SINCE, NOW)]
    theirs = [p["id"] for p in other.posts("facebook", PAGE, SINCE, NOW)]
    assert mine != theirs
    assert world.ads(ADS) != other.ads(ADS)


def test_content_is_stable_when_the_clock_moves(demo_config, world):
    later = World(demo_config, seed=7, now=NOW + dt.timedelta(days=2))
    before = world.posts("instagram", IG, SINCE, NOW)
    assert later.posts("instagram", IG, SINCE, NOW) == before
    post_id = before[5]["id"]
    now_ids = {c["id"] for c in world.comment_truth("instagram", post_id)}
    later_ids = {c["id"] for c in later.comment_truth("instagram", post_id)}
    assert now_ids <= later_ids
    assert world.account_daily("facebook", PAGE, dt.date(2026, 11, 1)) == later.account_daily(
        "facebook", PAGE, dt.date(2026, 11, 1)
    )
    assert [c["id"] for c in world.campaigns(ADS)] == [
        c["id"] for c in later.campaigns(ADS) if c["id"] in {x["id"] for x in world.campaigns(ADS)}
    ]


def test_accounts_and_nodes(world):
    accounts = world.accounts()
    # 3 clients × (Facebook, Instagram, Meta Ads) + 2 Google Ads + 2 X + 2 LinkedIn pages
    # + 2 LinkedIn ad accounts
    assert len(accounts) == 17
    assert ("stride_athletics", "meta_ads", ADS) in accounts
    page = world.page(PAGE)
    assert set(page) == {"id", "name", "followers_count", "fan_count", "link"}
    assert page["name"] == "Café Lumière" and page["fan_count"] <= page["followers_count"]
    user = world.ig_user(IG)
    assert user["username"] == "stride.athletics"
    assert user["media_count"] == len(world.posts("instagram", IG, world.history_start, NOW))
    # The demo has an ad account billed in another currency and one on another timezone.
    assert world.ad_account(ADS)["currency"] == "EUR"  # Stride reports in GBP
    assert world.ad_account("100000000000001")["timezone_name"] == "America/Los_Angeles"
    assert world.ad_account("act_100000000000003")["id"] == "act_100000000000003"


def test_posts_are_in_window_newest_first_and_realistic(world):
    since = NOW - dt.timedelta(days=120)
    posts = world.posts("facebook", PAGE, since, NOW)
    created = [dt.datetime.strptime(p["created_time"], "%Y-%m-%dT%H:%M:%S%z") for p in posts]
    assert created == sorted(created, reverse=True)
    assert all(since <= c <= NOW for c in created)
    assert all(p["id"].startswith(f"{PAGE}_") and len(p["id"].split("_")[1]) == 17 for p in posts)
    assert any("message" not in p for p in posts)
    assert any("http" in p.get("message", "") for p in posts)
    assert any("#" in p.get("message", "") for p in posts)
    local_hours = [c.astimezone(world.account_info("facebook", PAGE).zone).hour for c in created]
    assert sum(8 <= h < 21 for h in local_hours) / len(local_hours) > 0.75
    media = world.posts("instagram", IG, since, NOW)
    assert {m["media_type"] for m in media} == {"IMAGE", "VIDEO", "CAROUSEL_ALBUM"}
    assert {m["media_product_type"] for m in media} == {"FEED", "REELS"}
    assert all(m["id"].isdigit() for m in media)
    # [since, until) on the publication time.
    cut = created[3]
    assert [p["id"] for p in world.posts("facebook", PAGE, cut, NOW)] == [
        p["id"] for p in posts[:4]
    ]
    assert posts[3]["id"] not in {p["id"] for p in world.posts("facebook", PAGE, since, cut)}


def test_comments_visible_deleted_hidden_and_brand_replies(world):
    truth_all, visible_all = [], []
    for platform, account in (("facebook", PAGE), ("instagram", IG)):
        for post in world.posts(platform, account, NOW - dt.timedelta(days=90), NOW):
            truth = world.comment_truth(platform, post["id"])
            visible = world.comments(platform, post["id"])
            assert [c["id"] for c in visible] == [c["id"] for c in truth if not c["is_deleted"]]
            for comment in visible:
                if comment["is_brand_reply"]:
                    assert comment["from_id"] == account and comment["parent_id"] is not None
            truth_all += truth
            visible_all += visible
    assert all(c["created_time"] <= "2026-11-20T06:00:00+0000" for c in truth_all)
    assert any(c["is_deleted"] for c in truth_all)
    assert any(c["is_hidden"] for c in visible_all)
    assert {c["sentiment"] for c in truth_all} == {"positive", "neutral", "negative"}
    assert {c["language"] for c in truth_all} == {"en", "fr"}  # Stride is English-only; FR page
    assert any(c["parent_id"] and not c["is_brand_reply"] for c in visible_all)  # threads
    assert any(any(ch in (c["message"] or "") for ch in "éèàç") for c in visible_all)


def test_post_counts_match_visible_comments(world):
    for platform, account in (("facebook", PAGE), ("instagram", IG)):
        for post in world.posts(platform, account, SINCE, NOW)[:15]:
            counts = world.post_counts(platform, post["id"])
            visible = world.comments(platform, post["id"])
            if platform == "facebook":
                assert counts["comments"] == sum(1 for c in visible if c["parent_id"] is None)
                life = world.post_lifetime(platform, post["id"])
                assert counts["reactions"] == sum(life["post_reactions_by_type_total"].values())
            else:
                assert counts["comments"] == len(visible)
                assert counts["reactions"] == world.post_lifetime(platform, post["id"])["likes"]


def test_lifetime_insights_grow_and_never_decrease(world):
    for platform, account in (("facebook", PAGE), ("instagram", IG)):
        for post in world.posts(platform, account, NOW - dt.timedelta(days=20), NOW)[::3]:
            published = dt.datetime.strptime(
                post.get("created_time") or post["timestamp"], "%Y-%m-%dT%H:%M:%S%z"
            )
            series = [
                world.post_lifetime(platform, post["id"], published + dt.timedelta(hours=h))
                for h in (0, 1, 3, 12, 24, 48, 96, 240, 600)
            ]
            for before, after in itertools.pairwise(series):
                for name, value in after.items():
                    if isinstance(value, dict):
                        for kind, n in value.items():
                            assert n >= before[name].get(kind, 0)
                    else:
                        assert value >= before[name], (post["id"], name)
            last = series[-1]
            if platform == "facebook":
                assert last["post_total_media_view_unique"] <= last["post_media_view"]
            else:
                assert last["reach"] <= last["views"]
                assert last["total_interactions"] == sum(
                    last[k] for k in ("likes", "comments", "saved", "shares")
                )
            assert series[4] != series[-1] or series[-1] == series[0]  # still growing after 24 h


def test_account_daily_metrics(world):
    days = [dt.date(2026, 11, 1) + dt.timedelta(days=i) for i in range(18)]
    fb = [world.account_daily("facebook", PAGE, d) for d in days]
    assert set(fb[0]) == {
        "page_media_view",
        "page_total_media_view_unique",
        "page_follows",
        "page_daily_follows_unique",
        "page_post_engagements",
    }
    assert all(d["page_total_media_view_unique"] <= d["page_media_view"] for d in fb)
    ig = [world.account_daily("instagram", IG, d) for d in days]
    assert set(ig[0]) == {
        "reach",
        "follower_count",
        "views",
        "accounts_engaged",
        "total_interactions",
    }
    assert all(d["reach"] <= d["views"] and d["accounts_engaged"] <= d["reach"] for d in ig)
    # Followers keep growing overall; the page node shows today's running total.
    assert fb[-1]["page_follows"] > fb[0]["page_follows"]
    assert abs(world.page(PAGE)["followers_count"] - fb[-1]["page_follows"]) < 200


def test_ad_insights_restate_and_never_decrease(world):
    today = world.ad_account_today(ADS)
    day = today - dt.timedelta(days=3)
    rows = world.ad_insight_rows(ADS, day, day)
    assert rows and all(r["date_start"] == r["date_stop"] == day.isoformat() for r in rows)
    assert rows == sorted(rows, key=lambda r: r["ad_id"])
    converting = [
        r for r in rows if any(a.get("28d_click", "0") != "0" for a in r.get("actions", [])[2:])
    ]
    row = converting[0] if converting else rows[0]
    ad_id = row["ad_id"]
    end_of_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=UTC)
    moments = [
        end_of_day + dt.timedelta(hours=h) for h in (-12, 0, 6, 30, 24 * 7, 24 * 20, 24 * 40)
    ]
    series = [world.ad_daily(ADS, ad_id, day, m) for m in moments]
    assert series[0] is not None and all(s is not None for s in series)

    def number(r: dict, key: str) -> float:
        return float(r[key])

    def conversions(r: dict) -> dict:
        return {
            (a["action_type"], w): int(a[w])
            for a in r.get("actions", [])
            for w in ("value", "1d_click", "7d_click", "28d_click", "1d_view")
            if w in a
        }

    for before, after in itertools.pairwise(series):
        for key in ("spend", "impressions", "reach", "clicks", "inline_link_clicks"):
            assert number(after, key) >= number(before, key)
        for key, value in conversions(after).items():
            assert value >= conversions(before).get(key, 0)
    assert number(series[0], "spend") < number(series[3], "spend")  # partial at noon
    assert series[3]["spend"] == series[-1]["spend"]  # delivery final after a day
    final = world.ad_daily(ADS, ad_id, day, end_of_day + dt.timedelta(days=60))
    assert final == series[-1]  # conversions final after 28 days
    if converting:
        assert conversions(series[1]) != conversions(final)  # and not before
    for action in final.get("actions", []):
        if "1d_view" in action:
            assert int(action["1d_click"]) <= int(action["7d_click"]) <= int(action["28d_click"])
            assert int(action["value"]) == int(action["7d_click"]) + int(action["1d_view"])
    assert world.ad_daily(ADS, ad_id, today + dt.timedelta(days=1)) is None


def test_brand_replies_are_slower_outside_business_hours(world, demo_config):
    inside, outside, answered, asked = [], [], 0, 0
    for client in demo_config.clients:
        calendar = BusinessCalendar(client)
        for platform in ("facebook", "instagram"):
            account = getattr(client.accounts, platform)[0].id
            for post in world.posts(
                platform, account, NOW - dt.timedelta(days=60), NOW - dt.timedelta(days=14)
            ):
                comments = world.comments(platform, post["id"])
                by_id = {c["id"]: c for c in comments}
                replied = set()
                for comment in comments:
                    parent = by_id.get(comment["parent_id"] or "")
                    if not comment["is_brand_reply"] or parent is None:
                        continue
                    replied.add(parent["id"])
                    start = dt.datetime.strptime(parent["created_time"], "%Y-%m-%dT%H:%M:%S%z")
                    end = dt.datetime.strptime(comment["created_time"], "%Y-%m-%dT%H:%M:%S%z")
                    minutes = (end - start).total_seconds() / 60
                    (inside if calendar.is_open(start) else outside).append(minutes)
                top = [c for c in comments if c["parent_id"] is None]
                asked += len(top)
                answered += sum(1 for c in top if c["id"] in replied)
    assert len(inside) > 100 and len(outside) > 100
    assert statistics.median(inside) < 30
    assert statistics.median(outside) > 4 * statistics.median(inside)
    assert 0.70 <= answered / asked <= 0.92  # ~10–20 % never answered


def test_ids_resolve_back_to_their_objects(world):
    post = next(
        p for p in world.posts("facebook", PAGE, SINCE, NOW) if world.comments("facebook", p["id"])
    )
    media = next(
        p for p in world.posts("instagram", IG, SINCE, NOW) if world.comments("instagram", p["id"])
    )
    assert world.resolve(post["id"])[0] == "fb_post"
    assert world.resolve(media["id"])[0] == "ig_media"
    for platform, item in (("facebook", post), ("instagram", media)):
        comment = world.comments(platform, item["id"])[0]
        kind, found = world.resolve(comment["id"])
        assert found.id == comment["id"] and kind.endswith("comment")
    ad = world.ads(ADS)[0]
    assert world.resolve(ad["id"])[0] == "ad"
    assert world.resolve("17849999999999999") is None
    assert world.resolve(f"{PAGE}_12533179510895699") is None


def test_synthetic_agency_is_valid_and_lazy():
    scale = SCALES["agency"]
    config = synthetic_config(scale, seed=3)
    assert len(config.clients) == 25
    assert all(
        len(c.accounts.facebook) + len(c.accounts.instagram) + len(c.accounts.meta_ads) == 8
        for c in config.clients
    )
    assert len({c.timezone for c in config.clients}) >= 8
    assert len({c.reporting_currency for c in config.clients}) >= 5
    assert config.clients[0].accounts.facebook[0].token_env.startswith("RUCHE_TOKEN_")
    assert synthetic_config(scale, seed=3) == config
    started = time.perf_counter()
    world = World(config, seed=3, now=NOW, scale=scale)
    _, platform, account = next(a for a in world.accounts() if a[1] == "instagram")
    day = world.posts(platform, account, NOW - dt.timedelta(days=1), NOW)
    for post in day:
        world.comments(platform, post["id"])
    _, _, ads = next(a for a in world.accounts() if a[1] == "meta_ads")
    assert len(world.ad_insight_rows(ads, NOW.date() - dt.timedelta(days=1), NOW.date())) > 10
    assert time.perf_counter() - started < 2.0  # nothing is materialised up front


def test_scale_shapes_volumes(demo_config):
    small = World(demo_config, seed=7, now=NOW, scale=Scale(posts_per_day=0.3, history_days=30))
    posts = small.posts("facebook", PAGE, NOW - dt.timedelta(days=60), NOW)
    assert 0 < len(posts) < 25
    assert min(p["created_time"] for p in posts) >= "2026-10-21"


def test_now_must_be_aware(demo_config):
    with pytest.raises(ValueError):
        World(demo_config, now=dt.datetime(2026, 11, 20))
