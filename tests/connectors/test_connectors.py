"""Connector behaviour over HTTP: paging, re-fetch windows, removed metrics, async reports."""

from __future__ import annotations

import datetime as dt
import json

from connectors.base import Window
from connectors.facebook import REMOVED_METRICS as FB_REMOVED
from connectors.instagram import REMOVED_METRICS as IG_REMOVED

from .conftest import END, START, WINDOW

SHORT = Window(END - dt.timedelta(days=2), END)


def test_small_pages_land_the_same_records_as_large_pages(extract, sandbox):
    big = extract("stride_athletics", "instagram", SHORT)
    sandbox.reset_stats()
    small = extract("stride_athletics", "instagram", SHORT, page_size=3)
    assert big.result.ok and small.result.ok
    assert small.checksums() == big.checksums()
    assert small.result.requests > big.result.requests  # it really paged
    paged = [r for r in sandbox.requests if "after" in r["params"]]
    assert paged, "no request followed a cursor"


def test_removed_metrics_are_never_requested(extract, sandbox, demo_config):
    client = demo_config.client("cafe_lumiere")
    fb = client.accounts.facebook[0].model_copy(
        update={"fields": ["post_impressions", "post_media_view", "page_fans", "page_follows"]}
    )
    run = extract("cafe_lumiere", "facebook", SHORT, account=fb)
    assert run.result.ok, run.result.error
    assert sorted(run.result.notes["removed_metrics_skipped"]) == ["page_fans", "post_impressions"]
    ig = client.accounts.instagram[0].model_copy(update={"fields": ["impressions", "reach"]})
    run = extract("cafe_lumiere", "instagram", SHORT, account=ig)
    assert run.result.ok, run.result.error
    asked = [
        m for r in sandbox.requests for m in str(r["params"].get("metric", "")).split(",") if m
    ]
    assert asked, "no insights were requested"
    assert not set(asked) & (FB_REMOVED | IG_REMOVED)


def test_refetch_windows_are_what_is_requested(extract, sandbox, demo_config):
    client = demo_config.client("maison_des_arts")
    run = extract("maison_des_arts", "facebook", WINDOW)
    assert run.result.ok
    posts = next(r for r in sandbox.requests if r["path"].endswith("/published_posts"))
    since, until = WINDOW.extended(28).local_bounds(client.timezone)
    assert int(posts["params"]["since"]) == int(since.timestamp())
    assert int(posts["params"]["until"]) == int(until.timestamp())
    page = [
        r
        for r in sandbox.requests
        if r["path"].endswith(f"{client.accounts.facebook[0].id}/insights")
    ]
    assert [(r["params"]["since"], r["params"]["until"]) for r in page] == [
        ((START - dt.timedelta(days=3)).isoformat(), (END + dt.timedelta(days=1)).isoformat())
    ]
    windows = {m.entity: (m.window_start, m.window_end) for m in run.result.manifests}
    assert windows["posts"] == ((START - dt.timedelta(days=28)).isoformat(), END.isoformat())
    assert windows["page_insights"] == ((START - dt.timedelta(days=3)).isoformat(), END.isoformat())


def test_account_refetch_override(extract, sandbox, demo_config):
    account = (
        demo_config.client("cafe_lumiere")
        .accounts.meta_ads[0]
        .model_copy(update={"refetch_days": 7})
    )
    run = extract("cafe_lumiere", "meta_ads", SHORT, account=account)
    assert run.result.ok
    request = next(r for r in sandbox.requests if r["path"].endswith("/insights"))
    time_range = json.loads(request["params"]["time_range"])
    assert time_range == {
        "since": (SHORT.start - dt.timedelta(days=7)).isoformat(),
        "until": END.isoformat(),
    }


def test_long_ranges_use_async_report_runs(extract, sandbox, world, demo_config):
    account_id = demo_config.client("stride_athletics").accounts.meta_ads[0].id
    window = Window(END - dt.timedelta(days=89), END)
    run = extract("stride_athletics", "meta_ads", window, refetch_days=0, poll_seconds=0.01)
    assert run.result.ok, run.result.error
    assert run.result.notes["async_report_runs"] == 1
    assert any(r["method"] == "POST" for r in sandbox.requests)
    assert run.records("ad_insights") == world.ad_insight_rows(account_id, window.start, END)


def test_failed_async_run_is_split_and_still_complete(extract, sandbox, world, demo_config):
    account_id = demo_config.client("stride_athletics").accounts.meta_ads[0].id
    window = Window(END - dt.timedelta(days=59), END)
    sandbox.faults.add("async_failed", times=1)
    run = extract("stride_athletics", "meta_ads", window, refetch_days=0, poll_seconds=0.01)
    assert run.result.ok, run.result.error
    assert run.result.notes["async_report_splits"] == 1
    assert run.records("ad_insights") == world.ad_insight_rows(account_id, window.start, END)
