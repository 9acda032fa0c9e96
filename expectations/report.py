"""Ruche's own audit report: one static HTML page per docs folder, readable offline.

Great Expectations' Data Docs load their CSS and JavaScript (Bootstrap, jQuery, DataTables,
Font Awesome …) from CDNs, and fill their index list with JavaScript: opened from disk without
network they are unstyled and list nothing. This page is rendered from the same stored
validation results (`<docs>/results/**.json`), with inline CSS and no script, so it reads the
same from a laptop on a train as from a file share: the latest validation of each entity first
(and each expectation that found something, with sample values), then a line per load.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
from collections import defaultdict
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

REPORT_NAME = "report.html"
RESULTS_SUBDIR = "results"
SAMPLE_VALUES = 10  # unexpected values shown per expectation

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:70rem;padding:0 1rem;color:#1d1d1f}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2rem}
.muted{color:#666}table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#f4f4f6}td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#0a7d32;font-weight:600}.fail{color:#b3261e;font-weight:600}
.warn{color:#9a6700;font-weight:600}code{background:#f4f4f6;padding:0 .2rem}
details{margin:.3rem 0 .8rem}summary{cursor:pointer}
"""


def _load_results(results_dir: Path) -> list[dict[str, Any]]:
    results = []
    for path in sorted(results_dir.rglob("*.json")):
        try:
            results.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):  # a result being written or pruned right now
            log.warning("audit report: skipped unreadable result %s", path)
    return results


def _run_of(result: dict[str, Any]) -> tuple[str, str]:
    """(the load a validation belongs to, when it ran). The loader labels each batch
    `<load id>:<suite>`; a label of another shape (a test, a notebook) is its own load."""
    meta = result.get("meta") or {}
    label, suite = _label(result), str(result.get("suite_name") or "")
    if suite and label.endswith(f":{suite}"):
        load = label[: -len(suite) - 1]
    else:
        load = str((meta.get("run_id") or {}).get("run_name") or label or "?")
    return load, str(meta.get("validation_time") or "")


def _status(success: bool, warnings: int) -> str:
    if not success:
        return '<span class="fail">failed</span>'
    if warnings:
        return '<span class="warn">passed with warnings</span>'
    return '<span class="ok">passed</span>'


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _findings(result: dict[str, Any]) -> str:
    """The expectations of one validation that found something, with sample values."""
    rows = []
    for item in result.get("results") or []:
        details = item.get("result") or {}
        unexpected = details.get("unexpected_count") or 0
        if item.get("success") and not unexpected:
            continue
        config = item.get("expectation_config") or {}
        severity = (config.get("meta") or {}).get("severity") or config.get("severity") or ""
        reason = (config.get("meta") or {}).get("reason") or config.get("description") or ""
        samples = details.get("partial_unexpected_list") or []
        shown = ", ".join(_esc(v) for v in samples[:SAMPLE_VALUES])
        column = (config.get("kwargs") or {}).get("column") or ""
        rows.append(
            f"<tr><td>{_esc(severity)}</td><td>{_esc(reason)}</td>"
            f"<td><code>{_esc(column)}</code></td><td class=n>{unexpected:,}</td>"
            f"<td>{shown}</td></tr>"
        )
    if not rows:
        return ""
    return (
        "<details open><summary>what it found</summary><table><tr><th>severity</th>"
        "<th>expectation</th><th>column</th><th>rows</th><th>sample values</th></tr>"
        + "".join(rows)
        + "</table></details>"
    )


def render(results: list[dict[str, Any]], generated_at: dt.datetime) -> str:
    """The report page for `results` (stored GX validation results, as JSON dicts)."""
    runs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for result in results:
        runs[_run_of(result)[0]].append(result)
    order = sorted(runs, key=lambda name: max(_run_of(r)[1] for r in runs[name]), reverse=True)
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<meta name=viewport content='width=device-width, initial-scale=1'>",
        f"<title>Ruche audit report</title><style>{_CSS}</style></head><body>",
        "<h1>Ruche audit report</h1>",
        f"<p class=muted>Great Expectations validations of each landed batch, before it was "
        f"loaded. Generated {_esc(generated_at.strftime('%Y-%m-%d %H:%M UTC'))} from "
        f"{len(results)} stored result(s) of {len(order)} load(s).</p>",
    ]
    if not order:
        parts.append("<p>No validation results yet: run a load.</p></body></html>")
        return "".join(parts)
    # Each load task validates one platform's entities: the latest validation of every entity
    # is what a reader wants first, whichever load it came from.
    newest: dict[str, dict[str, Any]] = {}
    for result in results:
        suite = str(result.get("suite_name") or "")
        if suite not in newest or _run_of(result)[1] > _run_of(newest[suite])[1]:
            newest[suite] = result
    batches = [newest[suite] for suite in sorted(newest)]
    failed = sum(1 for r in batches if not r.get("success"))
    parts.append(
        f"<h2 id=latest>Latest validation of each entity</h2><p>{len(batches)} entities, "
        f"last validated {_esc(max(_run_of(r)[1] for r in batches))}: "
        f"{'<span class=fail>' + str(failed) + ' failed</span>' if failed else 'all passed'}</p>"
    )
    parts.append(
        "<table><tr><th>entity</th><th>load</th><th>validated at</th><th>rows</th>"
        "<th>rows quarantined</th><th>rows with warnings</th><th>expectations</th>"
        "<th>result</th></tr>"
    )
    sections = []
    for result in batches:
        ruche = (result.get("meta") or {}).get("ruche") or {}
        stats = result.get("statistics") or {}
        warnings = ruche.get("warning_rows") or 0
        parts.append(
            f"<tr><td>{_esc(result.get('suite_name') or '')}</td>"
            f"<td><code>{_esc(_run_of(result)[0])}</code></td>"
            f"<td>{_esc(_run_of(result)[1][:19].replace('T', ' '))}</td>"
            f"<td class=n>{ruche.get('rows', 0):,}</td>"
            f"<td class=n>{ruche.get('failed_rows', 0):,}</td><td class=n>{warnings:,}</td>"
            f"<td class=n>{stats.get('successful_expectations', 0)}/"
            f"{stats.get('evaluated_expectations', 0)} met</td>"
            f"<td>{_status(bool(result.get('success')), warnings)}</td></tr>"
        )
        findings = _findings(result)
        if findings:
            sections.append(f"<h3>{_esc(result.get('suite_name') or '')}</h3>" + findings)
    parts.append("</table>")
    parts.extend(sections)
    if order:
        parts.append(
            "<h2>Loads</h2><table><tr><th>load</th><th>validated at</th>"
            "<th>validations</th><th>failed</th><th>rows quarantined</th></tr>"
        )
        for name in order:
            items = runs[name]
            parts.append(
                f"<tr><td><code>{_esc(name)}</code></td>"
                f"<td>{_esc(max(_run_of(r)[1] for r in items))}</td>"
                f"<td class=n>{len(items)}</td>"
                f"<td class=n>{sum(1 for r in items if not r.get('success'))}</td>"
                f"<td class=n>{sum(_ruche(r).get('failed_rows', 0) for r in items):,}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</body></html>")
    return "".join(parts)


def _ruche(result: dict[str, Any]) -> dict[str, Any]:
    return (result.get("meta") or {}).get("ruche") or {}


def _label(result: dict[str, Any]) -> str:
    return str(_ruche(result).get("label") or "")


def write_report(docs_dir: str | Path, now: dt.datetime | None = None) -> Path:
    """Render `<docs_dir>/report.html` from the results stored under `<docs_dir>/results`
    (written whole under a temporary name, then renamed: a reader never sees half a page)."""
    docs_dir = Path(docs_dir)
    page = render(_load_results(docs_dir / RESULTS_SUBDIR), now or dt.datetime.now(dt.UTC))
    target = docs_dir / REPORT_NAME
    tmp = target.with_name(f".{REPORT_NAME}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)
    return target
