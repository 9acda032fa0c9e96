"""The marts contract: for every registered platform and every demo client that has accounts on
it, the published marts (the file BI tools read) add up to the sandbox world's ground truth.

One warehouse serves the whole module: the contract's clean extraction of every demo account
(`conftest.clean`) loaded, built with `dbt build` and published. Marts are read by their public
names and columns only (dim_posts, fct_comments, fct_ad_daily, rpt_*), so the dbt project can
change how it builds them.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from ruche import platforms as registry

from ..connectors.conftest import WINDOW
from .conftest import CLIENT_CASES
from .families import truth_of

# Each measure: the published marts' value for one (platform, client), as SQL with the two as
# parameters. A set is compared as a set, anything else as a number.
_WHERE = "WHERE platform = ? AND client_id = ?"
MEASURES: dict[str, str] = {
    "post_ids": f"SELECT post_id FROM dim_posts {_WHERE}",
    "comment_ids": f"SELECT comment_id FROM fct_comments {_WHERE}",
    "brand_replies": f"SELECT count(*) FILTER (WHERE is_brand_reply) FROM fct_comments {_WHERE}",
    "hidden_comments": f"SELECT count(*) FILTER (WHERE is_hidden) FROM fct_comments {_WHERE}",
    "ad_rows": f"SELECT count(*) FROM fct_ad_daily {_WHERE}",
    "spend": f"SELECT coalesce(sum(spend), 0) FROM fct_ad_daily {_WHERE}",
    "impressions": f"SELECT coalesce(sum(impressions), 0) FROM fct_ad_daily {_WHERE}",
    "clicks": f"SELECT coalesce(sum(clicks), 0) FROM fct_ad_daily {_WHERE}",
    "campaign_spend": f"SELECT coalesce(sum(spend), 0) FROM rpt_campaign_daily {_WHERE}",
}
SET_MEASURES = {"post_ids", "comment_ids"}
# What a platform of each registry family must at least reconcile.
REQUIRED = {
    "organic": {"post_ids", "comment_ids"},
    "ads": {"ad_rows", "spend", "campaign_spend"},
}


@pytest.fixture(scope="module")
def published(clean, demo_config, tmp_path_factory) -> Path:
    from ruche.publish import publish

    from ..warehouse.test_dbt import assert_success, dbt, load_warehouse

    work = tmp_path_factory.mktemp("contract_marts")
    warehouse = work / "ruche.duckdb"
    started = time.monotonic()
    load_warehouse(warehouse, demo_config, clean.landing)
    result, _seconds = dbt(warehouse, "build", work_dir=work)
    assert_success(result)
    target = work / "published" / "marts.duckdb"
    publish(warehouse, target, run_id="contract_clean")
    print(f"contract warehouse: load + dbt build + publish in {time.monotonic() - started:.1f}s")
    return target


def _mart_value(con, measure: str, platform: str, client_id: str):
    rows = con.execute(MEASURES[measure], [platform, client_id]).fetchall()
    if measure in SET_MEASURES:
        return {row[0] for row in rows}
    [(value,)] = rows
    return value


@pytest.mark.parametrize(("name", "client_id"), CLIENT_CASES)
def test_marts_equal_the_world(published, world, demo_config, name, client_id):
    item = registry.platform(name)
    client = demo_config.client(client_id)
    accounts = client.accounts.by_platform()[name]
    truth = truth_of(item.sandbox_family).mart_truth(name, world, client, accounts, WINDOW)
    missing = REQUIRED[item.family] - truth.keys()
    assert not missing, f"{item.sandbox_family}.mart_truth({name}) gives no {sorted(missing)}"
    unknown = truth.keys() - MEASURES.keys()
    assert not unknown, f"no mart measure named {sorted(unknown)} in MEASURES"
    con = duckdb.connect(str(published), read_only=True)
    try:
        landed = {m: _mart_value(con, m, name, client_id) for m in truth}
    finally:
        con.close()
    for measure, expected in truth.items():
        value = landed[measure]
        if isinstance(expected, Decimal):
            value = Decimal(value)
        assert value == expected, f"{name} {client_id} {measure}"
    # Something to reconcile: an empty world would pass every equality above.
    assert all(truth[m] for m in REQUIRED[item.family]), truth


def test_the_demo_prints_one_line_per_platform_that_adds_up_to_the_world(
    published, world, demo_config
):
    """`make demo`'s table by platform: every platform with demo accounts has its line, its
    accounts are the config's, and its posts, comments and brand replies (organic) or impressions
    and clicks (ads) equal the sandbox world's, summed over the demo clients."""
    from rich.console import Console

    from ruche import demo

    rows = {row["platform"]: row for row in demo.platform_summary(published)}
    configured = {}
    for _client, name, _account in demo_config.iter_accounts():
        configured[name] = configured.get(name, 0) + 1
    assert {name: row["accounts"] for name, row in rows.items()} == configured
    for name in configured:
        item = registry.platform(name)
        totals: dict[str, object] = {}
        for client in demo_config.clients:
            accounts = client.accounts.by_platform()[name]
            if not accounts:
                continue
            truth = truth_of(item.sandbox_family).mart_truth(name, world, client, accounts, WINDOW)
            for measure, value in truth.items():
                if isinstance(value, set):
                    totals[measure] = totals.get(measure, set()) | value
                else:
                    totals[measure] = totals.get(measure, 0) + value
        row = rows[name]
        if item.family == "organic":
            assert row["posts"] == len(totals["post_ids"]), name
            assert row["comments_received"] + row["brand_replies"] == len(totals["comment_ids"])
            if "brand_replies" in totals:
                assert row["brand_replies"] == totals["brand_replies"], name
            assert row["ads"] is None, name
        else:
            assert row["posts"] is None and row["ads"] > 0, name
            for measure in ("impressions", "clicks"):
                if measure in totals:
                    assert row[measure] == totals[measure], (name, measure)
    console = Console(width=120, record=True)
    console.print(demo.platform_table(list(rows.values())))
    text = console.export_text()
    assert all(registry.platform(name).label in text for name in configured)
