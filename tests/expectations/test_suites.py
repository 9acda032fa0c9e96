"""The audit suites on real landed records: the sandbox world, extracted by the real connectors,
staged into a DuckDB `_stage` relation shaped like the loader's, then audited with GX.

Clean data passes every suite; each critical check catches one seeded bad row and names exactly
that `_row`; warnings never fail a batch; Data Docs and JSON results are written.
GX and the suites are imported lazily (GX takes 6-10 s to import) so collecting other test
modules stays fast.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import time
from pathlib import Path

import duckdb
import pytest

from connectors.base import Window
from connectors.http import RetryPolicy
from connectors.landing import LandingZone
from connectors.runner import extract_account

from ..conftest import NOW

CLIENT = "cafe_lumiere"
END = dt.date(2026, 11, 19)
WINDOW = Window(END - dt.timedelta(days=29), END)
RUN_ID = "gx_test"
FAST_RETRY = RetryPolicy(max_attempts=3, backoff_base=0.001, backoff_max=0.01)

ALL = [
    ("facebook", "page"),
    ("facebook", "posts"),
    ("facebook", "comments"),
    ("facebook", "post_insights"),
    ("facebook", "page_insights"),
    ("facebook", "comment_events"),
    ("instagram", "user"),
    ("instagram", "media"),
    ("instagram", "comments"),
    ("instagram", "media_insights"),
    ("instagram", "user_insights"),
    ("instagram", "comment_events"),
    ("meta_ads", "account"),
    ("meta_ads", "campaigns"),
    ("meta_ads", "adsets"),
    ("meta_ads", "ads"),
    ("meta_ads", "ad_insights"),
    ("google_ads", "customer"),
    ("google_ads", "campaigns"),
    ("google_ads", "ad_groups"),
    ("google_ads", "ads"),
    ("google_ads", "ad_metrics"),
    ("x", "user"),
    ("x", "posts"),
    ("x", "comments"),
    ("linkedin_pages", "network_size"),
    ("linkedin_pages", "posts"),
    ("linkedin_pages", "comments"),
    ("linkedin_pages", "post_statistics"),
    ("linkedin_pages", "share_statistics_daily"),
    ("linkedin_pages", "follower_statistics_daily"),
    ("linkedin_ads", "ad_account"),
    ("linkedin_ads", "campaign_groups"),
    ("linkedin_ads", "campaigns"),
    ("linkedin_ads", "creatives"),
    ("linkedin_ads", "ad_analytics"),
]
PARENT_ENTITY = {
    ("facebook", "comments"): "posts",
    ("facebook", "post_insights"): "posts",
    ("instagram", "comments"): "media",
    ("instagram", "media_insights"): "media",
    ("x", "comments"): "posts",
    ("linkedin_pages", "comments"): "posts",
    ("linkedin_pages", "post_statistics"): "posts",
}


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def landing(sandbox_session, demo_config, world, tmp_path_factory) -> LandingZone:
    """One demo client's 30 days on every registered platform, landed by the real connectors;
    and the entities no connector extracts (Meta's comment webhooks): the sandbox's webhook
    bodies for the window's last two days, parsed and landed by `ruche.events`."""
    sandbox_session.faults.clear()
    zone = LandingZone(str(tmp_path_factory.mktemp("landing")))
    from ruche import platforms as registry

    jobs = {}
    for platform in registry.names():  # CLIENT's account, else the first demo client's
        for client, _p, account in demo_config.iter_accounts(platforms=[platform]):
            if platform not in jobs or client.id == CLIENT:
                jobs[platform] = (client, account)
    for platform, (client, account) in jobs.items():
        result = extract_account(
            client=client,
            platform=platform,
            account=account,
            window=WINDOW,
            landing=zone,
            run_id=RUN_ID,
            token="EAAGsandboxTOKEN-gx",
            base_url=sandbox_session.url,
            retry=FAST_RETRY,
            timeout=(2.0, 5.0),
            sleep=lambda _seconds: None,
        )
        assert result.ok, result.error
    _land_comment_events(zone, demo_config, world, {p: a.id for p, (_c, a) in jobs.items()})
    return zone


def _land_comment_events(zone: LandingZone, config, world, accounts: dict[str, str]) -> None:
    from connectors.sandbox.meta_graph.webhooks import comment_events
    from ruche.events import parse_entry
    from ruche.events.land import _land
    from ruche.webhooks.queue import make_entry

    end = dt.datetime.combine(END, dt.time(), dt.UTC)
    latest = {}
    owners = {(p, a.id): c.id for c, p, a in config.iter_accounts()}
    for number, event in enumerate(comment_events(world, end - dt.timedelta(days=2), end)):
        if accounts.get({"page": "facebook"}.get(event.object, event.object)) != event.account_id:
            continue
        body = {
            "object": event.object,
            "entry": [
                {
                    "id": event.account_id,
                    "time": int(event.at.timestamp()),
                    "changes": [{"field": event.field, "value": event.value}],
                }
            ],
        }
        parsed, _ = parse_entry(make_entry(json.dumps(body).encode()), f"{number}-0")
        latest.update({e.key: e for e in parsed})
    _land(zone, latest, owners, "events_gx", NOW)


@pytest.fixture(scope="module")
def docs_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("gx_docs")


@pytest.fixture(scope="module")
def auditor(docs_dir):
    from expectations.runner import Auditor

    return Auditor(docs_dir=docs_dir)


def stage(con: duckdb.DuckDBPyConnection, landing: LandingZone, platform: str, entity: str):
    """Create `_stage` for one (platform, entity) like the loader does (one row per record,
    manifest columns, `_ruche` context, `_parent_known` against the landed posts/media)."""
    manifests = landing.list_batches(platform, entity)
    assert manifests, f"nothing landed for {platform}/{entity}"
    selects = []
    for m in manifests:
        # The world's clock is when extraction happened (the machine clock may be behind it).
        extracted = max(dt.datetime.fromisoformat(m.extracted_at), NOW).isoformat()
        selects.append(
            f"SELECT json AS record, '{m.data_file}' AS _source_file, "
            f"'{m.client_id}' AS _client_id, '{m.account_id}' AS _account_id, "
            f"'{m.run_id}' AS _run_id, DATE '{m.logical_date}' AS _snapshot_date, "
            f"DATE '{m.window_start}' AS _window_start, DATE '{m.window_end}' AS _window_end, "
            f"TIMESTAMPTZ '{extracted}' AS _extracted_at "
            f"FROM read_ndjson_objects('{landing.path(m.data_file)}')"
        )
    known = "NULL::BOOLEAN"
    parent = PARENT_ENTITY.get((platform, entity))
    if parent:
        files = [landing.path(m.data_file) for m in landing.list_batches(platform, parent)]
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _parents AS SELECT DISTINCT json->>'id' AS id "
            f"FROM read_ndjson_objects({files!r})"
        )
        known = "coalesce(_parent_id IN (SELECT id FROM _parents), false)"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _stage AS
        WITH landed AS ({" UNION ALL ".join(selects)}),
        ctx AS (
            SELECT row_number() OVER () AS _row, *,
                   record->'_ruche'->>'parent_id' AS _parent_id,
                   record->'_ruche'->>'since' AS _since,
                   record->'_ruche'->>'until' AS _until,
                   try_cast(record->'_ruche'->>'day' AS DATE) AS _day
            FROM landed
        )
        SELECT CAST(_row AS BIGINT) AS _row, _source_file, _client_id, _account_id, _run_id,
               _snapshot_date, _window_start, _window_end, _extracted_at, _parent_id, _since,
               _until, _day, {known} AS _parent_known, record
        FROM ctx
        """
    )


def frame(con, suite):
    return con.execute(suite.select_sql("_stage")).df()


def audit_entity(auditor, landing, platform, entity, mutate=None, label=None):
    """Stage, optionally mutate `_stage` (SQL run with the connection), audit. Returns
    (result, connection)."""
    from expectations.suites import suite_for

    suite = suite_for(platform, entity)
    con = duckdb.connect()
    stage(con, landing, platform, entity)
    if mutate:
        mutate(con)
    result = auditor.audit(suite, frame(con, suite), label or f"test {platform}.{entity}")
    return result, con


def one_value(con, sql):
    rows = con.execute(sql).fetchall()
    return rows[0][0]


def pick_row(con, where="true"):
    """A row in the middle of the batch (not the first: duplicates keep the first)."""
    return one_value(con, f"SELECT _row FROM _stage WHERE {where} ORDER BY _row LIMIT 1 OFFSET 3")


def patch(con, row, patch_json):
    con.execute(
        "UPDATE _stage SET record = json_merge_patch(record, ?::JSON) WHERE _row = ?",
        [json.dumps(patch_json), row],
    )


# --- the suites themselves ----------------------------------------------------------------------


def test_one_suite_per_raw_entity_and_well_formed():
    from expectations.suites import SUITES, suite_for

    assert sorted(SUITES) == sorted(ALL)
    assert suite_for("facebook", "comments").name == "facebook.comments"
    assert suite_for("tiktok", "videos") is None
    for suite in SUITES.values():
        assert any(c.severity == "critical" for c in suite.checks), suite.name
        for check in suite.checks:
            assert check.severity in ("critical", "warning")
            assert check.column in suite.columns, (suite.name, check.column)
            assert check.expectation.expectation_type.startswith("expect_")
            assert len(check.reason) > 10
        assert "_row" in suite.select_sql()


@pytest.mark.parametrize(("platform", "entity"), ALL, ids=[f"{p}.{e}" for p, e in ALL])
def test_clean_landed_data_passes_every_suite(auditor, landing, platform, entity):
    result, _ = audit_entity(auditor, landing, platform, entity)
    assert result.rows > 0
    assert result.success, [f.__dict__ for f in result.failures[:5]]
    assert result.failures == []
    assert all(c["success"] for c in result.checks if c["severity"] == "critical")


@pytest.mark.parametrize(("platform", "entity"), ALL, ids=[f"{p}.{e}" for p, e in ALL])
def test_empty_batch_audits_cleanly(auditor, landing, platform, entity):
    result, _ = audit_entity(
        auditor, landing, platform, entity, mutate=lambda con: con.execute("DELETE FROM _stage")
    )
    assert result.rows == 0
    assert result.success and result.failures == [] and result.warnings == []


# --- each critical check catches a seeded bad row -----------------------------------------------


def _missing_id(con):
    row = pick_row(con)
    patch(con, row, {"id": None})
    return row


def _duplicate_in_file(con):
    row = pick_row(con)
    new = one_value(con, "SELECT max(_row) + 1 FROM _stage")
    con.execute(
        f"INSERT INTO _stage SELECT * REPLACE ({new} AS _row) FROM _stage WHERE _row = ?", [row]
    )
    return new


def _bad_timestamp(con):
    row = pick_row(con)
    patch(con, row, {"timestamp": "21/11/2026 16:06"})
    return row


def _future_timestamp(con):
    row = pick_row(con)
    future = one_value(
        con,
        "SELECT strftime(_extracted_at + INTERVAL 1 DAY, '%Y-%m-%dT%H:%M:%S+0000') "
        f"FROM _stage WHERE _row = {row}",
    )
    patch(con, row, {"created_time": future})
    return row


def _negative_count(con):
    row = pick_row(con)
    patch(con, row, {"like_count": -5})
    return row


def _decimal_count(con):
    row = pick_row(con)
    patch(con, row, {"impressions": "3094.5"})
    return row


def _non_numeric_spend(con):
    row = pick_row(con)
    patch(con, row, {"spend": "N/A"})
    return row


def _bad_currency(con):
    row = pick_row(con)
    patch(con, row, {"account_currency": "cad"})
    return row


def _date_outside_window(con):
    row = pick_row(con)
    day = one_value(
        con, f"SELECT CAST(_window_start - 1 AS VARCHAR) FROM _stage WHERE _row = {row}"
    )
    patch(con, row, {"date_start": day, "date_stop": day})
    return row


def _multi_day_row(con):
    row = pick_row(con)
    stop = one_value(
        con,
        f"SELECT CAST(CAST(record->>'date_start' AS DATE) + 1 AS VARCHAR) FROM _stage "
        f"WHERE _row = {row}",
    )
    patch(con, row, {"date_stop": stop})
    return row


def _no_comment_id(con):
    row = pick_row(con)
    patch(con, row, {"comment_id": None})
    return row


def _bad_verb(con):
    row = pick_row(con)
    patch(con, row, {"verb": "liked"})
    return row


def _orphan(con):
    row = pick_row(con)
    con.execute(
        "UPDATE _stage SET _parent_id = _account_id || '_999', _parent_known = false WHERE _row = ?",
        [row],
    )
    return row


def _other_account(con):
    row = one_value(con, "SELECT min(_row) FROM _stage")  # one account node per file
    patch(con, row, {"account_id": "999999999999999"})
    return row


def _negative_daily_value(con):
    row = pick_row(con, "json_array_length(record, '$.values') > 0")
    con.execute(
        "UPDATE _stage SET record = json_merge_patch(record, json_object('values', "
        "[json_object('value', -1, 'end_time', record->'values'->0->>'end_time')])) "
        "WHERE _row = ?",
        [row],
    )
    return row


def _bad_insight_value(con):
    row = pick_row(con)
    patch(con, row, {"values": [{"value": "lots"}]})
    return row


def _bad_action_value(con):
    row = pick_row(con)
    patch(con, row, {"actions": [{"action_type": "link_click", "value": "12", "7d_click": "x"}]})
    return row


SEEDED = [
    # (id, platform, entity, mutation, failing column, expected value or None)
    ("event_without_comment_id", "facebook", "comment_events", _no_comment_id, "comment_id", None),
    ("unknown_event_verb", "instagram", "comment_events", _bad_verb, "verb", "liked"),
    ("missing_id", "facebook", "comments", _missing_id, "id", None),
    ("duplicate_id_in_one_file", "facebook", "posts", _duplicate_in_file, "duplicate_id", "*"),
    ("duplicate_ad_day", "meta_ads", "ad_insights", _duplicate_in_file, "duplicate_ad_day", "*"),
    (
        "unparseable_timestamp",
        "instagram",
        "comments",
        _bad_timestamp,
        "timestamps_invalid",
        "timestamp=21/11/2026 16:06",
    ),
    ("future_timestamp", "facebook", "posts", _future_timestamp, "created_out_of_range", "*"),
    ("negative_count", "instagram", "media", _negative_count, "counts_invalid", "like_count=-5"),
    (
        "decimal_count",
        "meta_ads",
        "ad_insights",
        _decimal_count,
        "counts_invalid",
        "impressions=3094.5",
    ),
    (
        "non_numeric_spend",
        "meta_ads",
        "ad_insights",
        _non_numeric_spend,
        "spend_invalid",
        "spend=N/A",
    ),
    ("bad_currency", "meta_ads", "ad_insights", _bad_currency, "account_currency", "cad"),
    (
        "date_outside_window",
        "meta_ads",
        "ad_insights",
        _date_outside_window,
        "date_outside_window",
        "*",
    ),
    ("multi_day_row", "meta_ads", "ad_insights", _multi_day_row, "dates_invalid", "*"),
    (
        "bad_action_value",
        "meta_ads",
        "ad_insights",
        _bad_action_value,
        "actions_invalid",
        "actions.7d_click=x",
    ),
    ("orphan_comment", "facebook", "comments", _orphan, "orphan_parent_id", "*"),
    ("orphan_insight", "instagram", "media_insights", _orphan, "orphan_parent_id", "*"),
    (
        "bad_insight_value",
        "facebook",
        "post_insights",
        _bad_insight_value,
        "value_invalid",
        '"lots"',
    ),
    (
        "negative_daily_value",
        "facebook",
        "page_insights",
        _negative_daily_value,
        "values_invalid",
        "*",
    ),
    (
        "other_ad_account",
        "meta_ads",
        "account",
        _other_account,
        "other_account_id",
        "999999999999999",
    ),
]


@pytest.mark.parametrize(
    ("platform", "entity", "mutation", "column", "value"),
    [case[1:] for case in SEEDED],
    ids=[case[0] for case in SEEDED],
)
def test_each_critical_check_catches_exactly_the_seeded_row(
    auditor, landing, platform, entity, mutation, column, value
):
    from expectations.suites import suite_for

    seeded = {}

    def mutate(con):
        seeded["row"] = mutation(con)

    result, _ = audit_entity(auditor, landing, platform, entity, mutate=mutate)
    row = seeded["row"]
    assert not result.success
    assert result.failed_rows == {row}
    assert [f.column for f in result.failures] == [column]
    failure = result.failures[0]
    check = next(
        c
        for c in suite_for(platform, entity).checks
        if c.column == column and c.expectation_type == failure.expectation
    )
    assert failure.severity == check.severity == "critical"
    assert failure.reason == check.reason and " " in failure.reason
    if value == "*":
        assert failure.value  # something readable, not NULL
    else:
        assert failure.value == value
    json.dumps(failure.to_dict())  # serialisable
    failed = next(
        c for c in result.checks if c["column"] == column and c["name"] == failure.expectation
    )
    assert failed["unexpected_count"] == 1 and not failed["success"]


# --- warnings -----------------------------------------------------------------------------------


def test_warnings_are_recorded_and_do_not_fail_the_batch(auditor, landing):
    rows = {}

    def mutate(con):
        rows["ctr"] = pick_row(con)
        patch(con, rows["ctr"], {"ctr": "250.0"})
        rows["reach"] = one_value(
            con, f"SELECT _row FROM _stage WHERE _row > {rows['ctr']} LIMIT 1"
        )
        patch(con, rows["reach"], {"reach": "999999999"})
        rows["campaign"] = one_value(
            con, f"SELECT _row FROM _stage WHERE _row > {rows['reach']} LIMIT 1"
        )
        patch(con, rows["campaign"], {"campaign_id": None})

    result, _ = audit_entity(auditor, landing, "meta_ads", "ad_insights", mutate=mutate)
    assert result.success and result.failures == [] and result.failed_rows == set()
    found = {(w.row, w.column) for w in result.warnings}
    assert (rows["ctr"], "ctr") in found
    assert (rows["reach"], "reach_minus_impressions") in found
    assert (rows["campaign"], "campaign_id") in found
    assert all(w.severity == "warning" for w in result.warnings)


def test_real_comments_without_text_are_warnings_only(auditor, landing):
    def mutate(con):
        patch(con, pick_row(con), {"message": None, "from": None})

    result, _ = audit_entity(auditor, landing, "facebook", "comments", mutate=mutate)
    assert result.success
    columns = {w.column for w in result.warnings}
    assert {"text_length", "author_known"} <= columns
    assert all(w.value is None or w.value is False for w in result.warnings)  # no personal data


# --- runner behaviour ---------------------------------------------------------------------------


def test_audit_time_on_3000_comments(auditor, landing):
    """The figure the README quotes: auditing ~3,000 real comment rows."""
    from expectations.suites import suite_for

    suite = suite_for("facebook", "comments")
    con = duckdb.connect()
    stage(con, landing, "facebook", "comments")
    # Three extraction files' worth of the real comments (ids unique per file, as landed).
    con.execute(
        "CREATE TEMP TABLE _stage3 AS SELECT * EXCLUDE (k) REPLACE "
        "(_row + k * 100000 AS _row, _source_file || CAST(k AS VARCHAR) AS _source_file) "
        "FROM _stage, range(3) t(k)"
    )
    df = con.execute(suite.select_sql("_stage3")).df().head(3000)
    assert len(df) == 3000
    started = time.perf_counter()
    result = auditor.audit(suite, df, "timing")
    seconds = time.perf_counter() - started
    print(f"\naudit of {len(df)} comments: {seconds:.3f}s ({len(df) / seconds:,.0f} rows/s)")
    assert result.success
    assert seconds < 5


def test_a_batch_failing_on_every_row(landing, tmp_path):
    """Every comment fails a warning (no text) and every tenth a critical check: each row is
    named with its value, fast (GX is not asked for the values), and the stored result keeps
    GX's value fields, cut to STORED_UNEXPECTED_MAX."""
    from expectations.runner import STORED_UNEXPECTED_MAX, Auditor
    from expectations.suites import suite_for

    suite = suite_for("facebook", "comments")
    con = duckdb.connect()
    stage(con, landing, "facebook", "comments")
    con.execute("UPDATE _stage SET record = json_merge_patch(record, '{\"message\": null}')")
    con.execute(
        "UPDATE _stage SET record = json_merge_patch(record, '{\"like_count\": -5}') "
        "WHERE _row % 10 = 0"
    )
    df = frame(con, suite)
    fresh = Auditor()  # no docs_dir: results are still kept for save_results
    started = time.perf_counter()
    result = fresh.audit(suite, df, "every row")
    seconds = time.perf_counter() - started
    print(f"\naudit of {len(df)} comments all failing a check: {seconds:.3f}s")
    rows = set(df["_row"])
    bad = {r for r in rows if r % 10 == 0}
    assert {w.row for w in result.warnings if w.column == "text_length"} == rows
    assert result.failed_rows == bad and len(result.failures) == len(bad)
    assert {f.value for f in result.failures} == {"like_count=-5"}
    assert [f.row for f in result.failures] == sorted(bad)
    assert seconds < 5

    (path,) = fresh.save_results(tmp_path)
    stored = json.loads(path.read_text(encoding="utf-8"))
    by_column = {
        r["expectation_config"]["kwargs"]["column"]: r["result"] for r in stored["results"]
    }
    counts = by_column["counts_invalid"]
    assert counts["unexpected_count"] == len(bad)
    assert len(counts["unexpected_index_list"]) == min(len(bad), STORED_UNEXPECTED_MAX)
    first = counts["unexpected_index_list"][0]
    assert first == {"counts_invalid": "like_count=-5", "_row": min(bad)}
    assert counts["partial_unexpected_counts"][0]["value"] == "like_count=-5"
    assert counts["unexpected_index_query"] is None
    assert by_column["text_length"]["unexpected_count"] == len(rows)


def test_row_ids_must_be_unique(auditor, landing):
    from expectations.runner import AuditError
    from expectations.suites import suite_for

    suite = suite_for("facebook", "posts")
    con = duckdb.connect()
    stage(con, landing, "facebook", "posts")
    df = frame(con, suite)
    assert len(df) > 1
    df["_row"] = 1
    with pytest.raises(AuditError, match="not unique"):
        auditor.audit(suite, df, "duplicate rows")


def test_failure_values_are_json_and_truncated(auditor, landing):
    from expectations.runner import VALUE_MAX_CHARS, jsonable

    def mutate(con):
        patch(con, pick_row(con), {"spend": "9" * 50 + "x" * 500})

    result, _ = audit_entity(auditor, landing, "meta_ads", "ad_insights", mutate=mutate)
    (failure,) = result.failures
    assert len(failure.value) <= VALUE_MAX_CHARS
    json.dumps([f.to_dict() for f in result.failures + result.warnings])
    import numpy as np

    assert jsonable(np.int64(3)) == 3 and jsonable(float("nan")) is None
    assert jsonable(np.bool_(False)) is False


def test_missing_columns_are_an_error_not_a_pass(auditor):
    import pandas as pd

    from expectations.runner import AuditError
    from expectations.suites import suite_for

    with pytest.raises(AuditError, match="lacks column"):
        auditor.audit(suite_for("facebook", "posts"), pd.DataFrame({"_row": [1]}), "broken")


def test_data_docs_and_json_results_are_written(auditor, landing, docs_dir, tmp_path):
    def mutate(con):
        patch(con, pick_row(con), {"spend": "N/A"})

    result, _ = audit_entity(
        auditor, landing, "meta_ads", "ad_insights", mutate=mutate, label="cafe docs check"
    )
    index = auditor.build_data_docs()
    assert index == docs_dir / "index.html" and index.exists()
    html = index.read_text(encoding="utf-8")
    assert "meta_ads.ad_insights" in html and "cafe_docs_check" in html
    pages = list((docs_dir / "validations" / "meta_ads" / "ad_insights").rglob("*.html"))
    page = next(p for p in pages if "cafe_docs_check" in str(p)).read_text(encoding="utf-8")
    assert "spend missing, not a decimal number, or negative" in page
    assert "spend=N/A" in page
    assert (docs_dir / "expectations" / "facebook" / "comments.html").exists()
    # Ruche's own page (no CDN, no script) shows the same finding, with its sample value.
    report = (docs_dir / "report.html").read_text(encoding="utf-8")
    assert "<script" not in report and "http" not in report
    assert "<td>meta_ads.ad_insights</td><td><code>cafe_docs_check</code></td>" in report
    finding = report.split("<h3>meta_ads.ad_insights</h3>", 1)[1].split("</table>", 1)[0]
    assert "spend missing, not a decimal number, or negative" in finding
    assert "<td>critical</td>" in finding and "N/A" in finding
    assert '<span class="fail">failed</span>' in report

    paths = auditor.save_results(tmp_path / "results")
    assert paths and all(p.suffix == ".json" for p in paths)
    saved = [json.loads(p.read_text(encoding="utf-8")) for p in paths]
    mine = [s for s in saved if s["meta"]["ruche"]["label"] == "cafe docs check"]
    assert len(mine) == 1 and mine[0]["success"] is False
    assert mine[0]["meta"]["ruche"]["failed_rows"] == len(result.failed_rows) == 1


def test_a_later_auditor_adds_to_the_same_data_docs(landing, docs_dir, auditor):
    from expectations.runner import Auditor

    auditor.build_data_docs()
    before = len(list((docs_dir / "validations").rglob("*.html")))
    later = Auditor(docs_dir=docs_dir)
    result, _ = audit_entity(later, landing, "facebook", "page", label="tomorrow")
    assert result.success
    later.build_data_docs()
    after = list((docs_dir / "validations").rglob("*.html"))
    assert len(after) == before + 1
    assert "tomorrow" in (docs_dir / "index.html").read_text(encoding="utf-8")


def test_no_network_is_used(landing, monkeypatch):
    """GX analytics are off and nothing else phones home: creating an auditor, auditing and
    building docs make no connection outside loopback."""
    from expectations.runner import Auditor

    attempts = []
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else str(address)
        if host not in ("127.0.0.1", "::1", "localhost"):
            attempts.append(address)
            raise OSError("network disabled in this test")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    fresh = Auditor()
    result, _ = audit_entity(fresh, landing, "instagram", "user")
    assert result.success
    assert fresh.build_data_docs() is None  # no docs_dir, no site
    assert attempts == []
