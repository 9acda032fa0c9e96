"""Ratios, targets and the markdown table of a benchmark result."""

from __future__ import annotations

from typing import Any


def _div(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def ratios(result: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for run in result["runs"]:
        key = f"{run['scale']}/{run['history_days']}d"
        cmp = run["loader_comparison"]
        ceiling = cmp["duckdb_read_ndjson"]["rows_per_s"]
        r: dict[str, Any] = {}
        for name in ("ruche_audit_off", "ruche_audit_on"):
            r[f"{name}_vs_duckdb_read_ndjson"] = _div(cmp[name]["rows_per_s"], ceiling)
            for dlt_mode in ("dlt_arrow", "dlt_default"):
                if cmp.get(dlt_mode, {}).get("rows_per_s"):
                    r[f"{name}_vs_{dlt_mode}"] = _div(
                        cmp[name]["rows_per_s"], cmp[dlt_mode]["rows_per_s"]
                    )
        best = max((cmp.get(m, {}).get("rows_per_s") or 0) for m in ("dlt_arrow", "dlt_default"))
        if best:
            for name in ("ruche_audit_off", "ruche_audit_on"):
                r[f"{name}_vs_best_dlt"] = _div(cmp[name]["rows_per_s"], best)
        for dlt_mode in ("dlt_arrow", "dlt_default"):
            if cmp.get(dlt_mode, {}).get("rows_per_s"):
                r[f"{dlt_mode}_vs_duckdb_read_ndjson"] = _div(cmp[dlt_mode]["rows_per_s"], ceiling)
        if "airflow_vs_plain_dbt" in run:
            r["dbt_airflow_vs_plain"] = run["airflow_vs_plain_dbt"]["ratio"]
        out[key] = r
    by_history = {run["history_days"]: run for run in result["runs"]}
    if 30 in by_history and 730 in by_history:
        out["nightly_growth_730_vs_30"] = _div(
            by_history[730]["nightly"]["total_seconds"], by_history[30]["nightly"]["total_seconds"]
        )
    return out


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    rat = result["ratios"] if "ratios" in result else ratios(result)
    rows: list[dict[str, Any]] = []

    def add(name: str, value: Any, ok: bool | None, note: str = "") -> None:
        rows.append(
            {"target": name, "value": value, "met": None if ok is None else bool(ok), "note": note}
        )

    for run in result["runs"]:
        key = f"{run['scale']}/{run['history_days']}d"
        r = rat[key]
        v = r.get("ruche_audit_off_vs_duckdb_read_ndjson")
        add(f"{key}: loader (audit off) >= 0.5x DuckDB read_ndjson", v, v is not None and v >= 0.5)
        v = r.get("ruche_audit_on_vs_duckdb_read_ndjson")
        add(f"{key}: loader (audit on) >= 0.5x DuckDB read_ndjson", v, v is not None and v >= 0.5)
        v = r.get("ruche_audit_off_vs_best_dlt")
        if v is not None:
            add(f"{key}: loader (audit off) >= 20x dlt (its faster configuration here)", v, v >= 20)
        peak = run["nightly"]["load"]["peak_rss_mb"]
        add(
            f"{key}: nightly load peak RSS < 2 GB",
            f"{peak} MB",
            peak < 2048,
            "compare across histories: should not grow with history",
        )
        peak = run["history_load"]["peak_rss_mb"]
        add(
            f"{key}: load peak RSS < 2 GB (history load)",
            f"{peak} MB",
            peak < 2048,
            "agency scale is the real target" if run["scale"] != "agency" else "",
        )
        if "dbt_airflow_vs_plain" in r:
            v = r["dbt_airflow_vs_plain"]
            add(f"{key}: dbt in Airflow <= 1.3x plain dbt build", v, v <= 1.3)
        if run["scale"] == "agency" and run["history_days"] == 730:
            t = run["nightly"]["total_seconds"]
            add("agency/730d: nightly < 10 min", f"{t} s", t < 600)
    if "nightly_growth_730_vs_30" in rat:
        v = rat["nightly_growth_730_vs_30"]
        add(f"{result['scale']}: nightly 730d / 30d <= 1.5", v, v <= 1.5)
    else:
        add(
            f"{result['scale']}: nightly 730d / 30d <= 1.5",
            None,
            None,
            "not measured in this run (needs --history 30,730)",
        )
    return rows


def _f(v: Any, digits: int = 1) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.{digits}f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _stages(run: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(name, stage result) of every stage of one history's run, in running order."""
    out = [(k, run[k]) for k in ("history_extract",) if isinstance(run.get(k), dict)]
    out += [(f"loader {k}", v) for k, v in run.get("loader_comparison", {}).items()]
    out += [(k, run[k]) for k in ("dbt_full_refresh", "history_publish") if k in run]
    out += [(f"nightly {k}", v) for k, v in run.get("nightly", {}).items() if isinstance(v, dict)]
    return out


def markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"# Ruche benchmark — scale `{result['scale']}`, history {result['histories']} days",
        "",
        f"Started {result['started_at']}, total {result.get('total_seconds')} s. "
        f"Machine: {m['cpus']} CPU ({m['cpu_model']}), {m['memory_gb']} GB RAM, "
        f"{m['platform']}, Python {m['python']}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()) + ".",
        f"Scale definition: `{result['scale_definition']}`.",
        f"Commit: {m.get('git_commit')} at the start, "
        f"{result.get('git_commit_at_end')} at the end."
        + (
            " Merged from back-to-back runs: "
            + "; ".join(
                f"history {r['histories']} started {r['started_at']} "
                f"({r['git_commit']} → {r['git_commit_at_end']}, {r['total_seconds']} s)"
                for r in result["merged_from"]
            )
            + "."
            if result.get("merged_from")
            else ""
        ),
        "",
    ]
    start = m.get("git_commit")
    later = [
        f"{run['scale']}/{run['history_days']}d {name} at {stage['git_commit']}"
        for run in result["runs"]
        for name, stage in _stages(run)
        if stage.get("git_commit") not in (None, start)
    ]
    if later:
        lines[-1:-1] = ["Stages run at a later commit than the start: " + "; ".join(later) + "."]
    for run in result["runs"]:
        key = f"{run['scale']}/{run['history_days']}d"
        ex, nx = run["history_extract"], run["nightly"]["extract"]
        wh = run.get("warehouse_after_history", {})
        lines += [
            f"## {key} (history {run['history_window'][0]} … {run['history_window'][1]}, "
            f"nightly day {run['nightly_day']}; warehouse {_f(wh.get('raw_rows'))} raw rows, "
            f"{_f(wh.get('file_mb'))} MB)",
            "",
            "| stage | records/rows | seconds | rate | other | peak RSS MB |",
            "|---|---:|---:|---:|---|---:|",
        ]

        def ext(name: str, e: dict[str, Any]) -> str:
            return (
                f"| {name} | {_f(e['records'])} | {_f(e['seconds'])} | "
                f"{_f(e['records_per_s'])} rec/s, {_f(e['requests_per_s'])} req/s | "
                f"{_f(e['requests'])} requests = {_f(e['requests_per_1000_records'], 2)} per 1,000 "
                f"records (page-size minimum {_f(e['min_requests_per_1000_records'], 2)}) | "
                f"{_f(e['peak_rss_mb'])} |"
            )

        def load(name: str, ld: dict[str, Any]) -> str:
            audit = (
                f"audit {_f(ld['audit_seconds'])} s = {_f(ld['audit_rows_per_s'])} rows/s; "
                f"load excl. audit {_f(ld['load_rows_per_s_excl_audit'])} rows/s"
                if ld["audit_seconds"]
                else "audit off"
            )
            return (
                f"| {name} | {_f(ld['loaded'])} | {_f(ld['seconds'])} | "
                f"{_f(ld['rows_per_s'])} rows/s | {audit}; quarantined {ld['quarantined']} | "
                f"{_f(ld['peak_rss_mb'])} |"
            )

        def simple(name: str, s: dict[str, Any], other: str = "") -> str:
            return f"| {name} | | {_f(s['seconds'])} | | {other} | {_f(s['peak_rss_mb'])} |"

        n = run["nightly"]
        lines += [
            ext("extract (history)", ex),
            load("audit + load (history)", run["history_load"]),
            simple(
                "dbt build --full-refresh",
                run["dbt_full_refresh"],
                str(run["dbt_full_refresh"]["nodes"]),
            ),
            simple("publish (history)", run["history_publish"]),
            ext("nightly: extract", nx),
            load("nightly: audit + load", n["load"]),
            simple(
                "nightly: dbt build (incremental)",
                n["dbt_incremental"],
                str(n["dbt_incremental"]["nodes"]),
            ),
            simple("nightly: publish", n["publish"]),
            f"| **nightly run, total** | | **{_f(n['total_seconds'])}** | | sum of the 4 stages "
            f"(incl. process start + imports: {_f(n['total_wall_seconds'])} s) | "
            f"{_f(n['peak_rss_mb'])} |",
            "",
            "Requests by platform (history extract): requests made per 1,000 records landed, "
            "against the fewest the platform's page sizes allow:",
            "",
            "| platform | accounts | records | requests | per 1,000 records | page-size minimum |",
            "|---|---:|---:|---:|---:|---:|",
            *(
                f"| {name} | {_f(p['accounts'])} | {_f(p['records'])} | {_f(p['requests'])} | "
                f"{_f(p['requests_per_1000_records'], 2)} | "
                f"{_f(p['min_requests_per_1000_records'], 2)} |"
                for name, p in ex.get("by_platform", {}).items()
            ),
            "",
            "Loader comparison on the same landing files (the history's):",
            "",
            "| loader | rows | seconds | rows/s | peak RSS MB |",
            "|---|---:|---:|---:|---:|",
        ]
        labels = {
            "duckdb_read_ndjson": "(a) DuckDB read_ndjson CTAS, all entities (ceiling)",
            "duckdb_read_ndjson_comments": "(a') DuckDB read_ndjson CTAS, comments only",
            "dlt_arrow": "(b) dlt, Arrow tables + parquet (fastest documented)",
            "dlt_default": "(b') dlt, default (dict rows)",
            "ruche_audit_off": "(c) Ruche loader, audit off",
            "ruche_audit_on": "(c') Ruche loader, audit on",
        }
        for k, label in labels.items():
            c = run["loader_comparison"].get(k)
            if not c:
                continue
            if "error" in c:
                lines.append(f"| {label} | failed: {c['error'].splitlines()[-1][:120]} | | | |")
                continue
            rows = c.get("rows", c.get("loaded"))
            cap = " (capped sample)" if c.get("capped_at") and rows >= c["capped_at"] else ""
            lines.append(
                f"| {label}{cap} | {_f(rows)} | {_f(c['seconds'])} | {_f(c['rows_per_s'])} | "
                f"{_f(c['peak_rss_mb'])} |"
            )
        on, off = (
            run["loader_comparison"]["ruche_audit_on"],
            run["loader_comparison"].get("ruche_audit_off"),
        )
        if off and "seconds" in off:
            extra = on["seconds"] - off["seconds"]
            lines += [
                "",
                f"Audit cost measured as (c') − (c): {_f(extra)} s for {_f(on['landed'])} rows "
                f"= {_f(on['landed'] / extra if extra > 0 else None)} rows/s. The loader's own "
                f"`audit_seconds` ({_f(on['audit_seconds'])} s) covers importing Great "
                "Expectations, building the pandas frames and the validations.",
            ]
        if "airflow_vs_plain_dbt" in run:
            a = run["airflow_vs_plain_dbt"]
            lines += [
                "",
                "dbt in Airflow (`dbt_build` task duration): "
                f"{a['airflow_dbt_build_task_seconds']} s; "
                f"plain `dbt build` CLI: {a['plain_dbt_build_seconds']} s; ratio of means "
                f"**{a['ratio']}** (whole `airflow dags test ruche_transform`: "
                f"{a['airflow_dags_test_total_seconds']} s).",
            ]
        lines.append("")
    lines += ["## Ratios", "", "| ratio | value |", "|---|---:|"]
    for key, val in result["ratios"].items():
        if isinstance(val, dict):
            for k, v in val.items():
                lines.append(f"| {key}: {k} | {_f(v, 3)} |")
        else:
            lines.append(f"| {key} | {_f(val, 3)} |")
    lines += ["", "## Targets", "", "| target | value | met | note |", "|---|---:|---|---|"]
    for t in result["targets"]:
        met = "n/a" if t["met"] is None else ("yes" if t["met"] else "**no**")
        lines.append(f"| {t['target']} | {_f(t['value'], 3)} | {met} | {t['note']} |")
    return "\n".join(lines) + "\n"


def merge(results: list[dict[str, Any]]) -> dict[str, Any]:
    """One result from runs of the same scale made by separate, back-to-back invocations (a
    long history first, then the short one, say). The machine and each run's commits are kept."""
    scales = {r["scale"] for r in results}
    if len(scales) != 1:
        raise ValueError(f"cannot merge different scales: {sorted(scales)}")
    runs = sorted((run for r in results for run in r["runs"]), key=lambda run: run["history_days"])
    first = min(results, key=lambda r: r["started_at"])
    merged = {
        "started_at": first["started_at"],
        "machine": first["machine"],
        "scale": first["scale"],
        "scale_definition": first["scale_definition"],
        "histories": [run["history_days"] for run in runs],
        "runs": runs,
        "total_seconds": round(sum(r.get("total_seconds") or 0 for r in results), 1),
        "git_commit_at_end": max(results, key=lambda r: r["started_at"]).get("git_commit_at_end"),
        "merged_from": [
            {
                "started_at": r["started_at"],
                "histories": r["histories"],
                "git_commit": r["machine"].get("git_commit"),
                "git_commit_at_end": r.get("git_commit_at_end"),
                "total_seconds": r.get("total_seconds"),
            }
            for r in results
        ],
    }
    merged["ratios"] = ratios(merged)
    merged["targets"] = targets(merged)
    return merged


def main(argv: list[str] | None = None) -> None:
    """Re-render latest.md from a (possibly partial) latest.json:
    `python -m bench.report [bench/results/latest.json]`; or merge back-to-back runs:
    `python -m bench.report merge A.json B.json --out bench/results`; or re-render the latency
    scenario: `python -m bench.report latency [bench/results/latency.json]`."""
    import json
    import sys
    from pathlib import Path

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["latency"]:
        from bench.scales import describe

        src = Path(args[1] if len(args) > 1 else "bench/results/latency.json")
        result = json.loads(src.read_text())
        scenario = result["latency_scenario"]
        agency_shaped = result["scale"].partition(":")[0] == "agency"
        scenario["projection"] = latency_projection(
            scenario,
            describe(result["scale"]),
            describe("agency" if agency_shaped else result["scale"]),
        )
        src.write_text(json.dumps(result, indent=2, default=str) + "\n")
        md = latency_markdown(result)
        src.with_suffix(".md").write_text(md)
        print(md)
        return
    if args[:1] == ["merge"]:
        out = Path(args[args.index("--out") + 1]) if "--out" in args else Path("bench/results")
        paths = [a for a in args[1:] if a.endswith(".json")]
        result = merge([json.loads(Path(p).read_text()) for p in paths])
        src = out / "latest.json"
    else:
        src = Path(args[0] if args else "bench/results/latest.json")
        result = json.loads(src.read_text())
        result["ratios"] = ratios(result)
        result["targets"] = targets(result)
    src.parent.mkdir(parents=True, exist_ok=True)
    src.write_text(json.dumps(result, indent=2, default=str) + "\n")
    md = markdown(result)
    src.with_suffix(".md").write_text(md)
    print(md)


# ---------------------------------------------------------------------------- latency scenario
def latency_projection(
    scenario: dict[str, Any], measured: dict[str, Any], agency: dict[str, Any]
) -> dict[str, Any]:
    """From the measured scale to the full agency (accounts grow with clients), by a model the
    measured runs check: N slots running whole accounts take max(A / N, L), where A is the
    accounts' summed time (T1 × clients ratio: one worker runs them back to back) and L the
    longest single account (its requests are sequential: more workers cannot shorten it).

    Rate limits per token (one account's token) do not grow with the agency: the measured
    peak per window is the agency's. Limits per app (or developer token) count every account:
    the calls one window held × clients ratio, spread over the windows the projected run lasts
    (with the workers that bring the night under 10 minutes, or the most measured)."""
    ratio = agency["clients"] / measured["clients"]
    runs = scenario["runs"]
    one = runs.get("1") or {}
    longest = max(
        (
            p.get("account_seconds_max") or 0.0
            for r in runs.values()
            for p in r.get("by_platform", {}).values()
        ),
        default=0.0,
    )
    summed = (one.get("seconds") or 0.0) * ratio

    def model(n: int, clients_ratio: float = ratio) -> float:
        return round(max((one.get("seconds") or 0.0) * clients_ratio / n, longest), 1)

    checks = {
        w: {"model": model(int(w), 1.0), "measured": r.get("seconds")} for w, r in runs.items()
    }
    needed = next((n for n in range(1, 257) if model(n) < 600), None) if summed else None
    most = max(runs, key=int)
    target_wall = model(needed or int(most))
    limits: dict[str, Any] = {}
    for name, use in runs[most].get("limits", {}).items():
        peak, window, limit = use["peak_calls_in_a_window"], use["window_seconds"], use["calls"]
        binds_from = None
        if use["per"] == "token":
            projected = peak  # one account's token: the agency's size does not change it
        else:
            windows = max(1.0, target_wall / window)
            projected = round(peak * ratio / windows)
            if peak:
                binds_from = round(measured["clients"] * limit * windows / peak, 1)
        limits[name] = {
            **use,
            "projected_peak_at_agency": projected,
            "binds_at_agency": projected > limit or use["refused"] > 0,
            "headroom": round(limit / projected, 2) if projected else None,
            "binds_from_clients": binds_from,
        }
    return {
        "clients_ratio": round(ratio, 2),
        "summed_account_seconds_at_agency": round(summed, 1),
        "longest_account_seconds": longest,
        "model_vs_measured": checks,
        "agency_wall_seconds": {w: model(int(w)) for w in runs},
        "workers_for_10_min": needed,
        "agency_wall_seconds_at_that": target_wall if needed else None,
        "limits": limits,
    }


def latency_markdown(result: dict[str, Any]) -> str:
    m = result["machine"]
    sc = result["latency_scenario"]
    proj = sc["projection"]
    runs = sc["runs"]
    lines = [
        f"# Ruche benchmark — nightly extract at API latency, scale `{result['scale']}`",
        "",
        f"Started {result['started_at']}, total {result.get('total_seconds')} s. "
        f"Machine: {m['cpus']} CPU ({m['cpu_model']}), {m['memory_gb']} GB RAM, "
        f"{m['platform']}, Python {m['python']}. Commit {m.get('git_commit')}.",
        f"Scale definition: `{result['scale_definition']}`. Nightly day {sc['nightly_day']} "
        "(+ the connectors' re-fetch windows).",
        f"Sandbox: {sc['latency']}; the platforms' documented rate limits enforced per token "
        "and per app; one token per account. A worker = one thread of `extract_many` running "
        "one account's extract at a time (as one Celery worker slot runs one extract task).",
        f"Warm-up (no latency, not counted): {_f(sc['warm_up'].get('seconds'))} s.",
        "",
        "| workers | wall s | efficiency T1/(N·TN) | requests | req/s | records | served latency "
        "mean / p50 / p95 / p99 ms | rate-limit waits (s) | deferred | projected agency wall s |",
        "|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for workers, r in sorted(runs.items(), key=lambda kv: int(kv[0])):
        lat = r.get("served_latency", {})
        lines.append(
            f"| {workers} | {_f(r['seconds'])} | {_f(r.get('efficiency'), 2)} | "
            f"{_f(r['requests'])} | {_f(r['requests_per_s'])} | {_f(r['records'])} | "
            f"{_f(lat.get('mean_ms'))} / {_f(lat.get('p50_ms'))} / {_f(lat.get('p95_ms'))} / "
            f"{_f(lat.get('p99_ms'))} | {_f(r.get('rate_limit_waits'))} "
            f"({_f(r.get('waited_seconds'))}) | {len(r.get('deferred_accounts') or [])} | "
            f"{_f(proj['agency_wall_seconds'].get(workers))} |"
        )
    most = max(runs, key=int)
    lines += [
        "",
        "Projection to the full agency: max(A / N, L), A = T1 × "
        f"{proj['clients_ratio']} (clients ratio) = {_f(proj['summed_account_seconds_at_agency'])}"
        f" s of accounts back to back, L = the longest account, "
        f"{_f(proj['longest_account_seconds'])} s (its requests are sequential). The model at "
        "the measured scale against the measurement: "
        + ", ".join(
            f"{w} workers {_f(c['model'])} s vs {_f(c['measured'])} s"
            for w, c in sorted(proj["model_vs_measured"].items(), key=lambda kv: int(kv[0]))
        )
        + ". Workers for the agency's nightly extract under 10 minutes: "
        f"**{proj['workers_for_10_min'] or '> 256'}** "
        f"({_f(proj['agency_wall_seconds_at_that'])} s).",
        "",
        f"Requests by platform ({most} workers): per 1,000 records landed, against the fewest "
        "the page sizes allow; rate-limit waits; the slowest account:",
        "",
        "| platform | accounts | records | requests | per 1,000 records | page-size minimum | "
        "rate-limit waits | waited s | slowest account s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        *(
            f"| {name} | {_f(p['accounts'])} | {_f(p['records'])} | {_f(p['requests'])} | "
            f"{_f(p['requests_per_1000_records'], 2)} | {_f(p['min_requests_per_1000_records'], 2)}"
            f" | {_f(p.get('rate_limit_waits'))} | {_f(p.get('waited_seconds'))} | "
            f"{_f(p.get('account_seconds_max'))} |"
            for name, p in runs[most].get("by_platform", {}).items()
        ),
        "",
        f"Documented rate limits ({most} workers): the most calls one bucket (a token, the app, "
        "a developer token) held in one window, and at the full agency with the workers above "
        "(per-app calls grow with the clients; per-token ones do not):",
        "",
        "| limit | per | limit / window | buckets | peak measured | refused | projected at agency "
        "| binds? | binds from (clients) |",
        "|---|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for name, lim in proj["limits"].items():
        window = "UTC day" if lim["window"] == "utc_day" else f"{lim['window_seconds'] / 60:g} min"
        lines.append(
            f"| {name} | {lim['per']} | {_f(lim['calls'])} / {window} | {_f(lim['buckets'])} | "
            f"{_f(lim['peak_calls_in_a_window'])} | {_f(lim['refused'])} | "
            f"{_f(lim['projected_peak_at_agency'])} | "
            f"{'**yes**' if lim['binds_at_agency'] else 'no'} | "
            f"{_f(lim['binds_from_clients'])} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
