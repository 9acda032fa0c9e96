"""Landing into an object store and loading from it: the real CLI extracts through the real
connectors (sandbox over HTTP) into `s3://` on moto's S3 server, and `ruche load` fills a real
DuckDB warehouse with the same rows as from a local landing zone, either way of reading."""

from __future__ import annotations

import datetime as dt
import gzip
import os
import time

import duckdb
import pytest
from typer.testing import CliRunner

from connectors.landing import LandingZone
from ruche.cli import app
from ruche.load import Loader, connect
from ruche.load import loader as loader_module

from ..conftest import DEMO_CONFIG

DAY = "2026-11-19"
RUN_ID = "manual__same_night"
NIGHT = ["--start", DAY, "--end", DAY]
ONLY = ["--client", "cafe_lumiere", "--platform", "facebook", "--platform", "instagram"]


@pytest.fixture
def tokens(sandbox, monkeypatch):
    monkeypatch.setenv("RUCHE_BASE_URL", sandbox.url)
    for platform in ("FACEBOOK", "INSTAGRAM"):
        monkeypatch.setenv(f"RUCHE_TOKEN_CAFE_LUMIERE_{platform}", f"EAAGsandbox-{platform}")


def _extract_and_load(landing: str, warehouse) -> str:
    common = ["--config", str(DEMO_CONFIG), "--landing", landing]
    extracted = CliRunner().invoke(
        app, ["extract", *common, *ONLY, "--start", DAY, "--end", DAY, "--run-id", RUN_ID]
    )
    assert extracted.exit_code == 0, extracted.output
    loaded = CliRunner().invoke(app, ["load", *common, "--warehouse", str(warehouse), "--no-audit"])
    assert loaded.exit_code == 0, loaded.output
    return loaded.output


def _warehouse_rows(path) -> dict[str, list[tuple]]:
    """Every raw table's rows (without the load's and the extraction's clock), and the ledger."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [
            f"{schema}.{name}"
            for schema, name in con.execute(
                "SELECT table_schema, table_name FROM information_schema.tables "
                "WHERE table_schema LIKE 'raw_%' ORDER BY ALL"
            ).fetchall()
        ]
        # the sightings tables (`<entity>__seen`) keep when a read returned each record
        clocks = {True: "_seen_at, _loaded_at", False: "_loaded_at, _extracted_at"}
        rows = {
            table: sorted(
                con.execute(
                    f"SELECT * EXCLUDE ({clocks[table.endswith('__seen')]}) FROM {table}"
                ).fetchall(),
                key=repr,
            )
            for table in tables
        }
        rows["ops.load_ledger"] = con.execute(
            "SELECT data_file, records_in_manifest, records_loaded, status, file_sha256 = sha256 "
            "FROM ops.load_ledger ORDER BY data_file"
        ).fetchall()
    finally:
        con.close()
    return rows


@pytest.mark.parametrize("remote_read", loader_module.REMOTE_READS)
def test_a_night_landed_in_a_bucket_loads_the_same_rows_as_from_a_local_landing(
    s3_landing, tmp_path, tokens, monkeypatch, remote_read
):
    monkeypatch.setattr(loader_module, "DEFAULT_REMOTE_READ", remote_read)
    _extract_and_load(s3_landing, tmp_path / "s3.duckdb")
    _extract_and_load(str(tmp_path / "landing"), tmp_path / "local.duckdb")

    zone = LandingZone(s3_landing)
    batches = zone.list_batches()
    assert {m.platform for m in batches} == {"facebook", "instagram"}
    assert all(m.record_count >= 0 and zone.fs.exists(zone.path(m.data_file)) for m in batches)
    from_bucket = _warehouse_rows(tmp_path / "s3.duckdb")
    from_disk = _warehouse_rows(tmp_path / "local.duckdb")
    assert sum(len(rows) for rows in from_bucket.values()) > len(batches)  # rows, not just files
    assert from_bucket == from_disk
    assert len(from_bucket["ops.load_ledger"]) == len(batches)
    assert all(row[3] == "loaded" and row[4] for row in from_bucket["ops.load_ledger"])


@pytest.mark.parametrize("remote_read", loader_module.REMOTE_READS)
def test_a_changed_object_is_quarantined_by_its_checksum(
    s3_landing, tmp_path, tokens, monkeypatch, remote_read
):
    common = ["--config", str(DEMO_CONFIG), "--landing", s3_landing]
    extracted = CliRunner().invoke(
        app,
        ["extract", *common, "--client", "cafe_lumiere", "--platform", "facebook", *NIGHT],
    )
    assert extracted.exit_code == 0, extracted.output
    zone = LandingZone(s3_landing)
    [posts] = [m for m in zone.list_batches() if m.entity == "posts" and m.platform == "facebook"]
    # The object replaced after landing (a sync, a hand edit): valid gzip NDJSON, other bytes.
    zone.fs.pipe_file(zone.path(posts.data_file), gzip.compress(b'{"id": "tampered"}\n'))

    con = connect(tmp_path / "wh.duckdb")
    try:
        report = Loader(con, zone, audit=False, remote_read=remote_read).load()
    finally:
        con.close()
    outcome = next(f for f in report.files if f.manifest.data_file == posts.data_file)
    assert outcome.status == "quarantined"
    assert "checksum does not match" in outcome.error
    assert all(f.status == "loaded" for f in report.files if f is not outcome)


def test_a_data_file_without_a_manifest_is_reported_not_loaded(tmp_path):
    zone = LandingZone(str(tmp_path / "landing"))
    day = dt.date(2026, 11, 19)
    with zone.batch(
        platform="facebook",
        entity="posts",
        client_id="cafe_lumiere",
        account_id="104000000000001",
        run_id="r1",
        logical_date=day,
        window=(day, day),
        requested=(day, day),
        api_version="v25.0",
    ) as batch:
        batch.write({"id": "104000000000001_1", "created_time": "2026-11-19T10:00:00+0000"})
        manifest = batch.commit()
    os.remove(zone.path(manifest.manifest_file))  # as if the process died before the manifest
    con = connect(tmp_path / "wh.duckdb")
    try:
        fresh = Loader(con, zone, audit=False).load()
        assert fresh.files == [] and fresh.problems == []  # may be a batch being written now
        hours_ago = time.time() - 2 * 3600
        os.utime(zone.path(manifest.data_file), (hours_ago, hours_ago))
        old = Loader(con, zone, audit=False).load()
    finally:
        con.close()
    assert old.files == []
    [line] = old.problems
    assert "1 landed data file(s) without a manifest, not loaded" in line
    assert manifest.data_file in line and "re-run that account's extraction" in line


def test_a_bucket_that_does_not_exist_is_one_line_saying_what_to_check(s3_landing, tmp_path):
    missing = "s3://ruche-no-such-bucket/landing"
    result = CliRunner().invoke(
        app, ["load", "--landing", missing, "--warehouse", str(tmp_path / "wh.duckdb")]
    )
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # not the store's error with a traceback
    [line] = [x for x in result.output.splitlines() if missing in x]
    assert "bucket does not exist" in line and "RUCHE_LANDING_ROOT" in line
