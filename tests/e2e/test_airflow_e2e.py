"""The real Airflow DAGs (`airflow dags test`, SQLite metadata) against the sandbox, end to end:
ingest → audit → load → dbt build → publish, into a temporary warehouse."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest

from ruche import demo

LOGICAL = dt.datetime(2026, 11, 20, 7, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 11, 19)
FAILING_IG = "17841400000000002"  # stride_athletics' Instagram account


@pytest.fixture(scope="module")
def airflow_run(tmp_path_factory, sandbox_session, demo_config):
    out = tmp_path_factory.mktemp("e2e")
    paths = demo.DemoPaths(out)
    env = demo.airflow_env(paths, demo.DEMO_CONFIG, sandbox_session.url, demo_config)
    env["AIRFLOW__CORE__DEFAULT_TASK_RETRY_DELAY"] = "1"
    log = out / "airflow.log"
    demo.prepare_airflow(env, log)

    def run(end: dt.date, days: int = 2, check: bool = True) -> str:
        before = log.stat().st_size if log.exists() else 0
        try:
            demo.run_dags(env, log, LOGICAL, days, end=end)
        except RuntimeError:
            if check:
                raise
        return log.read_text(errors="replace")[before:]

    return paths, env, run, log


def marts_content(path) -> dict[str, list]:
    """Every published table's rows, except the two that record when publishing happened."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            name
            for (name,) in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()
            if name not in ("publish_info", "data_freshness")
        ]
        return {
            name: sorted(map(repr, con.execute(f'SELECT * FROM "{name}"').fetchall()))
            for name in tables
        }
    finally:
        con.close()


def test_nightly_run_populates_and_publishes_the_marts(airflow_run):
    paths, _, run, _ = airflow_run
    run(DAY)
    assert paths.published.exists()
    content = marts_content(paths.published)
    for mart in (
        "dim_posts",
        "fct_post_metrics_daily",
        "fct_comments",
        "rpt_community_daily",
        "fct_ad_daily",
        "rpt_campaign_daily",
        "fct_account_daily",
    ):
        assert content.get(mart), f"{mart} is empty or missing"
    con = duckdb.connect(str(paths.published), read_only=True)
    try:
        [(run_id,)] = con.execute("SELECT run_id FROM marts.publish_info").fetchall()
        assert run_id.startswith("manual__")
        fresh = con.execute(
            "SELECT count(DISTINCT account_id) FROM marts.data_freshness"
        ).fetchone()[0]
        assert fresh == 9
    finally:
        con.close()
    # The published file is readable by DuckDB 1.x (storage format 64 = v1.0.0).
    header = paths.published.read_bytes()[8:20]
    assert header[:4] == b"DUCK" and int.from_bytes(header[4:12], "little") == 64


def test_the_same_date_twice_leaves_the_published_marts_identical(airflow_run):
    paths, _, run, _ = airflow_run
    first = paths.published.with_name("first.duckdb")
    shutil.copy(paths.published, first)
    run(DAY)
    assert marts_content(paths.published) == marts_content(first)


def test_one_account_failing_permanently_does_not_stop_the_others(airflow_run, sandbox_session):
    paths, _, run, _ = airflow_run
    rule = sandbox_session.faults.add("token_expired", path=FAILING_IG, times=None)
    try:
        text = run(DAY - dt.timedelta(days=1), check=False)
    finally:
        sandbox_session.faults.clear()
    assert rule.fired >= 1
    assert "instagram account 17841400000000002 of client stride_athletics" in text
    assert "What to do: the token expired" in text
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        failures = con.execute(
            "SELECT client_id, platform, account_id, kind FROM ops.extract_failures"
        ).fetchall()
        assert failures == [("stride_athletics", "instagram", FAILING_IG, "permanent")]
        loaded = {
            (platform, account)
            for platform, account in con.execute(
                "SELECT DISTINCT platform, account_id FROM ops.load_ledger WHERE logical_date = ?",
                [DAY - dt.timedelta(days=1)],
            ).fetchall()
        }
        assert len(loaded) == 8 and ("instagram", FAILING_IG) not in loaded
    finally:
        con.close()
    pub = duckdb.connect(str(paths.published), read_only=True)
    try:
        [(published_at,)] = pub.execute("SELECT published_at FROM marts.publish_info").fetchall()
    finally:
        pub.close()
    assert published_at > dt.datetime(2026, 11, 1, tzinfo=dt.UTC)  # transform still published
