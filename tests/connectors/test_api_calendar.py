"""The registry's API calendar through the real connectors and the sandbox, for every registered
platform: a metric the registry marks removed stops being requested, a sunset near the run warns
in the log and in `ops.api_warnings`, and the API version is a setting. (Removed metrics an
account asks for are never requested: the contract's tests/contract/test_extract.py.)"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging

import duckdb
import pytest

from connectors.base import Window
from connectors.landing import LandingZone
from connectors.runner import extract_account
from ruche import platforms as registry
from ruche.api_calendar import WARNINGS_DIR, load_api_warnings
from ruche.platforms import SUNSET_WARNING_DAYS, RemovedMetric

from .conftest import END, FAST_RETRY, TOKEN, requested_tokens

SHORT = Window(END - dt.timedelta(days=2), END)
NOW = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)
PLATFORMS = list(registry.REGISTRY.values())
DATED = [p for p in PLATFORMS if p.api.sunset is not None]


def _first_account(demo_config, name):
    for client, _platform, account in demo_config.iter_accounts(platforms=[name]):
        return client, account
    raise AssertionError(f"the demo config has no {name} account")


def _run(sandbox, tmp_path, client, name, account, *, now=NOW, run_id="calendar", **kw):
    landing = LandingZone(str(tmp_path / "landing"))
    result = extract_account(
        client=client,
        platform=name,
        account=account,
        window=SHORT,
        landing=landing,
        run_id=run_id,
        token=TOKEN,
        base_url=sandbox.url,
        retry=FAST_RETRY,
        timeout=(2.0, 5.0),
        sleep=lambda _s: None,
        now=now,
        connector_options={"poll_seconds": 0.01} if name == "meta_ads" else None,
        **kw,
    )
    return result, landing


# A metric each connector requests by default: the registry learning that the platform removed
# it must be enough for the connector to stop asking (the registry is the one place it is said).
DEFAULT_METRIC = {
    "facebook": "page_follows",
    "instagram": "reach",
    "meta_ads": "1d_view",
    "google_ads": "all_conversions",
    "x": "organic_metrics",
    "linkedin_pages": "uniqueImpressionsCount",
    "linkedin_ads": "costInUsd",
}


@pytest.mark.parametrize("item", PLATFORMS, ids=lambda p: p.name)
def test_a_metric_the_registry_marks_removed_stops_being_requested(
    item, sandbox, demo_config, tmp_path, monkeypatch
):
    metric = DEFAULT_METRIC.get(item.name)
    assert metric, f"name a metric {item.name}'s connector requests by default in DEFAULT_METRIC"
    client, account = _first_account(demo_config, item.name)
    _run(sandbox, tmp_path, client, item.name, account, run_id="before")
    assert metric in requested_tokens(sandbox), f"{metric} is not requested by default"
    sandbox.reset_stats()
    removal = RemovedMetric(metric, dt.date(2026, 11, 1), None, "test")
    monkeypatch.setitem(
        registry.REGISTRY,
        item.name,
        dataclasses.replace(item, removed_metrics=(*item.removed_metrics, removal)),
    )
    result, _ = _run(sandbox, tmp_path, client, item.name, account, run_id="after")
    assert result.ok, result.error
    assert metric not in requested_tokens(sandbox)
    assert metric in result.notes["removed_metrics_skipped"]


@pytest.mark.parametrize("item", DATED, ids=lambda p: p.name)
def test_a_run_near_the_sunset_warns_in_its_log_and_in_ops(
    item, sandbox, demo_config, tmp_path, caplog
):
    client, account = _first_account(demo_config, item.name)
    days_left = 19
    near = dt.datetime.combine(
        item.api.sunset - dt.timedelta(days=days_left), dt.time(6), tzinfo=dt.UTC
    )
    run_id = f"near_sunset_{item.name}"
    with caplog.at_level(logging.WARNING, logger="ruche.api_calendar"):
        result, landing = _run(
            sandbox, tmp_path, client, item.name, account, now=near, run_id=run_id
        )
        # A second account of the same run: recorded again (idempotent), not logged twice.
        _run(sandbox, tmp_path, client, item.name, account, now=near, run_id=run_id)
    assert result.ok, result.error
    lines = [r.getMessage() for r in caplog.records if r.name == "ruche.api_calendar"]
    assert len(lines) == 1, lines
    assert item.api.version in lines[0] and item.api.setting in lines[0]
    assert f"in {days_left} days" in lines[0]
    assert result.notes["api_sunset"] in lines[0]

    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    try:
        assert load_api_warnings(con, landing) == 1
        assert load_api_warnings(con, landing) == 1  # loading again adds nothing
        rows = con.execute(
            "select platform, api_version, sunset, days_left, setting, run_id, checked_on, "
            "message from ops.api_warnings"
        ).fetchall()
    finally:
        con.close()
    assert rows == [
        (
            item.name,
            item.api.version,
            item.api.sunset,
            days_left,
            item.api.setting,
            run_id,
            near.date(),
            lines[0].removeprefix("API calendar: "),
        )
    ]


@pytest.mark.parametrize("item", DATED, ids=lambda p: p.name)
def test_no_warning_before_the_window(item, sandbox, demo_config, tmp_path, caplog):
    client, account = _first_account(demo_config, item.name)
    early = dt.datetime.combine(
        item.api.sunset - dt.timedelta(days=SUNSET_WARNING_DAYS + 1), dt.time(6), tzinfo=dt.UTC
    )
    with caplog.at_level(logging.WARNING, logger="ruche.api_calendar"):
        result, landing = _run(
            sandbox, tmp_path, client, item.name, account, now=early, run_id=f"early_{item.name}"
        )
    assert result.ok, result.error
    assert "api_sunset" not in result.notes
    assert not [r for r in caplog.records if r.name == "ruche.api_calendar"]
    assert not landing.fs.exists(landing.path(WARNINGS_DIR))


def test_the_graph_version_is_a_setting(sandbox, demo_config, tmp_path, monkeypatch, caplog):
    client, account = _first_account(demo_config, "instagram")
    monkeypatch.setenv("RUCHE_GRAPH_API_VERSION", "v24.0")
    near = dt.datetime(2028, 7, 20, 6, tzinfo=dt.UTC)
    with caplog.at_level(logging.WARNING, logger="ruche.api_calendar"):
        result, _ = _run(sandbox, tmp_path, client, "instagram", account, now=near, run_id="v24")
    assert result.ok, result.error
    assert {r["path"].split("/")[1] for r in sandbox.requests} == {"v24.0"}
    assert {m.api_version for m in result.manifests} == {"v24.0"}
    # The registry knows v25.0's sunset, not v24.0's: nothing to warn about.
    assert not [r for r in caplog.records if r.name == "ruche.api_calendar"]

    monkeypatch.setenv("RUCHE_GRAPH_API_VERSION", "25")
    sandbox.reset_stats()
    result, _ = _run(sandbox, tmp_path, client, "instagram", account, run_id="bad_version")
    assert result.error is not None and not sandbox.requests
    assert str(result.error).splitlines()[0].count("RUCHE_GRAPH_API_VERSION='25'") == 1
    assert "expected one like 'v25.0'" in str(result.error)


def test_landing_record_is_plain_json(sandbox, demo_config, tmp_path):
    client, account = _first_account(demo_config, "facebook")
    near = dt.datetime(2028, 7, 28, 6, tzinfo=dt.UTC)
    result, landing = _run(sandbox, tmp_path, client, "facebook", account, now=near, run_id="r:1+0")
    assert result.ok, result.error
    (path,) = landing.fs.glob(landing.path(f"{WARNINGS_DIR}/date=2028-07-28/*.json"))
    assert path.endswith("facebook__r_1_0.json")
    with landing.fs.open(path, "r", encoding="utf-8") as handle:
        item = json.load(handle)
    assert item["days_left"] == 1 and item["sunset"] == "2028-07-29"


def test_ruche_load_puts_the_warning_in_ops(sandbox, demo_config, tmp_path):
    from typer.testing import CliRunner

    from ruche.cli import app
    from tests.conftest import DEMO_CONFIG

    client, account = _first_account(demo_config, "meta_ads")
    near = dt.datetime(2028, 7, 1, 6, tzinfo=dt.UTC)
    result, landing = _run(sandbox, tmp_path, client, "meta_ads", account, now=near, run_id="n1")
    assert result.ok, result.error
    warehouse = tmp_path / "w.duckdb"
    args = ["load", "-c", str(DEMO_CONFIG), "--landing", landing.root, "--no-audit"]
    ran = CliRunner().invoke(app, [*args, "--warehouse", str(warehouse)])
    assert ran.exit_code == 0, ran.output
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        rows = con.execute("select platform, days_left, run_id from ops.api_warnings").fetchall()
    finally:
        con.close()
    assert rows == [("meta_ads", 28, "n1")]
