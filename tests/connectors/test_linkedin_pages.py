"""LinkedIn Pages' own rules, through the real connector against the sandbox's LinkedIn family
(the registry's contract tests cover landing, paging and every fault kind): a sunset version
(HTTP 426) is a permanent error naming the version to set; composite comment URNs stay strings
and are percent-encoded in paths; Rest.li 2.0 parameters; the daily limit (429) waited out
until midnight UTC or deferred to it; comment text not stored by default and the marts
(counts, brand replies, response times, followers) right without it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import requests

from connectors.base import Window
from connectors.errors import DeferredError, PermanentError
from connectors.landing import LandingZone
from connectors.linkedin_rest import (
    DAY_LIMIT_MARGIN_SECONDS,
    RestliPaginator,
    encode,
    restli_list,
    seconds_to_utc_midnight,
    time_intervals,
)
from ruche.platforms.linkedin import LINKEDIN_API, LINKEDIN_API_VERSION_ENV

from ..conftest import NOW
from .conftest import END, FAST_RETRY, TOKEN, WINDOW, Run, Sleeps

SHORT = Window(END - dt.timedelta(days=2), END)
CLIENT = "stride_athletics"
PLATFORM = "linkedin_pages"
HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "LinkedIn-Version": LINKEDIN_API.version,
    "X-Restli-Protocol-Version": "2.0.0",
}


def _get(sandbox, path: str, headers: dict | None = None) -> requests.Response:
    return requests.get(f"{sandbox.url}/{path}", headers=headers or HEADERS, timeout=10)


def _org(demo_config, client_id: str = CLIENT) -> str:
    return "urn:li:organization:" + demo_config.client(client_id).accounts.linkedin_pages[0].id


# ------------------------------------------------------------------ versions


def test_a_sunset_version_fails_the_account_naming_the_version_to_set(
    extract, sandbox, monkeypatch
):
    monkeypatch.setenv(LINKEDIN_API_VERSION_ENV, "202401")  # sunset in January 2025
    run = extract(CLIENT, PLATFORM, SHORT)
    error = run.result.error
    assert isinstance(error, PermanentError), error
    text = str(error)
    assert "linkedin_pages account" in text and "of client stride_athletics" in text
    assert "no longer serves API version 202401" in text and "NONEXISTENT_VERSION" in text
    assert f"What to do: set {LINKEDIN_API_VERSION_ENV} to a LinkedIn-Version" in text
    assert "HTTP 426" in text
    # Not retried: one request, the first, answered 426.
    assert [r["status"] for r in sandbox.requests] == [426]
    assert run.result.manifests == []


def test_a_malformed_version_setting_is_one_clear_line(extract, sandbox, monkeypatch):
    monkeypatch.setenv(LINKEDIN_API_VERSION_ENV, "2026-08")
    run = extract(CLIENT, PLATFORM, SHORT)
    assert isinstance(run.result.error, PermanentError)
    assert f"{LINKEDIN_API_VERSION_ENV}='2026-08' is not an API version" in str(run.result.error)
    assert sandbox.requests == []


def test_the_sandbox_speaks_linkedins_version_and_protocol_errors(sandbox, demo_config):
    path = f"rest/networkSizes/{encode(_org(demo_config))}?edgeType=COMPANY_FOLLOWED_BY_MEMBER"
    ok = _get(sandbox, path)
    assert ok.status_code == 200 and ok.json()["firstDegreeSize"] > 0
    missing = _get(sandbox, path, {k: v for k, v in HEADERS.items() if k != "LinkedIn-Version"})
    assert missing.status_code == 400
    assert missing.json()["code"] == "VERSION_MISSING"
    assert missing.headers["X-Restli-Gateway-Error"] == "true"
    sunset = _get(sandbox, path, {**HEADERS, "LinkedIn-Version": "202401"})
    assert sunset.status_code == 426
    assert sunset.json() == {
        "status": 426,
        "code": "NONEXISTENT_VERSION",
        "message": "Requested version 202401 is not active",
    }
    protocol = _get(sandbox, path, {k: v for k, v in HEADERS.items() if "Restli" not in k})
    assert protocol.status_code == 400


# ------------------------------------------------------------------ URNs and Rest.li 2.0


def test_composite_comment_urns_are_strings_and_encoded_in_paths(extract, sandbox, world):
    run = extract(CLIENT, PLATFORM, SHORT)
    assert run.result.ok, run.result.error
    comments = run.records("comments", keep_context=True)
    replies = [c for c in comments if "parentComment" in c]
    assert replies, "no reply landed"
    for comment in comments:
        urn = comment["commentUrn"]
        assert isinstance(urn, str)
        assert urn == f"urn:li:comment:({comment['object']},{comment['id']})"
        assert isinstance(comment["id"], str) and len(comment["id"]) > 16  # beyond 2^53
    # Replies were read through the parent's composite URN, percent-encoded as LinkedIn needs.
    reply_paths = [r["path"] for r in sandbox.requests if "urn%3Ali%3Acomment" in r["path"]]
    assert reply_paths
    for path in reply_paths:
        key = path.split("/")[3]
        assert key.startswith("urn%3Ali%3Acomment%3A%28urn%3Ali%3Aactivity%3A")
        assert key.endswith("%29") and "%2C" in key and ":" not in key and "(" not in key
    parent = replies[0]["parentComment"]
    assert world.li_find_comment(parent) is not None
    # The same key unencoded is refused, as LinkedIn refuses it.
    refused = _get(sandbox, f"rest/socialActions/{parent}/comments")
    assert refused.status_code == 400


def test_restli_2_parameters(sandbox, demo_config, world):
    org = _org(demo_config)
    day = NOW.date() - dt.timedelta(days=5)  # 2026-11-15: 00:00 UTC is 1794700800 s
    interval = time_intervals(day, day)
    assert interval == (
        "(timeRange:(start:1794700800000,end:1794787200000),timeGranularityType:DAY)"
    )
    posts = world.linkedin_posts(org)[:2]
    urns = [p["id"] for p in posts]
    assert restli_list(urns).startswith("List(urn%3Ali%3A")
    base = f"rest/organizationalEntityShareStatistics?q=organizationalEntity&organizationalEntity={encode(org)}"
    daily = _get(sandbox, f"{base}&timeIntervals={interval}")
    assert daily.status_code == 200, daily.text
    [element] = daily.json()["elements"]
    assert element["timeRange"] == {"start": 1794700800000, "end": 1794787200000}
    # The structure percent-encoded is not Rest.li 2.0 any more: LinkedIn's 400.
    encoded = _get(sandbox, f"{base}&timeIntervals={encode(interval)}")
    assert encoded.status_code == 400
    assert encoded.json()["message"] == "Parameter 'timeIntervals' is invalid"
    # More than 12 months back: LinkedIn's other 400.
    old = time_intervals(NOW.date() - dt.timedelta(days=400), NOW.date() - dt.timedelta(days=390))
    assert _get(sandbox, f"{base}&timeIntervals={old}").json()["message"] == (
        "Invalid timeIntervals parameter"
    )
    kinds = {u.split(":")[2] for u in urns}
    lists = "&".join(
        f"{'shares' if k == 'share' else 'ugcPosts'}={restli_list(u for u in urns if f':{k}:' in u)}"
        for k in kinds
    )
    lifetime = _get(sandbox, f"{base}&{lists}")
    assert lifetime.status_code == 200, lifetime.text
    assert {e.get("share") or e.get("ugcPost") for e in lifetime.json()["elements"]} == set(urns)
    raw_members = lists.replace("%3A", ":")
    assert _get(sandbox, f"{base}&{raw_members}").status_code == 400


def test_daily_statistics_stop_two_days_before_today_and_refetch_a_week(extract, sandbox):
    run = extract(CLIENT, PLATFORM, SHORT)
    assert run.result.ok
    days = sorted(
        dt.datetime.fromtimestamp(e["timeRange"]["start"] / 1000, dt.UTC).date()
        for e in run.records("share_statistics_daily")
    )
    assert days[0] == SHORT.start - dt.timedelta(days=7)
    assert days[-1] == NOW.date() - dt.timedelta(days=2)  # 2026-11-18: the 19th is too young
    [request] = [
        r
        for r in sandbox.requests
        if "ShareStatistics" in r["path"] and "timeIntervals" in r["params"]
    ]
    assert request["params"]["timeIntervals"].startswith("(timeRange:(start:")


def test_paginator_follows_links_and_refuses_loops():
    pager = RestliPaginator(page_size=3)
    params = pager.init_request({})
    assert params == {"start": 0, "count": 3}
    short = {
        "paging": {"links": [{"rel": "next", "href": "/rest/posts?q=author&start=1&count=3"}]},
        "elements": [{}],
    }
    assert pager.next_request(short, "u", params) == ("u", {"start": 1, "count": 3})
    last = {
        "paging": {"links": [{"rel": "prev", "href": "/rest/posts?start=0&count=3"}]},
        "elements": [{}],
    }
    assert pager.next_request(last, "u", {"start": 4, "count": 3}) is None
    stuck = {"paging": {"links": [{"rel": "next", "href": "/x?start=4&count=3"}]}, "elements": []}
    with pytest.raises(Exception, match="repeated"):
        for _ in range(6):
            pager.next_request(stuck, "u", {"start": 4, "count": 3})


# ------------------------------------------------------------------ daily limits


def test_the_daily_limit_defers_the_account_to_midnight_utc(extract, sandbox, monkeypatch):
    # A run that must end within 30 s: midnight UTC is past its deadline at any hour (with the
    # default two hours, a run after 22:00 would wait for midnight instead of deferring).
    monkeypatch.setenv("RUCHE_EXTRACT_DEADLINE", "0.5")
    rule = sandbox.faults.add("http_429", path="/rest/posts", times=None, scope="APPLICATION")
    run = extract(CLIENT, PLATFORM, SHORT)
    error = run.result.error
    assert isinstance(error, DeferredError), error
    text = str(error)
    assert "daily APPLICATION limit for this resource is reached" in text
    assert "resets at midnight UTC" in text and "HTTP 429" in text
    resume = error.resume_at
    assert resume is not None
    now = dt.datetime.now(dt.UTC)
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    assert abs((resume - midnight).total_seconds() - DAY_LIMIT_MARGIN_SECONDS) < 5
    assert rule.fired == 1  # no hammering of a spent daily quota
    # What came before the cap is landed: the follower count.
    assert [m.entity for m in run.result.manifests] == ["network_size", "posts"]


def test_the_daily_limit_is_waited_out_when_the_run_may_last_past_midnight(
    sandbox, clean_linkedin, demo_config, tmp_path
):
    from connectors.runner import extract_account

    sandbox.faults.add("http_429", path="/rest/posts", times=1, scope="MEMBER")
    client = demo_config.client(CLIENT)
    landing = LandingZone(str(tmp_path / "deadline"))
    sleeps = Sleeps()
    result = extract_account(
        client=client,
        platform=PLATFORM,
        account=client.accounts.linkedin_pages[0],
        window=SHORT,
        landing=landing,
        run_id="test_run",
        token=TOKEN,
        base_url=sandbox.url,
        retry=FAST_RETRY,
        timeout=(2.0, 1.0),
        sleep=sleeps,
        deadline=dt.datetime.now(dt.UTC).timestamp() + 2 * 86400,  # the run may last 2 days
    )
    run = Run(result, landing, sleeps)
    assert run.result.ok, run.result.error
    [wait] = run.sleeps.calls
    expected = seconds_to_utc_midnight(dt.datetime.now(dt.UTC)) + DAY_LIMIT_MARGIN_SECONDS
    assert abs(wait - expected) < 5
    assert run.checksums() == clean_linkedin.checksums()


def test_an_unspecified_429_is_backed_off_not_waited_to_midnight(extract, sandbox, clean_linkedin):
    sandbox.faults.add("http_429", path="/rest/socialActions", times=2)
    run = extract(CLIENT, PLATFORM, SHORT)
    assert run.result.ok, run.result.error
    assert run.result.rate_limit_waits == 2 and max(run.sleeps.calls) < 60
    assert run.checksums() == clean_linkedin.checksums()


@pytest.fixture
def clean_linkedin(extract, sandbox):
    run = extract(CLIENT, PLATFORM, SHORT)
    assert run.result.ok
    sandbox.reset_stats()
    return run


# ------------------------------------------------------------------ member data


def test_comment_text_is_stored_only_when_the_account_says_so(extract, demo_config):
    account = demo_config.client(CLIENT).accounts.linkedin_pages[0]
    default = extract(CLIENT, PLATFORM, SHORT)
    assert default.result.notes["comment_text_stored"] is False
    assert all("message" not in c for c in default.records("comments"))
    opted = extract(
        CLIENT, PLATFORM, SHORT, account=account.model_copy(update={"store_comment_text": True})
    )
    texts = [c["message"]["text"] for c in opted.records("comments")]
    assert texts and all(texts)
    assert "comment_texts_not_stored" not in opted.result.notes
    # The same comments either way, text aside.
    strip = [{k: v for k, v in c.items() if k != "message"} for c in opted.records("comments")]
    assert strip == default.records("comments")


@pytest.fixture(scope="module")
def linkedin_marts(tmp_path_factory, sandbox_session, demo_config) -> Path:
    """The demo's LinkedIn pages over the 30-day window, text off (the default), audited,
    loaded and built with `dbt build`."""
    from connectors.runner import extract_account
    from ruche.configdb import write_config
    from ruche.load import Loader, connect

    from ..warehouse.test_dbt import WorldClockLanding, assert_success, dbt
    from .conftest import FAST_RETRY

    sandbox_session.faults.clear()
    work = tmp_path_factory.mktemp("linkedin_marts")
    landing = WorldClockLanding(str(work / "landing"), NOW)
    for client, platform, account in demo_config.iter_accounts(platforms=[PLATFORM]):
        result = extract_account(
            client=client,
            platform=platform,
            account=account,
            window=WINDOW,
            landing=landing,
            run_id="run_20261119",
            token=TOKEN,
            base_url=sandbox_session.url,
            retry=FAST_RETRY,
            timeout=(2.0, 5.0),
            sleep=lambda _s: None,
        )
        assert result.ok, result.error
    warehouse = work / "ruche.duckdb"
    con = connect(warehouse)
    try:
        write_config(con, demo_config)
        report = Loader(con, landing, audit=True).load()
        assert report.ok and report.loaded > 500, report.problems  # the audit passes them all
    finally:
        con.close()
    result, _seconds = dbt(warehouse, "build", work_dir=work)
    assert_success(result)
    return warehouse


def _rows(path: Path, sql: str, params: list | None = None) -> list[dict]:
    from ..warehouse.test_dbt import query

    return query(path, sql, params)


def test_marts_work_with_comment_text_off(linkedin_marts, world, demo_config, demo_calendars):
    from ..warehouse.test_dbt import business_minutes

    comments = _rows(
        linkedin_marts,
        "SELECT posts.post_id, comments.comment_id, comments.text, comments.is_brand_reply, "
        "comments.client_id, comments.created_at, comments.first_brand_reply_at, "
        "comments.response_minutes, comments.response_business_minutes, comments.author_key "
        "FROM marts.fct_comments AS comments JOIN marts.dim_posts AS posts "
        "ON posts.post_key = comments.post_key WHERE comments.platform = ?",
        [PLATFORM],
    )
    assert len(comments) > 300
    assert all(c["text"] is None for c in comments)  # never stored, so never in a mart
    by_post: dict[str, list[dict]] = {}
    for row in comments:
        by_post.setdefault(row["post_id"], []).append(row)
    answered = 0
    for post_id, rows in by_post.items():
        truth = {c["commentUrn"]: c for c in world.linkedin_comments(post_id)}
        assert {r["comment_id"] for r in rows} == truth.keys()
        assert sum(r["is_brand_reply"] for r in rows) == sum(
            c["is_brand_reply"] for c in truth.values()
        )
        for row in rows:
            if row["is_brand_reply"]:
                continue
            assert row["author_key"] != truth[row["comment_id"]]["actor"]  # pseudonymised
            replies = [
                c["created"]
                for c in truth.values()
                if c["is_brand_reply"] and c["parentComment"] == row["comment_id"]
            ]
            if truth[row["comment_id"]]["parentComment"] is not None:
                continue  # a member's reply: answered by a later brand reply in its thread
            first = min(replies) if replies else None
            assert row["first_brand_reply_at"] == first, row
            if first is not None:
                answered += 1
                calendar = demo_calendars[row["client_id"]]
                assert row["response_minutes"] == pytest.approx(
                    (first - row["created_at"]).total_seconds() / 60, abs=1e-6
                )
                assert row["response_business_minutes"] == pytest.approx(
                    business_minutes(calendar, row["created_at"], first), abs=1e-6
                )
    assert answered > 100


def test_post_counts_lifetime_counters_and_followers_equal_the_world(
    linkedin_marts, world, demo_config
):
    posts = _rows(
        linkedin_marts,
        "SELECT posts.client_id, posts.post_id, posts.published_date_local, metrics.views, "
        "metrics.reach, metrics.reactions, metrics.comments, metrics.shares, metrics.saves, "
        "metrics.clicks, metrics.engagements FROM marts.dim_posts AS posts "
        "JOIN marts.fct_post_metrics_daily AS metrics ON metrics.post_key = posts.post_key "
        "AND metrics.snapshot_date = posts.last_snapshot_date WHERE posts.platform = ?",
        [PLATFORM],
    )
    assert len(posts) > 30
    per_day: dict[tuple[str, dt.date], int] = {}
    for row in posts:
        life = world.linkedin_post_statistics(row["post_id"])
        assert row["views"] == life["impressionCount"]
        assert row["reach"] == life["uniqueImpressionsCount"]
        assert row["reactions"] == life["likeCount"]
        assert row["comments"] == life["commentCount"]
        assert row["shares"] == life["shareCount"]
        assert row["clicks"] == life["clickCount"]
        assert row["saves"] is None  # LinkedIn has no saves: NULL, never 0
        assert row["engagements"] == life["likeCount"] + life["commentCount"] + life["shareCount"]
        key = (row["client_id"], row["published_date_local"])
        per_day[key] = per_day.get(key, 0) + 1
    truth_days: dict[tuple[str, dt.date], int] = {}
    for client, _p, account in demo_config.iter_accounts(platforms=[PLATFORM]):
        since, until = WINDOW.extended(28).local_bounds(client.timezone)
        for post in world.linkedin_posts(account.id, since, until):
            local = dt.datetime.fromtimestamp(post["createdAt"] / 1000, dt.UTC)
            key = (client.id, local.astimezone(client.zone).date())
            truth_days[key] = truth_days.get(key, 0) + 1
    assert per_day == truth_days

    accounts = _rows(
        linkedin_marts,
        "SELECT account_id, followers_count FROM marts.dim_accounts WHERE platform = ?",
        [PLATFORM],
    )
    assert {a["account_id"]: a["followers_count"] for a in accounts} == {
        a.id: world.linkedin_network_size(a.id)
        for _c, _p, a in demo_config.iter_accounts(platforms=[PLATFORM])
    }
    daily = _rows(
        linkedin_marts,
        "SELECT account_id, date_day, followers, new_followers, views, reach, engagements "
        "FROM marts.fct_account_daily WHERE platform = ?",
        [PLATFORM],
    )
    assert len(daily) == 2 * (WINDOW.days + 7 - 1)  # the 19th is not 2 days old yet
    for row in daily:
        gains = world.linkedin_follower_gains(row["account_id"], row["date_day"])
        shares = world.linkedin_daily_share_statistics(row["account_id"], row["date_day"])
        assert row["new_followers"] == gains["organicFollowerGain"] + gains["paidFollowerGain"]
        assert row["views"] == shares["impressionCount"]
        assert (
            row["engagements"]
            == shares["likeCount"] + shares["commentCount"] + shares["shareCount"]
        )
        assert row["followers"] is None and row["reach"] is None  # not offered: NULL


@pytest.fixture(scope="module")
def demo_calendars(demo_config):
    from connectors.sandbox.timeutil import BusinessCalendar

    return {c.id: BusinessCalendar(c) for c in demo_config.clients}
