"""LinkedIn Ads' own rules, through the real connector over HTTP against the sandbox (the
registry's contract tests cover landing, paging and every fault kind of the LinkedIn family):
adAnalytics asked with `q=analytics`, `pivot=CREATIVE`, `timeGranularity=DAILY`, a Rest.li
`dateRange` and an encoded `accounts=List(…)`; at most 20 fields per request (the sandbox
refuses more; the connector chunks and merges every chunk once); at most 15,000 elements and
no paging (a big account's range is sliced); campaign groups, campaigns and creatives paged by
`pageToken`; the shared versioned headers (426 on a sunset version); and, on 30 days of demo
data, spend, impressions, clicks and conversions per ad per day equal to the world's in the
account's currency and, through the ECB rates, in the client's; sponsored posts linked to
their organic figures and text ads' landing pages parsed."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
import requests

from connectors import linkedin_ads as lia
from connectors.base import Window
from connectors.errors import PermanentError
from connectors.landing import LandingZone
from connectors.linkedin_rest import encode
from ruche.platforms.linkedin import (
    ADS_ATTRIBUTION_WINDOW,
    ADS_CONVERSION_WINDOW_DAYS,
    LINKEDIN_API,
    LINKEDIN_API_VERSION_ENV,
)

from ..conftest import NOW
from .conftest import END, TOKEN, WINDOW, run_extract

CLIENT = "stride_athletics"
PLATFORM = "linkedin_ads"
SHORT = Window(END - dt.timedelta(days=2), END)
BIG = (2.0, 60.0)
"""Timeouts against the big world: an answer of thousands of creative-days is generated."""
HEADERS = {
    "Authorization": f"Bearer {TOKEN}",
    "LinkedIn-Version": LINKEDIN_API.version,
    "X-Restli-Protocol-Version": "2.0.0",
}


def _account(demo_config, client_id: str = CLIENT):
    return demo_config.client(client_id).accounts.linkedin_ads[0]


def _analytics_url(sandbox, account_id: str, start: dt.date, end: dt.date, fields: list[str]):
    urn = encode(f"urn:li:sponsoredAccount:{account_id}")
    return (
        f"{sandbox.url}/rest/adAnalytics?q=analytics&pivot=CREATIVE&timeGranularity=DAILY"
        f"&dateRange=(start:(year:{start.year},month:{start.month},day:{start.day}),"
        f"end:(year:{end.year},month:{end.month},day:{end.day}))"
        f"&accounts=List({urn})&fields={','.join(fields)}"
    )


def _truth(world, account_id: str, window: Window) -> list[dict]:
    acct = world.linkedin_ads_account(account_id)
    return world.linkedin_ad_analytics(acct, window.start, window.end)


def _analytics_requests(sandbox) -> list[dict]:
    return [r for r in sandbox.requests if r["path"] == "/rest/adAnalytics"]


# ------------------------------------------------------------------ adAnalytics


def test_ad_analytics_is_asked_as_linkedin_documents(extract, sandbox, demo_config):
    run = extract(CLIENT, PLATFORM)
    assert run.result.ok, run.result.error
    asked = _analytics_requests(sandbox)
    assert asked
    account = _account(demo_config)
    first = WINDOW.start - dt.timedelta(days=ADS_CONVERSION_WINDOW_DAYS)
    for request in asked:
        params = request["params"]
        assert params["q"] == "analytics"
        assert params["pivot"] == "CREATIVE"
        assert params["timeGranularity"] == "DAILY"
        assert params["accounts"] == f"List(urn:li:sponsoredAccount:{account.id})"
        assert params["dateRange"] == (
            f"(start:(year:{first.year},month:{first.month},day:{first.day}),"
            f"end:(year:{END.year},month:{END.month},day:{END.day}))"
        )
        fields = params["fields"].split(",")
        assert fields[:2] == ["dateRange", "pivotValues"] and len(fields) <= 20
        assert "start" not in params and "count" not in params  # adAnalytics does not page
    # The encoded URN went over the wire (the sandbox refuses a raw `:` in a List).
    answer = requests.get(
        _analytics_url(sandbox, account.id, END, END, ["impressions"]).replace("%3A", ":"),
        headers=HEADERS,
        timeout=10,
    )
    assert answer.status_code == 400 and "must be URL-encoded" in answer.json()["message"]


def test_more_than_20_fields_are_refused_as_linkedin_does(sandbox, demo_config):
    account = _account(demo_config)
    fields = ["dateRange", "pivotValues", *lia.METRICS[:19]]
    answer = requests.get(
        _analytics_url(sandbox, account.id, END, END, fields), headers=HEADERS, timeout=10
    )
    assert answer.status_code == 400
    body = answer.json()
    assert body["status"] == 400 and body["code"] == "ILLEGAL_ARGUMENT"
    assert "at most 20 fields" in body["message"]
    ok = requests.get(
        _analytics_url(sandbox, account.id, END, END, fields[:20]), headers=HEADERS, timeout=10
    )
    assert ok.status_code == 200 and ok.json()["elements"]


def test_field_chunks_are_merged_once_with_every_chunk_s_fields(
    extract, sandbox, world, demo_config
):
    """24 metrics: two requests per date slice (18 + 6 metrics, plus dateRange and pivotValues),
    merged on (day, creative): every element has every metric, once, equal to the world."""
    run = extract(CLIENT, PLATFORM)
    assert run.result.ok, run.result.error
    asked = _analytics_requests(sandbox)
    chunks = [tuple(r["params"]["fields"].split(",")[2:]) for r in asked]
    assert len(chunks) == 2 and [len(c) for c in chunks] == [18, 6]
    metrics = [m for c in chunks for m in c]
    assert sorted(metrics) == sorted(lia.METRICS)  # every metric asked, in exactly one chunk
    landed = run.records("ad_analytics")
    window = WINDOW.extended(ADS_CONVERSION_WINDOW_DAYS)
    truth = _truth(world, _account(demo_config).id, window)
    assert len(landed) > 150
    keys = Counter((lia.day_of(r), r["pivotValues"][0]) for r in landed)
    assert max(keys.values()) == 1  # one element per creative and day
    assert sorted(landed, key=lambda r: (lia.day_of(r), r["pivotValues"][0])) == truth
    for row in landed:
        assert set(row) == {"dateRange", "pivotValues", *lia.METRICS}
    # Not doubled: sums equal the world's (a metric merged from two chunks would add up twice).
    for metric in ("impressions", "clicks", "externalWebsiteConversions"):
        assert sum(r[metric] for r in landed) == sum(t[metric] for t in truth)
    assert sum(Decimal(r["costInLocalCurrency"]) for r in landed) == sum(
        Decimal(t["costInLocalCurrency"]) for t in truth
    )
    assert all(isinstance(r["costInLocalCurrency"], str) for r in landed)
    assert run.result.notes["analytics_field_chunks"] == 2


@pytest.fixture(scope="module")
def big_sandbox(demo_config):
    """A world whose LinkedIn ad accounts have 1,200 creatives: 60 days of one account hold more
    elements than one adAnalytics answer may (15,000)."""
    from connectors.sandbox import Scale
    from connectors.sandbox.server import SandboxServer
    from connectors.sandbox.world import World

    world = World(demo_config, seed=7, now=NOW, scale=Scale(ads_per_account=600))
    server = SandboxServer(world)
    server.start()
    yield server, world
    server.stop()


def test_a_big_account_is_sliced_under_the_15000_element_cap(big_sandbox, demo_config, tmp_path):
    server, world = big_sandbox
    account = _account(demo_config)
    window = WINDOW.extended(ADS_CONVERSION_WINDOW_DAYS)
    truth = _truth(world, account.id, window)
    assert len(truth) > 15_000  # the account is big enough to exceed one answer
    # One request for the whole range is cut at 15,000 elements, with no error and no paging.
    whole = requests.get(
        _analytics_url(server, account.id, window.start, window.end, ["dateRange", "pivotValues"]),
        headers=HEADERS,
        timeout=30,
    )
    assert whole.status_code == 200
    body = whole.json()
    assert len(body["elements"]) == 15_000 and not body["paging"]["links"]
    assert "total" not in body["paging"]

    server.reset_stats()
    client = demo_config.client(CLIENT)
    run = run_extract(
        server.url, client, PLATFORM, account, WINDOW, LandingZone(str(tmp_path)), timeout=BIG
    )
    assert run.result.ok, run.result.error
    landed = run.records("ad_analytics")
    assert sorted(landed, key=lambda r: (lia.day_of(r), r["pivotValues"][0])) == truth
    asked = [r for r in server.requests if r["path"] == "/rest/adAnalytics"]
    ranges = sorted({r["params"]["dateRange"] for r in asked})
    assert len(ranges) >= 2 and len(asked) == 2 * len(ranges)  # slices × field chunks
    per_slice = 15_000 // 1200  # 2 creatives per ad of the scale
    assert run.result.notes["analytics_days_per_slice"] == per_slice
    assert "analytics_slices_halved" not in run.result.notes


def test_a_full_answer_halves_its_slice(big_sandbox, demo_config, tmp_path):
    """Without the estimate (`estimate_slices` off: the whole range asked at once) the first
    answer comes back cut at the cap; it is not trusted but halved until every slice fits, and
    nothing is landed twice."""
    server, world = big_sandbox
    account = _account(demo_config)
    client = demo_config.client(CLIENT)
    server.reset_stats()
    run = run_extract(
        server.url,
        client,
        PLATFORM,
        account,
        WINDOW,
        LandingZone(str(tmp_path)),
        timeout=BIG,
        estimate_slices=False,
    )
    assert run.result.ok, run.result.error
    window = WINDOW.extended(ADS_CONVERSION_WINDOW_DAYS)
    landed = run.records("ad_analytics")
    assert sorted(landed, key=lambda r: (lia.day_of(r), r["pivotValues"][0])) == _truth(
        world, account.id, window
    )
    assert run.result.notes["analytics_slices_halved"] >= 1
    asked = [r for r in server.requests if r["path"] == "/rest/adAnalytics"]
    whole = f"(start:(year:{window.start.year},month:{window.start.month},day:{window.start.day})"
    assert asked[0]["params"]["dateRange"].startswith(whole)


# ------------------------------------------------------------------ structure


def test_groups_campaigns_and_creatives_page_by_token(extract, sandbox, world, demo_config):
    run = extract(CLIENT, PLATFORM, SHORT, page_size=1)
    assert run.result.ok, run.result.error
    acct = world.linkedin_ads_account(_account(demo_config).id)
    assert run.records("campaign_groups") == world.linkedin_campaign_groups(acct)
    assert run.records("campaigns") == world.linkedin_campaigns(acct)
    creatives = run.records("creatives")
    assert creatives == world.linkedin_creatives(acct) and len(creatives) == 12
    listing = [r for r in sandbox.requests if r["path"].endswith("/creatives")]
    assert len(listing) == 12 and listing[0]["params"]["q"] == "criteria"
    assert [r["params"].get("pageToken") for r in listing][:2] == [None, "1"]
    assert all(c["name"] and c["intendedStatus"] for c in creatives)
    assert {r["status"] for r in run.records("campaigns")} <= {"ACTIVE", "PAUSED"}
    [account] = run.records("ad_account")
    assert account["currency"] == "USD" and account["id"] == int(acct.id)


def test_a_sunset_version_fails_the_account_naming_the_setting(extract, sandbox, monkeypatch):
    monkeypatch.setenv(LINKEDIN_API_VERSION_ENV, "202401")
    run = extract(CLIENT, PLATFORM, SHORT)
    error = run.result.error
    assert isinstance(error, PermanentError), error
    text = str(error)
    assert "linkedin_ads account" in text and "HTTP 426" in text
    assert f"What to do: set {LINKEDIN_API_VERSION_ENV}" in text
    assert [r["status"] for r in sandbox.requests] == [426]


def test_an_account_without_a_role_is_refused_with_the_fix_named(sandbox, demo_config, tmp_path):
    client = demo_config.client(CLIENT)
    stranger = _account(demo_config).model_copy(update={"id": "999999999"})
    run = run_extract(sandbox.url, client, PLATFORM, stranger, SHORT, LandingZone(str(tmp_path)))
    text = str(run.result.error)
    assert isinstance(run.result.error, PermanentError)
    assert "ACCESS_DENIED" in text or "access denied" in text
    assert "VIEWER" in text.split("What to do:")[1] and "r_ads_reporting" in text


# ------------------------------------------------------------------ the marts


@pytest.fixture(scope="module")
def linkedin_ads_marts(tmp_path_factory, sandbox_session, demo_config) -> dict:
    """The demo's LinkedIn pages and ad accounts over the 30-day window, audited, loaded and
    built with `dbt build` (its tests included: the raw spend reconciliation among them)."""
    from ruche.configdb import write_config
    from ruche.load import Loader, connect

    from ..warehouse.test_dbt import WorldClockLanding, assert_success, dbt

    sandbox_session.faults.clear()
    sandbox_session.reset_stats()
    work = tmp_path_factory.mktemp("linkedin_ads_marts")
    landing = WorldClockLanding(str(work / "landing"), NOW)
    requests_made, records = 0, 0
    for client, platform, account in demo_config.iter_accounts(
        platforms=["linkedin_pages", PLATFORM]
    ):
        run = run_extract(sandbox_session.url, client, platform, account, WINDOW, landing)
        assert run.result.ok, run.result.error
        if platform == PLATFORM:
            requests_made += run.result.requests
            records += run.result.records
    warehouse = work / "ruche.duckdb"
    con = connect(warehouse)
    try:
        write_config(con, demo_config)
        report = Loader(con, landing, audit=True).load()
        assert report.ok, report.problems  # the audit passes every landed record
    finally:
        con.close()
    result, _ = dbt(warehouse, "build", work_dir=work / "dbt")
    assert_success(result)
    print(
        f"\nlinkedin_ads: {records} records landed in {requests_made} requests "
        f"({1000 * requests_made / records:.1f} requests per 1,000 records)"
    )
    return {"warehouse": warehouse}


def _rows(marts: dict, sql: str) -> list[dict]:
    from ..warehouse.test_dbt import query

    return query(marts["warehouse"], sql)


def test_ad_days_reconcile_with_the_world_in_account_and_reporting_currency(
    linkedin_ads_marts, world, demo_config
):
    """Spend, impressions, clicks and conversions per ad per day in fct_ad_daily equal the
    sandbox's ground truth exactly (30 days plus the re-fetch window of both demo accounts), in
    the account's currency and, converted by hand with the ECB table, in the client's."""
    from ..warehouse.test_dbt import by_hand, ecb_table

    marts = {
        (r["account_id"], r["ad_id"], r["date_day"]): r
        for r in _rows(
            linkedin_ads_marts,
            "select account_id, ad_id, date_day, spend, currency, impressions, clicks, "
            "conversions, conversion_value, attribution_window, reporting_currency, "
            "spend_reporting, campaign_id, adset_id from marts.fct_ad_daily "
            "where platform = 'linkedin_ads'",
        )
    }
    truth = {}
    window = WINDOW.extended(ADS_CONVERSION_WINDOW_DAYS)
    currencies = {}
    for client, _p, account in demo_config.iter_accounts(platforms=[PLATFORM]):
        acct = world.linkedin_ads_account(account.id)
        currencies[account.id] = (acct.currency, client.reporting_currency)
        for item in _truth(world, account.id, window):
            ad_id = item["pivotValues"][0].rsplit(":", 1)[1]
            truth[(account.id, ad_id, lia.day_of(item))] = item
    assert marts.keys() == truth.keys() and len(truth) > 300
    table = ecb_table()
    converted = 0
    for key, item in truth.items():
        mart = marts[key]
        currency, reporting = currencies[key[0]]
        spend = Decimal(item["costInLocalCurrency"])
        assert mart["spend"] == spend, key
        assert mart["currency"] == currency
        assert mart["impressions"] == item["impressions"]
        assert mart["clicks"] == item["clicks"]
        assert mart["conversions"] == item["externalWebsiteConversions"]
        assert mart["conversion_value"] == Decimal(item["conversionValueInLocalCurrency"])
        assert mart["attribution_window"] == ADS_ATTRIBUTION_WINDOW
        assert mart["reporting_currency"] == reporting
        expected, _published = by_hand(table, spend, key[2], currency, reporting)
        assert mart["spend_reporting"] == expected, key
        converted += currency != reporting
    assert {c for c, _r in currencies.values()} == {"USD", "EUR"}
    assert converted > 100  # Stride's dollars, converted to pounds through EUR


def test_levels_are_mapped_group_campaign_creative(linkedin_ads_marts, world, demo_config):
    """LinkedIn campaign group → Ruche campaign, campaign → ad set, creative → ad."""
    acct = world.linkedin_ads_account(_account(demo_config).id)
    groups = {str(g["id"]): g["name"] for g in world.linkedin_campaign_groups(acct)}
    campaigns = {str(c["id"]): c for c in world.linkedin_campaigns(acct)}
    dim_campaigns = {
        r["campaign_id"]: r["campaign_name"]
        for r in _rows(
            linkedin_ads_marts,
            "select campaign_id, campaign_name from marts.dim_campaigns "
            f"where platform = 'linkedin_ads' and account_id = '{acct.id}'",
        )
    }
    assert dim_campaigns == groups
    ads = _rows(
        linkedin_ads_marts,
        "select ad_id, ad_name, adset_id, adset_name, campaign_id from marts.dim_ads "
        f"where platform = 'linkedin_ads' and account_id = '{acct.id}'",
    )
    creatives = {c["id"].rsplit(":", 1)[1]: c for c in world.linkedin_creatives(acct)}
    assert {a["ad_id"] for a in ads} == set(creatives)
    for ad in ads:
        creative = creatives[ad["ad_id"]]
        campaign = campaigns[creative["campaign"].rsplit(":", 1)[1]]
        assert ad["ad_name"] == creative["name"]
        assert ad["adset_id"] == str(campaign["id"]) and ad["adset_name"] == campaign["name"]
        assert ad["campaign_id"] == campaign["campaignGroup"].rsplit(":", 1)[1]


def test_sponsored_posts_show_their_paid_figures_beside_the_organic_ones(
    linkedin_ads_marts, world, demo_config
):
    """A creative sponsoring a page post is linked to that LinkedIn Pages post in dim_ads, and
    rpt_post_performance shows its paid figures beside the post's organic ones; a text ad's
    landing page is its destination URL, with its UTM tags parsed."""
    from urllib.parse import parse_qs, urlsplit

    dim_ads = {
        r["ad_id"]: r
        for r in _rows(
            linkedin_ads_marts,
            "select ad_id, promoted_post_platform, promoted_post_id, promoted_post_key, "
            "destination_url, destination_host, utm_source, utm_medium, utm_campaign, "
            "utm_content from marts.dim_ads where platform = 'linkedin_ads'",
        )
    }
    posts = {
        r["post_id"]: r
        for r in _rows(
            linkedin_ads_marts,
            "select post_id, post_key, paid_ads, paid_impressions, paid_clicks, "
            "paid_spend_reporting, paid_attribution_window, views "
            "from marts.rpt_post_performance join marts.dim_posts using (post_key)",
        )
    }
    facts = defaultdict(list)
    for row in _rows(
        linkedin_ads_marts,
        "select ad_id, impressions, clicks, spend_reporting from marts.fct_ad_daily "
        "where platform = 'linkedin_ads'",
    ):
        facts[row["ad_id"]].append(row)
    sponsored, landing = defaultdict(list), 0
    for _c, _p, account in demo_config.iter_accounts(platforms=[PLATFORM]):
        acct = world.linkedin_ads_account(account.id)
        for creative in world.linkedin_creatives(acct):
            ad_id = creative["id"].rsplit(":", 1)[1]
            row = dim_ads[ad_id]
            reference = creative["content"].get("reference")
            if reference:
                assert row["promoted_post_platform"] == "linkedin_pages"
                assert row["promoted_post_id"] == reference
                linked = posts.get(reference)
                assert row["promoted_post_key"] == (linked["post_key"] if linked else None)
                if linked and facts.get(ad_id):
                    sponsored[reference].append(ad_id)
                assert row["destination_url"] is None
            else:
                url = creative["content"]["textAd"]["landingPage"]
                tags = parse_qs(urlsplit(url).query)
                assert row["destination_url"] == url and row["promoted_post_id"] is None
                assert row["destination_host"] == urlsplit(url).hostname.removeprefix("www.")
                for tag in ("utm_source", "utm_medium", "utm_campaign", "utm_content"):
                    assert row[tag] == tags[tag][0]
                landing += 1
    assert sponsored, "no sponsored page post of the window delivered: the sandbox should have"
    assert landing
    for post_id, ad_ids in sponsored.items():
        row = posts[post_id]
        days = [f for ad_id in ad_ids for f in facts[ad_id]]
        assert row["paid_ads"] == len(ad_ids)
        assert row["paid_impressions"] == sum(f["impressions"] for f in days)
        assert row["paid_clicks"] == sum(f["clicks"] for f in days)
        assert row["paid_spend_reporting"] == sum(f["spend_reporting"] for f in days)
        assert row["paid_attribution_window"] == ADS_ATTRIBUTION_WINDOW
        # The organic figure stays the post's own (LinkedIn's organic impressions), paid apart.
        organic = world.linkedin_post_statistics(post_id)["impressionCount"]
        assert row["views"] == organic


def test_money_stays_decimal_in_the_linkedin_ads_models(linkedin_ads_marts):
    types = {
        (r["table_name"], r["column_name"]): r["data_type"]
        for r in _rows(
            linkedin_ads_marts,
            "select table_name, column_name, data_type from information_schema.columns "
            "where table_name in ('stg_linkedin_ads__ad_analytics', 'int_linkedin_ads__ad_daily') "
            "and column_name in ('spend', 'conversion_value')",
        )
    }
    assert len(types) == 4 and set(types.values()) == {"DECIMAL(38,6)"}
