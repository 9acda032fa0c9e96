"""The Google Ads family's ground truth for the contract tests: what Google Ads must land from
the sandbox world (each searchStream row exactly as the world projects it for the connector's
fields) and what its marts must add up to (spend from `cost_micros`, exactly)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from connectors import google_ads as gads
from connectors.base import Window
from connectors.sandbox.google_ads.api import project
from ruche.platforms.google import CONVERSION_WINDOW_DAYS

MICROS = Decimal(1_000_000)


def _rows(world, account_id: str, resource: str, fields: tuple[str, ...]) -> list[dict]:
    acct = world.google_ads_account(account_id)
    return [project(row, list(fields), resource) for row in world.google_ads_rows(acct, resource)]


def metric_rows(world, account_id: str, window: Window) -> list[dict[str, Any]]:
    """The daily rows the connector must land for `window` (re-fetch window included)."""
    acct = world.google_ads_account(account_id)
    first = window.start - dt.timedelta(days=CONVERSION_WINDOW_DAYS)
    fields = [*gads.METRIC_SEGMENT_FIELDS, *(f"metrics.{m}" for m in gads.METRICS)]
    return [
        project(row, fields, "ad_group_ad")
        for row in world.google_ads_metric_rows(acct, first, window.end)
    ]


def check_landed(platform: str, run, world, client, account, window: Window) -> None:
    """Assert that what `run` landed for `account` equals the world's ground truth."""
    assert platform == "google_ads", f"google_ads.py has no landed-records check for {platform}"
    [customer] = run.records("customer")
    assert customer == _rows(world, account.id, "customer", gads.CUSTOMER_FIELDS)[0]
    assert run.records("campaigns") == _rows(world, account.id, "campaign", gads.CAMPAIGN_FIELDS)
    assert run.records("ad_groups") == _rows(world, account.id, "ad_group", gads.AD_GROUP_FIELDS)
    assert run.records("ads") == _rows(world, account.id, "ad_group_ad", gads.AD_FIELDS)
    rows = run.records("ad_metrics")
    assert rows == metric_rows(world, account.id, window)
    assert len(rows) > 100
    # int64 values as strings, conversions as JSON numbers, as Google's REST transport sends.
    assert all(isinstance(r["metrics"]["costMicros"], str) for r in rows)
    assert all(isinstance(r["metrics"]["conversions"], float) for r in rows)
    manifest = next(m for m in run.result.manifests if m.entity == "ad_metrics")
    first = window.start - dt.timedelta(days=CONVERSION_WINDOW_DAYS)
    assert manifest.window_start == first.isoformat()
    assert manifest.requested_start == window.start.isoformat()


def mart_truth(platform: str, world, client, accounts, window: Window) -> dict[str, Any]:
    """The world's value of each mart measure for one client's Google Ads accounts."""
    assert platform == "google_ads", f"google_ads.py has no mart truth for {platform}"
    rows = [m for a in accounts for m in metric_rows(world, a.id, window)]
    spend = sum((Decimal(r["metrics"]["costMicros"]) / MICROS for r in rows), Decimal(0))
    return {
        "ad_rows": len(rows),
        "spend": spend,
        "impressions": sum(int(r["metrics"]["impressions"]) for r in rows),
        "clicks": sum(int(r["metrics"]["clicks"]) for r in rows),
        "campaign_spend": spend,
    }
