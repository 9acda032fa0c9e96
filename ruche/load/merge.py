"""Merge and ledger: the staged rows into `raw_<platform>.<entity>` (per key, the latest
extraction wins; an unchanged record is left as it was), whole-file quarantine rows, and one
`ops.load_ledger` row per file (landed = loaded + quarantined), earlier rows of a file read
again marked superseded.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from ruche.load.ddl import LEDGER_COLUMNS, QUARANTINE_COLUMNS, RAW_NAMES
from ruche.load.report import FileOutcome
from ruche.load.specs import EntitySpec


def supersede(con: duckdb.DuckDBPyConnection, outcomes: list[FileOutcome], load_id: str) -> None:
    """Mark the earlier ledger and quarantine rows of files read again by this load, so
    the current rows (`superseded_by IS NULL`) say once per file: landed = loaded +
    quarantined, and a quarantined record counts once."""
    files = [o.manifest.data_file for o in outcomes]
    earlier = con.execute(
        "UPDATE ops.load_ledger SET superseded_by = ? "
        "WHERE superseded_by IS NULL AND list_contains(?::VARCHAR[], data_file) "
        "RETURNING data_file, error IS NOT NULL",
        [load_id, files],
    ).fetchall()
    if not earlier:
        return
    con.execute(
        "UPDATE ops.quarantine SET superseded_by = ? "
        "WHERE superseded_by IS NULL AND list_contains(?::VARCHAR[], data_file)",
        [load_id, files],
    )
    whole = {data_file for data_file, was_whole in earlier if was_whole}
    for outcome in outcomes:
        outcome.retried = outcome.manifest.data_file in whole


def quarantine_files(
    con: duckdb.DuckDBPyConnection, outcomes: list[FileOutcome], load_id: str, at: dt.datetime
) -> None:
    """Files quarantined whole (unreadable, changed, unparseable, wrong count): one row each."""
    for outcome in outcomes:
        m = outcome.manifest
        con.execute(
            f"INSERT INTO ops.quarantine ({QUARANTINE_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL, NULL, ?)",
            [
                load_id,
                m.platform,
                m.entity,
                m.client_id,
                m.account_id,
                m.data_file,
                "file_readable_and_matches_manifest",
                outcome.error,
                at,
            ],
        )
        outcome.quarantined = m.record_count


def merge(con: duckdb.DuckDBPyConnection, spec: EntitySpec) -> None:
    """Latest extraction wins per key; an unchanged record is left untouched."""
    cols = ", ".join(RAW_NAMES)
    # Within this load: one row per key, the latest extraction (then the last line; `_row`
    # follows the lines of a file). Only keys staged more than once are ranked.
    con.execute(
        """
        DELETE FROM _stage WHERE _row IN (
            SELECT _row FROM _stage
            WHERE _key IN (SELECT _key FROM _stage GROUP BY _key HAVING count(*) > 1)
            QUALIFY row_number() OVER (
                PARTITION BY _key ORDER BY _extracted_at DESC, _source_file DESC, _row DESC
            ) > 1
        )
        """
    )
    if spec.tracks_sightings:
        record_sightings(con, spec)
    # Keys already in raw: a join on the key column alone (the staged side is hashed, not
    # the raw table, whose memory would grow with the history). New keys only (a backfill)
    # skip the comparison below, which has to read the raw records' JSON.
    known = con.execute(
        f"SELECT EXISTS (SELECT 1 FROM _stage AS n JOIN {spec.table} AS t ON t._key = n._key)"
    ).fetchone()[0]
    if known:
        # An identical record stays as it was (with its first run, file and load time), so
        # re-running a date whose data did not change leaves raw, and the marts, unchanged.
        con.execute(
            f"""
            DELETE FROM {spec.table} AS t USING _stage AS n
            WHERE t._key = n._key AND t._extracted_at <= n._extracted_at
              AND t.record::VARCHAR IS DISTINCT FROM n.record::VARCHAR
            """
        )
        # A key still in raw (unchanged, or a newer extraction there) is not inserted.
        con.execute(f"DELETE FROM _stage AS n USING {spec.table} AS t WHERE t._key = n._key")
    con.execute(f"INSERT INTO {spec.table} ({cols}) SELECT {cols} FROM _stage")


def record_sightings(con: duckdb.DuckDBPyConnection, spec: EntitySpec) -> None:
    """Per staged key, the latest extraction that returned it (changed or not), in the entity's
    `seen_table`: a comment a later complete read of its post no longer returns was deleted,
    and the raw row alone cannot say when it was last returned (an unchanged record keeps its
    first extraction). Narrow rows, one per key: no JSON is read."""
    con.execute(
        f"""
        DELETE FROM {spec.seen_table} AS seen USING _stage AS n
        WHERE seen._key = n._key AND seen._seen_at <= n._extracted_at
        """
    )
    con.execute(
        f"""
        INSERT INTO {spec.seen_table}
        SELECT n._key, n._client_id, n._account_id, n._parent_id, n._extracted_at, n._run_id,
               n._loaded_at
        FROM _stage AS n ANTI JOIN {spec.seen_table} AS seen ON seen._key = n._key
        """
    )


def write_ledger(
    con: duckdb.DuckDBPyConnection, outcomes: list[FileOutcome], load_id: str, at: dt.datetime
) -> None:
    """One ledger row per file, in one statement."""
    if not outcomes:
        return
    finished = dt.datetime.now(dt.UTC)
    rows = [
        (
            load_id,
            o.manifest.data_file,
            o.manifest.sha256,
            o.manifest.platform,
            o.manifest.entity,
            o.manifest.client_id,
            o.manifest.account_id,
            o.manifest.run_id,
            o.manifest.logical_date,
            o.manifest.extracted_at,
            o.manifest.record_count,
            o.read,
            o.loaded,
            o.quarantined,
            o.status,
            o.missing_fields,
            o.warnings,
            o.error,
            at,
            finished,
            o.file_sha256,
            o.authors_unknown,
            # the runner lands what a deferred entity read before the stop, marked partial
            bool(o.manifest.extra.get("partial")),
        )
        for o in outcomes
    ]
    types = ["VARCHAR"] * 10 + ["BIGINT"] * 4 + ["VARCHAR", "VARCHAR[]", "BIGINT", "VARCHAR"]
    types += ["TIMESTAMPTZ"] * 2 + ["VARCHAR", "BIGINT", "BOOLEAN"]
    con.execute(
        f"INSERT INTO ops.load_ledger ({LEDGER_COLUMNS}) SELECT "
        + ", ".join(f"unnest(?::{t}[])" for t in types),
        [list(column) for column in zip(*rows, strict=True)],
    )
