"""Benchmark stages. Each runs in a fresh child process (see `run_in_child`) so that its peak
memory (RSS high-water mark, /proc/self/status VmHWM of that child) is its own."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
import os
import resource
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

PAGE_SIZE = 100  # connectors' page size (connectors.base.Connector.page_size)


def _peak_mb() -> float:
    """This process's own peak RSS (VmHWM). `ru_maxrss` is not used for the process itself: on
    Linux it survives fork+exec, so a spawned child would report at least its parent's RSS."""
    self_kb = 0
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                self_kb = int(line.split()[1])
    except OSError:
        self_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # e.g. dbt subprocesses
    return round(max(self_kb, kids_kb) / 1024, 1)


def _wrap(fn_name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    started = time.monotonic()
    out = globals()[fn_name](**kwargs)
    out["wall_seconds"] = round(time.monotonic() - started, 3)
    out["peak_rss_mb"] = _peak_mb()
    return out


def run_in_child(fn_name: str, **kwargs: Any) -> dict[str, Any]:
    """Run `fn_name(**kwargs)` of this module in a fresh spawned process."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_wrap, fn_name, kwargs).result()


# ---------------------------------------------------------------------------- extract
def extract(
    *,
    scale: str,
    landing: str,
    start: str,
    end: str,
    run_id: str,
    base_url: str,
    workers: int,
    per_account_tokens: bool = False,
) -> dict[str, Any]:
    """All accounts of `scale` extracted by `workers` threads (`extract_many`), the way that
    many Celery worker slots would run one account's extract task each. `per_account_tokens`:
    each account its own token (from its `token_env`, as in production, where per-token limits
    count per account); else one token for all."""
    from bench.scales import config_for
    from connectors.base import Window
    from connectors.landing import LandingZone
    from connectors.runner import extract_many
    from ruche.platforms import sandbox_credential_env

    for name, value in sandbox_credential_env().items():  # the sandbox accepts any credential
        os.environ.setdefault(name, value)
    config = config_for(scale)
    jobs = list(config.iter_accounts())
    options: dict[str, Any] = {"token": "bench-token"}  # the sandbox accepts any token
    if per_account_tokens:
        options = {}
        for client, platform, account in jobs:
            os.environ[account.token_env] = f"bench-{client.id}-{platform}-{account.id}"
    t = time.monotonic()
    results = extract_many(
        jobs,
        window=Window(dt.date.fromisoformat(start), dt.date.fromisoformat(end)),
        landing=LandingZone(landing),
        run_id=run_id,
        workers=workers,
        base_url=base_url,
        **options,
    )
    seconds = time.monotonic() - t
    records = sum(r.records for r in results)
    requests = sum(r.requests for r in results)
    by_platform = requests_by_platform(results)
    min_requests = sum(p["min_requests_by_page_size"] for p in by_platform.values())
    by_entity: dict[str, int] = defaultdict(int)
    for r in results:
        for m in r.manifests:
            by_entity[f"{m.platform}.{m.entity}"] += m.record_count
    return {
        "accounts": len(jobs),
        "failed_accounts": [r.label + ": " + str(r.error)[:200] for r in results if not r.ok],
        "records": records,
        "requests": requests,
        "retries": sum(r.retries for r in results),
        "deferred_accounts": [r.label for r in results if r.resume_at],
        "rate_limit_waits": sum(r.rate_limit_waits for r in results),
        "waited_seconds": round(sum(r.waited_seconds for r in results), 1),
        "seconds": round(seconds, 3),
        "records_per_s": round(records / seconds, 1) if seconds else None,
        "requests_per_s": round(requests / seconds, 1) if seconds else None,
        "requests_per_1000_records": round(1000 * requests / records, 2) if records else None,
        "min_requests_by_page_size": min_requests,
        "min_requests_per_1000_records": round(1000 * min_requests / records, 2)
        if records
        else None,
        "records_by_entity": dict(sorted(by_entity.items())),
        "by_platform": by_platform,
    }


def page_size_of(platform: str, entity: str) -> int:
    """Items one request can return for this entity: the connector's `page_sizes[entity]` when
    it declares one (a platform whose endpoints page differently), else its `page_size`."""
    from ruche.platforms import platform as platform_entry

    cls = platform_entry(platform).connector_class()
    return int(getattr(cls, "page_sizes", {}).get(entity, getattr(cls, "page_size", PAGE_SIZE)))


def requests_by_platform(results: list[Any]) -> dict[str, dict[str, Any]]:
    """Per platform: records, requests made, and the fewest requests its page sizes allow for
    the records landed (one request per started page of each landed batch), per 1,000 records.
    A ratio far above the minimum points at small pages, retries or per-object requests."""
    acc: dict[str, dict[str, Any]] = {}
    for r in results:
        p = acc.setdefault(
            r.platform,
            {
                "accounts": 0,
                "records": 0,
                "requests": 0,
                "min_requests_by_page_size": 0,
                "rate_limit_waits": 0,
                "waited_seconds": 0.0,
                "account_seconds_max": 0.0,
            },
        )
        p["accounts"] += 1
        p["requests"] += r.requests
        p["rate_limit_waits"] += r.rate_limit_waits
        p["waited_seconds"] = round(p["waited_seconds"] + r.waited_seconds, 1)
        p["account_seconds_max"] = round(max(p["account_seconds_max"], r.seconds), 1)
        for m in r.manifests:
            p["records"] += m.record_count
            p["min_requests_by_page_size"] += max(
                1, math.ceil(m.record_count / page_size_of(m.platform, m.entity))
            )
    for p in acc.values():
        records = p["records"]
        p["requests_per_1000_records"] = (
            round(1000 * p["requests"] / records, 2) if records else None
        )
        p["min_requests_per_1000_records"] = (
            round(1000 * p["min_requests_by_page_size"] / records, 2) if records else None
        )
    return dict(sorted(acc.items()))


# ---------------------------------------------------------------------------- load (Ruche)
def ruche_load(*, scale: str, landing: str, warehouse: str, audit: bool) -> dict[str, Any]:
    from bench.scales import config_for
    from connectors.landing import LandingZone
    from ruche.configdb import write_config
    from ruche.load import Loader, connect

    con = connect(warehouse)
    try:
        write_config(con, config_for(scale))
        report = Loader(con, LandingZone(landing), audit=audit).load()
    finally:
        con.close()
    load_only = max(report.seconds - report.audit_seconds, 1e-9)
    return {
        "files": len(report.files),
        "landed": report.landed,
        "loaded": report.loaded,
        "quarantined": report.quarantined,
        "seconds": round(report.seconds, 3),
        "audit_seconds": round(report.audit_seconds, 3),
        "rows_per_s": round(report.loaded / report.seconds, 1) if report.seconds else None,
        "audit_rows_per_s": round(report.landed / report.audit_seconds, 1)
        if report.audit_seconds
        else None,
        "load_rows_per_s_excl_audit": round(report.loaded / load_only, 1),
        "problems": report.problems[:10],
    }


# ---------------------------------------------------------------------------- peers
def _groups(landing: str) -> dict[str, list[str]]:
    """Landed data files per platform.entity (from the manifests)."""
    from connectors.landing import LandingZone

    zone = LandingZone(landing)
    groups: dict[str, list[str]] = defaultdict(list)
    for m in zone.list_batches():
        if m.record_count:
            groups[f"{m.platform}__{m.entity}"].append(zone.path(m.data_file))
    return dict(groups)


def duckdb_read_ndjson(*, landing: str, warehouse: str, only: str | None = None) -> dict[str, Any]:
    """The ceiling: DuckDB's own reader, CREATE TABLE AS SELECT * FROM read_ndjson(files)."""
    import duckdb

    groups = _groups(landing)
    if only:
        groups = {k: v for k, v in groups.items() if k.endswith(only)}
    con = duckdb.connect(warehouse)
    rows = 0
    t = time.monotonic()
    for name, files in groups.items():
        con.execute(
            f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_ndjson(?, compression='gzip', "
            "union_by_name=true)",
            [files],
        )
        rows += con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    seconds = time.monotonic() - t
    con.close()
    return {
        "rows": rows,
        "files": sum(len(v) for v in groups.values()),
        "seconds": round(seconds, 3),
        "rows_per_s": round(rows / seconds, 1),
    }


def dlt_load(
    *, landing: str, workdir: str, mode: str, only: str | None = None, max_rows: int | None = None
) -> dict[str, Any]:
    """dlt into DuckDB from the same gzip NDJSON files.

    mode="default": yield one dict per record (dlt's default, documented first way), default
    settings. mode="arrow": dlt's documented fast path: yield whole pyarrow tables per file (no
    per-row normalisation; written straight to parquet), loader_file_format="parquet", parallel
    normalize/load workers.
    """
    os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    os.environ["DLT_DATA_DIR"] = str(Path(workdir) / "dlt_data")
    os.environ["DLT_PROJECT_DIR"] = workdir
    if mode == "arrow":
        os.environ["NORMALIZE__WORKERS"] = str(os.cpu_count() or 2)
        os.environ["LOAD__WORKERS"] = str(max(4, os.cpu_count() or 2))
        os.environ["DATA_WRITER__BUFFER_MAX_ITEMS"] = "100000"
    import dlt

    groups = _groups(landing)
    if only:
        groups = {k: v for k, v in groups.items() if k.endswith(only)}
    budget = {"rows": 0}

    def dict_rows(files: list[str]):
        for path in files:
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                for line in handle:
                    if max_rows and budget["rows"] >= max_rows:
                        return
                    budget["rows"] += 1
                    yield json.loads(line)

    fallback = {"files": 0}

    def arrow_tables(files: list[str]):
        """One Arrow table per entity (files concatenated, schemas unified): few, large items."""
        import pyarrow as pa
        import pyarrow.json as pj

        tables, page = [], []
        for path in files:
            try:
                with gzip.open(path, "rb") as handle:
                    tables.append(pj.read_json(handle))
            except pa.ArrowInvalid:
                # Arrow cannot type this file (e.g. insight values that are a number in one
                # row and an object in another): its rows go in one page of dicts, dlt's other
                # documented speed-up ("yield pages, not rows").
                fallback["files"] += 1
                with gzip.open(path, "rt", encoding="utf-8") as handle:
                    page.extend(json.loads(line) for line in handle)
        if tables:
            try:
                merged = [pa.concat_tables(tables, promote_options="permissive")]
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                merged = tables
            for table in merged:
                budget["rows"] += table.num_rows
                yield table
        if page:
            budget["rows"] += len(page)
            yield page

    resources = []
    for name, files in groups.items():
        gen = arrow_tables(files) if mode == "arrow" else dict_rows(files)
        resources.append(dlt.resource(gen, name=name, write_disposition="append"))
    pipeline = dlt.pipeline(
        pipeline_name=f"bench_{mode}",
        destination=dlt.destinations.duckdb(str(Path(workdir) / f"dlt_{mode}.duckdb")),
        dataset_name="raw",
        pipelines_dir=str(Path(workdir) / "dlt_pipelines"),
    )
    t = time.monotonic()
    if mode == "arrow":
        pipeline.run(resources, loader_file_format="parquet")
    else:
        pipeline.run(resources)
    seconds = time.monotonic() - t
    return {
        "mode": mode,
        "rows": budget["rows"],
        "seconds": round(seconds, 3),
        "rows_per_s": round(budget["rows"] / seconds, 1),
        "capped_at": max_rows,
        "files_not_arrow_typable": fallback["files"],
        "dlt_version": dlt.__version__,
    }


# ---------------------------------------------------------------------------- dbt, publish
def dbt_build(*, warehouse: str, full_refresh: bool) -> dict[str, Any]:
    from ruche.keys import DEMO_KEY, KEY_ENV
    from ruche.transform import build

    os.environ.setdefault(KEY_ENV, DEMO_KEY)  # the sandbox's fictional commenters only
    report = build(warehouse, full_refresh=full_refresh)
    return {"seconds": round(report.seconds, 3), "nodes": report.counts()}


def publish(*, warehouse: str, published: str) -> dict[str, Any]:
    from ruche.publish import publish as publish_marts

    report = publish_marts(warehouse, published, run_id="bench")
    return {"seconds": round(report.seconds, 3), "tables": len(report.tables)}


def warehouse_rows(*, warehouse: str) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect(warehouse, read_only=True)
    rows = con.execute(
        "SELECT schema_name || '.' || table_name, estimated_size FROM duckdb_tables() "
        "WHERE schema_name LIKE 'raw_%' ORDER BY 1"
    ).fetchall()
    size = Path(warehouse).stat().st_size
    con.close()
    return {"raw_rows": sum(r[1] for r in rows), "file_mb": round(size / 2**20, 1)}
