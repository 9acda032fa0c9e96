"""What a night leaves for operators: failures recorded per account, a failure that a retry
fixed marked resolved, and the list of accounts that really failed (what `check_accounts`
fails the run with). Real connectors against the sandbox, a real DuckDB file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from connectors.errors import PermanentError
from connectors.landing import LandingZone
from ruche.orchestration import Paths, extract_one, load_failures, night_failures

ROOT = Path(__file__).resolve().parents[2]
DAY = dt.date(2026, 11, 19)
RUN = "scheduled__2026-11-20T07:00:00+00:00"


@pytest.fixture
def night(sandbox, demo_config, tmp_path, monkeypatch):
    monkeypatch.setenv("RUCHE_BASE_URL", sandbox.url)
    paths = Paths(
        config=ROOT / "config" / "clients.demo.yml",
        landing=str(tmp_path / "landing"),
        warehouse=tmp_path / "warehouse.duckdb",
        published=tmp_path / "marts.duckdb",
        docs=tmp_path / "docs",
    )
    flaky = {  # what the plan task hands each mapped extract
        "client_id": "cafe_lumiere",
        "platform": "facebook",
        "account_id": demo_config.client("cafe_lumiere").accounts.facebook[0].id,
    }
    broken = {
        "client_id": "stride_athletics",
        "platform": "instagram",
        "account_id": demo_config.client("stride_athletics").accounts.instagram[0].id,
    }

    def extract(ref):
        return extract_one(
            ref,
            start=DAY,
            end=DAY,
            run_id=RUN,
            paths=paths,
            token_lookup=lambda account: "sandbox-token",
        )

    return paths, flaky, broken, extract


def test_a_failure_fixed_by_a_retry_is_resolved_and_a_lasting_one_stays_open(night, sandbox):
    paths, flaky, broken, extract = night
    sandbox.faults.add("token_expired", path=flaky["account_id"], times=1)
    sandbox.faults.add("token_expired", path=broken["account_id"], times=None)
    with pytest.raises(PermanentError):
        extract(flaky)  # first attempt of the task
    summary = extract(flaky)  # Airflow's retry of the same task in the same run
    with pytest.raises(PermanentError):
        extract(broken)
    with pytest.raises(PermanentError):
        extract(broken)

    landing = LandingZone(paths.landing)
    con = duckdb.connect(str(paths.warehouse))
    try:
        load_failures(con, landing)
        load_failures(con, landing)  # every load re-reads the records: idempotent
        rows = con.execute(
            "SELECT platform, account_id, resolved_at IS NOT NULL, resolved_by_run_id "
            "FROM ops.extract_failures ORDER BY platform"
        ).fetchall()
        open_rows = con.execute(
            "SELECT client_id, platform, account_id, error FROM ops.open_extract_failures"
        ).fetchall()
    finally:
        con.close()
    assert rows == [
        ("facebook", flaky["account_id"], True, RUN),
        ("instagram", broken["account_id"], False, None),
    ]
    assert [row[:3] for row in open_rows] == [
        ("stride_athletics", "instagram", broken["account_id"])
    ]
    assert "What to do" in open_rows[0][3]

    # What check_accounts fails the run with: the account whose extract did not succeed.
    failed = night_failures(landing, RUN, [flaky, broken], [summary, None])
    assert len(failed) == 1
    assert failed[0].startswith(f"stride_athletics/instagram/{broken['account_id']}: ")
    assert "What to do: the token expired" in failed[0]
    assert night_failures(landing, RUN, [flaky], [summary]) == []


def test_a_later_run_of_the_same_date_resolves_the_failure(night, sandbox):
    paths, flaky, _, extract = night
    sandbox.faults.add("token_expired", path=flaky["account_id"], times=1)
    with pytest.raises(PermanentError):
        extract(flaky)
    landing = LandingZone(paths.landing)
    con = duckdb.connect(str(paths.warehouse))
    try:
        load_failures(con, landing)  # the night's loads: the failure is open
        assert con.execute("SELECT count(*) FROM ops.open_extract_failures").fetchone() == (1,)
        rerun = extract_one(
            flaky,
            start=DAY,
            end=DAY,
            run_id="manual__rerun",
            paths=paths,
            token_lookup=lambda account: "sandbox-token",
        )
        assert rerun["status"] == "success"
        load_failures(con, landing)
        assert con.execute("SELECT count(*) FROM ops.open_extract_failures").fetchone() == (0,)
        assert con.execute("SELECT resolved_by_run_id FROM ops.extract_failures").fetchall() == [
            ("manual__rerun",)
        ]
    finally:
        con.close()


def test_a_run_without_a_logical_date_takes_its_window_from_run_after():
    """Airflow 3 runs triggered with `logical_date: null` (UI, REST API) carry `run_after`
    instead: the plan and extract tasks read the window from it rather than failing with a
    KeyError on `logical_date`."""
    from types import SimpleNamespace

    from ruche.orchestration import data_window, run_moment

    due = dt.datetime(2026, 11, 20, 7, 0, tzinfo=dt.UTC)  # 02:00 in Toronto
    no_logical_date = {"logical_date": None, "dag_run": SimpleNamespace(run_after=due)}
    assert run_moment(no_logical_date) == due
    assert data_window(run_moment(no_logical_date), "America/Toronto") == (
        dt.date(2026, 11, 19),
        dt.date(2026, 11, 19),
    )
    scheduled = {"logical_date": due - dt.timedelta(days=1), "dag_run": None}
    assert run_moment(scheduled) == due - dt.timedelta(days=1)
    with pytest.raises(ValueError, match="neither a logical date nor a run_after"):
        run_moment({"dag_run": None})


def test_the_dag_tasks_never_read_the_logical_date_directly():
    """Both tasks that compute the window go through `run_moment` (a direct
    `context["logical_date"]` fails on runs triggered without one)."""
    source = (Path(__file__).resolve().parents[2] / "dags" / "ruche_ingest.py").read_text()
    assert 'context["logical_date"]' not in source
    assert source.count("run_moment(context)") == 2
