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
client, platform and account: the last loaded extraction, and `is_stale` when that is older than
`RUCHE_STALE_AFTER_HOURS` at publish time).

A publish killed midway leaves its temporary file (and DuckDB's `.wal` beside it), as big as the
marts. The temporary name carries the host and process id of its writer
(`.marts.duckdb.<host>.<pid>.<random>.tmp`), so the next publish removes the ones whose writer is
gone, and leaves a concurrent publish's live file alone.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ruche.errors import UserError

log = logging.getLogger(__name__)

PUBLISH_STORAGE_VERSION = "v1.0.0"
MARTS_SCHEMA = "marts"
STALE_AFTER_SECONDS = 24 * 3600
"""A temporary file this old is stale even if its writer's pid is alive again (pid reuse) or on
another host sharing the folder: a publish takes minutes."""


@dataclass
class PublishReport:
    path: Path
    tables: dict[str, int]
    published_at: dt.datetime
    run_id: str
    seconds: float


def stale_after_hours() -> float:
    """`RUCHE_STALE_AFTER_HOURS`: an account whose last loaded extraction is older than this
    when the file is published is flagged `is_stale` in `data_freshness`."""
    from ruche.settings import settings

    return settings().STALE_AFTER_HOURS


def default_published() -> Path:
    from ruche.settings import settings

    return settings().published_path()


def _host() -> str:
    return "".join(c if c.isalnum() or c == "-" else "-" for c in socket.gethostname())[:40]


def _temp_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{_host()}.{os.getpid()}.{uuid.uuid4().hex}.tmp")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def remove_stale_temporaries(target: str | Path) -> list[Path]:
    """Remove the temporary files (and `.wal`) of earlier publishes of `target` that were killed
    midway; returns what was removed. A file is stale when its writer (host, pid in its name) no
    longer runs on this host, or when it is older than a day; names without a pid (older Ruche)
    count by age only. The current process's own files are never touched."""
    target = Path(target)
    removed: list[Path] = []
    host, me, now = _host(), os.getpid(), time.time()
    prefix = f".{target.name}."
    for path in target.parent.glob(f".{target.name}.*.tmp*"):
        name = path.name
        if not (name.endswith(".tmp") or name.endswith(".tmp.wal")):
            continue
        parts = name[len(prefix) :].removesuffix(".wal").removesuffix(".tmp").split(".")
        try:
            age = now - path.stat().st_mtime
        except FileNotFoundError:  # its publish just finished or cleaned up
            continue
        stale = age > STALE_AFTER_SECONDS
        if len(parts) == 3 and parts[1].isdigit() and parts[0] == host:
            pid = int(parts[1])
            stale = stale or (pid != me and not _pid_alive(pid))
        if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) == me and parts[0] == host:
            stale = False
        if stale:
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        log.warning(
            "removed %d temporary file(s) left by interrupted publishes: %s",
            len(removed),
            ", ".join(p.name for p in removed),
        )
    return removed


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
    remove_stale_temporaries(target)
    tmp = _temp_name(target)
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
            raise UserError(
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
                       CAST(sum(records_quarantined) FILTER (
                           WHERE logical_date = (SELECT max(logical_date) FROM src.ops.load_ledger)
                       ) AS BIGINT) AS quarantined_in_last_run,
                       $stale_hours::DOUBLE AS stale_after_hours,
                       max(extracted_at) < $published_at::TIMESTAMPTZ
                           - to_microseconds(CAST($stale_hours * 3600e6 AS BIGINT)) AS is_stale
                FROM src.ops.load_ledger
                WHERE status IN ('loaded', 'partial') AND superseded_by IS NULL
                GROUP BY client_id, platform, account_id
                ORDER BY ALL
                """,
                {"stale_hours": stale_after_hours(), "published_at": started},
            )
        con.execute("DETACH pub")
        con.execute("DETACH src")
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        raise
    con.close()
    os.replace(tmp, target)  # atomic on POSIX: readers see the old file or the new one
    seconds = (dt.datetime.now(dt.UTC) - started).total_seconds()
    log.info("published %d tables to %s in %.1fs", len(tables), target, seconds)
    return PublishReport(target, tables, started, run_id, seconds)


def _literal(path: str | Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"
