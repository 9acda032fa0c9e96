"""The warehouse side of the load: the connection, its memory limit, and the DDL of the raw
tables (one per registered entity) and of the `ops` tables (ledger, quarantine, warnings)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb

from ruche.errors import SettingError
from ruche.load.specs import SPECS, EntitySpec
from ruche.settings import settings

# DuckDB's memory limit while loading (`RUCHE_LOAD_MEMORY_LIMIT`; empty = DuckDB's default, 80 %
# of RAM). The merge joins the new keys with the whole raw table: without a limit DuckDB's
# buffer pool keeps what it read, so the load's memory grew with the history; with one, DuckDB
# evicts it (and spills to `<warehouse>.tmp/` the rare join that does not fit).
DEFAULT_LOAD_MEMORY_LIMIT = "1GB"

RAW_COLUMNS = """
    _key VARCHAR NOT NULL,
    _client_id VARCHAR NOT NULL,
    _account_id VARCHAR NOT NULL,
    _snapshot_date DATE NOT NULL,
    _run_id VARCHAR NOT NULL,
    _source_file VARCHAR NOT NULL,
    _extracted_at TIMESTAMPTZ NOT NULL,
    _loaded_at TIMESTAMPTZ NOT NULL,
    _window_start DATE,
    _window_end DATE,
    _parent_id VARCHAR,
    _since VARCHAR,
    _until VARCHAR,
    _day DATE,
    record JSON NOT NULL
"""
RAW_NAMES = [line.split()[0] for line in RAW_COLUMNS.strip().splitlines()]

OPS_DDL = """
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.load_ledger (
    load_id VARCHAR NOT NULL,
    data_file VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    client_id VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    logical_date DATE NOT NULL,
    extracted_at TIMESTAMPTZ NOT NULL,
    records_in_manifest BIGINT NOT NULL,
    records_read BIGINT NOT NULL,
    records_loaded BIGINT NOT NULL,
    records_quarantined BIGINT NOT NULL,
    status VARCHAR NOT NULL,          -- loaded | partial | quarantined
    missing_fields VARCHAR[],
    warnings BIGINT NOT NULL DEFAULT 0,
    error VARCHAR,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    file_sha256 VARCHAR,              -- the file's SHA-256 as read (NULL: unreadable)
    superseded_by VARCHAR,            -- the load that read this file again (NULL: current)
    authors_unknown BIGINT DEFAULT 0, -- comments kept without their author (`from` absent)
    read_partial BOOLEAN DEFAULT false -- the extraction stopped inside this entity (deferred):
                                       -- the file holds only what was read before the stop
);
CREATE TABLE IF NOT EXISTS ops.quarantine (
    load_id VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    client_id VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    data_file VARCHAR NOT NULL,
    row_number BIGINT,                -- line in the file (1-based); NULL when the file failed whole
    expectation VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    sample_values VARCHAR,
    record JSON,
    quarantined_at TIMESTAMPTZ NOT NULL,
    superseded_by VARCHAR             -- the load that read this file again (NULL: current)
);
CREATE TABLE IF NOT EXISTS ops.audit_warnings (
    load_id VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    data_file VARCHAR NOT NULL,
    row_number BIGINT,
    expectation VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    sample_values VARCHAR,
    recorded_at TIMESTAMPTZ NOT NULL
);
"""
# Columns added since the first release, for warehouses created before them (appended, so the
# order matches OPS_DDL's).
OPS_MIGRATIONS = """
ALTER TABLE ops.load_ledger ADD COLUMN IF NOT EXISTS file_sha256 VARCHAR;
ALTER TABLE ops.load_ledger ADD COLUMN IF NOT EXISTS superseded_by VARCHAR;
ALTER TABLE ops.load_ledger ADD COLUMN IF NOT EXISTS authors_unknown BIGINT DEFAULT 0;
ALTER TABLE ops.quarantine ADD COLUMN IF NOT EXISTS superseded_by VARCHAR;
ALTER TABLE ops.load_ledger ADD COLUMN IF NOT EXISTS read_partial BOOLEAN DEFAULT false;
"""
LEDGER_COLUMNS = (
    "load_id, data_file, sha256, platform, entity, client_id, account_id, run_id, logical_date, "
    "extracted_at, records_in_manifest, records_read, records_loaded, records_quarantined, "
    "status, missing_fields, warnings, error, started_at, finished_at, file_sha256, "
    "authors_unknown, read_partial"
)
SEEN_COLUMNS = """
    _key VARCHAR NOT NULL,
    _client_id VARCHAR NOT NULL,
    _account_id VARCHAR NOT NULL,
    _parent_id VARCHAR,
    _seen_at TIMESTAMPTZ NOT NULL,
    _seen_run_id VARCHAR NOT NULL,
    _loaded_at TIMESTAMPTZ NOT NULL
"""
QUARANTINE_COLUMNS = (
    "load_id, platform, entity, client_id, account_id, data_file, row_number, expectation, "
    "reason, sample_values, record, quarantined_at"
)


def default_warehouse() -> Path:
    return settings().WAREHOUSE


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("SET enable_progress_bar = false")  # output goes to task logs, not a terminal
    return con


def set_memory_limit(con: duckdb.DuckDBPyConnection, limit: str | None = None) -> str:
    """Apply `limit` (else `RUCHE_LOAD_MEMORY_LIMIT`, else 1GB) to DuckDB; return it ("": none)."""
    source = "memory_limit"
    if limit is None:
        source = "RUCHE_LOAD_MEMORY_LIMIT"
        limit = settings().LOAD_MEMORY_LIMIT
    limit = limit.strip()
    if not limit:
        return ""
    try:
        con.execute(f"SET memory_limit = '{limit.replace(chr(39), '')}'")
    except duckdb.Error as exc:
        raise SettingError(
            f"{source}={limit!r} is not a memory size DuckDB understands "
            f"({str(exc).splitlines()[0]}); use e.g. 1GB or 512MB, or empty for DuckDB's default"
        ) from exc
    return limit


def ensure_tables(
    con: duckdb.DuckDBPyConnection, specs: Iterable[EntitySpec] | None = None
) -> None:
    con.execute(OPS_DDL)
    con.execute(OPS_MIGRATIONS)
    for spec in specs or SPECS.values():
        con.execute(f"CREATE SCHEMA IF NOT EXISTS raw_{spec.platform}")
        con.execute(f"CREATE TABLE IF NOT EXISTS {spec.table} ({RAW_COLUMNS})")
        if spec.tracks_sightings:
            con.execute(f"CREATE TABLE IF NOT EXISTS {spec.seen_table} ({SEEN_COLUMNS})")
