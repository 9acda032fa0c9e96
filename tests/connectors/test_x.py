"""X's own rules, through the real connector over HTTP against the sandbox's X family (and, for
what the marts show, a real DuckDB file and a real dbt run): the 7-day reach of recent search
(replies older than that cannot be read; those days are not covered in the marts, never zero
replies), partial errors inside a 200 kept as warnings, waiting until `x-rate-limit-reset`
(recorded, not slept), problem-body error messages, snowflake ids kept as strings, and private
metrics of posts older than 30 days NULL in the marts."""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import pytest
import requests

from connectors.base import Window
from connectors.errors import PermanentError
from connectors.x_api import classify_x
from ruche.platforms.x import REPLY_SEARCH_DAYS

from ..conftest import NOW
from .conftest import END, TOKEN, WINDOW

CLIENT = "cafe_lumiere"
BACKFILL = Window(END - dt.timedelta(days=39), END)  # 40 days: most beyond the 7-day reach


def _account(demo_config):
    return demo_config.client(CLIENT).accounts.x[0]


# ---------------------------------------------------------------- 7-day reply reach


@pytest.fixture(scope="module")
def backfill_marts(sandbox_session, demo_config, tmp_path_factory):
    """One 40-day backfill of Café Lumière's X account (no re-fetch), landed with the world's
    clock, loaded into DuckDB and built with dbt."""
    from ..warehouse.test_dbt import WorldClockLanding, assert_success, dbt, load_warehouse
    from .conftest import run_extract

    work = tmp_path_factory.mktemp("x_backfill")
    landing = WorldClockLanding(str(work / "landing"), NOW)
    sandbox_session.faults.clear()
    client = demo_config.client(CLIENT)
    account = _account(demo_config).model_copy(update={"refetch_days": 0})
    run = run_extract(sandbox_session.url, client, "x", account, BACKFILL, landing)
    assert run.result.ok, run.result.error
    warehouse = work / "ruche.duckdb"
    load_warehouse(warehouse, demo_config, landing)
    result, _ = dbt(warehouse, "build", work_dir=work)
    assert_success(result)
    return run, warehouse


def test_a_backfill_lands_only_the_replies_recent_search_still_reaches(backfill_marts, world):
    run, _ = backfill_marts
    reach = NOW - dt.timedelta(days=REPLY_SEARCH_DAYS)
    replies = run.records("comments")
    assert replies, "no reply landed"
    assert all(
        dt.datetime.fromisoformat(r["created_at"].replace("Z", "+00:00")) >= reach for r in replies
    )
    # Older posts do have older replies in the world: they are lost, not late.
    lost = [
        c
        for post in run.records("posts")
        for c in world.x_all_replies(post["id"])
        if not c["is_deleted"]
        and dt.datetime.fromisoformat(c["created_at"][:-1] + "+00:00") < reach
    ]
    assert lost, "the world has no reply older than the reach: the test proves nothing"


def test_reply_days_out_of_reach_are_not_covered_never_zero(backfill_marts, demo_config):
    from ..warehouse.test_dbt import query

    _, warehouse = backfill_marts
    zone = ZoneInfo(demo_config.client(CLIENT).timezone)
    first_covered = (NOW - dt.timedelta(days=REPLY_SEARCH_DAYS)).astimezone(zone).date()
    first_covered += dt.timedelta(days=1)  # the day recent search reached only in part
    [coverage] = query(
        warehouse,
        "select covered_from, covered_through from intermediate.int_source_coverage "
        "where platform = 'x' and source_name = 'content'",
    )
    assert coverage["covered_from"] == first_covered
    days = query(
        warehouse,
        "select date_day, comments_received, are_comments_covered, posts_published "
        "from marts.rpt_community_daily where platform = 'x' and client_id = ? order by date_day",
        [CLIENT],
    )
    before = [d for d in days if d["date_day"] < first_covered]
    after = [d for d in days if first_covered <= d["date_day"] <= END]
    assert before and after
    assert any(d["posts_published"] for d in before)  # the posts are there…
    assert all(d["comments_received"] is None for d in before)  # …their replies unknown, not 0
    assert not any(d["are_comments_covered"] for d in before)
    assert all(d["comments_received"] is not None and d["are_comments_covered"] for d in after)
    assert sum(d["comments_received"] for d in after) > 0


def test_repliers_handles_never_reach_the_marts(backfill_marts):
    """X prefixes every reply with the @handles of the thread: they are cut from the marts."""
    from ..warehouse.test_dbt import query

    run, warehouse = backfill_marts
    handles = {
        r["_ruche"]["author"]["username"].lower()
        for r in run.records("comments", keep_context=True)
        if r["author_id"] != run.result.account_id
    }
    assert len(handles) > 20
    texts = [
        r["text"].lower()
        for r in query(
            warehouse,
            "select text from marts.fct_comments where platform = 'x' and text is not null",
        )
    ]
    assert texts and not any("@" + h in t for t in texts for h in handles)


def test_private_metrics_of_posts_past_30_days_are_null_in_the_marts(backfill_marts):
    from ..warehouse.test_dbt import query

    run, warehouse = backfill_marts
    rows = query(
        warehouse,
        "select p.post_id, p.published_at, m.clicks, m.views, m.reach, m.saves "
        "from marts.fct_post_metrics_daily as m join marts.dim_posts as p using (post_key) "
        "where p.platform = 'x'",
    )
    old = [r for r in rows if NOW - r["published_at"] > dt.timedelta(days=30)]
    recent = [r for r in rows if NOW - r["published_at"] <= dt.timedelta(days=30)]
    assert old and recent
    assert all(r["clicks"] is None for r in old)  # withheld by X: unknown, not zero
    assert all(r["clicks"] is not None for r in recent)
    assert all(r["views"] is not None for r in rows)  # public impressions: any age
    assert all(r["reach"] is None for r in rows)  # X offers no unique reach
    assert run.result.notes["private_metrics_withheld"] == 2 * len(old)


# ---------------------------------------------------------------- partial errors, waits, errors


def test_partial_errors_inside_a_200_are_kept_as_warnings(extract, world, caplog):
    caplog.set_level(logging.WARNING, logger="connectors.x")
    run = extract(CLIENT, "x", WINDOW)
    assert run.result.ok, run.result.error
    orphans = [
        r
        for post in run.records("posts")
        for r in world.x_replies(post["id"])
        if r["parent_deleted"]
    ]
    assert orphans, "no reply answers a deleted reply: nothing to show"
    notes = run.result.notes["partial_errors"]
    assert set(notes["by_type"]) == {"resource-not-found"}
    # One error per missing parent per answer (X lists a missing referenced id once per page).
    parents = {r["replied_to"] for r in orphans}
    assert len(parents) <= notes["by_type"]["resource-not-found"] <= len(orphans)
    assert {e["resource_id"] for e in notes["examples"]} <= parents
    assert notes["examples"][0]["title"] == "Not Found Error"
    assert "partial error" in caplog.text and "kept in the run's notes" in caplog.text
    # The reply itself is kept; only its deleted parent is missing from `includes`.
    assert len(run.records("comments")) == sum(
        len(world.x_replies(p["id"])) for p in run.records("posts")
    )


def test_a_429_waits_until_the_absolute_reset(extract, sandbox):
    rule = sandbox.faults.add("http_429", path=r"/tweets$", times=1, reset_seconds=40)
    run = extract(CLIENT, "x", Window(END, END))
    assert run.result.ok, run.result.error
    assert rule.fired == 1 and run.result.rate_limit_waits == 1
    # x-rate-limit-reset is 40 s ahead (an epoch): the wait is until then, plus 1 s of margin.
    [wait] = [s for s in run.sleeps.calls if s > 5]
    assert 38 <= wait <= 42


def test_requests_are_paced_before_the_limit_is_spent(extract, sandbox):
    sandbox.faults.add("usage_high", path=r"/tweets$", times=1, pct=85)
    run = extract(CLIENT, "x", Window(END, END))
    assert run.result.ok, run.result.error
    assert run.result.rate_limit_waits == 0
    assert run.sleeps.calls and 0 < max(run.sleeps.calls) < 30  # paced, not paused


@pytest.mark.parametrize(
    ("kind", "said", "to_do"),
    [
        ("token_invalid", "X refused the token: Unauthorized", "refresh it with the refresh token"),
        (
            "app_only_token",
            "Unsupported Authentication: Authenticating with OAuth 2.0 Application-Only",
            "needs a user-context token",
        ),
        ("usage_capped", "monthly usage cap", "next billing cycle"),
    ],
)
def test_problem_bodies_become_errors_that_say_what_to_do(extract, sandbox, kind, said, to_do):
    sandbox.faults.add(kind, times=None)
    run = extract(CLIENT, "x", Window(END, END))
    error = run.result.error
    assert isinstance(error, PermanentError)
    text = str(error)
    assert said in text and "What to do:" in text and to_do in text.split("What to do:")[1]
    assert "x account 1460000000000000001 of client cafe_lumiere" in text
    assert TOKEN not in text


def test_an_invalid_parameter_is_read_from_x_400_problem_body(sandbox, demo_config):
    response = requests.get(
        f"{sandbox.url}/2/users/{_account(demo_config).id}/tweets",
        params={"max_results": "3"},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    )
    assert response.status_code == 400
    failure = classify_x(response, response.json())
    assert failure.kind == "permanent"
    assert failure.summary == (
        "X refused a parameter: Invalid Request: The `max_results` query parameter value [3] "
        "is not between 5 and 100"
    )
    assert {"x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset"} <= {
        k.lower() for k in response.headers
    }


def test_snowflake_ids_beyond_2_53_stay_strings(extract, world, demo_config):
    run = extract(CLIENT, "x", Window(END - dt.timedelta(days=6), END), refetch_days=0)
    ids = [p["id"] for p in run.records("posts")] + [
        v for r in run.records("comments") for v in (r["id"], r["author_id"])
    ]
    assert ids and all(isinstance(i, str) for i in ids)
    big = [i for i in ids if int(i) > 2**53]
    assert len(big) > len(ids) // 2
    # Exactly the world's ids: a float round trip would have changed the last digits.
    truth = {r["id"] for p in run.records("posts") for r in world.x_replies(p["id"])}
    assert {r["id"] for r in run.records("comments")} == truth
    assert str(int(float(big[0]))) != big[0]  # what a JSON number would have become
