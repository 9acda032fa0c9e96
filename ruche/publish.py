"""Publish the marts for BI: a separate DuckDB file, swapped in atomically.

After a green dbt build, every table and view of the `marts` schema is copied into a new
DuckDB file under a temporary name, then renamed over the previous published file. A BI tool
that holds the previous file open keeps reading it (POSIX rename does not touch open files) and
never sees a half-built mart; it never holds a lock the pipeline needs, because the pipeline
never opens the published file for writing in place.

The file is written with DuckDB storage version 1.0.0 (`STORAGE_VERSION`), which DuckDB 1.x
readers embedded in BI tools (Metabase, Superset, Evidence, DBeaver drivers) can open; the
newer default format of the DuckDB 2 library is not readable by them.

In the published file the marts sit in its `main` schema: BI tools query `fct_ad_daily`
directly, and `marts.fct_ad_daily` also works because the file is named `marts.duckdb` (a schema
named `marts` inside a database named `marts` would make that name ambiguous in DuckDB).

The published file also holds `publish_info` (when, from which run) and `data_freshness` (per
client, platform and account: the last loaded extraction).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

log = logging.getLogger(__name__)

PUBLISH_STORAGE_VERSION = "v1.0.0"
MARTS_SCHEMA = "marts"


@dataclass
class PublishReport:
    path: Path
    tables: dict[str, int]
    published_at: dt.datetime
    run_id: str
    seconds: float


def default_published() -> Path:
    return Path(os.environ.get("RUCHE_PUBLISHED", "warehouse/published/marts.duckdb"))


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def publish(
    warehouse: str | Path,
    published: str | Path | None = None,
    *,
    run_id: str = "manual",
    schema: str = MARTS_SCHEMA,
) -> PublishReport:
    """Copy `schema` of `warehouse` into a fresh file and rename it over `published`."""
    started = dt.datetime.now(dt.UTC)
    warehouse = Path(warehouse)
    target = Path(published) if published else default_published()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # output goes to task logs, not a terminal
    tables: dict[str, int] = {}
    try:
        con.execute(f"ATTACH {_literal(warehouse)} AS src (READ_ONLY)")
        relations = con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_catalog = 'src' AND table_schema = ? ORDER BY table_name",
            [schema],
        ).fetchall()
        if not relations:
            raise RuntimeError(
                f"{warehouse}: schema '{schema}' has no tables; run the dbt build before "
                "publishing (nothing was published, the previous file is untouched)"
            )
        con.execute(f"ATTACH {_literal(tmp)} AS pub (STORAGE_VERSION '{PUBLISH_STORAGE_VERSION}')")
        for (name,) in relations:
            source = f"src.{_quote(schema)}.{_quote(name)}"
            con.execute(f"CREATE TABLE pub.main.{_quote(name)} AS FROM {source}")
            tables[name] = con.execute(f"SELECT count(*) FROM pub.main.{_quote(name)}").fetchone()[
                0
            ]
        con.execute(
            """
            CREATE TABLE pub.main.publish_info AS
            SELECT ?::TIMESTAMPTZ AS published_at, ?::VARCHAR AS run_id,
                   ?::VARCHAR AS source_warehouse, ?::VARCHAR AS storage_version,
                   ?::INTEGER AS table_count
            """,
            [started, run_id, warehouse.name, PUBLISH_STORAGE_VERSION, len(tables)],
        )
        has_ledger = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_catalog = 'src' "
            "AND table_schema = 'ops' AND table_name = 'load_ledger'"
        ).fetchone()[0]
        if has_ledger:
            con.execute(
                """
                CREATE TABLE pub.main.data_freshness AS
                SELECT client_id, platform, account_id,
                       max(extracted_at) AS last_extracted_at,
                       max(logical_date) AS last_logical_date,
                       max(finished_at) AS last_loaded_at,
                       sum(records_quarantined) FILTER (
                           WHERE logical_date = (SELECT max(logical_date) FROM src.ops.load_ledger)
                       ) AS quarantined_in_last_run
                FROM src.ops.load_ledger
                WHERE status IN ('loaded', 'partial')
                GROUP BY ALL
                ORDER BY ALL
                """
            )
        con.execute("DETACH pub")
        con.execute("DETACH src")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, target)  # atomic on POSIX: readers see the old file or the new one
    seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
    log.info("published %d tables to %s in %.1fs", len(tables), target, seconds)
    return PublishReport(target, tables, started, run_id, seconds)


def _literal(path: str | Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
