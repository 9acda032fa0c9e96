"""The sandbox server speaks the Graph, Instagram and Marketing APIs: paging with `next`
yields exactly the world's ground truth, fields select, errors and headers look like Meta's."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 20, 6, 0, tzinfo=UTC)
TOKEN = "EAAGsandbox-server-test"
PAGE = "104000000000003"
IG = "17841400000000003"
ADS = "100000000000003"
V = "v25.0"

POST_FIELDS = (
    "id,message,created_time,updated_time,permalink_url,status_type,full_picture,is_published,"
    "shares,reactions.limit(0).summary(true),comments.limit(0).summary(true)"
)
COMMENT_FIELDS = (
    "id,message,created_time,from{id,name},parent{id},like_count,comment_count,is_hidden,"
    "permalink_url"
)
IG_COMMENT_SUB = "id,text,timestamp,username,from{id,username},like_count,hidden,parent_id"
INSIGHT_FIELDS = (
    "account_id,account_currency,campaign_id,campaign_name,adset_id,adset_name,ad_id,ad_name,"
    "date_start,date_stop,spend,impressions,reach,clicks,inline_link_clicks,frequency,cpc,cpm,"
    "ctr,actions,action_values"
)
WINDOWS = '["1d_click","7d_click","28d_click","1d_view"]'


@pytest.fixture(scope="module")
def http():
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        yield session


def get(http, sandbox, path: str, **params) -> requests.Response:
    return http.get(f"{sandbox.url}/{V}/{path}", params=params, timeout=10)


def follow(http, sandbox, path: str, **params) -> tuple[list[dict], list[dict]]:
    """Every item of an edge, following `paging.next` as a client must (token stripped)."""
    items, pages = [], []
    response = get(http, sandbox, path, **params)
    while True:
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body)
        items += body["data"]
        next_url = body.get("paging", {}).get("next")
        if not next_url:
            return items, pages
        split = urlsplit(next_url)
        query = {k: v[-1] for k, v in parse_qs(split.query).items()}
        assert query.pop("access_token") == TOKEN  # Meta puts it there; clients remove it
        # Cursor paging, or the feed edges' time-based paging (`until` + `__paging_token`).
        assert "after" in query or {"until", "__paging_token"} <= set(query)
        response = http.get(f"{split.scheme}://{split.netloc}{split.path}", params=query)


def error_of(response: requests.Response) -> dict:
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["fbtrace_id"]
    return body["error"]


def test_page_node_and_field_selection(http, sandbox, world):
    response = get(http, sandbox, PAGE, fields="id,name,followers_count,fan_count,link")
    assert response.status_code == 200
    assert response.json() == world.page(PAGE)
    assert "\\u00e9" not in response.json()["name"]  # unicode escapes decode to accents
    assert get(http, sandbox, PAGE).json() == {"id": PAGE, "name": "Maison des Arts"}
    assert get(http, sandbox, PAGE, fields="id,instagram_business_account{id}").json() == {
        "id": PAGE,
        "instagram_business_account": {"id": IG},
    }
    error = error_of(get(http, sandbox, PAGE, fields="id,impressions"))
    assert error["code"] == 100
    assert (
        error["message"]
        == "(#100) Tried accessing nonexisting field (impressions) on node type (Page)"
    )


def test_published_posts_paged_with_next_equal_the_world(http, sandbox, world):
    since = NOW - dt.timedelta(days=40)
    until = NOW - dt.timedelta(days=2)
    items, pages = follow(
        http,
        sandbox,
        f"{PAGE}/published_posts",
        fields=POST_FIELDS,
        since=str(int(since.timestamp())),
        until=str(int(until.timestamp())),
        limit=7,
    )
    truth = world.posts("facebook", PAGE, since, until)
    assert len(pages) > 3 and all(len(p["data"]) <= 7 for p in pages)
    # With since/until the Page feed edges page by time, as the real API does: `next` keeps
    # the request's parameters, sets `until` and `__paging_token`, and there are no cursors.
    for page in pages[:-1]:
        assert "cursors" not in page["paging"]
        nxt = {k: v[-1] for k, v in parse_qs(urlsplit(page["paging"]["next"]).query).items()}
        assert nxt["since"] == str(int(since.timestamp())) and nxt["__paging_token"]
        assert nxt["until"] == str(
            int(world.resolve(page["data"][-1]["id"])[1].created.timestamp())
        )
    assert "next" not in pages[-1].get("paging", {})
    assert [p["id"] for p in items] == [p["id"] for p in truth]
    for landed, expected in zip(items, truth, strict=True):
        assert {k: landed[k] for k in expected} == expected
        assert set(landed) - set(expected) <= {"shares", "reactions", "comments"}
        counts = world.post_counts("facebook", landed["id"])
        assert landed["reactions"] == {
            "data": [],
            "summary": {
                "total_count": counts["reactions"],
                "viewer_reaction": "NONE",
                "can_comment": True,
            },
        }
        assert landed["comments"]["summary"]["total_count"] == counts["comments"]
        assert landed["comments"]["data"] == []
        assert landed.get("shares", {"count": 0})["count"] == counts["shares"]
        assert landed.get("shares", {"count": 1})["count"] > 0  # absent when 0
    # Date strings work too, and the next URL keeps every original parameter.
    first = get(
        http, sandbox, f"{PAGE}/published_posts", since="2026-10-01", until="2026-11-01", limit=3
    )
    next_query = parse_qs(urlsplit(first.json()["paging"]["next"]).query)
    # (time-based: `until` moves to the last post served, `since` is kept)
    last = world.resolve(first.json()["data"][-1]["id"])[1]
    assert next_query["since"] == ["2026-10-01"]
    assert next_query["until"] == [str(int(last.created.timestamp()))]
    assert next_query["limit"] == ["3"] and next_query["access_token"] == [TOKEN]


def test_comments_stream_toplevel_and_order(http, sandbox, world):
    posts = world.posts("facebook", PAGE, NOW - dt.timedelta(days=30), NOW)
    post = max(posts, key=lambda p: len(world.comments("facebook", p["id"])))
    truth = world.comments("facebook", post["id"])
    assert any(c["parent_id"] for c in truth)
    stream, pages = follow(
        http,
        sandbox,
        f"{post['id']}/comments",
        filter="stream",
        order="chronological",
        fields=COMMENT_FIELDS,
        limit=10,
        summary="true",
    )
    assert pages[0]["summary"]["total_count"] == len(truth)
    assert [c["id"] for c in stream] == [c["id"] for c in truth]
    for landed, expected in zip(stream, truth, strict=True):
        assert landed.get("parent", {}).get("id") == expected["parent_id"]
        assert ("parent" in landed) == (expected["parent_id"] is not None)
        assert landed["from"]["id"] == expected["from_id"]
        assert landed.get("message") == expected["message"]
        assert landed["is_hidden"] == expected["is_hidden"]
        assert landed["id"].startswith(post["id"].split("_")[1] + "_")
    top, _ = follow(http, sandbox, f"{post['id']}/comments", order="chronological", limit=100)
    assert [c["id"] for c in top] == [c["id"] for c in truth if c["parent_id"] is None]
    assert set(top[0]) == {"created_time", "from", "message", "id"} or "message" not in top[0]
    ranked, _ = follow(http, sandbox, f"{post['id']}/comments", limit=100)
    assert sorted(c["id"] for c in ranked) == sorted(c["id"] for c in top)


def test_instagram_media_comments_and_replies(http, sandbox, world):
    since = NOW - dt.timedelta(days=20)
    media, _ = follow(
        http,
        sandbox,
        f"{IG}/media",
        fields="id,caption,media_type,media_product_type,permalink,timestamp,like_count,"
        "comments_count,shortcode,is_comment_enabled",
        since=str(int(since.timestamp())),
        limit=5,
    )
    truth = world.posts("instagram", IG, since, NOW)
    assert [m["id"] for m in media] == [m["id"] for m in truth]
    for landed, expected in zip(media, truth, strict=True):
        assert {k: landed[k] for k in expected} == expected
        counts = world.post_counts("instagram", landed["id"])
        assert landed["like_count"] == counts["reactions"]
        assert landed["comments_count"] == counts["comments"]
    item = max(truth, key=lambda m: len(world.comments("instagram", m["id"])))
    expected = world.comments("instagram", item["id"])
    fields = f"{IG_COMMENT_SUB},replies.limit(2){{{IG_COMMENT_SUB}}}"
    top, _ = follow(http, sandbox, f"{item['id']}/comments", fields=fields, limit=4)
    landed = []
    for comment in top:
        assert "parent_id" not in comment
        landed.append(comment)
        replies = comment.get("replies", {"data": []})
        landed += replies["data"]
        if "next" in replies.get("paging", {}):
            assert "/replies?" in replies["paging"]["next"]
            more, _ = follow(
                http,
                sandbox,
                f"{comment['id']}/replies",
                fields=IG_COMMENT_SUB,
                limit=2,
                after=replies["paging"]["cursors"]["after"],
            )
            landed += more
    by_id = {c["id"]: c for c in landed}
    assert sorted(by_id) == sorted(c["id"] for c in expected)
    for truth_comment in expected:
        comment = by_id[truth_comment["id"]]
        assert comment.get("parent_id") == truth_comment["parent_id"]
        assert comment["hidden"] == truth_comment["is_hidden"]
        assert (comment["from"]["id"] == IG) == truth_comment["is_brand_reply"]
        assert comment.get("text") == truth_comment["message"]


def test_post_and_media_insights(http, sandbox, world):
    posts = world.posts("facebook", PAGE, NOW - dt.timedelta(days=10), NOW)
    metrics = (
        "post_media_view,post_total_media_view_unique,post_clicks,post_reactions_by_type_total"
    )
    old = posts[-1]
    body = get(http, sandbox, f"{old['id']}/insights", metric=metrics, period="lifetime").json()
    assert {i["name"]: i["values"][0]["value"] for i in body["data"]} == world.post_lifetime(
        "facebook", old["id"]
    )
    item = body["data"][0]
    assert set(item) == {"name", "period", "values", "title", "description", "id"}
    assert item["id"] == f"{old['id']}/insights/post_media_view/lifetime"
    young = world.posts("facebook", PAGE, NOW - dt.timedelta(hours=2), NOW)
    for post in young:
        assert get(http, sandbox, f"{post['id']}/insights", metric=metrics).json() == {"data": []}
    for removed in ("post_impressions", "post_engaged_users", "post_impressions_unique"):
        error = error_of(
            get(http, sandbox, f"{old['id']}/insights", metric=f"post_clicks,{removed}")
        )
        assert (
            error["code"] == 100
            and error["message"] == "(#100) The value must be a valid insights metric"
        )

    media_metrics = "views,reach,saved,shares,likes,comments,total_interactions"
    media = world.posts("instagram", IG, world.history_start, NOW)
    low = [
        m for m in media if world.resolve(m["id"])[1].low_reach and m["timestamp"] < "2026-11-19"
    ]
    ready = [m for m in media if world.insights_available("instagram", m["id"])]
    fresh = [m for m in media if m["timestamp"] > "2026-11-19T06:00:00+0000"]
    assert low and ready and fresh
    body = get(http, sandbox, f"{ready[0]['id']}/insights", metric=media_metrics).json()
    assert {i["name"]: i["values"][0]["value"] for i in body["data"]} == world.post_lifetime(
        "instagram", ready[0]["id"]
    )
    assert get(http, sandbox, f"{fresh[0]['id']}/insights", metric=media_metrics).json() == {
        "data": []
    }
    response = get(http, sandbox, f"{low[0]['id']}/insights", metric=media_metrics)
    error = error_of(response)
    assert response.status_code == 400
    # Meta's low-reach answer: code 10 and this message, no subcode.
    assert error["code"] == 10 and "error_subcode" not in error
    assert error["message"] == "(#10) Not enough viewers for the media to show insights"
    assert error["is_transient"] is False
    for removed in (
        "impressions",
        "plays",
        "video_views",
        "engagement",
        "carousel_album_impressions",
    ):
        error = error_of(
            get(http, sandbox, f"{ready[0]['id']}/insights", metric=f"reach,{removed}")
        )
        assert error["code"] == 100 and "is_transient" in error


def test_page_insights_days_windows_and_errors(http, sandbox, world):
    metrics = (
        "page_media_view,page_total_media_view_unique,page_follows,page_daily_follows_unique,"
        "page_post_engagements"
    )
    body = get(
        http,
        sandbox,
        f"{PAGE}/insights",
        metric=metrics,
        period="day",
        since="2026-11-10",
        until="2026-11-21",
    ).json()
    assert [i["name"] for i in body["data"]] == metrics.split(",")
    values = body["data"][0]["values"]
    # Pacific days 11-10 … 11-18: at 22:00 Pacific on 11-19 that day is not over yet.
    assert [v["end_time"] for v in values][:2] == [
        "2026-11-11T08:00:00+0000",
        "2026-11-12T08:00:00+0000",
    ]
    assert values[-1]["end_time"] == "2026-11-19T08:00:00+0000"
    for index, value in enumerate(values):
        day = dt.date(2026, 11, 10) + dt.timedelta(days=index)
        truth = world.account_daily("facebook", PAGE, day)
        assert {i["name"]: i["values"][index]["value"] for i in body["data"]} == truth
        assert value["value"] == truth["page_media_view"]
    assert set(body["paging"]) == {"previous", "next"}
    assert f"access_token={TOKEN}" in body["paging"]["next"]
    # Unix bounds (Pacific midnights) select the same days.
    pacific = dt.timezone(dt.timedelta(hours=-8))
    unix = {
        k: str(int(dt.datetime(2026, 11, d, tzinfo=pacific).timestamp()))
        for k, d in (("since", 10), ("until", 12))
    }
    two = get(http, sandbox, f"{PAGE}/insights", metric="page_follows", period="day", **unix).json()
    assert [v["end_time"] for v in two["data"][0]["values"]] == [
        "2026-11-11T08:00:00+0000",
        "2026-11-12T08:00:00+0000",
    ]
    error = error_of(
        get(
            http,
            sandbox,
            f"{PAGE}/insights",
            metric="page_follows",
            since="2026-06-01",
            until="2026-11-01",
        )
    )
    assert error["code"] == 100 and "90 days" in error["message"]
    error = error_of(get(http, sandbox, f"{PAGE}/insights", period="day"))
    assert (error["code"], error["error_subcode"]) == (3001, 1504028)
    for removed in (
        "page_impressions",
        "page_fans",
        "page_engaged_users",
        "page_impressions_unique",
    ):
        error = error_of(get(http, sandbox, f"{PAGE}/insights", metric=removed, period="day"))
        assert error["code"] == 100


def test_instagram_account_insights(http, sandbox, world):
    body = get(
        http,
        sandbox,
        f"{IG}/insights",
        metric="reach,follower_count",
        period="day",
        since="2026-10-15",
        until="2026-11-14",
    ).json()
    reach, followers = body["data"]
    assert reach["name"] == "reach" and len(reach["values"]) == 30
    # follower_count only for the last 30 days (Pacific today is 11-19: from 10-20 on).
    assert followers["values"][0]["end_time"] == "2026-10-21T07:00:00+0000"
    assert len(followers["values"]) == 25
    for value in reach["values"]:
        day = dt.date.fromisoformat(value["end_time"][:10]) - dt.timedelta(days=1)
        assert value["value"] == world.account_daily("instagram", IG, day)["reach"]
    totals = get(
        http,
        sandbox,
        f"{IG}/insights",
        metric="views,accounts_engaged,total_interactions",
        period="day",
        metric_type="total_value",
        since="2026-11-15",
        until="2026-11-16",
    ).json()
    truth = world.account_daily("instagram", IG, dt.date(2026, 11, 15))
    assert {i["name"]: i["total_value"]["value"] for i in totals["data"]} == {
        k: truth[k] for k in ("views", "accounts_engaged", "total_interactions")
    }
    assert set(totals["data"][0]) == {"name", "period", "title", "description", "total_value", "id"}
    week = get(
        http,
        sandbox,
        f"{IG}/insights",
        metric="views",
        period="day",
        metric_type="total_value",
        since="2026-11-10",
        until="2026-11-17",
    ).json()
    days = [dt.date(2026, 11, 10) + dt.timedelta(days=i) for i in range(7)]
    assert week["data"][0]["total_value"]["value"] == sum(
        world.account_daily("instagram", IG, d)["views"] for d in days
    )
    error = error_of(get(http, sandbox, f"{IG}/insights", metric="views", period="day"))
    assert error["code"] == 100 and "metric_type=total_value" in error["message"]
    error = error_of(
        get(
            http,
            sandbox,
            f"{IG}/insights",
            metric="reach",
            period="day",
            since="2026-09-01",
            until="2026-11-01",
        )
    )
    assert error["code"] == 100 and "30 days" in error["message"]
    for removed in ("impressions", "profile_views", "website_clicks"):
        assert (
            error_of(get(http, sandbox, f"{IG}/insights", metric=removed, period="day"))["code"]
            == 100
        )


def test_ad_account_entities_and_insights(http, sandbox, world):
    fields = "account_id,id,name,currency,timezone_name,timezone_offset_hours_utc,account_status"
    assert get(http, sandbox, f"act_{ADS}", fields=fields).json() == world.ad_account(ADS)
    campaigns, _ = follow(
        http,
        sandbox,
        f"act_{ADS}/campaigns",
        fields="id,name,objective,status,effective_status,created_time,start_time,stop_time,"
        "daily_budget,lifetime_budget",
        limit=3,
    )
    assert campaigns == world.campaigns(ADS)
    adsets, _ = follow(
        http,
        sandbox,
        f"act_{ADS}/adsets",
        fields="id,name,campaign_id,status,effective_status,created_time,optimization_goal,"
        "billing_event,daily_budget",
    )
    assert adsets == world.adsets(ADS)
    ads, _ = follow(
        http,
        sandbox,
        f"act_{ADS}/ads",
        fields="id,name,adset_id,campaign_id,status,effective_status,created_time,"
        "creative{id,effective_object_story_id,object_story_id,source_instagram_media_id,"
        "instagram_user_id,effective_instagram_media_id,instagram_permalink_url,"
        "object_story_spec,url_tags}",
        limit=100,
    )
    assert ads == world.ads(ADS)
    # an ad boosting an existing Instagram media: the organic media id in
    # source_instagram_media_id, the ad's own media apart, a Page post made for Facebook
    # placements and no object_story_id
    instagram = [a["creative"] for a in ads if "source_instagram_media_id" in a["creative"]]
    assert instagram
    for creative in instagram:
        media = world.find_post("instagram", creative["source_instagram_media_id"])
        assert media is not None and creative["instagram_permalink_url"] == media.permalink
        assert creative["effective_instagram_media_id"] != creative["source_instagram_media_id"]
        assert "object_story_id" not in creative and creative["effective_object_story_id"]
    # `creative{id}` is the id alone; a sub-field a creative lacks is left out, not an error
    only_ids, _ = follow(http, sandbox, f"act_{ADS}/ads", fields="id,creative{id}", limit=100)
    assert [a["creative"] for a in only_ids] == [{"id": a["creative"]["id"]} for a in ads]
    boosted = [a for a in ads if "object_story_id" in a["creative"]]
    assert 0 < len(boosted) < len(ads)
    assert all("object_story_spec" not in a["creative"] for a in boosted)
    assert all(len(a["id"]) in range(15, 19) and a["id"].isdigit() for a in ads)
    active, _ = follow(http, sandbox, f"act_{ADS}/ads", fields="id", effective_status='["ACTIVE"]')
    assert 0 < len(active) < len(ads)

    since, until = dt.date(2026, 10, 20), dt.date(2026, 11, 20)
    rows, pages = follow(
        http,
        sandbox,
        f"act_{ADS}/insights",
        level="ad",
        time_increment="1",
        time_range=json.dumps({"since": since.isoformat(), "until": until.isoformat()}),
        fields=INSIGHT_FIELDS,
        action_attribution_windows=WINDOWS,
        limit=50,
    )
    assert len(pages) > 2
    assert rows == world.ad_insight_rows(ADS, since, until)
    assert rows[-1]["date_start"] == "2026-11-20"  # Brussels is already on the 20th
    row = rows[0]
    assert all(isinstance(row[k], str) for k in ("spend", "impressions", "reach", "clicks", "ctr"))
    assert row["spend"].count(".") == 1 and len(row["spend"].split(".")[1]) == 2
    removed_windows = get(
        http,
        sandbox,
        f"act_{ADS}/insights",
        level="ad",
        time_increment="1",
        time_range=json.dumps({"since": "2026-11-01", "until": "2026-11-02"}),
        fields="ad_id,actions",
        action_attribution_windows='["7d_click","7d_view","28d_view"]',
    ).json()["data"]
    keys = {k for r in removed_windows for a in r.get("actions", []) for k in a}
    assert "7d_click" in keys and not keys & {"7d_view", "28d_view", "1d_view"}
    assert set(removed_windows[0]) <= {"ad_id", "actions", "date_start", "date_stop"}


def test_ad_insights_limits(http, sandbox):
    def insights(since: str, until: str) -> requests.Response:
        return get(
            http,
            sandbox,
            f"act_{ADS}/insights",
            level="ad",
            time_increment="1",
            time_range=json.dumps({"since": since, "until": until}),
            fields="ad_id,spend",
        )

    too_long = insights("2026-06-01", "2026-11-19")
    assert too_long.status_code == 500
    error = error_of(too_long)
    assert (error["code"], error["error_subcode"]) == (1, 1504018)
    assert (
        error["message"]
        == "Please reduce the amount of data you're asking for, then retry your request"
    )
    too_old = insights("2023-06-01", "2023-06-10")
    assert too_old.status_code == 400 and error_of(too_old)["code"] == 100
    assert error_of(insights("2026-11-10", "2026-11-01"))["code"] == 100
    bad_field = get(http, sandbox, f"act_{ADS}/insights", fields="ad_id,conversion_lift")
    assert error_of(bad_field)["code"] == 100


def test_async_report_run(sandbox, http, world):
    params = {
        "level": "ad",
        "time_increment": "1",
        "time_range": json.dumps({"since": "2026-07-01", "until": "2026-11-19"}),
        "fields": INSIGHT_FIELDS,
        "action_attribution_windows": WINDOWS,
    }
    created = http.post(f"{sandbox.url}/{V}/act_{ADS}/insights", data=params)
    assert created.status_code == 200
    run_id = created.json()["report_run_id"]
    assert run_id.isdigit()
    statuses = []
    for _ in range(5):
        body = get(http, sandbox, run_id).json()
        assert body["id"] == run_id and body["account_id"] == ADS
        assert (body["date_start"], body["date_stop"]) == ("2026-07-01", "2026-11-19")
        statuses.append((body["async_status"], body["async_percent_completion"]))
    assert [s for s, _ in statuses] == [
        "Job Not Started",
        "Job Started",
        "Job Running",
        "Job Completed",
        "Job Completed",
    ]
    percents = [p for _, p in statuses]
    assert percents == sorted(percents) and percents[-1] == 100
    rows, pages = follow(http, sandbox, f"{run_id}/insights", limit=100)
    assert len(pages) > 5
    assert rows == world.ad_insight_rows(ADS, dt.date(2026, 7, 1), dt.date(2026, 11, 19))
    # Parameters in the query string work too; results are refused until the run completes.
    query_run = http.post(f"{sandbox.url}/{V}/act_{ADS}/insights", params=params).json()[
        "report_run_id"
    ]
    assert error_of(get(http, sandbox, f"{query_run}/insights"))["code"] == 100


def test_auth_versions_and_unknown_objects(sandbox, world):
    url = f"{sandbox.url}/{V}/{PAGE}"
    for response in (requests.get(url), requests.get(url, params={"access_token": ""})):
        assert response.status_code == 400
        assert error_of(response)["code"] == 190 and error_of(response)["type"] == "OAuthException"
    assert requests.get(url, params={"access_token": "anything"}).status_code == 200
    old = requests.get(f"{sandbox.url}/v2.0/{PAGE}", params={"access_token": "t"})
    assert old.status_code == 400 and error_of(old)["code"] == 2635
    assert (
        requests.get(f"{sandbox.url}/v22.0/{PAGE}", params={"access_token": "t"}).status_code == 200
    )
    missing = requests.get(f"{sandbox.url}/{V}/17849999999999999", params={"access_token": "t"})
    error = error_of(missing)
    assert (error["code"], error["error_subcode"], error["type"]) == (
        100,
        33,
        "GraphMethodException",
    )
    assert error["message"].startswith(
        "Unsupported get request. Object with ID '17849999999999999' does not exist, cannot be "
        "loaded due to missing permissions, or does not support this operation."
    )
    assert error_of(requests.get(f"{url}/feedz", params={"access_token": "t"}))["code"] == 2500


def test_limit_default_and_clamp(http, sandbox, world):
    media = world.posts("instagram", IG, world.history_start, NOW)
    assert len(get(http, sandbox, f"{IG}/media").json()["data"]) == 25
    assert len(get(http, sandbox, f"{IG}/media", limit=500).json()["data"]) == 100
    cursor = get(http, sandbox, f"{IG}/media", limit=2).json()["paging"]["cursors"]["after"]
    assert cursor.isascii() and media[0]["id"] not in cursor
    after = get(http, sandbox, f"{IG}/media", limit=2, after=cursor).json()["data"]
    assert [m["id"] for m in after] == [m["id"] for m in media[2:4]]


def test_usage_headers(http, sandbox):
    page = get(http, sandbox, PAGE)
    assert set(json.loads(page.headers["X-App-Usage"])) == {
        "call_count",
        "total_cputime",
        "total_time",
    }
    [entry] = json.loads(page.headers["X-Business-Use-Case-Usage"])[PAGE]
    assert entry["type"] == "pages" and entry["estimated_time_to_regain_access"] == 0
    assert entry["call_count"] < 10
    ig = get(http, sandbox, f"{IG}/media", limit=1)
    assert json.loads(ig.headers["X-Business-Use-Case-Usage"])[IG][0]["type"] == "instagram"
    ads = get(http, sandbox, f"act_{ADS}/ads", fields="id", limit=1)
    assert json.loads(ads.headers["X-Business-Use-Case-Usage"])[ADS][0]["type"] == "ads_management"
    assert "X-FB-Ads-Insights-Throttle" not in ads.headers
    insights = get(http, sandbox, f"act_{ADS}/insights", date_preset="yesterday", fields="ad_id")
    assert (
        json.loads(insights.headers["X-Business-Use-Case-Usage"])[ADS][0]["type"] == "ads_insights"
    )
    throttle = json.loads(insights.headers["X-FB-Ads-Insights-Throttle"])
    assert set(throttle) == {"app_id_util_pct", "acc_id_util_pct", "ads_api_access_tier"}


def test_requests_are_recorded(http, sandbox):
    get(http, sandbox, PAGE, fields="id")
    get(http, sandbox, "17849999999999999")
    records = sandbox.requests
    assert [(r["method"], r["path"], r["status"]) for r in records] == [
        ("GET", f"/{V}/{PAGE}", 200),
        ("GET", f"/{V}/17849999999999999", 400),
    ]
    assert records[0]["params"] == {"fields": "id"} and records[0]["fault"] is None
    sandbox.reset_stats()
    assert sandbox.requests == []
