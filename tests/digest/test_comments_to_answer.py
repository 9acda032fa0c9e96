"""rpt_comments_to_answer, built by dbt on sandbox data, against fct_comments and the clients'
business calendars (computed here in Python)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from ..conftest import NOW
from ..warehouse.test_dbt import business_minutes, query


def test_every_waiting_comment_once_with_its_age_link_and_priority(morning_build, demo_config):
    from connectors.sandbox.timeutil import BusinessCalendar

    calendars = {client.id: BusinessCalendar(client) for client in demo_config.clients}
    zones = {client.id: ZoneInfo(client.timezone) for client in demo_config.clients}
    comments = query(morning_build, "SELECT * FROM marts.fct_comments")
    rows = query(morning_build, "SELECT * FROM marts.rpt_comments_to_answer")
    posts = {
        r["post_key"]: r["permalink"]
        for r in query(morning_build, "SELECT post_key, permalink FROM marts.dim_posts")
    }
    links = {
        (r["platform"], r["comment_id"]): r["permalink_url"]
        for r in query(
            morning_build,
            "SELECT 'facebook' AS platform, comment_id, permalink_url "
            "FROM staging.stg_facebook__comments",
        )
    }
    # X gives no link field but opens any post (a reply too) by its id
    links.update(
        {
            (c["platform"], c["comment_id"]): f"https://x.com/i/web/status/{c['comment_id']}"
            for c in query(morning_build, "SELECT platform, comment_id FROM marts.fct_comments")
            if c["platform"] == "x"
        }
    )
    assert rows, "the sandbox world has comments waiting"

    expected = {}
    for c in comments:
        zone = zones[c["client_id"]]
        as_of = NOW.astimezone(zone).date() - dt.timedelta(days=1)
        as_of_at = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), zone)
        if (
            c["is_brand_reply"]
            or c["is_hidden"]
            or c["first_brand_reply_at"] is not None
            or c["created_at"] >= as_of_at
            or c["created_at"] < as_of_at - dt.timedelta(days=28)
        ):
            continue
        expected[c["comment_key"]] = (c, as_of_at)
    assert {r["comment_key"] for r in rows} == set(expected)
    # hidden and answered comments exist in the world and stay out
    assert any(c["is_hidden"] and not c["is_brand_reply"] for c in comments)

    for row in rows:
        comment, as_of_at = expected[row["comment_key"]]
        assert row["as_of_at"] == as_of_at
        clock = (as_of_at - comment["created_at"]).total_seconds() / 60
        assert abs(row["age_minutes"] - clock) < 1e-9, row
        business = business_minutes(calendars[row["client_id"]], comment["created_at"], as_of_at)
        assert abs(row["age_business_minutes"] - business) < 1e-6, row
        assert row["age_business_minutes"] <= row["age_minutes"]
        for column in ("sentiment", "is_negative", "text", "author_key"):
            assert row[column] == comment[column]
        assert row["received_outside_business_hours"] == comment["received_outside_business_hours"]
        own = links.get((row["platform"], row["comment_id"]))
        assert row["link_url"] == (own or posts[row["post_key"]])
        assert row["link_target"] == ("comment" if own else "post")

    # both kinds of link occur: Facebook and X comments carry their own, Instagram and
    # LinkedIn ones their post's
    assert {r["link_target"] for r in rows} == {"comment", "post"}

    # priority: per client 1..n, negative first, then the longest wait in business minutes
    for client in demo_config.clients:
        mine = sorted(
            (r for r in rows if r["client_id"] == client.id), key=lambda r: r["priority_rank"]
        )
        assert [r["priority_rank"] for r in mine] == list(range(1, len(mine) + 1))
        keys = [(not r["is_negative"], -r["age_business_minutes"], -r["age_minutes"]) for r in mine]
        assert keys == sorted(keys)


def test_the_waiting_comments_are_within_the_backlog(morning_build):
    # the backlog counts those not answered *by* its as-of instant; answered later still count
    # there, not here, so the to-answer list is never longer
    rows = query(
        morning_build,
        "SELECT backlog.client_id, backlog.platform, backlog.unanswered_comments, "
        "count(todo.comment_key) AS waiting FROM marts.rpt_backlog_current AS backlog "
        "LEFT JOIN marts.rpt_comments_to_answer AS todo USING (client_id, platform) "
        "GROUP BY ALL",
    )
    assert rows and all(r["waiting"] <= r["unanswered_comments"] for r in rows)
    assert sum(r["waiting"] for r in rows) > 0
