"""The real Airflow DAGs (`airflow dags test`, SQLite metadata) against the sandbox, end to end:
ingest → audit → load → dbt build → publish, into a temporary warehouse."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys

import duckdb
import pytest

from ruche import demo

# The module's first test carries the whole nightly run of 17 demo accounts through Airflow
# (extract, audit, load, dbt build, publish, digest): ~4 min alone on 2 cores, ~6 min when the
# machine is shared. The suite's 300 s default would cut it.
pytestmark = pytest.mark.timeout(900)

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

    def run(end: dt.date, days: int = 2, check: bool = True) -> tuple[str, bool]:
        """Both DAGs (the transform runs even after a red ingest, as the loads' Assets make it
        run in Airflow); returns the log of this run and whether it reported a failure."""
        before = log.stat().st_size if log.exists() else 0
        failed = False
        try:
            demo.run_dags(env, log, LOGICAL, days, end=end)
        except RuntimeError:
            if check:
                raise
            failed = True
        return log.read_text(errors="replace")[before:], failed

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


def test_nightly_run_populates_and_publishes_the_marts(airflow_run, demo_config):
    paths, _, run, _ = airflow_run
    text, _ = run(DAY)  # raises if a DAG run failed
    # The steps `make demo` shows come from the task starts and ends this log really has.
    from ruche.orchestration import plan_accounts

    done: list[str] = []
    tracker = demo.StepTracker(plan_accounts(demo_config), on_done=lambda s, _: done.append(s))
    for line in text.splitlines():
        tracker.feed(line)
    demo_platforms = {platform for _c, platform, _a in demo_config.iter_accounts()}
    assert sorted(done) == sorted(
        [f"extract {p}" for p in demo_platforms]
        + [f"audit and load {p}" for p in demo_platforms]
        + ["dbt build", "publish"]
    ), done
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
        assert fresh == len(list(demo_config.iter_accounts()))  # every demo account
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


def _ingest_states(env) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "list-runs", "ruche_ingest", "-o", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    listing = [line for line in proc.stdout.splitlines() if line.startswith(("[{", "[]"))]
    return [run["state"] for run in json.loads(listing[-1])]


def _extracted_at(path) -> dict[tuple[str, str], dt.datetime]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = con.execute(
            "SELECT platform, account_id, last_extracted_at FROM marts.data_freshness"
        ).fetchall()
    finally:
        con.close()
    return {(platform, account): at for platform, account, at in rows}


def test_one_account_failing_permanently_does_not_stop_the_others(
    airflow_run, sandbox_session, demo_config
):
    paths, env, run, _ = airflow_run
    accounts = len(list(demo_config.iter_accounts()))
    assert _ingest_states(env) == ["success"]  # the earlier, clean nights
    before = _extracted_at(paths.published)
    rule = sandbox_session.faults.add("token_expired", path=FAILING_IG, times=None)
    try:
        text, failed = run(DAY - dt.timedelta(days=1), check=False)
    finally:
        sandbox_session.faults.clear()
    assert rule.fired >= 1
    # The night is red in Airflow, and its last task names the account, the error and the fix.
    assert failed
    assert _ingest_states(env) == ["failed"]
    assert f"1 of {accounts} accounts failed; the others were loaded:" in text
    assert f"  - stride_athletics/instagram/{FAILING_IG}: " in text
    assert "instagram account 17841400000000002 of client stride_athletics" in text
    assert "What to do: the token expired" in text
    # Every other account's data of this night was loaded and published.
    after = _extracted_at(paths.published)
    newer = {key for key, at in after.items() if at > max(before.values())}
    assert newer == set(after) - {("instagram", FAILING_IG)} and len(newer) == accounts - 1
    con = duckdb.connect(str(paths.warehouse), read_only=True)
    try:
        failures = con.execute(
            "SELECT client_id, platform, account_id, kind FROM ops.open_extract_failures"
        ).fetchall()
        assert failures == [("stride_athletics", "instagram", FAILING_IG, "permanent")]
        loaded = {
            (platform, account)
            for platform, account in con.execute(
                "SELECT DISTINCT platform, account_id FROM ops.load_ledger WHERE logical_date = ?",
                [DAY - dt.timedelta(days=1)],
            ).fetchall()
        }
        assert len(loaded) == accounts - 1 and ("instagram", FAILING_IG) not in loaded
    finally:
        con.close()
    pub = duckdb.connect(str(paths.published), read_only=True)
    try:
        [(published_at,)] = pub.execute("SELECT published_at FROM marts.publish_info").fetchall()
    finally:
        pub.close()
    assert published_at > dt.datetime(2026, 11, 1, tzinfo=dt.UTC)  # transform still published


def test_a_day_not_over_yet_is_refused_by_the_trigger_params(airflow_run):
    paths, env, _, log = airflow_run
    conf = json.dumps({"days": 1, "end": "2027-01-01"})
    with pytest.raises(RuntimeError):
        demo.airflow(["dags", "test", "ruche_ingest", LOGICAL.isoformat(), "-c", conf], env, log)
    text = log.read_text(errors="replace").rsplit("$ airflow", 1)[-1]
    assert "end 2027-01-01 has not ended yet: the last complete day is" in text
    assert "nothing was extracted: the plan task failed" in text  # the run is red
    assert not list(paths.landing.rglob("date=2027-01-01"))
    assert _ingest_states(env) == ["failed"]
