"""The DuckDB load: idempotent, latest extraction wins, one transaction, quarantine per file."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import pytest

from connectors.landing import LandingZone
from ruche.load import Loader, connect

from ..conftest import DEMO_CONFIG

D1 = dt.date(2026, 11, 18)
D2 = dt.date(2026, 11, 19)
PAGE = "104000000000001"


def land(
    zone, entity, records, *, run_id, logical_date, extracted_at, account=PAGE, platform="facebook"
):
    with zone.batch(
        platform=platform,
        entity=entity,
        client_id="cafe_lumiere",
        account_id=account,
        run_id=run_id,
        logical_date=logical_date,
        window=(logical_date - dt.timedelta(days=28), logical_date),
        requested=(logical_date, logical_date),
        api_version="v25.0",
        extracted_at=extracted_at,
    ) as batch:
        batch.write_many(records)
        return batch.commit()


def comment(cid, message, post="104000000000001_1", **extra):
    return {
        "id": cid,
        "message": message,
        "created_time": "2026-11-18T14:00:00+0000",
        "from": {"id": "555", "name": "Zoé"},
        "is_hidden": False,
        "_ruche": {"parent_id": post},
        **extra,
    }


def snapshot(con, table):
    return con.execute(f"SELECT * EXCLUDE (_loaded_at) FROM {table} ORDER BY _key").fetchall()


@pytest.fixture
def setup(tmp_path):
    zone = LandingZone(str(tmp_path / "landing"))
    con = connect(tmp_path / "wh.duckdb")
    yield zone, con
    con.close()


T1 = dt.datetime(2026, 11, 19, 7, tzinfo=dt.UTC)
T2 = dt.datetime(2026, 11, 20, 7, tzinfo=dt.UTC)


@pytest.mark.parametrize("batch_records", [1_000_000, 1], ids=["one-batch", "file-per-batch"])
def test_overlapping_runs_keep_one_row_per_record_latest_wins(setup, monkeypatch, batch_records):
    # a backfill larger than a batch is loaded batch by batch: the same rows win
    monkeypatch.setattr("ruche.load.files.LOAD_BATCH_RECORDS", batch_records)
    zone, con = setup
    land(
        zone,
        "comments",
        [comment("1_a", "v1"), comment("1_b", "b")],
        run_id="r1",
        logical_date=D1,
        extracted_at=T1,
    )
    land(
        zone,
        "comments",
        [comment("1_a", "v2 edited")],
        run_id="r2",
        logical_date=D2,
        extracted_at=T2,
    )
    report = Loader(con, zone, audit=False).load()
    assert report.loaded == 3 and report.quarantined == 0
    rows = con.execute(
        "SELECT record->>'id', record->>'message', _run_id FROM raw_facebook.comments ORDER BY 1"
    ).fetchall()
    assert rows == [("1_a", "v2 edited", "r2"), ("1_b", "b", "r1")]
    ledger = con.execute(
        "SELECT run_id, records_in_manifest, records_loaded FROM ops.load_ledger ORDER BY 1"
    ).fetchall()
    assert ledger == [("r1", 2, 2), ("r2", 1, 1)]


def test_an_older_extraction_loaded_late_never_wins(setup):
    zone, con = setup
    land(zone, "comments", [comment("1_a", "new")], run_id="r2", logical_date=D2, extracted_at=T2)
    Loader(con, zone, audit=False).load()
    land(zone, "comments", [comment("1_a", "old")], run_id="r1", logical_date=D1, extracted_at=T1)
    report = Loader(con, zone, audit=False).load()
    assert len(report.files) == 1  # only the new file is read
    assert con.execute("SELECT record->>'message' FROM raw_facebook.comments").fetchall() == [
        ("new",)
    ]


def test_snapshot_entities_keep_one_row_per_run_date(setup):
    zone, con = setup
    post = {"id": "104000000000001_1", "created_time": "2026-11-17T10:00:00+0000"}
    land(
        zone,
        "posts",
        [post | {"shares": {"count": 1}}],
        run_id="r1",
        logical_date=D1,
        extracted_at=T1,
    )
    land(
        zone,
        "posts",
        [post | {"shares": {"count": 4}}],
        run_id="r2",
        logical_date=D2,
        extracted_at=T2,
    )
    land(
        zone,
        "posts",
        [post | {"shares": {"count": 5}}],
        run_id="r2b",
        logical_date=D2,
        extracted_at=T2 + dt.timedelta(hours=1),
    )
    Loader(con, zone, audit=False).load()
    rows = con.execute(
        "SELECT _snapshot_date, record->'shares'->>'count' FROM raw_facebook.posts ORDER BY 1"
    ).fetchall()
    assert rows == [(D1, "1"), (D2, "5")]  # a re-run of the same date replaces its snapshot


def test_an_unchanged_record_keeps_its_first_load(setup):
    zone, con = setup
    land(zone, "comments", [comment("1_a", "same")], run_id="r1", logical_date=D1, extracted_at=T1)
    Loader(con, zone, audit=False).load()
    before = con.execute("SELECT _run_id, _loaded_at FROM raw_facebook.comments").fetchall()
    land(zone, "comments", [comment("1_a", "same")], run_id="r2", logical_date=D1, extracted_at=T2)
    Loader(con, zone, audit=False).load()
    assert con.execute("SELECT _run_id, _loaded_at FROM raw_facebook.comments").fetchall() == before


def test_loading_the_same_files_again_changes_nothing(setup):
    zone, con = setup
    land(
        zone,
        "comments",
        [comment("1_a", "x"), comment("1_b", "y")],
        run_id="r1",
        logical_date=D1,
        extracted_at=T1,
    )
    loader = Loader(con, zone, audit=False)
    first = loader.load()
    before = snapshot(con, "raw_facebook.comments")
    again = loader.load()
    assert again.files == [] and again.skipped == 1
    forced = loader.load(manifests=zone.list_batches())  # re-read the files on purpose
    assert forced.loaded == first.loaded
    assert snapshot(con, "raw_facebook.comments") == before


def test_a_crash_mid_load_leaves_nothing_half_visible(setup, monkeypatch):
    zone, con = setup
    land(zone, "comments", [comment("1_a", "x")], run_id="r1", logical_date=D1, extracted_at=T1)
    Loader(con, zone, audit=False).load()
    before = snapshot(con, "raw_facebook.comments")
    ledger_before = con.execute("SELECT count(*) FROM ops.load_ledger").fetchone()
    land(
        zone,
        "comments",
        [comment("1_a", "changed"), comment("1_c", "new")],
        run_id="r2",
        logical_date=D2,
        extracted_at=T2,
    )

    def die(*args, **kwargs):
        raise RuntimeError("killed between merge and ledger")

    monkeypatch.setattr("ruche.load.merge.write_ledger", die)
    with pytest.raises(RuntimeError):
        Loader(con, zone, audit=False).load()
    assert snapshot(con, "raw_facebook.comments") == before
    assert con.execute("SELECT count(*) FROM ops.load_ledger").fetchone() == ledger_before
    monkeypatch.undo()
    report = Loader(con, zone, audit=False).load()
    assert report.loaded == 2
    assert con.execute("SELECT count(*) FROM raw_facebook.comments").fetchone() == (2,)


def test_a_corrupt_file_is_quarantined_whole_and_others_load(setup):
    zone, con = setup
    good = land(
        zone, "comments", [comment("1_a", "x")], run_id="r1", logical_date=D1, extracted_at=T1
    )
    bad = land(
        zone,
        "comments",
        [comment("2_a", "y")],
        run_id="r1",
        logical_date=D1,
        extracted_at=T1,
        account="104000000000002",
    )
    truncated = land(
        zone,
        "comments",
        [comment("3_a", "z")],
        run_id="r1",
        logical_date=D1,
        extracted_at=T1,
        account="104000000000003",
    )
    path = zone.path(bad.data_file)
    with open(path, "r+b") as handle:  # flip bytes after landing
        handle.seek(20)
        handle.write(b"\x00\x00\x00")
    # A file that is complete gzip but not JSON, with a manifest that matches it.
    import hashlib
    import json

    from connectors.landing import Manifest

    raw = gzip.compress(b'{"id": "3_a", "message": \n')
    with open(zone.path(truncated.data_file), "wb") as handle:
        handle.write(raw)
    fields = json.loads(truncated.to_json()) | {"sha256": hashlib.sha256(raw).hexdigest()}
    with open(zone.path(truncated.manifest_file), "w") as handle:
        handle.write(Manifest(**fields).to_json())
    report = Loader(con, zone, audit=False).load()
    status = dict(con.execute("SELECT account_id, status FROM ops.load_ledger").fetchall())
    assert status == {
        PAGE: "loaded",
        "104000000000002": "quarantined",
        "104000000000003": "quarantined",
    }
    reasons = dict(con.execute("SELECT account_id, reason FROM ops.quarantine").fetchall())
    assert "checksum does not match" in reasons["104000000000002"]
    # a whole gzip stream whose only line is cut: that line is quarantined, by its number
    assert reasons["104000000000003"].startswith("line is not valid JSON (")
    assert con.execute("SELECT record->>'id' FROM raw_facebook.comments").fetchall() == [("1_a",)]
    assert any(
        "client cafe_lumiere, facebook comments, account 104000000000002" in p
        for p in report.problems
    )
    # landed = loaded + quarantined, for every file
    for landed, loaded, quarantined in con.execute(
        "SELECT records_in_manifest, records_loaded, records_quarantined FROM ops.load_ledger"
    ).fetchall():
        assert landed == loaded + quarantined
    assert good.record_count == 1


def test_new_and_missing_api_fields(setup):
    zone, con = setup
    new_field = comment("1_a", "x", brand_new_field={"nested": [1, 2]})
    missing = comment("1_b", "y")
    del missing["created_time"]
    land(zone, "comments", [new_field, missing], run_id="r1", logical_date=D1, extracted_at=T1)
    report = Loader(con, zone, audit=False).load()
    assert report.loaded == 2
    stored = con.execute(
        "SELECT record->'brand_new_field'->'nested'->>0, record->>'created_time' FROM raw_facebook.comments ORDER BY _key"
    ).fetchall()
    assert stored == [("1", "2026-11-18T14:00:00+0000"), (None, None)]
    [(missing_fields,)] = con.execute("SELECT missing_fields FROM ops.load_ledger").fetchall()
    assert missing_fields == ["created_time"]
    assert any("created_time" in p and "loaded as null" in p for p in report.problems)


@pytest.mark.parametrize("slice_rows", [200_000, 2], ids=["one-slice", "audited-in-slices"])
def test_bad_rows_are_quarantined_with_reasons_while_other_accounts_load(
    setup, monkeypatch, slice_rows
):
    # a large batch is audited in slices of `_row`: the findings are the same
    monkeypatch.setattr("ruche.load.audit.AUDIT_SLICE_ROWS", slice_rows)
    zone, con = setup
    posts = [{"id": f"{PAGE}_1", "created_time": "2026-11-17T10:00:00+0000"}]
    land(zone, "posts", posts, run_id="r1", logical_date=D1, extracted_at=T1)
    other = "104000000000002"
    land(
        zone,
        "posts",
        [{"id": f"{other}_9", "created_time": "2026-11-17T10:00:00+0000"}],
        run_id="r1",
        logical_date=D1,
        extracted_at=T1,
        account=other,
    )
    good = comment("1_a", "fine", post=f"{PAGE}_1")
    no_id = comment("1_b", "no id", post=f"{PAGE}_1")
    del no_id["id"]
    bad_time = comment("1_c", "bad time", post=f"{PAGE}_1", created_time="yesterday-ish")
    orphan = comment("1_d", "orphan", post=f"{PAGE}_404")
    land(
        zone,
        "comments",
        [good, no_id, bad_time, orphan],
        run_id="r1",
        logical_date=D1,
        extracted_at=T1,
    )
    land(
        zone,
        "comments",
        [comment("9_a", "other account", post=f"{other}_9")],
        run_id="r1",
        logical_date=D1,
        extracted_at=T1,
        account=other,
    )
    report = Loader(con, zone, audit=True).load()
    ledger = {
        (row[0], row[1]): row[2:]
        for row in con.execute(
            "SELECT entity, account_id, records_loaded, records_quarantined, status "
            "FROM ops.load_ledger"
        ).fetchall()
    }
    assert ledger[("comments", PAGE)] == (1, 3, "partial")
    assert ledger[("comments", other)] == (1, 0, "loaded")
    reasons = con.execute(
        "SELECT row_number, expectation, reason FROM ops.quarantine ORDER BY row_number"
    ).fetchall()
    assert {r[0] for r in reasons} == {2, 3, 4}  # the lines of the file
    text = " ".join(r[2] for r in reasons).lower()
    assert "id" in text and "created_time" in text and "post" in text
    loaded = con.execute("SELECT record->>'id' FROM raw_facebook.comments ORDER BY 1").fetchall()
    assert loaded == [("1_a",), ("9_a",)]
    problem = next(p for p in report.problems if "3 of 4 rows quarantined" in p)
    assert "client cafe_lumiere, facebook comments, account 104000000000001" in problem


def rewrite(zone, manifest, raw, **fields):
    """Replace a landed file by `raw` (gzip bytes), with a manifest that matches its checksum."""
    import hashlib
    import json

    from connectors.landing import Manifest

    with open(zone.path(manifest.data_file), "wb") as handle:
        handle.write(raw)
    fields = json.loads(manifest.to_json()) | {"sha256": hashlib.sha256(raw).hexdigest()} | fields
    with open(zone.path(manifest.manifest_file), "w") as handle:
        handle.write(Manifest(**fields).to_json())


def accounts_landed(zone, records_by_account):
    return [
        land(
            zone,
            "comments",
            records,
            run_id="r1",
            logical_date=D1,
            extracted_at=T1,
            account=account,
        )
        for account, records in records_by_account.items()
    ]


def test_a_record_count_mismatch_quarantines_only_that_file(setup):
    zone, con = setup
    a, b, c = PAGE, "104000000000002", "104000000000003"
    _, short, _ = accounts_landed(
        zone,
        {
            a: [comment("1_a", "x"), comment("1_b", "y")],
            b: [comment("2_a", "x"), comment("2_b", "y")],
            c: [comment("3_a", "x")],
        },
    )
    rewrite(zone, short, gzip.compress(b'{"id": "2_a"}\n'), record_count=2)  # one line lost
    report = Loader(con, zone, audit=False).load()
    ledger = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT account_id, records_read, records_loaded, records_quarantined, status "
            "FROM ops.load_ledger"
        ).fetchall()
    }
    assert ledger == {a: (2, 2, 0, "loaded"), b: (0, 0, 2, "quarantined"), c: (1, 1, 0, "loaded")}
    [(row_number, reason)] = con.execute(
        "SELECT row_number, reason FROM ops.quarantine WHERE account_id = ?", [b]
    ).fetchall()
    assert row_number is None and reason == "record count 1 differs from the manifest's 2"
    loaded = con.execute("SELECT record->>'id' FROM raw_facebook.comments ORDER BY 1").fetchall()
    assert loaded == [("1_a",), ("1_b",), ("3_a",)]
    assert report.loaded == 3 and report.quarantined == 2
    assert any(f"account {b}" in p and "record count 1 differs" in p for p in report.problems)


def test_an_unparseable_file_among_good_ones_is_found_file_by_file(setup):
    zone, con = setup
    a, b, c, d = PAGE, "104000000000002", "104000000000003", "104000000000004"
    _, broken, _, miscounted = accounts_landed(
        zone,
        {
            a: [comment("1_a", "x")],
            b: [comment("2_a", "x"), comment("2_b", "y")],
            c: [comment("3_a", "x"), comment("3_b", "y")],
            d: [comment("4_a", "x")],
        },
    )
    rewrite(zone, broken, gzip.compress(b'{"id": "2_a"}\n{"id": "2_b", \n'))
    rewrite(zone, miscounted, gzip.compress(b'{"id": "4_a"}\n'), record_count=3)
    report = Loader(con, zone, audit=False).load()
    status = dict(con.execute("SELECT account_id, status FROM ops.load_ledger").fetchall())
    assert status == {a: "loaded", b: "partial", c: "loaded", d: "quarantined"}
    reasons = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT account_id, row_number, reason FROM ops.quarantine"
        ).fetchall()
    }
    assert reasons[b][0] == 2 and reasons[b][1].startswith("line is not valid JSON (")
    assert reasons[d] == (None, "record count 1 differs from the manifest's 3")
    loaded = con.execute("SELECT record->>'id' FROM raw_facebook.comments ORDER BY 1").fetchall()
    assert loaded == [("1_a",), ("2_a",), ("3_a",), ("3_b",)]
    for landed, loaded_n, quarantined in con.execute(
        "SELECT records_in_manifest, records_loaded, records_quarantined FROM ops.load_ledger"
    ).fetchall():
        assert landed == loaded_n + quarantined
    assert report.loaded == 4 and report.quarantined == 1 + 3


def test_every_file_unparseable_loads_nothing_and_quarantines_each(setup):
    zone, con = setup
    first, second = accounts_landed(
        zone, {PAGE: [comment("1_a", "x")], "104000000000002": [comment("2_a", "x")]}
    )
    rewrite(zone, first, gzip.compress(b"not json\n"))
    rewrite(zone, second, b"not even gzip")
    report = Loader(con, zone, audit=False).load()
    assert [f.status for f in report.files] == ["quarantined", "quarantined"]
    assert report.files[0].error is None and report.files[0].bad_lines == [1]
    assert report.files[1].error.startswith("unparseable file: ")
    assert con.execute("SELECT count(*) FROM raw_facebook.comments").fetchone() == (0,)


def test_a_key_repeated_in_one_file_keeps_its_last_line(setup):
    zone, con = setup
    land(
        zone,
        "comments",
        [comment("1_a", "first"), comment("1_b", "b"), comment("1_a", "last")],
        run_id="r1",
        logical_date=D1,
        extracted_at=T1,
    )
    report = Loader(con, zone, audit=False).load()
    assert report.loaded == 3  # read and kept; the merge keeps one row per key
    rows = con.execute(
        "SELECT record->>'id', record->>'message' FROM raw_facebook.comments ORDER BY 1"
    ).fetchall()
    assert rows == [("1_a", "last"), ("1_b", "b")]


def test_quarantined_rows_are_reported_by_their_line_in_their_own_file(setup):
    zone, con = setup
    other = "104000000000002"
    for account in (PAGE, other):
        land(
            zone,
            "posts",
            [{"id": f"{account}_1", "created_time": "2026-11-17T10:00:00+0000"}],
            run_id="r1",
            logical_date=D1,
            extracted_at=T1,
            account=account,
        )
    no_id = comment("2_b", "no id", post=f"{other}_1")
    del no_id["id"]
    _, second = accounts_landed(
        zone,
        {
            PAGE: [comment(f"1_{i}", "fine", post=f"{PAGE}_1") for i in "abc"],
            other: [
                comment("2_a", "fine", post=f"{other}_1"),
                no_id,
                comment("2_c", "fine", post=f"{other}_1"),
                comment("2_d", "bad time", post=f"{other}_1", created_time="soon"),
            ],
        },
    )
    Loader(con, zone, audit=True).load()
    rows = con.execute("SELECT DISTINCT data_file, row_number FROM ops.quarantine").fetchall()
    assert sorted(rows) == [(second.data_file, 2), (second.data_file, 4)]
    ledger = con.execute(
        "SELECT records_loaded, records_quarantined FROM ops.load_ledger "
        "WHERE entity = 'comments' ORDER BY account_id"
    ).fetchall()
    assert ledger == [(3, 0), (2, 2)]


def test_the_load_runs_under_a_memory_limit(setup, monkeypatch):
    zone, con = setup
    land(zone, "comments", [comment("1_a", "x")], run_id="r1", logical_date=D1, extracted_at=T1)
    limit = "SELECT current_setting('memory_limit')"
    monkeypatch.delenv("RUCHE_LOAD_MEMORY_LIMIT", raising=False)
    assert Loader(con, zone, audit=False).load().loaded == 1
    assert con.execute(limit).fetchone()[0] == "953.6 MiB"  # the 1GB default

    monkeypatch.setenv("RUCHE_LOAD_MEMORY_LIMIT", "256MB")
    Loader(con, zone, audit=False)
    assert con.execute(limit).fetchone()[0] == "244.1 MiB"

    monkeypatch.setenv("RUCHE_LOAD_MEMORY_LIMIT", "lots")
    with pytest.raises(ValueError, match=r"RUCHE_LOAD_MEMORY_LIMIT='lots'.*e\.g\. 1GB"):
        Loader(con, zone, audit=False)
    assert con.execute(limit).fetchone()[0] == "244.1 MiB"  # unchanged


# ---------------------------------------------------------------- real landings from the sandbox
# The tests below load what the real Facebook connector lands from the sandbox over HTTP.

FB_WINDOW_END = dt.date(2026, 11, 19)


def extract_facebook(zone, sandbox, config, run_id="r1"):
    """cafe_lumiere's Facebook Page, 17-19 Nov, landed by the real connector."""
    from connectors.base import Window
    from connectors.http import RetryPolicy
    from connectors.runner import extract_account

    client = config.clients[0]
    [account] = client.accounts.by_platform()["facebook"]
    result = extract_account(
        client=client,
        platform="facebook",
        account=account,
        window=Window(FB_WINDOW_END - dt.timedelta(days=2), FB_WINDOW_END),
        landing=zone,
        run_id=run_id,
        token="EAAGsandboxTOKEN-load",
        base_url=sandbox.url,
        retry=RetryPolicy(max_attempts=3, backoff_base=0.001, backoff_max=0.01),
        timeout=(2.0, 5.0),
        sleep=lambda _seconds: None,
    )
    assert result.ok, result.error
    return {m.entity: m for m in result.manifests}


def lines_of(zone, manifest):
    with open(zone.path(manifest.data_file), "rb") as handle:
        return gzip.decompress(handle.read()).splitlines()


def current_ledger(con):
    """The current ledger row of every file (the rows no later load superseded)."""
    return con.execute(
        "SELECT data_file, status, records_in_manifest, records_loaded, records_quarantined "
        "FROM ops.load_ledger WHERE superseded_by IS NULL ORDER BY data_file"
    ).fetchall()


def assert_ledger_balances(con, zone):
    """landed = loaded + quarantined for every file, one current row per landed file, and the
    raw table holds each loaded record once."""
    rows = current_ledger(con)
    assert [r[0] for r in rows] == sorted(m.data_file for m in zone.list_batches())
    for _file, _status, landed, loaded, quarantined in rows:
        assert landed == loaded + quarantined
    [(dupes,)] = con.execute(
        "SELECT count(*) - count(DISTINCT _key) FROM raw_facebook.comments"
    ).fetchall()
    assert dupes == 0


def test_a_file_restored_after_its_quarantine_is_loaded(setup, sandbox, demo_config):
    zone, con = setup
    landed = extract_facebook(zone, sandbox, demo_config)
    comments = landed["comments"]
    path = zone.path(comments.data_file)
    with open(path, "rb") as handle:
        original = handle.read()
    with open(path, "r+b") as handle:  # damaged in the landing zone (disk, sync, hand edit)
        handle.seek(40)
        handle.write(b"\x00\x00\x00")

    first = Loader(con, zone, audit=False).load()
    assert {f.manifest.entity: f.status for f in first.files}["comments"] == "quarantined"
    again = Loader(con, zone, audit=False).load()  # nothing changed: not read again
    assert again.files == [] and again.skipped_quarantined == 1

    with open(path, "wb") as handle:  # the intact file restored from a backup
        handle.write(original)
    restored = Loader(con, zone, audit=False).load()
    [outcome] = restored.files
    assert outcome.manifest.entity == "comments" and outcome.status == "loaded"
    assert outcome.retried and restored.retried == 1
    assert outcome.loaded == comments.record_count
    assert con.execute("SELECT count(*) FROM raw_facebook.comments").fetchone() == (
        comments.record_count,
    )
    # the earlier quarantine is history now: superseded by the load that read the file again
    [(live, superseded)] = con.execute(
        "SELECT count(*) FILTER (WHERE superseded_by IS NULL), "
        "count(*) FILTER (WHERE superseded_by = ?) FROM ops.quarantine",
        [restored.load_id],
    ).fetchall()
    assert (live, superseded) == (0, 1)
    assert_ledger_balances(con, zone)
    assert Loader(con, zone, audit=False).load().files == []  # and loaded once


def test_a_manifest_seen_before_its_data_file_loads_when_the_file_arrives(
    setup, sandbox, demo_config
):
    zone, con = setup
    landed = extract_facebook(zone, sandbox, demo_config)
    comments = landed["comments"]
    path = zone.path(comments.data_file)
    aside = path + ".elsewhere"
    import os

    os.rename(path, aside)  # a sync that copied the manifest first
    first = Loader(con, zone, audit=False).load()
    missing = next(f for f in first.files if f.manifest.entity == "comments")
    assert missing.status == "quarantined" and "data file missing" in missing.error
    assert any("its manifest arrived first" in p for p in first.problems)
    assert Loader(con, zone, audit=False).load().files == []  # still missing: nothing new

    os.rename(aside, path)
    arrived = Loader(con, zone, audit=False).load()
    assert [(f.manifest.entity, f.status, f.retried) for f in arrived.files] == [
        ("comments", "loaded", True)
    ]
    assert_ledger_balances(con, zone)


def test_retry_quarantined_reads_again_a_file_an_earlier_load_could_not(
    tmp_path, sandbox, demo_config, monkeypatch
):
    """`ruche load --retry-quarantined`: a file quarantined whole and unchanged since (here by
    a loader that could not read a file with one bad line, as Ruche before line-level
    quarantine) is read again on request, and only then."""
    from typer.testing import CliRunner

    from ruche.cli import app

    zone = LandingZone(str(tmp_path / "landing"))
    comments = extract_facebook(zone, sandbox, demo_config)["comments"]
    lines = lines_of(zone, comments)
    lines[2] = lines[2][: len(lines[2]) // 2]  # one line cut in half
    rewrite(zone, comments, gzip.compress(b"\n".join(lines) + b"\n"))
    warehouse = tmp_path / "wh.duckdb"
    monkeypatch.setattr("ruche.load.files.salvage", lambda *args: False)  # the old loader
    con = connect(warehouse)
    Loader(con, zone, audit=False).load()
    con.close()
    monkeypatch.undo()
    monkeypatch.setenv("RUCHE_DOCS_DIR", str(tmp_path / "docs"))

    args = ["load", "--config", str(DEMO_CONFIG), "--landing", zone.root, "--no-audit"]
    args += ["--warehouse", str(warehouse)]
    plain = CliRunner().invoke(app, args)
    said = " ".join(plain.output.split())  # rich wraps long lines
    assert plain.exit_code == 0, plain.output
    assert "0 file(s)" in said and "1 file(s) quarantined whole by an earlier load" in said
    assert "run: ruche load --retry-quarantined" in said

    retried = CliRunner().invoke(app, [*args, "--retry-quarantined"])
    said = " ".join(retried.output.split())
    assert "1 file(s), 1 quarantined earlier and read again" in said, retried.output
    assert (
        f"1 of {comments.record_count} rows quarantined — line_is_json (1 line not a JSON object: line 3"
        in said
    )
    assert retried.exit_code == 1  # a line is still quarantined, by its number
    con = connect(warehouse)
    try:
        assert con.execute(
            "SELECT row_number FROM ops.quarantine WHERE superseded_by IS NULL"
        ).fetchall() == [(3,)]
        assert con.execute("SELECT count(*) FROM raw_facebook.comments").fetchone() == (
            comments.record_count - 1,
        )
        assert_ledger_balances(con, zone)
    finally:
        con.close()


def test_invalid_json_lines_are_quarantined_by_line_and_the_rest_loads(setup, sandbox, demo_config):
    zone, con = setup
    comments = extract_facebook(zone, sandbox, demo_config)["comments"]
    lines = lines_of(zone, comments)
    lines[4] = lines[4][:-7]  # cut short
    lines[99] = b'{"id": "1040_x", "message": "caf\xe9"}'  # not UTF-8
    rewrite(zone, comments, gzip.compress(b"\n".join(lines) + b"\n"))

    report = Loader(con, zone, audit=True).load()
    outcome = next(f for f in report.files if f.manifest.entity == "comments")
    assert (outcome.status, outcome.bad_lines) == ("partial", [5, 100])
    assert outcome.loaded == comments.record_count - 2
    quarantined = con.execute(
        "SELECT row_number, expectation, reason, sample_values FROM ops.quarantine "
        "ORDER BY row_number"
    ).fetchall()
    assert [q[:2] for q in quarantined] == [(5, "line_is_json"), (100, "line_is_json")]
    assert quarantined[0][2].startswith("line is not valid JSON (")
    assert quarantined[1][2].startswith("line is not UTF-8 text (")
    assert quarantined[0][3] == lines[4].decode()[:199] + "…"  # the line, to find it again
    ids = {json.loads(line)["id"] for i, line in enumerate(lines) if i not in (4, 99)}
    loaded = {
        r[0] for r in con.execute("SELECT record->>'id' FROM raw_facebook.comments").fetchall()
    }
    assert loaded == ids
    problem = next(p for p in report.problems if "line_is_json" in p)
    assert "(2 lines not JSON objects: line 5, 100; the other lines loaded)" in problem
    assert_ledger_balances(con, zone)


def test_children_of_a_quarantined_post_say_what_was_held_back_and_why(setup, sandbox, demo_config):
    zone, con = setup
    landed = extract_facebook(zone, sandbox, demo_config)
    posts = landed["posts"]
    lines = [json.loads(line) for line in lines_of(zone, posts)]
    bad_post = lines[0]["id"]
    lines[0]["created_time"] = "yesterday-ish"  # a non-key field the audit rejects
    raw = gzip.compress(b"".join(json.dumps(r).encode() + b"\n" for r in lines))
    rewrite(zone, posts, raw)

    report = Loader(con, zone, audit=True).load()
    held = con.execute(
        "SELECT entity, count(*), any_value(reason) FROM ops.quarantine "
        "WHERE entity <> 'posts' GROUP BY ALL ORDER BY 1"
    ).fetchall()
    assert {entity for entity, _n, _reason in held} == {"comments", "post_insights"}
    for _entity, _n, reason in held:
        assert reason.startswith("held back with its post, quarantined for: created_time missing")
        assert "loads with the post once it passes" in reason
    # exactly the children of that post, and no other row
    for entity, n, _reason in held:
        expected = sum(
            json.loads(line)["_ruche"]["parent_id"] == bad_post
            for line in lines_of(zone, landed[entity])
        )
        assert n == expected > 0
    for entity in ("comments", "post_insights"):
        problem = next(p for p in report.problems if f"facebook {entity}," in p)
        assert "held back with their quarantined parent" in problem and bad_post in problem


def test_a_corrected_manifest_is_read_again(setup, sandbox, demo_config):
    zone, con = setup
    comments = extract_facebook(zone, sandbox, demo_config)["comments"]
    with open(zone.path(comments.data_file), "rb") as handle:
        raw = handle.read()
    rewrite(zone, comments, raw, record_count=comments.record_count + 1)  # a wrong manifest
    first = Loader(con, zone, audit=False).load()
    assert next(f for f in first.files if f.manifest.entity == "comments").error == (
        f"record count {comments.record_count} differs from the manifest's "
        f"{comments.record_count + 1}"
    )
    rewrite(zone, comments, raw)  # the manifest corrected by hand
    fixed = Loader(con, zone, audit=False).load()
    assert [(f.manifest.entity, f.status, f.retried) for f in fixed.files] == [
        ("comments", "loaded", True)
    ]
    assert_ledger_balances(con, zone)


def test_facebook_comments_without_author_are_kept_counted_and_reach_the_marts(
    tmp_path, sandbox, demo_config
):
    """A token without the Page's MODERATE task: Meta leaves `from` out of users' comments.
    They load (author unknown), are counted in the ledger and the load summary, and reach
    fct_comments with no author and not as brand replies."""
    from ruche.configdb import write_config

    from .test_dbt import assert_success, dbt, query

    sandbox.faults.add("comment_author_hidden", times=None)
    zone = LandingZone(str(tmp_path / "landing"))
    comments = extract_facebook(zone, sandbox, demo_config)["comments"]
    records = [json.loads(line) for line in lines_of(zone, comments)]
    page = comments.account_id
    anonymous = sum("from" not in r for r in records)
    brand = sum(r.get("from", {}).get("id") == page for r in records)
    assert anonymous > 0 and brand > 0 and anonymous + brand == len(records)

    warehouse = tmp_path / "wh.duckdb"
    con = connect(warehouse)
    try:
        write_config(con, demo_config)
        report = Loader(con, zone, audit=True).load()
        assert report.ok and report.authors_unknown == anonymous
        assert con.execute(
            "SELECT records_loaded, authors_unknown FROM ops.load_ledger WHERE entity = 'comments'"
        ).fetchall() == [(len(records), anonymous)]
        assert con.execute("SELECT count(*) FROM ops.quarantine").fetchone() == (0,)
    finally:
        con.close()
    said = next(p for p in report.problems if "author unknown" in p)
    assert f"{anonymous} of {len(records)} comments loaded with their author unknown" in said
    assert "MODERATE task" in said
    assert not any("loaded as null: from" in p for p in report.problems)

    result, _seconds = dbt(warehouse, "build", work_dir=tmp_path / "dbt")
    assert_success(result)
    [row] = query(
        warehouse,
        "SELECT count(*) AS comments, count(*) FILTER (WHERE author_key IS NULL) AS unknown, "
        "count(*) FILTER (WHERE author_key IS NULL AND is_brand_reply) AS unknown_brand, "
        "count(*) FILTER (WHERE is_brand_reply) AS brand "
        "FROM marts.fct_comments WHERE platform = 'facebook'",
    )
    assert row == {
        "comments": len(records),
        "unknown": anonymous,
        "unknown_brand": 0,
        "brand": brand,
    }


def _age_data_docs(gx_dir, days):
    """Make every load already in the Data Docs `days` older (its run-time folders renamed)."""
    import re

    for folder in sorted(gx_dir.rglob("*"), reverse=True):
        if folder.is_dir() and re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z", folder.name):
            when = dt.datetime.strptime(folder.name, "%Y%m%dT%H%M%S.%fZ")
            folder.rename(folder.with_name(f"{when - dt.timedelta(days=days):%Y%m%dT%H%M%S.%fZ}"))


def _loads(gx_dir):
    """The loads (GX run names, one per entity per load) with a page in the Data Docs."""
    return {page.parent.parent.name for page in (gx_dir / "validations").rglob("*.html")}


def test_load_and_run_keep_one_data_docs_folder_pruned_to_the_retention(
    tmp_path, sandbox, demo_config, monkeypatch
):
    from typer.testing import CliRunner

    from ruche.cli import app

    zone = LandingZone(str(tmp_path / "landing"))
    warehouse = tmp_path / "warehouse" / "ruche.duckdb"
    monkeypatch.delenv("RUCHE_DOCS_DIR", raising=False)
    monkeypatch.delenv("RUCHE_DATA_DOCS_KEEP_DAYS", raising=False)
    monkeypatch.setenv("RUCHE_BASE_URL", sandbox.url)
    monkeypatch.setenv("RUCHE_TOKEN_CAFE_LUMIERE_FACEBOOK", "EAAGsandboxTOKEN-docs")
    monkeypatch.setenv("RUCHE_PUBLISHED", str(tmp_path / "published" / "marts.duckdb"))
    common = ["--config", str(DEMO_CONFIG), "--landing", zone.root, "--warehouse", str(warehouse)]
    gx_dir = warehouse.parent / "docs" / "gx"  # where the Airflow DAGs write them too

    def load() -> set[str]:
        result = CliRunner().invoke(app, ["load", *common])
        assert result.exit_code == 0, result.output
        return _loads(gx_dir)

    extract_facebook(zone, sandbox, demo_config, run_id="night1")
    first = load()
    assert first and (gx_dir / "index.html").is_file()

    # `ruche run` writes to the same folder (one day of the Page, through dbt and publish)
    only = ["--client", "cafe_lumiere", "--platform", "facebook"]
    ran = CliRunner().invoke(
        app, ["run", *common, *only, "--start", "2026-11-19", "--end", "2026-11-19"]
    )
    assert ran.exit_code == 0, ran.output
    second = _loads(gx_dir)
    assert first < second
    assert sorted(p.name for p in (warehouse.parent).iterdir() if p.is_dir()) == ["docs"]

    # 40 days later, the default retention (30 days) drops those loads' results and pages
    _age_data_docs(gx_dir, 40)
    extract_facebook(zone, sandbox, demo_config, run_id="night3")
    third = load()
    assert third and not third & second
    results = {p.parent.parent.name for p in (gx_dir / "results").rglob("*.json")}
    assert results == third
    index = (gx_dir / "index.html").read_text()
    assert all(name in index for name in third)  # the index lists what is kept...
    assert not any(name in index for name in second)  # ...and nothing that was pruned

    # a longer retention, RUCHE_DATA_DOCS_KEEP_DAYS=60, keeps 40-day-old loads
    monkeypatch.setenv("RUCHE_DATA_DOCS_KEEP_DAYS", "60")
    _age_data_docs(gx_dir, 40)
    extract_facebook(zone, sandbox, demo_config, run_id="night4")
    fourth = load()
    assert third < fourth


def test_the_data_docs_retention_setting_is_checked(setup, monkeypatch):
    zone, con = setup
    monkeypatch.delenv("RUCHE_DATA_DOCS_KEEP_DAYS", raising=False)
    assert Loader(con, zone, docs_dir=zone.root + "/docs").docs_keep_days == 30
    monkeypatch.setenv("RUCHE_DATA_DOCS_KEEP_DAYS", "")
    assert Loader(con, zone, docs_dir=zone.root + "/docs").docs_keep_days is None  # keep all
    for wrong in ("a month", "0", "-3"):
        monkeypatch.setenv("RUCHE_DATA_DOCS_KEEP_DAYS", wrong)
        with pytest.raises(ValueError, match=r"RUCHE_DATA_DOCS_KEEP_DAYS=.* e\.g\. 30"):
            Loader(con, zone, docs_dir=zone.root + "/docs")


REGISTERED_PLATFORM = """
import dataclasses, datetime as dt, json, sys
from ruche import platforms
platforms.REGISTRY["newplatform"] = dataclasses.replace(platforms.REGISTRY["facebook"], name="newplatform")
from connectors.landing import LandingZone
from ruche.load import SPECS, Loader, connect
zone = LandingZone(sys.argv[1])
when = dt.datetime(2026, 11, 19, 7, tzinfo=dt.UTC)
with zone.batch(platform="newplatform", entity="posts", client_id="c", account_id="1", run_id="r",
                logical_date=dt.date(2026, 11, 18), window=(dt.date(2026, 11, 18),) * 2,
                requested=(dt.date(2026, 11, 18),) * 2, api_version="v1", extracted_at=when) as b:
    b.write_many([{"id": "1_1", "created_time": "2026-11-18T10:00:00+0000"}])
    b.commit()
con = connect(sys.argv[2])
report = Loader(con, zone, audit=False).load()
print(json.dumps({
    "key": SPECS[("newplatform", "posts")].key,
    "problems": report.problems,
    "rows": con.execute("SELECT _key FROM raw_newplatform.posts").fetchall(),
}))
"""


def test_the_loader_specs_come_from_the_platform_registry(tmp_path):
    # Keys, snapshot rule, parents and expected fields are declared once, in the registry:
    # a registered platform loads without an edit to the loader.
    import subprocess
    import sys

    from ruche.load import SPECS
    from ruche.platforms import entities
    from ruche.platforms.meta import GRAPH_ID_KEY, GRAPH_INSIGHT_KEY

    assert list(SPECS) == [(p.name, e.name) for p, e in entities()]
    comments = SPECS[("facebook", "comments")]
    assert (comments.key, comments.parent_entity, comments.author_field) == (
        GRAPH_ID_KEY,
        "posts",
        "from",
    )
    assert SPECS[("instagram", "media_insights")].key == GRAPH_INSIGHT_KEY
    proc = subprocess.run(
        [sys.executable, "-c", REGISTERED_PLATFORM, str(tmp_path / "l"), str(tmp_path / "w.db")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["key"] == GRAPH_ID_KEY
    assert out["rows"] == [["1|1_1|2026-11-18"]]  # its key, and a snapshot per run date
    # ...and its expected fields are reported when missing
    assert [p.rsplit(": ", 1)[1] for p in out["problems"]] == ["permalink_url, reactions, comments"]


def test_each_comment_keeps_when_it_was_last_returned_and_a_cut_read_is_marked(setup):
    """An unchanged comment keeps its raw row (its first extraction); `comments__seen` says
    when a read last returned it, so a comment a later read no longer returns (deleted) can be
    told. A comments file whose extraction stopped inside it (deferred) is marked in the
    ledger: it is no complete read."""
    zone, con = setup
    land(
        zone,
        "comments",
        [comment("1_a", "stays"), comment("1_b", "deleted before run 2")],
        run_id="r1",
        logical_date=D1,
        extracted_at=T1,
    )
    assert Loader(con, zone, audit=False).load().ok  # night 1
    land(zone, "comments", [comment("1_a", "stays")], run_id="r2", logical_date=D2, extracted_at=T2)
    with zone.batch(
        platform="facebook",
        entity="comments",
        client_id="cafe_lumiere",
        account_id="104000000000002",
        run_id="r2",
        logical_date=D2,
        window=(D2, D2),
        requested=(D2, D2),
        api_version="v25.0",
        extracted_at=T2,
    ) as batch:
        batch.write(comment("2_a", "read before the stop", post="104000000000002_1"))
        batch.commit(extra={"partial": True, "resume_at": "2026-11-20T08:00:00+00:00"})
    assert Loader(con, zone, audit=False).load().ok

    raw = dict(
        con.execute("SELECT record->>'id', _extracted_at FROM raw_facebook.comments").fetchall()
    )
    assert raw["1_a"] == T1  # unchanged: the first extraction's row stays
    seen = dict(
        con.execute(
            "SELECT split_part(_key, '|', 2), _seen_at FROM raw_facebook.comments__seen"
        ).fetchall()
    )
    assert seen == {"1_a": T2, "1_b": T1, "2_a": T2}
    ledger = dict(
        con.execute(
            "SELECT account_id || '/' || run_id, read_partial FROM ops.load_ledger"
        ).fetchall()
    )
    assert ledger == {
        f"{PAGE}/r1": False,
        f"{PAGE}/r2": False,
        "104000000000002/r2": True,
    }

    # an earlier run's file loaded late does not move a sighting back
    before = snapshot(con, "raw_facebook.comments__seen")
    land(zone, "comments", [comment("1_a", "stays")], run_id="r0", logical_date=D1, extracted_at=T1)
    assert Loader(con, zone, audit=False).load().ok
    assert snapshot(con, "raw_facebook.comments__seen") == before
