"""Google Ads' own rules, through the real connector over HTTP against the sandbox: GAQL over
searchStream answered as a stream of batches with int64 values as strings; Google's retryDelay
honoured; a sunset API version a permanent error naming the setting; the developer-token and
login-customer-id headers; conversions restated within the conversion window re-fetched; and
money exact from the landed micros to the marts."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from decimal import Decimal

import pytest
import requests

from connectors.errors import PermanentError
from connectors.google_ads import GoogleAds
from ruche.platforms.google import CONVERSION_WINDOW_DAYS

from ..conftest import NOW
from .conftest import END, TOKEN, WINDOW

SHORT_END = END
MICROS = Decimal(1_000_000)


def _queries(sandbox) -> list[str]:
    return [r["params"].get("query", "") for r in sandbox.requests]


def test_search_stream_answers_batches_with_int64_strings(sandbox, world, demo_config):
    account = demo_config.client("cafe_lumiere").accounts.google_ads[0]
    sandbox.faults.add("short_page", times=1)  # a short first batch: more batches follow
    query = (
        "SELECT customer.currency_code, ad_group_ad.ad.id, segments.date, metrics.cost_micros, "
        "metrics.impressions, metrics.conversions FROM ad_group_ad "
        "WHERE segments.date BETWEEN '2026-11-01' AND '2026-11-19'"
    )
    answer = requests.post(
        f"{sandbox.url}/v26/customers/{account.id}/googleAds:searchStream",
        json={"query": query},
        headers={"Authorization": f"Bearer {TOKEN}", "developer-token": "x"},
        timeout=5,
    )
    assert answer.status_code == 200
    batches = answer.json()
    assert isinstance(batches, list) and len(batches) >= 2
    assert {"results", "fieldMask", "requestId"} <= batches[0].keys()
    assert batches[0]["fieldMask"].startswith("customer.currencyCode,adGroupAd.ad.id")
    rows = [row for batch in batches for row in batch["results"]]
    assert len(batches[0]["results"]) < len(rows)
    for row in rows:
        assert isinstance(row["metrics"]["costMicros"], str)
        assert isinstance(row["metrics"]["impressions"], str)
        assert isinstance(row["adGroupAd"]["ad"]["id"], str)
        assert isinstance(row["metrics"]["conversions"], float)
        assert row["adGroupAd"]["resourceName"].startswith(f"customers/{account.id}/adGroupAds/")


def test_every_batch_of_the_stream_is_landed(extract, sandbox, world):
    clean = extract("cafe_lumiere", "google_ads")
    sandbox.reset_stats()
    sandbox.faults.add("short_page", times=None)
    batched = extract("cafe_lumiere", "google_ads")
    assert batched.result.ok, batched.result.error
    assert batched.checksums() == clean.checksums()
    assert all(r["fault"] == "short_page" for r in sandbox.requests if r["fault"])
    rows = batched.records("ad_metrics")
    assert len(rows) > 100 and all(isinstance(r["metrics"]["clicks"], str) for r in rows)


def test_a_query_with_an_unknown_field_is_refused_as_google_does(sandbox, demo_config):
    account = demo_config.client("cafe_lumiere").accounts.google_ads[0]
    answer = requests.post(
        f"{sandbox.url}/v26/customers/{account.id}/googleAds:searchStream",
        json={"query": "SELECT campaign.id, metrics.video_views FROM campaign"},
        headers={"Authorization": f"Bearer {TOKEN}", "developer-token": "x"},
        timeout=5,
    )
    assert answer.status_code == 400
    [item] = answer.json()
    [failure] = item["error"]["details"]
    assert failure["errors"][0]["errorCode"] == {"queryError": "UNRECOGNIZED_FIELD"}
    assert "metrics.video_views" in failure["errors"][0]["message"]


def test_retry_delay_is_honoured(extract, sandbox):
    rule = sandbox.faults.add("resource_exhausted", times=2, skip=1, retry_delay="17s")
    run = extract("stride_athletics", "google_ads")
    assert run.result.ok, run.result.error
    assert rule.fired == 2
    assert run.result.rate_limit_waits == 2
    # Google's retryDelay, not a backoff of our own, is what was waited (recorded, not slept).
    assert run.sleeps.calls.count(17.0) == 2


@pytest.mark.parametrize(
    ("version", "answer"), [("v22", "UNSUPPORTED_VERSION"), ("v17", "HTTP 404")]
)
def test_a_sunset_version_is_a_permanent_error_naming_the_setting(
    extract, sandbox, monkeypatch, version, answer
):
    monkeypatch.setenv("RUCHE_GOOGLE_ADS_API_VERSION", version)
    run = extract("cafe_lumiere", "google_ads")
    error = run.result.error
    assert isinstance(error, PermanentError), error
    text = str(error)
    assert answer in text
    assert version in text
    assert "RUCHE_GOOGLE_ADS_API_VERSION" in text.split("What to do:")[1]
    assert len(sandbox.requests) == 1 and run.result.retries == 0
    assert run.result.manifests == []


def test_developer_token_and_login_customer_id_are_sent(extract, sandbox, monkeypatch):
    monkeypatch.setenv("RUCHE_GOOGLE_ADS_LOGIN_CUSTOMER_ID", "999-000-1112")
    run = extract("cafe_lumiere", "google_ads")
    assert run.result.ok, run.result.error
    seen = sandbox.apis["google_ads"].seen_headers
    assert len(seen) == run.result.requests == len(sandbox.requests)
    assert all(h == {"developer-token": "(set)", "login-customer-id": "9990001112"} for h in seen)


def test_a_wrong_manager_id_is_refused_with_the_fix_named(extract, sandbox, monkeypatch):
    monkeypatch.setenv("RUCHE_GOOGLE_ADS_LOGIN_CUSTOMER_ID", "1112223334")
    run = extract("cafe_lumiere", "google_ads")
    error = run.result.error
    assert isinstance(error, PermanentError), error
    assert "USER_PERMISSION_DENIED" in str(error) and "login-customer-id" in str(error)
    assert "RUCHE_GOOGLE_ADS_LOGIN_CUSTOMER_ID" in error.hint
    assert run.result.retries == 0 and len(sandbox.requests) == 1


def test_no_developer_token_fails_before_any_request(extract, sandbox, monkeypatch):
    monkeypatch.delenv("RUCHE_GOOGLE_ADS_DEVELOPER_TOKEN", raising=False)
    run = extract("cafe_lumiere", "google_ads")
    error = run.result.error
    assert isinstance(error, PermanentError), error
    assert "RUCHE_GOOGLE_ADS_DEVELOPER_TOKEN" in str(error)
    assert sandbox.requests == []


def test_the_sandbox_requires_the_developer_token(sandbox, demo_config):
    account = demo_config.client("cafe_lumiere").accounts.google_ads[0]
    answer = requests.post(
        f"{sandbox.url}/v26/customers/{account.id}/googleAds:searchStream",
        json={"query": "SELECT customer.id FROM customer"},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=5,
    )
    assert answer.status_code == 401
    [item] = answer.json()
    assert item["error"]["status"] == "UNAUTHENTICATED"


def test_restated_conversions_are_refetched_within_the_conversion_window(
    extract, sandbox, world, demo_config
):
    run = extract("stride_athletics", "google_ads")
    assert run.result.ok, run.result.error
    first = WINDOW.start - dt.timedelta(days=CONVERSION_WINDOW_DAYS)
    [query] = [q for q in _queries(sandbox) if "segments.date" in q]
    assert f"BETWEEN '{first.isoformat()}' AND '{END.isoformat()}'" in query
    # Conversions of days inside the window are restated: what a night 10 days earlier saw is
    # less than what Google says now, and the re-fetch lands today's (the world's) figures.
    acct = world.google_ads_account(run.result.account_id)
    earlier = NOW - dt.timedelta(days=10)
    ads = {ad["id"]: ad for ad in world._gads_structure(acct)["ads"]}
    restated = 0
    for row in run.records("ad_metrics"):
        day = dt.date.fromisoformat(row["segments"]["date"])
        ad = ads[row["adGroupAd"]["ad"]["id"]]
        now_value = world.google_ads_ad_day(acct, ad, day, NOW)
        assert row["metrics"]["conversions"] == now_value["metrics.conversions"]
        if day >= earlier.date() - dt.timedelta(days=1):
            continue  # not yet over (or just over) on the earlier night
        then = world.google_ads_ad_day(acct, ad, day, earlier)
        assert then["metrics.impressions"] == now_value["metrics.impressions"]  # delivery final
        if then["metrics.conversions"] < now_value["metrics.conversions"]:
            restated += 1
    assert restated > 10

    # An account's own conversion window (refetch_days) sets how far back is re-read.
    sandbox.reset_stats()
    account = demo_config.client("stride_athletics").accounts.google_ads[0]
    longer = account.model_copy(update={"refetch_days": 60})
    run = extract("stride_athletics", "google_ads", account=longer)
    [query] = [q for q in _queries(sandbox) if "segments.date" in q]
    assert f"BETWEEN '{(WINDOW.start - dt.timedelta(days=60)).isoformat()}'" in query


def test_metrics_are_asked_page_size_days_per_request(extract, sandbox):
    run = extract("cafe_lumiere", "google_ads", page_size=10)
    assert run.result.ok, run.result.error
    ranges = [
        re.search(r"BETWEEN '([\d-]+)' AND '([\d-]+)'", q).groups()
        for q in _queries(sandbox)
        if "segments.date" in q
    ]
    assert len(ranges) == 6  # 30 days + 30 re-fetched, 10 per request
    days = [dt.date.fromisoformat(a) for a, _ in ranges]
    assert days == sorted(days)


def test_money_is_exact_from_micros_to_the_marts(sandbox, world, demo_config, tmp_path):
    """Spend, impressions, clicks and conversions per ad per day in fct_ad_daily equal the
    sandbox's ground truth exactly, in the account currency (30 days + the re-fetch window of
    both demo Google Ads accounts), where summing the micros as floats would not."""
    from ..connectors.conftest import run_extract
    from ..warehouse.test_dbt import WorldClockLanding, assert_success, dbt, load_warehouse, query

    landing = WorldClockLanding(str(tmp_path / "landing"), NOW)
    requests_made, rows_landed = 0, 0
    for client, platform, account in demo_config.iter_accounts(platforms=["google_ads"]):
        run = run_extract(sandbox.url, client, platform, account, WINDOW, landing)
        assert run.result.ok, run.result.error
        requests_made += run.result.requests
        rows_landed += run.result.records
    warehouse = tmp_path / "w.duckdb"
    load_warehouse(warehouse, demo_config, landing)
    for args in (("seed",), ("run", "--select", "+fct_ad_daily")):
        result, _ = dbt(warehouse, *args, work_dir=tmp_path / "dbt")
        assert_success(result)
    marts = {
        (r["account_id"], r["ad_id"], r["date_day"]): r
        for r in query(
            warehouse,
            "select account_id, ad_id, date_day, spend, currency, impressions, clicks, "
            "conversions, attribution_window from marts.fct_ad_daily where platform = 'google_ads'",
        )
    }
    truth = {}
    for _client, _p, account in demo_config.iter_accounts(platforms=["google_ads"]):
        acct = world.google_ads_account(account.id)
        first = WINDOW.start - dt.timedelta(days=CONVERSION_WINDOW_DAYS)
        for row in world.google_ads_metric_rows(acct, first, END):
            key = (
                account.id,
                row["ad_group_ad.ad.id"],
                dt.date.fromisoformat(row["segments.date"]),
            )
            truth[key] = row
    assert marts.keys() == truth.keys()
    float_total, exact_total = 0.0, Decimal(0)
    for key, row in truth.items():
        mart = marts[key]
        spend = Decimal(row["metrics.cost_micros"]) / MICROS
        assert mart["spend"] == spend, key
        assert mart["currency"] == row["customer.currency_code"]
        assert mart["impressions"] == int(row["metrics.impressions"])
        assert mart["clicks"] == int(row["metrics.clicks"])
        assert mart["conversions"] == Decimal(repr(row["metrics.conversions"]))
        assert mart["attribution_window"] == "30d_click"
        float_total += int(row["metrics.cost_micros"]) / 1_000_000
        exact_total += spend
    assert {m["currency"] for m in marts.values()} == {"CAD", "USD"}
    [(mart_total,)] = [
        tuple(r.values())
        for r in query(
            warehouse,
            "select sum(spend) from marts.fct_ad_daily where platform = 'google_ads'",
        )
    ]
    assert mart_total == exact_total
    assert Decimal(repr(float_total)) != exact_total  # what a float pipeline would report
    print(
        f"\ngoogle_ads: {rows_landed} rows landed in {requests_made} requests "
        f"({1000 * requests_made / rows_landed:.1f} requests per 1,000 rows); "
        f"{len(truth)} ad-days reconciled exactly"
    )


def _clicked_url(row: dict) -> str | None:
    """The oracle, from the world's flat row: Google's serving-URL rules written out in Python
    (first final URL + the lowest level's suffix, ValueTrack ids and custom parameters filled)."""
    urls = row["ad_group_ad.ad.final_urls"]
    if not urls:
        return None
    suffix = next(
        row[f"{level}.final_url_suffix"]
        for level in ("ad_group_ad.ad", "ad_group", "campaign", "customer")
        if row[f"{level}.final_url_suffix"] or level == "customer"
    )
    url = urls[0] if not suffix else urls[0] + ("&" if "?" in urls[0] else "?") + suffix
    for tag, value in (
        ("{campaignid}", row["campaign.id"]),
        ("{adgroupid}", row["ad_group.id"]),
        ("{creative}", row["ad_group_ad.ad.id"]),
    ):
        url = url.replace(tag, value)
    for level in ("ad_group_ad.ad", "ad_group", "campaign"):
        for parameter in row[f"{level}.url_custom_parameters"]:
            url = url.replace("{_" + parameter["key"] + "}", parameter["value"])
    return url


def test_destination_urls_are_the_final_url_and_suffix_as_clicked(
    sandbox, world, demo_config, tmp_path
):
    """The ads' final URLs and each level's final URL suffix and custom parameters, requested
    in GAQL and landed as Google returns them, become dim_ads' `destination_url` as clicked
    (the lowest level's suffix appended, ValueTrack and custom-parameter tags filled) and its
    UTM tags; the tracking template (a redirect) is not the landing page; call ads have none."""
    from urllib.parse import parse_qs, urlsplit

    from ..connectors.conftest import run_extract
    from ..warehouse.test_dbt import WorldClockLanding, assert_success, dbt, load_warehouse, query

    landing = WorldClockLanding(str(tmp_path / "landing"), NOW)
    for client, platform, account in demo_config.iter_accounts(platforms=["google_ads"]):
        run = run_extract(sandbox.url, client, platform, account, WINDOW, landing)
        assert run.result.ok, run.result.error
    asked = next(q for q in _queries(sandbox) if "FROM ad_group_ad" in q and "metrics" not in q)
    for field in ("ad_group_ad.ad.final_url_suffix", "ad_group.url_custom_parameters"):
        assert field in asked
    warehouse = tmp_path / "w.duckdb"
    load_warehouse(warehouse, demo_config, landing)
    for args in (("seed",), ("run", "--select", "+dim_ads")):
        result, _ = dbt(warehouse, *args, work_dir=tmp_path / "dbt")
        assert_success(result)
    rows = {
        r["ad_id"]: r
        for r in query(
            warehouse,
            "select ad_id, destination_url, destination_host, destination_path, utm_source, "
            "utm_medium, utm_campaign, utm_content, utm_term from marts.dim_ads "
            "where platform = 'google_ads'",
        )
    }
    kinds: defaultdict[str, int] = defaultdict(int)
    for _client, _p, account in demo_config.iter_accounts(platforms=["google_ads"]):
        acct = world.google_ads_account(account.id)
        for ad in world.google_ads_rows(acct, "ad_group_ad"):
            row = rows[ad["ad_group_ad.ad.id"]]
            url = _clicked_url(ad)
            assert row["destination_url"] == url, ad["ad_group_ad.ad.id"]
            if url is None:
                assert ad["ad_group_ad.ad.type"] == "CALL_AD"
                assert row["destination_host"] is None and row["utm_source"] is None
                kinds["call ad"] += 1
                continue
            assert "{" not in url and "tracker" not in url
            parts = urlsplit(url)
            tags = parse_qs(parts.query)
            assert row["destination_host"] == parts.hostname.removeprefix("www.")
            assert row["destination_path"] == parts.path
            for tag in ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"):
                assert row[tag] == tags.get(tag, [None])[0], tag
            if ad["ad_group_ad.ad.final_url_suffix"]:
                kinds["ad suffix"] += 1
                assert row["utm_campaign"] == "promo-" + ad["ad_group_ad.ad.id"]
            elif ad["ad_group.final_url_suffix"]:
                kinds["ad group suffix"] += 1
                [audience] = ad["ad_group.url_custom_parameters"]
                assert row["utm_term"] == audience["value"]
                assert row["utm_content"] == ad["ad_group.id"]
            elif ad["campaign.final_url_suffix"]:
                kinds["campaign suffix"] += 1
                assert (row["utm_source"], row["utm_medium"]) == ("google", "cpc")
                assert row["utm_campaign"] == ad["campaign.id"]
                assert row["utm_content"] == ad["ad_group_ad.ad.id"]
            else:
                kinds["bare final URL"] += 1
                assert row["utm_source"] is None and url == ad["ad_group_ad.ad.final_urls"][0]
            if "?lang=" in ad["ad_group_ad.ad.final_urls"][0]:
                kinds["final URL with a query"] += 1
    assert set(kinds) == {
        "call ad",
        "ad suffix",
        "ad group suffix",
        "campaign suffix",
        "bare final URL",
        "final URL with a query",
    }, dict(kinds)


def test_customer_ids_typed_with_dashes_are_normalised(demo_config):
    ids = [a.id for _c, _p, a in demo_config.iter_accounts(platforms=["google_ads"])]
    assert ids == ["4821935501", "4821935502"]  # the first is typed 482-193-5501
    assert GoogleAds.page_size > 0


def test_the_demo_gives_the_developer_token_a_sandbox_value(tmp_path, monkeypatch):
    """`make demo` runs Google Ads through Airflow against the sandbox: its environment carries
    a stand-in developer token (the registry's `credential_envs`), never a real one."""
    from ruche import demo
    from ruche.config import load_config

    monkeypatch.delenv("RUCHE_GOOGLE_ADS_DEVELOPER_TOKEN", raising=False)
    env = demo.airflow_env(
        demo.DemoPaths(tmp_path),
        demo.DEMO_CONFIG,
        "http://127.0.0.1:9",
        load_config(demo.DEMO_CONFIG),
    )
    assert env["RUCHE_GOOGLE_ADS_DEVELOPER_TOKEN"] == "sandbox-credential"
    monkeypatch.setenv("RUCHE_GOOGLE_ADS_DEVELOPER_TOKEN", "mine")
    env = demo.airflow_env(
        demo.DemoPaths(tmp_path),
        demo.DEMO_CONFIG,
        "http://127.0.0.1:9",
        load_config(demo.DEMO_CONFIG),
    )
    assert env["RUCHE_GOOGLE_ADS_DEVELOPER_TOKEN"] == "mine"
