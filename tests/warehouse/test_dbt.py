"""The dbt project, built on a warehouse loaded from the sandbox, against the world's ground truth.

One module-scoped build (the expensive part: extracting the 9 demo accounts' last 30 days,
loading them, `dbt build`) serves every reconciliation test; the incremental and schema-drift
tests work on copies of that warehouse. `dbt build` runs in-process through `dbtRunner`.

Run with `-s` to see the timings and row counts (also written to `dbt_report.json` in the
module's temporary directory).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import duckdb
import pytest

from connectors.base import Window
from connectors.http import RetryPolicy
from connectors.landing import LandingZone
from connectors.runner import extract_account

from ..conftest import NOW

ROOT = Path(__file__).resolve().parents[2]
PROJECT_DIR = ROOT / "dbt_project"
END = dt.date(2026, 11, 19)
START = END - dt.timedelta(days=29)
TOKEN = "EAAGsandboxTOKEN-dbt"
FAST_RETRY = RetryPolicy(
    max_attempts=6, max_rate_limit_waits=8, backoff_base=0.001, backoff_max=0.01
)
UTC = dt.UTC
PACIFIC = ZoneInfo("America/Los_Angeles")

MARTS = (
    "dim_clients",
    "dim_accounts",
    "dim_posts",
    "fct_post_metrics_daily",
    "fct_account_daily",
    "fct_comments",
    "rpt_community_daily",
    "rpt_post_performance",
    "dim_campaigns",
    "dim_ads",
    "fct_ad_daily",
    "rpt_campaign_daily",
    "rpt_targets_monthly",
)
PRIMARY_KEYS = {
    "dim_clients": "client_id",
    "dim_accounts": "account_key",
    "dim_posts": "post_key",
    "fct_post_metrics_daily": "post_snapshot_key",
    "fct_account_daily": "account_daily_key",
    "fct_comments": "comment_key",
    "rpt_community_daily": "community_daily_key",
    "rpt_post_performance": "post_key",
    "dim_campaigns": "campaign_key",
    "dim_ads": "ad_key",
    "fct_ad_daily": "ad_daily_key",
    "rpt_campaign_daily": "campaign_daily_key",
    "rpt_targets_monthly": "target_key",
}


# ---------------------------------------------------------------------------- helpers


def extract_all(config, base_url: str, landing: LandingZone, window: Window, run_id: str) -> None:
    """Extract every account of the demo config for `window` into `landing`."""
    for client in config.clients:
        for platform, accounts in client.accounts.by_platform().items():
            for account in accounts:
                result = extract_account(
                    client=client,
                    platform=platform,
                    account=account,
                    window=window,
                    landing=landing,
                    run_id=run_id,
                    token=TOKEN,
                    base_url=base_url,
                    retry=FAST_RETRY,
                    timeout=(2.0, 5.0),
                    sleep=lambda _seconds: None,
                )
                assert result.ok, f"{result.label}: {result.error}"


def load_warehouse(path: Path, config, landing: LandingZone) -> int:
    from ruche.configdb import write_config
    from ruche.load import Loader, connect

    con = connect(path)
    try:
        write_config(con, config)
        report = Loader(con, landing, audit=False).load()
        assert report.ok, report.problems
        return report.loaded
    finally:
        con.close()


def dbt(warehouse: Path, *args: str, work_dir: Path) -> tuple[Any, float]:
    """`dbt <args>` in-process on `warehouse`; returns (result, seconds)."""
    from dbt.cli.main import dbtRunner

    saved = {k: os.environ.get(k) for k in ("RUCHE_WAREHOUSE", "DBT_SEND_ANONYMOUS_USAGE_STATS")}
    os.environ["RUCHE_WAREHOUSE"] = str(warehouse)
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "False"
    started = time.monotonic()
    try:
        result = dbtRunner().invoke(
            [
                *args,
                "--project-dir",
                str(PROJECT_DIR),
                "--profiles-dir",
                str(PROJECT_DIR),
                "--target-path",
                str(work_dir / "target"),
                "--log-path",
                str(work_dir / "logs"),
                "--quiet",
            ]
        )
    finally:
        # No explicit close: `keep_open: false` in profiles.yml makes dbt-duckdb release the
        # file, so the read-only connections below (same process) prove it does.
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    return result, time.monotonic() - started


def model_seconds(target: Path) -> dict[str, float]:
    """Execution seconds of the incremental models in the last run (from run_results.json)."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    wanted = {"fct_post_metrics_daily", "fct_comments", "fct_ad_daily"}
    return {
        r["unique_id"].split(".")[-1]: round(r["execution_time"], 2)
        for r in results
        if r["unique_id"].startswith("model.") and r["unique_id"].split(".")[-1] in wanted
    }


def assert_success(result: Any) -> None:
    if result.success:
        return
    failures = []
    for node in getattr(result.result, "results", None) or []:
        if str(node.status) not in ("success", "pass"):
            failures.append(f"{node.node.unique_id}: {node.status} {node.message}")
    raise AssertionError(f"dbt failed: {result.exception}\n" + "\n".join(failures))


def query(path: Path, sql: str, params: list | None = None) -> list[dict]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        res = con.execute(sql, params or [])
        names = [d[0] for d in res.description]
        return [dict(zip(names, row, strict=True)) for row in res.fetchall()]
    finally:
        con.close()


def mart_rows(path: Path, table: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return sorted(
            con.execute(f"SELECT * FROM marts.{table}").fetchall(),
            key=lambda row: tuple("" if v is None else str(v) for v in row),
        )
    finally:
        con.close()


def parse_graph(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z").astimezone(UTC)


def business_minutes(calendar, start: dt.datetime, end: dt.datetime) -> float:
    """Independent oracle: minutes of [start, end] inside the sandbox calendar's openings."""
    if end <= start:
        return 0.0
    total = 0.0
    day = start.astimezone(calendar.zone).date() - dt.timedelta(days=1)
    last = end.astimezone(calendar.zone).date() + dt.timedelta(days=1)
    while day <= last:
        for opening, closing in calendar.openings(day):
            overlap = (min(closing, end) - max(opening, start)).total_seconds()
            if overlap > 0:
                total += overlap
        day += dt.timedelta(days=1)
    return total / 60


def expected_first_replies(comments: list[dict]) -> dict[str, dt.datetime | None]:
    """The documented rule, on the world's comments: a brand reply answers the comment it is
    written under (whatever the timestamps) and every comment of its thread written before it."""
    by_id = {c["id"]: c for c in comments}

    def root(comment: dict) -> str:
        parent = comment["parent_id"]
        if parent is None:
            return comment["id"]
        grand = by_id.get(parent, {}).get("parent_id")
        return grand or parent

    brand = [c for c in comments if c["is_brand_reply"]]
    out: dict[str, dt.datetime | None] = {}
    for comment in comments:
        if comment["is_brand_reply"]:
            continue
        created = parse_graph(comment["created_time"])
        answers = [
            parse_graph(b["created_time"])
            for b in brand
            if b["id"] != comment["id"]
            and root(b) == root(comment)
            and (b["parent_id"] == comment["id"] or parse_graph(b["created_time"]) >= created)
        ]
        out[comment["id"]] = min(answers) if answers else None
    return out


@dataclass
class Build:
    warehouse: Path
    work_dir: Path
    landing: LandingZone
    seconds: dict[str, float] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def build(tmp_path_factory, sandbox_session, demo_config) -> Build:
    """Extract the 30 days ending 2026-11-19 for the 9 demo accounts, load, `dbt build`."""
    work = tmp_path_factory.mktemp("dbt")
    landing = LandingZone(str(work / "landing"))
    warehouse = work / "ruche.duckdb"
    started = time.monotonic()
    extract_all(demo_config, sandbox_session.url, landing, Window(START, END), "run_20261119")
    extracted = time.monotonic()
    load_warehouse(warehouse, demo_config, landing)
    loaded = time.monotonic()
    result, seconds = dbt(warehouse, "build", work_dir=work)
    assert_success(result)
    state = Build(warehouse, work, landing)
    state.seconds = {
        "extract": round(extracted - started, 2),
        "load": round(loaded - extracted, 2),
        "first_build": round(seconds, 2),
    }
    state.seconds["first_build_incremental_models"] = model_seconds(work / "target")
    for table in MARTS:
        state.rows[table] = query(warehouse, f"SELECT count(*) AS n FROM marts.{table}")[0]["n"]
    return state


@pytest.fixture(scope="module")
def demo_calendars(demo_config):
    from connectors.sandbox.timeutil import BusinessCalendar

    return {client.id: BusinessCalendar(client) for client in demo_config.clients}


# ---------------------------------------------------------------------------- structure


def test_schemas_are_exact(build):
    schemas = {
        row["table_schema"]
        for row in query(
            build.warehouse, "SELECT DISTINCT table_schema FROM information_schema.tables"
        )
    }
    assert {"staging", "intermediate", "marts", "seeds"} <= schemas
    assert not any(s.startswith("main_") for s in schemas)


@pytest.mark.parametrize("table", MARTS)
def test_marts_are_built_with_unique_keys(build, table):
    key = PRIMARY_KEYS[table]
    [row] = query(
        build.warehouse,
        f"SELECT count(*) AS n, count(DISTINCT {key}) AS keys FROM marts.{table}",
    )
    assert row["n"] > 0
    assert row["n"] == row["keys"]


def test_every_mart_and_column_is_documented(build):
    result, seconds = dbt(
        build.warehouse, "docs", "generate", "--no-compile", work_dir=build.work_dir
    )
    assert_success(result)
    build.seconds["docs_generate"] = round(seconds, 2)
    catalog = json.loads((build.work_dir / "target" / "catalog.json").read_text())
    assert any(key.endswith(".fct_comments") for key in catalog["nodes"])
    manifest = json.loads((build.work_dir / "target" / "manifest.json").read_text())
    marts = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }
    assert set(marts) == set(MARTS)
    for name, node in marts.items():
        assert node["description"].startswith("One row per"), name
        built = {
            row["column_name"]
            for row in query(
                build.warehouse,
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'marts' AND table_name = ?",
                [name],
            )
        }
        documented = {c for c, meta in node["columns"].items() if meta.get("description")}
        assert built - documented == set(), (name, sorted(built - documented))
        assert documented - built == set(), (name, sorted(documented - built))


# ---------------------------------------------------------------------------- organic content


def test_post_lifetime_counts_at_last_snapshot(build, world):
    rows = query(
        build.warehouse,
        """
        SELECT posts.platform, posts.post_id, metrics.views, metrics.reach, metrics.reactions,
               metrics.comments, metrics.shares, metrics.saves, metrics.clicks, metrics.engagements
        FROM marts.dim_posts AS posts
        JOIN marts.fct_post_metrics_daily AS metrics
          ON metrics.post_key = posts.post_key AND metrics.snapshot_date = posts.last_snapshot_date
        """,
    )
    assert len(rows) > 200
    checked_insights = 0
    for row in rows:
        counts = world.post_counts(row["platform"], row["post_id"])
        assert row["reactions"] == counts["reactions"], row
        assert row["comments"] == counts["comments"], row
        ready = world.insights_available(row["platform"], row["post_id"])
        life = world.post_lifetime(row["platform"], row["post_id"]) if ready else None
        if row["platform"] == "facebook":
            assert row["shares"] == counts["shares"], row
            assert row["saves"] is None
            if life:
                assert row["views"] == life["post_media_view"]
                assert row["reach"] == life["post_total_media_view_unique"]
                assert row["clicks"] == life["post_clicks"]
                checked_insights += 1
            assert row["engagements"] == counts["reactions"] + counts["comments"] + counts["shares"]
        else:
            assert row["clicks"] is None
            if life:
                assert row["views"] == life["views"]
                assert row["reach"] == life["reach"]
                assert row["saves"] == life["saved"]
                assert row["shares"] == life["shares"]
                checked_insights += 1
            else:
                assert row["views"] is None and row["reach"] is None
    assert checked_insights > 200


def test_comments_and_brand_replies_per_post(build, world):
    rows = query(
        build.warehouse,
        """
        SELECT posts.platform, posts.post_id,
               count(comments.comment_key) FILTER (WHERE NOT comments.is_brand_reply) AS received,
               count(comments.comment_key) FILTER (WHERE comments.is_brand_reply) AS brand,
               count(comments.comment_key) FILTER (WHERE comments.is_hidden) AS hidden
        FROM marts.dim_posts AS posts
        LEFT JOIN marts.fct_comments AS comments ON comments.post_key = posts.post_key
        GROUP BY 1, 2
        """,
    )
    total = 0
    for row in rows:
        truth = world.comments(row["platform"], row["post_id"])
        assert row["received"] == sum(not c["is_brand_reply"] for c in truth), row
        assert row["brand"] == sum(c["is_brand_reply"] for c in truth), row
        assert row["hidden"] == sum(c["is_hidden"] for c in truth), row
        total += len(truth)
    assert total > 4000


def test_first_response_and_business_minutes(build, world, demo_calendars):
    rows = query(
        build.warehouse,
        """
        SELECT posts.platform, posts.post_id, comments.comment_id, comments.client_id, comments.created_at,
               comments.first_brand_reply_at, comments.is_answered, comments.response_minutes,
               comments.response_business_minutes, comments.received_outside_business_hours
        FROM marts.fct_comments AS comments
        JOIN marts.dim_posts AS posts ON posts.post_key = comments.post_key
        WHERE NOT comments.is_brand_reply
        """,
    )
    by_post = defaultdict(list)
    for row in rows:
        by_post[(row["platform"], row["post_id"])].append(row)
    answered = outside = replies_checked = 0
    for (platform, post_id), comments in by_post.items():
        truth = world.comments(platform, post_id)
        expected = expected_first_replies(truth)
        parents = {c["id"]: c["parent_id"] for c in truth}
        for row in comments:
            first = expected[row["comment_id"]]
            calendar = demo_calendars[row["client_id"]]
            created = row["created_at"]
            assert row["first_brand_reply_at"] == first, row
            assert row["is_answered"] is (first is not None)
            assert row["received_outside_business_hours"] is (not calendar.is_open(created)), row
            outside += row["received_outside_business_hours"]
            if parents[row["comment_id"]] is not None:
                replies_checked += 1
            if first is None:
                assert row["response_minutes"] is None
                assert row["response_business_minutes"] is None
                continue
            answered += 1
            clock = max(0.0, (first - created).total_seconds() / 60)
            assert row["response_minutes"] == pytest.approx(clock, abs=1e-6)
            assert row["response_business_minutes"] == pytest.approx(
                business_minutes(calendar, created, first), abs=1e-6
            ), row
            assert 0 <= row["response_business_minutes"] <= row["response_minutes"] + 1e-9
    assert answered > 2000 and outside > 500 and replies_checked > 500


def test_account_daily_matches_the_world(build, world):
    rows = query(
        build.warehouse,
        "SELECT platform, account_id, date, followers, new_followers, views, reach, engagements "
        "FROM marts.fct_account_daily WHERE date <= ?",
        [NOW.astimezone(PACIFIC).date() - dt.timedelta(days=1)],
    )
    assert len(rows) >= 6 * 28
    for row in rows:
        truth = world.account_daily(row["platform"], row["account_id"], row["date"])
        if row["platform"] == "facebook":
            assert row["followers"] == truth["page_follows"], row
            assert row["new_followers"] == truth["page_daily_follows_unique"]
            assert row["views"] == truth["page_media_view"]
            assert row["reach"] == truth["page_total_media_view_unique"]
            assert row["engagements"] == truth["page_post_engagements"]
        else:
            assert row["views"] == truth["views"], row
            assert row["reach"] == truth["reach"]
            assert row["engagements"] == truth["total_interactions"]
            if row["new_followers"] is not None:
                assert row["new_followers"] == truth["follower_count"]


def test_commenter_identities_never_reach_the_marts(build, world):
    """No commenter name, username or id in any marts column (comment texts included)."""
    needles: set[str] = set()
    first_names: dict[str, str] = {}
    for post in query(build.warehouse, "SELECT platform, post_id FROM marts.dim_posts"):
        platform = post["platform"]
        for comment in world.comment_truth(platform, post["post_id"]):
            if comment["is_brand_reply"]:
                continue
            needles.add(comment["from_id"])
            needles.add(comment["author_name"])
            if platform == "facebook":
                first_names[comment["id"]] = comment["author_name"].split()[0]
    assert len(needles) > 200
    con = duckdb.connect(str(build.warehouse), read_only=True)
    try:
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'marts' AND data_type = 'VARCHAR'"
        ).fetchall()
        values: set[str] = set()
        for table, column in columns:
            values.update(
                v
                for (v,) in con.execute(f'SELECT DISTINCT "{column}" FROM marts.{table}').fetchall()
                if v
            )
        replies = con.execute(
            """
            SELECT parent.comment_id, reply.text
            FROM marts.fct_comments AS reply
            JOIN marts.fct_comments AS parent ON parent.comment_key = reply.parent_comment_key
            WHERE reply.is_brand_reply AND reply.platform = 'facebook' AND reply.text IS NOT NULL
            """
        ).fetchall()
    finally:
        con.close()
    blob = "\n".join(values).lower()
    leaked = sorted(n for n in needles if n.lower() in blob)
    assert not leaked, leaked[:10]
    named = [(cid, text) for cid, text in replies if cid in first_names]
    assert len(named) > 100
    for parent_id, text in named:
        assert not re.search(rf"\b{re.escape(first_names[parent_id])}\b", text, re.IGNORECASE), text
    assert any("[name]" in text for _, text in named)


def test_naive_sentiment_finds_most_negative_comments(build, world):
    """The lexicon is naive; on the sandbox's corpus it must still flag most negative comments
    and rarely flag others (a crisis signal, not a verdict)."""
    rows = query(
        build.warehouse,
        "SELECT posts.platform, posts.post_id, comments.comment_id, comments.is_negative "
        "FROM marts.fct_comments AS comments JOIN marts.dim_posts AS posts USING (post_key) "
        "WHERE NOT comments.is_brand_reply AND comments.has_text",
    )
    truth = {}
    for platform, post_id in {(r["platform"], r["post_id"]) for r in rows}:
        for comment in world.comment_truth(platform, post_id):
            truth[comment["id"]] = comment["sentiment"] == "negative"
    tp = sum(r["is_negative"] and truth[r["comment_id"]] for r in rows)
    fp = sum(r["is_negative"] and not truth[r["comment_id"]] for r in rows)
    fn = sum(not r["is_negative"] and truth[r["comment_id"]] for r in rows)
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    build.rows["sentiment_precision_recall"] = [round(precision, 3), round(recall, 3)]
    assert precision > 0.8 and recall > 0.6


# ---------------------------------------------------------------------------- paid


def test_ad_daily_matches_the_world(build, world, demo_config):
    rows = query(
        build.warehouse,
        "SELECT account_id, ad_id, date, spend, impressions, clicks, link_clicks, conversions, "
        "conversion_value, currency, attribution_window FROM marts.fct_ad_daily",
    )
    by_account = defaultdict(dict)
    for row in rows:
        by_account[row["account_id"]][(row["ad_id"], row["date"])] = row
    assert len(by_account) == 3
    conversion_types = {"offsite_conversion.fb_pixel_purchase", "lead"}
    for account_id, landed in by_account.items():
        first = min(day for _, day in landed)
        last = max(day for _, day in landed)
        truth = world.ad_insight_rows(account_id, first, last)
        assert {(t["ad_id"], dt.date.fromisoformat(t["date_start"])) for t in truth} == set(landed)
        for item in truth:
            row = landed[(item["ad_id"], dt.date.fromisoformat(item["date_start"]))]
            assert row["spend"] == Decimal(item["spend"])
            assert row["impressions"] == int(item["impressions"])
            assert row["clicks"] == int(item["clicks"])
            assert row["currency"] == item["account_currency"]
            assert row["attribution_window"] == "7d_click_1d_view"
            conversions = sum(
                Decimal(a["value"])
                for a in item.get("actions", [])
                if a["action_type"] in conversion_types
            )
            value = sum(
                Decimal(a["value"])
                for a in item.get("action_values", [])
                if a["action_type"] in conversion_types
            )
            assert row["conversions"] == conversions
            assert row["conversion_value"] == value


def test_campaign_rates_and_currency(build):
    rows = query(
        build.warehouse,
        "SELECT report.*, clients.reporting_currency AS client_currency "
        "FROM marts.rpt_campaign_daily AS report JOIN marts.dim_clients AS clients USING (client_id)",
    )
    assert rows
    for row in rows:
        impressions, clicks, spend = row["impressions"], row["clicks"], float(row["spend"])
        assert row["ctr"] == (pytest.approx(clicks / impressions) if impressions else None)
        assert row["cpc"] == (pytest.approx(spend / clicks) if clicks else None)
        assert row["cpa"] == (
            pytest.approx(spend / float(row["conversions"])) if row["conversions"] else None
        )
        assert row["reporting_currency"] == row["client_currency"]
        if row["currency"] == row["client_currency"]:
            assert row["spend_reporting"] == row["spend"]
    stride = [r for r in rows if r["client_id"] == "stride_athletics"]
    assert stride and all(
        r["currency"] == "EUR" and r["reporting_currency"] == "GBP" for r in stride
    )
    assert all(r["spend_reporting"] < r["spend"] for r in stride if r["spend"] > 1)


# ---------------------------------------------------------------------------- incremental


@pytest.fixture(scope="module")
def second_day(build, demo_config, tmp_path_factory):
    """The next night: the world one day later, a one-day window (plus the connectors'
    re-fetch windows), loaded into a copy of the first warehouse."""
    from connectors.sandbox.server import SandboxServer
    from connectors.sandbox.world import World

    work = tmp_path_factory.mktemp("dbt_day2")
    later = World(demo_config, seed=7, now=NOW + dt.timedelta(days=1))
    landing = LandingZone(str(work / "landing"))
    with SandboxServer(later) as server:
        day = END + dt.timedelta(days=1)
        extract_all(demo_config, server.url, landing, Window(day, day), "run_20261120")
    incremental = work / "incremental.duckdb"
    shutil.copy(build.warehouse, incremental)
    load_warehouse(incremental, demo_config, landing)
    full = work / "full.duckdb"
    shutil.copy(incremental, full)
    return incremental, full, work


def test_incremental_equals_full_refresh(build, second_day):
    incremental, full, work = second_day
    # the nightly path: every model (intermediate tables are incremental too), without unit tests
    result, inc_seconds = dbt(
        incremental,
        "build",
        "--exclude-resource-type",
        "unit_test",
        work_dir=work / "inc",
    )
    assert_success(result)
    # the reference: the same warehouse rebuilt from scratch (models only; tests ran above)
    result, full_seconds = dbt(full, "run", "--full-refresh", work_dir=work / "full")
    assert_success(result)
    build.seconds["incremental_build"] = round(inc_seconds, 2)
    build.seconds["incremental_build_incremental_models"] = model_seconds(work / "inc" / "target")
    build.seconds["full_refresh_run"] = round(full_seconds, 2)
    build.seconds["full_refresh_run_incremental_models"] = model_seconds(work / "full" / "target")
    grew = query(
        incremental,
        "SELECT max(snapshot_date) AS last FROM marts.fct_post_metrics_daily",
    )[0]["last"]
    assert grew == END + dt.timedelta(days=1)
    for table in MARTS:
        assert mart_rows(incremental, table) == mart_rows(full, table), table
    build.rows["after_day_2"] = {
        t: query(incremental, f"SELECT count(*) AS n FROM marts.{t}")[0]["n"] for t in MARTS
    }


# ---------------------------------------------------------------------------- schema drift


def test_new_and_missing_api_fields_do_not_break_the_build(build, tmp_path):
    """A field the API adds is ignored; a field it stops sending becomes NULL (or its
    documented default), and the build still passes its tests."""
    warehouse = tmp_path / "drift.duckdb"
    shutil.copy(build.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        for table in (
            "raw_facebook.posts",
            "raw_facebook.comments",
            "raw_instagram.media",
            "raw_instagram.comments",
            "raw_meta_ads.ad_insights",
            "raw_meta_ads.campaigns",
        ):
            con.execute(
                f"UPDATE {table} SET record = json_merge_patch(record, "
                """'{"brand_new_field": {"nested": [1, 2]}, "another_one": "x"}')"""
            )
        removals = {
            "raw_facebook.posts": ["shares", "permalink_url", "status_type"],
            "raw_facebook.comments": ["message", "is_hidden"],
            "raw_instagram.media": ["media_product_type", "like_count"],
            "raw_meta_ads.ad_insights": ["reach", "inline_link_clicks", "action_values"],
            "raw_meta_ads.campaigns": ["objective"],
        }
        for table, fields in removals.items():
            patch = json.dumps(dict.fromkeys(fields))
            con.execute(f"UPDATE {table} SET record = json_merge_patch(record, ?)", [patch])
        assert (
            con.execute(
                "SELECT count(*) FROM raw_meta_ads.ad_insights WHERE (record->'reach') IS NOT NULL"
            ).fetchone()[0]
            == 0
        )
    finally:
        con.close()
    result, _ = dbt(
        warehouse,
        "build",
        "--full-refresh",
        "--exclude-resource-type",
        "unit_test",
        work_dir=tmp_path,
    )
    assert_success(result)
    [row] = query(
        warehouse,
        "SELECT count(*) AS n, count(reach) AS reach, sum(conversion_value) AS value "
        "FROM marts.fct_ad_daily",
    )
    assert row["n"] == build.rows["fct_ad_daily"] and row["reach"] == 0 and row["value"] == 0
    [row] = query(
        warehouse,
        "SELECT count(*) AS n, count(permalink) AS links, count(*) FILTER (WHERE media_type = 'other') AS other "
        "FROM marts.dim_posts WHERE platform = 'facebook'",
    )
    assert row["links"] == 0 and row["other"] == row["n"]


# ---------------------------------------------------------------------------- report


def test_report(build):
    """Timings and row counts (printed with -s; also in dbt_report.json)."""
    report = {"seconds": build.seconds, "rows": build.rows}
    (build.work_dir / "dbt_report.json").write_text(json.dumps(report, indent=2, default=str))
    print("\n" + json.dumps(report, indent=2, default=str))
    assert build.seconds["first_build"] > 0
    assert set(MARTS) <= set(build.rows)
