"""The bench's latency scenario: projecting a measured `agency:N` run to the full agency and
saying where a documented rate limit binds, and its command line refusing a latency it cannot
use."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bench.report import latency_markdown, latency_projection


def _limit(per: str, calls: int, window: float, peak: int, refused: int = 0) -> dict:
    return {
        "calls": calls,
        "window_seconds": window,
        "window": "fixed",
        "per": per,
        "buckets": 4,
        "peak_calls_in_a_window": peak,
        "refused": refused,
    }


def _scenario(limits: dict) -> dict:
    runs = {
        "1": {"seconds": 400.0, "efficiency": 1.0},
        "2": {"seconds": 210.0, "efficiency": 400 / (2 * 210)},
        "4": {"seconds": 120.0, "efficiency": 400 / (4 * 120), "limits": limits},
    }
    return {"runs": runs}


def test_projection_scales_wall_time_and_per_app_limits_with_clients_not_per_token_ones():
    limits = {
        "search, per user": _limit("token", 300, 900, 40),
        "search, per app": _limit("app", 450, 900, 100),
        "calls, per developer token": _limit("header:developer-token", 15_000, 86_400, 50),
    }
    proj = latency_projection(_scenario(limits), {"clients": 4}, {"clients": 25})
    assert proj["clients_ratio"] == 6.25
    # max(T1 × ratio / N, longest account): no account here is long.
    assert proj["agency_wall_seconds"] == {"1": 2500.0, "2": 1250.0, "4": 625.0}
    user, app, dev = (proj["limits"][k] for k in limits)
    # One account's token: the agency's size does not change its calls per window.
    assert user["projected_peak_at_agency"] == 40 and not user["binds_at_agency"]
    # The app's: 100 calls in a run of 4 clients; at 25 clients the 10-minute night (5 workers,
    # 500 s) fits one 15-minute window, so all 625 calls land in it: over 450.
    assert app["projected_peak_at_agency"] == 625 and app["binds_at_agency"]
    assert app["binds_from_clients"] == 18.0  # 4 clients × 450 / 100
    # 50 operations a night per 4 clients: far from 15,000 a day.
    assert dev["projected_peak_at_agency"] == 312 and not dev["binds_at_agency"]
    assert proj["workers_for_10_min"] == 5  # 2500 s / 5 = 500 s; 4 workers: 625 s
    assert proj["agency_wall_seconds_at_that"] == 500.0


def test_the_longest_account_bounds_the_wall_time_whatever_the_workers():
    scenario = _scenario({})
    scenario["runs"]["1"]["by_platform"] = {"a": {"account_seconds_max": 30.0}}
    scenario["runs"]["4"]["by_platform"] = {"b": {"account_seconds_max": 700.0}}
    proj = latency_projection(scenario, {"clients": 4}, {"clients": 25})
    assert proj["longest_account_seconds"] == 700.0
    assert proj["agency_wall_seconds"] == {"1": 2500.0, "2": 1250.0, "4": 700.0}
    assert proj["workers_for_10_min"] is None  # one account alone takes over 10 minutes
    assert proj["model_vs_measured"]["4"] == {"model": 700.0, "measured": 120.0}


def test_a_per_app_limit_is_spread_over_the_windows_a_longer_run_lasts():
    # 60 calls in a minute at 4 clients; the agency's 500 s night spans 8.3 one-minute windows.
    limits = {"per app, 1 min": _limit("app", 100, 60, 60)}
    proj = latency_projection(_scenario(limits), {"clients": 4}, {"clients": 25})
    lim = proj["limits"]["per app, 1 min"]
    assert lim["projected_peak_at_agency"] == 45 and not lim["binds_at_agency"]
    assert lim["binds_from_clients"] == 55.6


def test_a_refused_call_means_the_limit_binds_and_the_table_says_so():
    limits = {"search, per user": _limit("token", 300, 900, 300, refused=12)}
    scenario = _scenario(limits)
    scenario.update(nightly_day="2026-11-19", latency="log-normal", workers=[1, 2, 4])
    scenario["warm_up"] = {"seconds": 30.0}
    for run in scenario["runs"].values():
        run.update(requests=1000, requests_per_s=1000 / run["seconds"], records=50_000)
        run.update(rate_limit_waits=3, waited_seconds=40.0, deferred_accounts=[])
        run.setdefault("limits", {})
        run["served_latency"] = {"mean_ms": 225, "p50_ms": 150, "p95_ms": 660, "p99_ms": 1200}
        run["by_platform"] = {}
    scenario["projection"] = latency_projection(scenario, {"clients": 4}, {"clients": 25})
    assert scenario["projection"]["limits"]["search, per user"]["binds_at_agency"]
    md = latency_markdown(
        {
            "machine": {"cpus": 2, "cpu_model": "cpu", "memory_gb": 1, "platform": "p"}
            | {"python": "3.11", "git_commit": "abc"},
            "started_at": "2026-12-06T22:00:00+00:00",
            "total_seconds": 1.0,
            "scale": "agency:4",
            "scale_definition": {},
            "latency_scenario": scenario,
        }
    )
    assert "| search, per user | token | 300 / 15 min |" in md and "**yes**" in md
    assert "| 4 | 120.0 | 0.83 |" in md


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--latency", "off"], "--latency: give a median"),
        (["--latency", "150/100"], "p95 must be above the median"),
        (["--latency", "150", "--latency-workers", "0,2"], "--latency-workers"),
    ],
)
def test_the_latency_options_are_checked_before_anything_runs(args, says):
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--scale", "agency:1", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert says in done.stderr and "Traceback" not in done.stderr
