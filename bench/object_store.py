"""`python -m bench.object_store --scale demo --history 30`: loading from an object store.

The same landed files (extracted by the real connectors from the sandbox at the scale and
history asked) are loaded into a fresh DuckDB warehouse, audit off, from:

* `local`: the landing zone on the local disk (the baseline);
* `download`: an `s3://` bucket on moto's S3 server (its own process, loopback), each batch's
  files downloaded to a temporary folder with concurrent GETs, DuckDB reading them there;
* `fsspec`: the same bucket, DuckDB reading the files through the fsspec filesystem registered
  in it (`duckdb.register_filesystem`).

Each load runs in a fresh spawned process, `--repeats` times, the modes interleaved; the median
is reported. Writes `bench/results/object_store.json` and `.md`. The loader's default
(`ruche.load.loader.DEFAULT_REMOTE_READ`) is the faster of the two remote modes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from bench.scales import NOW, SEED, config_for, label, scale_for

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
MODES = ("local", "download", "fsspec")
AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench-secret",
    "AWS_DEFAULT_REGION": "us-east-1",
}


def log(msg: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {msg}", flush=True)


def _serve_s3(ready: Any, stop: Any, latency_ms: float) -> None:
    """moto's S3 server in its own process (so that it does not share the loader's GIL), each
    answer held `latency_ms` first: loopback answers in microseconds, S3 in tens of
    milliseconds, and which way of reading wins depends on it (requests made one after another
    pay it each time, concurrent ones once)."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    if latency_ms:
        app = server._server.app  # werkzeug's server calls `self.app` for each request

        def delayed(environ: Any, start_response: Any) -> Any:
            time.sleep(latency_ms / 1000)  # sleeping releases the GIL: requests overlap
            return app(environ, start_response)

        server._server.app = delayed
    ready.put(server.get_host_and_port()[1])
    stop.wait()
    server.stop()


def _load(mode: str, landing: str, warehouse: str, endpoint: str) -> dict[str, Any]:
    """One load in this (fresh) process; the figures of its report."""
    from bench.stages import _peak_mb
    from connectors.landing import LandingZone
    from ruche.load import Loader, connect

    os.environ.update(AWS_ENV)
    options = None if mode == "local" else {"endpoint_url": endpoint}
    zone = LandingZone(landing, storage_options=options)
    con = connect(warehouse)
    try:
        started = time.monotonic()
        report = Loader(
            con, zone, audit=False, remote_read=None if mode == "local" else mode
        ).load()
        seconds = time.monotonic() - started
        tables = con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables "
            "WHERE table_schema LIKE 'raw_%'"
        ).fetchall()
        rows = sum(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for (t,) in tables)
    finally:
        con.close()
    return {
        "seconds": round(seconds, 3),
        "files": len(report.files),
        "loaded": report.loaded,
        "quarantined": report.quarantined,
        "raw_rows": rows,
        "peak_rss_mb": _peak_mb(),
    }


def _in_child(*args: Any) -> dict[str, Any]:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_load, *args).result()


def run(
    scale: str,
    history: int,
    repeats: int,
    workers: int,
    work: Path,
    latencies: list[float],
    landed: Path | None = None,
) -> dict[str, Any]:

    from bench.stages import extract
    from connectors.sandbox.server import SandboxServer
    from connectors.sandbox.world import World

    landing = landed or work / "landing"
    last = NOW.date() - dt.timedelta(days=1)
    start, end = last - dt.timedelta(days=history), last - dt.timedelta(days=1)
    records = None
    if landed is None:
        world = World(config_for(scale), seed=SEED, now=NOW, scale=scale_for(scale, history))
        with SandboxServer(world) as server:
            log(f"{scale}/{history}d: extracting {start} to {end}")
            records = extract(
                scale=scale,
                landing=str(landing),
                start=start.isoformat(),
                end=end.isoformat(),
                run_id="bench_object_store",
                base_url=server.url,
                workers=workers,
            )["records"]
    files = [p for p in landing.rglob("*") if p.is_file()]
    data_bytes = sum(p.stat().st_size for p in files if p.name.endswith(".ndjson.gz"))
    out: dict[str, Any] = {
        "scale": scale,
        "history_days": history,
        "records": records,
        "data_files": sum(1 for p in files if p.name.endswith(".ndjson.gz")),
        "data_mb": round(data_bytes / 2**20, 1),
        "repeats": repeats,
    }
    out["by_latency"] = [
        measure(landing, repeats, work, latency_ms) | {"s3_latency_ms": latency_ms}
        for latency_ms in latencies
    ]
    return out


def measure(landing: Path, repeats: int, work: Path, latency_ms: float) -> dict[str, Any]:
    """Upload the landing zone to a fresh S3 server with this latency, then load it each way."""
    import fsspec

    out: dict[str, Any] = {}
    context = get_context("spawn")
    ready, stop = context.Queue(), context.Event()
    server = context.Process(target=_serve_s3, args=(ready, stop, latency_ms), daemon=True)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{ready.get(timeout=60)}"
        os.environ.update(AWS_ENV)
        fs = fsspec.filesystem("s3", endpoint_url=endpoint, skip_instance_cache=True)
        fs.mkdir("ruche-bench")
        t = time.monotonic()
        fs.put(str(landing), "ruche-bench/landing", recursive=True)
        out["upload_seconds"] = round(time.monotonic() - t, 3)
        roots = {"local": str(landing), "download": "s3://ruche-bench/landing"}
        roots["fsspec"] = roots["download"]
        runs: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
        for i in range(repeats):
            for mode in MODES if i % 2 == 0 else tuple(reversed(MODES)):
                warehouse = work / f"{mode}-{i}.duckdb"
                result = _in_child(mode, roots[mode], str(warehouse), endpoint)
                warehouse.unlink()
                runs[mode].append(result)
                log(f"{latency_ms} ms, {mode} #{i + 1}: {result['seconds']} s")
    finally:
        stop.set()
        server.join(timeout=30)
    loaded = {mode: {r["raw_rows"] for r in results} for mode, results in runs.items()}
    out["same_rows"] = len(set().union(*loaded.values())) == 1
    out["modes"] = {
        mode: {
            "median_seconds": round(statistics.median(r["seconds"] for r in results), 3),
            "all_seconds": [r["seconds"] for r in results],
            "loaded": results[0]["loaded"],
            "files": results[0]["files"],
            "peak_rss_mb": max(r["peak_rss_mb"] for r in results),
        }
        for mode, results in runs.items()
    }
    return out


def markdown(results: list[dict[str, Any]], when: str) -> str:
    lines = [
        f"Loading from an object store (moto S3 on loopback), audit off, {when}",
        "",
        "| scale | history | files | MB | rows | S3 latency | local s | download s | fsspec s "
        "| fsspec/download | same rows |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for by in r["by_latency"]:
            m = by["modes"]
            ratio = m["fsspec"]["median_seconds"] / max(m["download"]["median_seconds"], 1e-9)
            lines.append(
                f"| {r['scale']} | {r['history_days']} d | {r['data_files']} | {r['data_mb']} | "
                f"{m['local']['loaded']:,} | {by['s3_latency_ms']:g} ms | "
                f"{m['local']['median_seconds']} | {m['download']['median_seconds']} | "
                f"{m['fsspec']['median_seconds']} | {ratio:.1f}× | {by['same_rows']} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="demo", help="demo, agency or agency:N")
    parser.add_argument("--history", default="30", help="days of history, comma-separated")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--s3-latency-ms",
        default="0,20",
        help="latencies the S3 server adds to each answer, comma-separated (0: loopback only)",
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--out", default=str(RESULTS / "object_store"))
    parser.add_argument(
        "--landing", help="load this landing zone (one history) instead of extracting one"
    )
    parser.add_argument("--workdir", help="keep the landing zone here (default: a temp folder)")
    args = parser.parse_args()
    latencies = [float(ms) for ms in args.s3_latency_ms.split(",")]
    results = []
    for history in (int(h) for h in args.history.split(",")):
        if args.landing:
            with tempfile.TemporaryDirectory(prefix="ruche-bench-s3-") as tmp:
                results.append(
                    run(
                        args.scale,
                        history,
                        args.repeats,
                        args.workers,
                        Path(tmp),
                        latencies,
                        Path(args.landing),
                    )
                )
            continue
        if args.workdir:
            work = Path(args.workdir) / f"{label(args.scale)}-{history}d"
            work.mkdir(parents=True, exist_ok=False)
            results.append(run(args.scale, history, args.repeats, args.workers, work, latencies))
            continue
        with tempfile.TemporaryDirectory(prefix=f"ruche-bench-s3-{label(args.scale)}-") as tmp:
            results.append(
                run(args.scale, history, args.repeats, args.workers, Path(tmp), latencies)
            )
    when = f"{dt.datetime.now(dt.UTC):%Y-%m-%d}, {os.cpu_count()} CPUs"
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    table = markdown(results, when)
    out.with_suffix(".md").write_text(table, encoding="utf-8")
    print(table, end="")


if __name__ == "__main__":
    main()
