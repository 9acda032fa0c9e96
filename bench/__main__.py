"""`python -m bench --scale demo|agency --history 30[,730]`: Ruche's benchmark harness.

Writes bench/results/latest.json and bench/results/latest.md (see bench/README.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

from bench import report
from bench.scales import NOW, SEED, config_for, describe, label, scale_for
from bench.stages import run_in_child

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def log(msg: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}] {msg}", flush=True)


def machine() -> dict[str, Any]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        import psutil

        mem = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:
        pass
    versions = {}
    for pkg in (
        "ruche",
        "duckdb",
        "dbt-core",
        "dbt-duckdb",
        "apache-airflow",
        "dlt",
        "pyarrow",
        "great-expectations",
    ):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "cpu_model": cpu,
        "git_commit": git_commit(),
        "memory_gb": mem,
        "versions": versions,
    }


def git_commit() -> str | None:
    """The commit the benchmark runs (`+dirty` with uncommitted changes), when in a checkout."""
    root = str(Path(__file__).resolve().parent.parent)
    git = shutil.which("git")
    if git is None:
        return None

    def run(*args: str) -> str:
        return subprocess.run(  # noqa: S603 - fixed arguments
            [git, "-C", root, *args], capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        head = run("rev-parse", "--short", "HEAD")
        dirty = run("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")


def stage(name: str, fn: str, *, optional: bool = False, **kwargs: Any) -> dict[str, Any]:
    log(f"{name} …")
    commit = git_commit()  # stages of a long run may run later commits (each is a fresh process)
    try:
        out = run_in_child(fn, **kwargs)
    except Exception as exc:
        if not optional:
            raise
        log(f"{name}: FAILED: {str(exc).splitlines()[-1][:300]}")
        return {"error": str(exc)[-2000:], "git_commit": commit}
    out["git_commit"] = commit
    brief = {
        k: out[k] for k in ("seconds", "rows_per_s", "records_per_s", "peak_rss_mb") if k in out
    }
    log(f"{name}: {brief}")
    return out


def run_history(scale: str, history: int, args: argparse.Namespace) -> dict[str, Any]:
    from connectors.sandbox.server import SandboxServer
    from connectors.sandbox.world import World

    work = Path(args.workdir) / f"{label(scale)}-{history}d"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    landing = str(work / "landing")
    warehouse = str(work / "warehouse.duckdb")
    published = str(work / "published" / "marts.duckdb")
    last = NOW.date() - dt.timedelta(days=1)  # the nightly run's day
    hist_start, hist_end = last - dt.timedelta(days=history), last - dt.timedelta(days=1)
    out: dict[str, Any] = {
        "scale": scale,
        "history_days": history,
        "history_window": [hist_start.isoformat(), hist_end.isoformat()],
        "nightly_day": last.isoformat(),
    }
    world = World(config_for(scale), seed=SEED, now=NOW, scale=scale_for(scale, history))
    with SandboxServer(world) as server:
        common = {
            "scale": scale,
            "landing": landing,
            "base_url": server.url,
            "workers": args.workers,
        }
        out["history_extract"] = stage(
            f"{scale}/{history}d: extract history",
            "extract",
            start=hist_start.isoformat(),
            end=hist_end.isoformat(),
            run_id="bench_history",
            **common,
        )
        # ---- loader comparison, all on the same (history) landing files
        cmp: dict[str, Any] = {}
        cmp["duckdb_read_ndjson"] = stage(
            "ceiling: duckdb read_ndjson (all entities)",
            "duckdb_read_ndjson",
            landing=landing,
            warehouse=str(work / "cmp_duckdb.duckdb"),
        )
        cmp["duckdb_read_ndjson_comments"] = stage(
            "ceiling: duckdb read_ndjson (comments)",
            "duckdb_read_ndjson",
            landing=landing,
            warehouse=str(work / "cmp_duckdb_comments.duckdb"),
            only="comments",
        )
        cmp["ruche_audit_off"] = stage(
            "ruche loader, audit off",
            "ruche_load",
            scale=scale,
            landing=landing,
            warehouse=str(work / "cmp_ruche_noaudit.duckdb"),
            audit=False,
        )
        if not args.skip_dlt and (args.dlt_histories is None or history in args.dlt_histories):
            cmp["dlt_arrow"] = stage(
                "dlt (arrow tables + parquet, fastest documented)",
                "dlt_load",
                landing=landing,
                workdir=str(work / "dlt"),
                mode="arrow",
                optional=True,
            )
            cmp["dlt_default"] = stage(
                "dlt (default: dict rows)",
                "dlt_load",
                landing=landing,
                workdir=str(work / "dlt"),
                mode="default",
                max_rows=args.dlt_default_max_rows,
                optional=True,
            )
        # the audited load of the history is the pipeline's real first load
        out["history_load"] = cmp["ruche_audit_on"] = stage(
            "ruche loader, audit on (history into the warehouse)",
            "ruche_load",
            scale=scale,
            landing=landing,
            warehouse=warehouse,
            audit=True,
        )
        out["loader_comparison"] = cmp
        out["dbt_full_refresh"] = stage(
            "dbt build --full-refresh", "dbt_build", warehouse=warehouse, full_refresh=True
        )
        out["history_publish"] = stage(
            "publish", "publish", warehouse=warehouse, published=published
        )
        out["warehouse_after_history"] = run_in_child("warehouse_rows", warehouse=warehouse)
        # ---- the nightly run on top of the history
        nightly: dict[str, Any] = {}
        nightly["extract"] = stage(
            "nightly extract (1 day + re-fetch windows)",
            "extract",
            start=last.isoformat(),
            end=last.isoformat(),
            run_id="bench_nightly",
            **common,
        )
    nightly["load"] = stage(
        "nightly audit+load",
        "ruche_load",
        scale=scale,
        landing=landing,
        warehouse=warehouse,
        audit=True,
    )
    nightly["dbt_incremental"] = stage(
        "nightly dbt build (incremental)", "dbt_build", warehouse=warehouse, full_refresh=False
    )
    nightly["publish"] = stage(
        "nightly publish", "publish", warehouse=warehouse, published=published
    )
    parts = ("extract", "load", "dbt_incremental", "publish")
    nightly["total_seconds"] = round(sum(nightly[p]["seconds"] for p in parts), 3)
    nightly["total_wall_seconds"] = round(sum(nightly[p]["wall_seconds"] for p in parts), 3)
    nightly["peak_rss_mb"] = max(nightly[p]["peak_rss_mb"] for p in parts)
    out["nightly"] = nightly
    at = args.airflow_history
    if args.airflow and not args.airflow_done and (at is None or at == history):
        out["airflow_vs_plain_dbt"] = airflow_vs_plain(work, warehouse, args.airflow_repeats)
        args.airflow_done = True
    if not args.keep:
        for name in (
            "cmp_duckdb.duckdb",
            "cmp_duckdb_comments.duckdb",
            "cmp_ruche_noaudit.duckdb",
            "dlt",
        ):
            target = work / name
            shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(
                missing_ok=True
            )
    return out


def run_latency(scale: str, args: argparse.Namespace) -> dict[str, Any]:
    """The nightly extract at API latency: the sandbox delays every request (a seeded
    log-normal, `--latency`) and enforces the platforms' documented rate limits, per token and
    per app; each account has its own token, as in production. The same nightly extract runs
    with 1, 2, 4… workers (`--latency-workers`: threads of `extract_many`, each running one
    account's extract at a time, as a Celery worker slot runs one extract task), each against a
    fresh server (same delays, empty rate-limit windows) into a fresh landing zone. A warm-up
    extract without latency runs first so the world's generation (CPU, memoised in this
    process) is not counted in the first measured run."""
    from connectors.sandbox.latency import parse_latency
    from connectors.sandbox.server import SandboxServer
    from connectors.sandbox.world import World

    work = Path(args.workdir) / f"{label(scale)}-latency"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    last = NOW.date() - dt.timedelta(days=1)
    latency = parse_latency(args.latency, SEED)
    assert latency is not None  # --latency off is refused by main()
    world = World(config_for(scale), seed=SEED, now=NOW, scale=scale_for(scale, 30))
    nightly = {"start": last.isoformat(), "end": last.isoformat(), "scale": scale}
    out: dict[str, Any] = {
        "scale": scale,
        "nightly_day": last.isoformat(),
        "latency": latency.describe(),
        "workers": args.latency_workers,
        "runs": {},
    }
    with SandboxServer(world) as server:
        out["warm_up"] = stage(
            f"{scale}: warm-up extract, no latency (not counted)",
            "extract",
            landing=str(work / "warm"),
            run_id="bench_warm",
            base_url=server.url,
            workers=max(args.latency_workers),
            per_account_tokens=True,
            **nightly,
        )
    for workers in args.latency_workers:
        latency.reset()
        with SandboxServer(world, latency=latency, documented_limits=True) as server:
            run = stage(
                f"{scale}: nightly extract at latency, {workers} worker(s)",
                "extract",
                landing=str(work / f"w{workers}"),
                run_id=f"bench_latency_{workers}",
                base_url=server.url,
                workers=workers,
                per_account_tokens=True,
                **nightly,
            )
            run["served_latency"] = latency.stats()
            run["limits"] = server.limiter.usage()
            out["runs"][str(workers)] = run
        # partial results survive an interrupted run
        (Path(args.out) / "latency.json").write_text(json.dumps(out, indent=2) + "\n")
    one = out["runs"].get("1")
    for workers, run in out["runs"].items():
        n = int(workers)
        run["efficiency"] = (
            round(one["seconds"] / (n * run["seconds"]), 3) if one and run["seconds"] else None
        )
    # Projected to the full agency only from the agency's shape (agency or agency:N).
    agency_shaped = scale.partition(":")[0] == "agency"
    out["projection"] = report.latency_projection(
        out, describe(scale), describe("agency" if agency_shaped else scale)
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return out


def airflow_vs_plain(work: Path, warehouse: str, repeats: int) -> dict[str, Any]:
    """The dbt stage as Airflow runs it (`dbt_build` task of `ruche_transform`, duration from the
    metadata DB) vs a plain `dbt build` CLI process, each on its own copy of the same warehouse."""
    from ruche import demo
    from ruche.config import load_config

    cfg = load_config(demo.DEMO_CONFIG)
    paths = demo.DemoPaths(work / "airflow")
    env = demo.airflow_env(paths, demo.DEMO_CONFIG, "http://127.0.0.1:9", cfg)
    af_log = work / "airflow.log"
    log("airflow: db migrate …")
    demo.prepare_airflow(env, af_log)
    plain, in_airflow, dags_test_total = [], [], []
    for i in range(repeats):
        copy = work / f"plain{i}.duckdb"
        shutil.copy(warehouse, copy)
        penv = dict(
            os.environ,
            RUCHE_WAREHOUSE=str(copy),
            DBT_SEND_ANONYMOUS_USAGE_STATS="False",
            DO_NOT_TRACK="1",
        )
        t = time.monotonic()
        subprocess.run(  # noqa: S603 - fixed argv
            [
                str(Path(sys.executable).parent / "dbt"),
                "build",
                "--project-dir",
                "dbt_project",
                "--profiles-dir",
                "dbt_project",
                "--quiet",
            ],
            cwd=ROOT,
            env=penv,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        plain.append(round(time.monotonic() - t, 3))
        log(f"plain dbt build #{i + 1}: {plain[-1]}s")
        copy.unlink()
        copy = work / f"af{i}.duckdb"
        shutil.copy(warehouse, copy)
        env["RUCHE_WAREHOUSE"] = str(copy)
        env["RUCHE_PUBLISHED"] = str(work / f"af_pub{i}.duckdb")
        stamp = (NOW + dt.timedelta(days=i + 1, hours=1)).isoformat()
        t = time.monotonic()
        demo.airflow(["dags", "test", "ruche_transform", stamp], env, af_log)
        dags_test_total.append(round(time.monotonic() - t, 3))
        db = sqlite3.connect(str(paths.airflow_home / "airflow.db"))
        (duration,) = db.execute(
            "SELECT duration FROM task_instance WHERE dag_id='ruche_transform' AND "
            "task_id='dbt_build' ORDER BY start_date DESC LIMIT 1"
        ).fetchone()
        db.close()
        in_airflow.append(round(float(duration), 3))
        log(
            f"airflow dbt_build #{i + 1}: {in_airflow[-1]}s "
            f"(dags test total {dags_test_total[-1]}s)"
        )
        copy.unlink()
    mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
    return {
        "plain_dbt_build_seconds": plain,
        "airflow_dbt_build_task_seconds": in_airflow,
        "airflow_dags_test_total_seconds": dags_test_total,
        "ratio": round(mean(in_airflow) / mean(plain), 3),
    }


def main(argv: list[str] | None = None) -> int:
    from ruche.fx import MAX_CARRY_DAYS_ENV, carry_days_to_reach

    # the bench world's days (to NOW) run past the bundled ECB rates: carry them, as the demo does
    os.environ.setdefault(MAX_CARRY_DAYS_ENV, str(carry_days_to_reach(NOW.date())))
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument(
        "--scale",
        default="demo",
        help="demo, agency, or agency:N (the agency's shape with N clients, for quick profiling)",
    )
    p.add_argument("--history", default="30", help="days of history, comma-separated (e.g. 30,730)")
    p.add_argument("--workers", type=int, default=4, help="accounts extracted in parallel")
    p.add_argument("--workdir", default=str(RESULTS / "work"))
    p.add_argument("--skip-dlt", action="store_true")
    p.add_argument(
        "--dlt-histories",
        default=None,
        help="run the dlt comparison only at these histories (comma-separated; default: all)",
    )
    p.add_argument(
        "--dlt-default-max-rows",
        type=int,
        default=100_000,
        help="cap for dlt's (slow) default configuration",
    )
    p.add_argument("--no-airflow", dest="airflow", action="store_false")
    p.add_argument("--airflow-repeats", type=int, default=2)
    p.add_argument(
        "--airflow-history",
        type=int,
        default=None,
        help="compare dbt in Airflow with plain dbt at this history (default: the first one)",
    )
    p.add_argument("--keep", action="store_true", help="keep the comparison databases")
    p.add_argument(
        "--latency",
        nargs="?",
        const="150",
        default=None,
        help="only the nightly extract at API latency (median ms, or median/p95; default 150 "
        "→ p95 660 ms) with documented rate limits, at --latency-workers",
    )
    p.add_argument(
        "--latency-workers",
        default="1,2,4",
        help="worker counts of the latency scenario (comma-separated, default 1,2,4)",
    )
    p.add_argument("--out", default=str(RESULTS))
    args = p.parse_args(argv)
    try:
        describe(args.scale)
    except ValueError as exc:
        p.error(str(exc))
    args.airflow_done = False
    if args.latency is not None:
        return main_latency(p, args)
    histories = [int(h) for h in args.history.split(",") if h.strip()]
    if args.dlt_histories is not None:
        args.dlt_histories = {int(h) for h in args.dlt_histories.split(",") if h.strip()}
    started = time.monotonic()
    result: dict[str, Any] = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "scale": args.scale,
        "scale_definition": describe(args.scale),
        "histories": histories,
        "runs": [],
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for history in histories:
        result["runs"].append(run_history(args.scale, history, args))
        # partial results survive an interrupted longer history
        (out / "latest.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    result["ratios"] = report.ratios(result)
    result["targets"] = report.targets(result)
    result["total_seconds"] = round(time.monotonic() - started, 1)
    result["git_commit_at_end"] = git_commit()
    (out / "latest.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    md = report.markdown(result)
    (out / "latest.md").write_text(md)
    print(md)
    return 0


def main_latency(p: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """`--latency`: the latency scenario alone (its own result files: latency.json/.md)."""
    from connectors.sandbox.latency import parse_latency

    try:
        if parse_latency(args.latency) is None:
            p.error("--latency: give a median in ms (150) or median/p95 (150/600), not off")
        args.latency_workers = sorted({int(w) for w in args.latency_workers.split(",") if w})
    except ValueError as exc:
        p.error(f"--latency: {exc}")
    if not args.latency_workers or min(args.latency_workers) < 1:
        p.error("--latency-workers: whole numbers, at least 1 (e.g. 1,2,4)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    result: dict[str, Any] = {
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "scale": args.scale,
        "scale_definition": describe(args.scale),
        "latency_scenario": run_latency(args.scale, args),
    }
    result["total_seconds"] = round(time.monotonic() - started, 1)
    result["git_commit_at_end"] = git_commit()
    (out / "latency.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    md = report.latency_markdown(result)
    (out / "latency.md").write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
