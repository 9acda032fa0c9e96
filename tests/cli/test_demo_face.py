"""The demo's face: the steps `make demo` shows while Airflow runs, from the lines `airflow dags
test` really logs."""

from __future__ import annotations

import inspect

from ruche import demo
from ruche.config import load_config
from ruche.orchestration import plan_accounts

from ..conftest import DEMO_CONFIG


def test_the_step_lines_are_the_ones_airflow_dags_test_logs():
    from airflow.sdk.definitions import dag

    source = inspect.getsource(dag)
    assert '"[DAG TEST] starting task_id=%s map_index=%s"' in source
    assert '"[DAG TEST] end task task_id=%s map_index=%s"' in source


def test_steps_follow_the_tasks_per_platform_with_their_durations():
    # the demo's 3 clients on the Meta family's three platforms (the other platforms' accounts
    # are left out so that the expected steps below stay readable)
    meta = ["facebook", "instagram", "meta_ads"]
    accounts = plan_accounts(load_config(DEMO_CONFIG), platforms=meta)
    ticks = iter(range(1000))
    changes: list[str] = []
    done: list[tuple[str, float]] = []
    tracker = demo.StepTracker(
        accounts, changes.append, lambda step, s: done.append((step, s)), lambda: next(ticks)
    )
    log = ["[DAG TEST] starting task_id=plan map_index=-1", "some other line"]
    for index in range(len(accounts)):  # each account's extract takes one tick
        log += [
            f"2026-12-06 INFO - [DAG TEST] starting task_id=extract map_index={index}",
            f"2026-12-06 INFO - [DAG TEST] end task task_id=extract map_index={index}",
        ]
    for task in ("load_facebook", "load_instagram", "load_meta_ads", "dbt_build", "publish"):
        log += [
            f"[DAG TEST] starting task_id={task} map_index=-1",
            f"[DAG TEST] end task task_id={task} map_index=-1",
        ]
    for line in log:
        tracker.feed(line)
    assert done == [
        ("extract facebook", 3.0),  # three accounts, one tick each, though interleaved
        ("extract instagram", 3.0),
        ("extract meta_ads", 3.0),
        ("audit and load facebook", 1.0),
        ("audit and load instagram", 1.0),
        ("audit and load meta_ads", 1.0),
        ("dbt build", 1.0),
        ("publish", 1.0),
    ]
    assert changes[0] == "extract facebook (cafe_lumiere): 0/9 accounts extracted"
    assert changes[3] == "extract facebook (stride_athletics): 3/9 accounts extracted"
    assert changes[-1] == "publish"


def test_the_paid_table_states_each_platform_s_window_and_never_adds_across_windows(
    sandbox, demo_config, tmp_path
):
    """`make demo`'s paid table, from a published file holding every demo ad account (each ad
    platform of the registry, through its real connector and a dbt build): per client and platform,
    spend, conversions, CPA and ROAS in the client's currency with the platform's attribution
    window; a client on two platforms gets an "all ad platforms" line whose spend is the sum
    and whose conversions, CPA and ROAS are left out, since the windows differ. The per-client
    summary says which window each platform counted in and adds no conversions across them."""
    import datetime as dt

    import duckdb
    from rich.console import Console

    from ruche import platforms
    from ruche.publish import publish

    from ..conftest import NOW
    from ..connectors.conftest import WINDOW, run_extract
    from ..warehouse.test_dbt import WorldClockLanding, assert_success, dbt, load_warehouse

    ad_platforms = [p.name for p in platforms.REGISTRY.values() if p.family == "ads"]
    landing = WorldClockLanding(str(tmp_path / "landing"), NOW)
    for client, platform, account in demo_config.iter_accounts(platforms=ad_platforms):
        run = run_extract(sandbox.url, client, platform, account, WINDOW, landing)
        assert run.result.ok, run.result.error
    warehouse = tmp_path / "w.duckdb"
    load_warehouse(warehouse, demo_config, landing)
    for args in (
        ("seed",),
        ("run", "--select", "+fct_ad_daily", "dim_clients", "+rpt_community_daily"),
    ):
        result, _ = dbt(warehouse, *args, work_dir=tmp_path / "dbt")
        assert_success(result)
    published = tmp_path / "marts.duckdb"
    publish(warehouse, published, run_id="run_paid")

    rows = demo.paid_summary(published, 30)
    con = duckdb.connect(str(published), read_only=True)
    try:
        truth = {
            (client, platform): (currency, spend, window)
            for client, platform, currency, spend, window in con.execute(
                "select client_id, platform, any_value(reporting_currency), "
                "sum(spend_reporting), any_value(attribution_window) from fct_ad_daily "
                "where date_day > (select max(date_day) - 30 from fct_ad_daily) group by all"
            ).fetchall()
        }
        currencies = dict(
            con.execute("select client_id, reporting_currency from dim_clients").fetchall()
        )
    finally:
        con.close()
    assert {(r["client_id"], r["platform"]) for r in rows} == set(truth)
    for row in rows:
        currency, spend, window = truth[row["client_id"], row["platform"]]
        assert row["currency"] == currency == currencies[row["client_id"]]
        assert row["spend"] == spend and row["attribution_window"] == window
    windows = {r["platform"]: r["attribution_window"] for r in rows}
    assert windows["meta_ads"] != windows["google_ads"]

    lines = demo.paid_rows(rows)
    both = [r for r in rows if r["client_id"] == "stride_athletics"]
    stride = {
        platform
        for client, platform, _ in demo_config.iter_accounts(platforms=ad_platforms)
        if client.id == "stride_athletics"
    }
    assert {"meta_ads", "google_ads"} <= stride
    assert {r["platform"] for r in both} == stride
    [total] = [cells for cells in lines if cells[:2] == ["Stride Athletics", "all ad platforms"]]
    spend = sum(r["spend"] for r in both)
    assert total[2] == f"{spend:,.2f} GBP"
    assert total[3:6] == ["–", "–", "–"] and "mixed windows" in total[6]
    [google] = [cells for cells in lines if cells[:2] == ["Stride Athletics", "Google Ads"]]
    [g] = [r for r in both if r["platform"] == "google_ads"]
    assert google[3] == f"{g['conversions']:,.0f}"
    assert google[4] == f"{g['spend'] / g['conversions']:,.2f} GBP"
    assert google[5] == f"{g['conversion_value'] / g['spend']:.2f}"
    assert google[6] == "30d_click"
    console = Console(width=160, record=True)
    console.print(demo.paid_table(rows, 30))
    text = console.export_text()
    assert "Stride Athletics" in text and "GBP" in text and "30d_click" in text

    # the per-client summary: each platform's window named, nothing added across windows
    summary = {
        "client": "Stride Athletics",
        "spend": spend,
        "currency": "GBP",
        "conversions": sum(r["conversions"] for r in both),
        "roas": 1.5,
        "attribution_windows": ";".join(f"{r['platform']}={r['attribution_window']}" for r in both),
        "attribution_window_count": len({r["attribution_window"] for r in both}),
        "oldest_extraction": NOW,
    }
    cells = demo.summary_cells(summary, NOW + dt.timedelta(hours=1))
    columns = [title for title, _ in demo.SUMMARY_COLUMNS]
    by_title = dict(zip(columns, cells, strict=True))
    assert by_title["conversions"] == by_title["CPA"] == by_title["ROAS"] == "–"
    named = sorted(
        f"{platforms.platform(r['platform']).label} {r['attribution_window']}" for r in both
    )
    assert "Google Ads 30d_click" in named and f"Meta Ads {windows['meta_ads']}" in named
    assert by_title["attribution window"] == "mixed, not added: " + ", ".join(named)
