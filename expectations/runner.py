"""Run the audit suites on staged batches with Great Expectations' pandas datasource.

    auditor = Auditor(docs_dir="warehouse/gx_docs")      # once per run: GX context + suites
    df = con.execute(suite.select_sql("_stage")).df()     # `_row` + the suite's columns
    result = auditor.audit(suite, df, label="cafe_lumiere facebook.comments run=…")
    result.failures   # critical failures, one RowFailure per (row, check): quarantine these rows
    result.warnings   # recorded, not blocking
    auditor.save_results(Path("warehouse/gx_results/<run>"))   # validation results as JSON
    auditor.build_data_docs()                                    # -> warehouse/gx_docs/index.html

Why pandas and not GX's SQL datasource: over duckdb-engine it returns empty results (GX issues
10738, 11579). The SQL in each suite's `columns` does the work DuckDB is good at; GX checks the
resulting columns and reports every unexpected row by its `_row`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import json
import logging
import math
import os
import re
import shutil
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from expectations.report import REPORT_NAME, write_report
from expectations.suites import SUITES, Check, Suite

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

import great_expectations as gx
from great_expectations.constants import MAX_RESULT_RECORDS
from great_expectations.core.run_identifier import RunIdentifier
from great_expectations.data_context.types.base import (
    DataContextConfig,
    InMemoryStoreBackendDefaults,
    ProgressBarsConfig,
)
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

log = logging.getLogger(__name__)

ROW = "_row"
PARTIAL_UNEXPECTED = 20  # values and rows GX's "partial" fields (and Data Docs' counts) hold
RESULT_FORMAT = {
    # COMPLETE: every unexpected row, by `_row` (the DataFrame's index, see `audit`).
    "result_format": "COMPLETE",
    "unexpected_index_column_names": [ROW],
    "partial_unexpected_count": PARTIAL_UNEXPECTED,
    # Only the `_row`s, not the values: GX would read each unexpected row's value and `_row`
    # with one `DataFrame.at` each (~35 µs per cell here: 4 s for 60,000 unexpected rows). The
    # runner takes the values from the frame in one go and puts GX's value fields back for
    # stored results and Data Docs (`_restore_unexpected_values`).
    "exclude_unexpected_values": True,
}
VALUE_MAX_CHARS = 200  # RowFailure.value strings are cut to this length
STORED_UNEXPECTED_MAX = 100  # unexpected rows kept per expectation in stored results / Data Docs
DOCS_SITE = "local_site"
RESULTS_SUBDIR = "results"  # under docs_dir: the JSON validation results the site is built from
_UNSAFE = re.compile(r"[^A-Za-z0-9_.=+-]+")
PAGES_SUBDIR = "validations"  # under docs_dir: one rendered page per validation result
# The run-time folder GX names each result and page by (RunIdentifier.run_time).
_RUN_TIME_DIR = re.compile(r"^\d{8}T\d{6}\.\d{6}Z$")


class AuditError(RuntimeError):
    """A check could not be evaluated (a bug in a suite or a malformed DataFrame), as opposed to
    data failing a check. The load must stop: nothing can be said about the batch."""


@dataclass
class RowFailure:
    row: int  # the `_row` of the staged row
    expectation: str  # GX expectation type, e.g. "expect_column_values_to_be_null"
    column: str | None
    reason: str
    severity: str
    value: Any  # JSON-serialisable; strings cut to VALUE_MAX_CHARS

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "expectation": self.expectation,
            "column": self.column,
            "reason": self.reason,
            "severity": self.severity,
            "value": self.value,
        }


@dataclass
class AuditResult:
    suite: str
    rows: int
    success: bool  # False when any critical check failed
    failures: list[RowFailure]  # critical failures, per row
    warnings: list[RowFailure]
    checks: list[dict]  # per expectation: name, column, severity, reason, success, unexpected_count
    seconds: float
    label: str = ""
    result_key: str | None = field(default=None, repr=False)

    @property
    def failed_rows(self) -> set[int]:
        """`_row`s to quarantine (failing at least one critical check)."""
        return {f.row for f in self.failures}

    def reasons_by_row(self) -> dict[int, list[RowFailure]]:
        """Critical failures grouped by `_row` (a row can fail several checks)."""
        out: dict[int, list[RowFailure]] = {}
        for failure in self.failures:
            out.setdefault(failure.row, []).append(failure)
        return out


def jsonable(value: Any) -> Any:
    """A value from a DataFrame as plain JSON (NaN/NA -> None, numpy -> Python, long str cut)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if len(value) <= VALUE_MAX_CHARS else value[: VALUE_MAX_CHARS - 1] + "…"
    if isinstance(value, bool):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass  # list-like: not a missing scalar
    if hasattr(value, "item") and not isinstance(value, (list, tuple, dict)):
        try:
            value = value.item()  # numpy scalar
        except (AttributeError, ValueError):
            value = str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (int, bool)):
        return value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (dt.datetime, dt.date, pd.Timestamp)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value[:20]]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in list(value.items())[:20]}
    return jsonable(str(value))


def _safe(text: str, limit: int = 120) -> str:
    return _UNSAFE.sub("_", text).strip("_")[:limit] or "batch"


def _unexpected_rows(index_list: Any) -> list[int]:
    """The `_row`s in GX's `unexpected_index_list`: `[{"_row": [r, …]}]` when values are
    excluded, `[{"_row": r, <column>: v}, …]` otherwise."""
    rows: list[int] = []
    for entry in index_list or []:
        value = entry[ROW] if isinstance(entry, dict) else entry
        if isinstance(value, (list, tuple)):
            rows.extend(int(v) for v in value)
        else:
            rows.append(int(value))
    return rows


def _restore_unexpected_values(
    details: dict[str, Any], column: str | None, rows: list[int], values: list[Any]
) -> None:
    """Put back the value fields GX leaves out with `exclude_unexpected_values`, as GX's
    COMPLETE format has them (Data Docs render them), with the lists cut to
    STORED_UNEXPECTED_MAX."""
    kept = values[:STORED_UNEXPECTED_MAX]
    index_list = [
        {column: value, ROW: row} if column else {ROW: row}
        for row, value in zip(rows[:STORED_UNEXPECTED_MAX], kept, strict=True)
    ]
    details["partial_unexpected_list"] = values[:PARTIAL_UNEXPECTED]
    details["unexpected_index_list"] = index_list
    details["partial_unexpected_index_list"] = index_list[:PARTIAL_UNEXPECTED]
    details["unexpected_list"] = kept
    details.pop("partial_unexpected_counts", None)
    # The most common values, counted as GX does: among the first MAX_RESULT_RECORDS unexpected
    # values (none when they cannot be hashed or compared).
    with contextlib.suppress(TypeError):
        common = Counter(values[:MAX_RESULT_RECORDS]).most_common(PARTIAL_UNEXPECTED)
        details["partial_unexpected_counts"] = [
            {"value": value, "count": count}
            for value, count in sorted(common, key=lambda x: (-x[1], x[0]))
        ]


def _context_config(docs_dir: Path | None) -> DataContextConfig:
    defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    stores = dict(defaults.stores)
    sites: dict[str, Any] = {}
    if docs_dir is not None:
        # The validation results the site is built from are files next to the site, so a later
        # Auditor (tomorrow's run, another load task) adds to the same Data Docs instead of
        # replacing them: the index builder drops pages whose result is not in this store.
        stores[defaults.validation_results_store_name] = {
            "class_name": "ValidationResultsStore",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir / RESULTS_SUBDIR),
            },
        }
        sites[DOCS_SITE] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    return DataContextConfig(
        expectations_store_name=defaults.expectations_store_name,
        validation_results_store_name=defaults.validation_results_store_name,
        checkpoint_store_name=defaults.checkpoint_store_name,
        stores=stores,
        data_docs_sites=sites,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )


@dataclass
class _Prepared:
    suite: Suite
    gx_suite: Any
    batch_definition: Any
    checks_by_id: dict[str, Check]


class Auditor:
    """One Great Expectations context for a whole run; `audit` validates one staged batch.

    GX is slow to import (6-10 s of CPU here) and to set up, so build one Auditor per process
    and reuse it for every batch. With `docs_dir`, validation results are kept as JSON under
    `docs_dir/results/` and `build_data_docs()` renders them as a static site at
    `docs_dir/index.html`; `keep_days` bounds how much history the site keeps (None: all;
    the loader passes `RUCHE_DATA_DOCS_KEEP_DAYS`).
    """

    def __init__(
        self,
        docs_dir: str | Path | None = None,
        *,
        keep_days: int | None = 30,
        suites: dict[tuple[str, str], Suite] | None = None,
    ) -> None:
        started = time.perf_counter()
        self.docs_dir = Path(docs_dir).resolve() if docs_dir is not None else None
        self.keep_days = keep_days
        if self.docs_dir is not None:
            self.docs_dir.mkdir(parents=True, exist_ok=True)
        self.context = gx.get_context(
            mode="ephemeral", project_config=_context_config(self.docs_dir)
        )
        self._datasource = self.context.data_sources.add_pandas("ruche")
        self._prepared: dict[str, _Prepared] = {}
        self._stored: list[tuple[ValidationResultIdentifier, Any]] = []
        self._rendered: set[tuple] = set()
        self._suites_rendered = False
        for suite in (SUITES if suites is None else suites).values():
            self._prepare(suite)
        log.debug("GX auditor ready in %.2fs", time.perf_counter() - started)

    # --- setup ----------------------------------------------------------------------------------

    def _prepare(self, suite: Suite) -> _Prepared:
        asset = self._datasource.add_dataframe_asset(suite.name)
        batch_definition = asset.add_batch_definition_whole_dataframe("batch")
        expectations = []
        for check in suite.checks:
            # A copy: the suites module's instances stay free of any context's ids.
            expectation = check.expectation.copy(deep=True)
            expectation.id = None
            expectation.severity = check.severity
            expectation.meta = {"severity": check.severity, "reason": check.reason}
            # Data Docs show the description instead of GX's generic sentence.
            expectation.description = f"{check.severity.upper()}: {check.reason}".replace("$", "$$")
            expectations.append(expectation)
        # One store write per suite: `add_expectation` one by one re-serialises the whole suite
        # each time. The store gives every expectation an id and keeps their order.
        gx_suite = self.context.suites.add(
            gx.ExpectationSuite(name=suite.name, expectations=expectations)
        )
        added = gx_suite.expectations
        if len(added) != len(suite.checks) or any(
            e.expectation_type != c.expectation_type or not e.id
            for e, c in zip(added, suite.checks, strict=True)
        ):  # pragma: no cover - a GX upgrade changed how suites are stored
            raise AuditError(f"{suite.name}: GX did not store the suite's checks in order")
        checks_by_id = {e.id: check for e, check in zip(added, suite.checks, strict=True)}
        prepared = _Prepared(suite, gx_suite, batch_definition, checks_by_id)
        self._prepared[suite.name] = prepared
        return prepared

    def _get(self, suite: Suite) -> _Prepared:
        prepared = self._prepared.get(suite.name)
        if prepared is None:
            return self._prepare(suite)  # a suite that is not in SUITES (tests, experiments)
        if prepared.suite is not suite and prepared.suite != suite:
            raise AuditError(f"{suite.name}: a different suite of that name is already registered")
        return prepared

    # --- audit ----------------------------------------------------------------------------------

    def audit(self, suite: Suite, df: pd.DataFrame, label: str) -> AuditResult:
        """Validate one batch (`_row` + the suite's columns) and say which rows fail what."""
        started = time.perf_counter()
        prepared = self._get(suite)
        missing = [c for c in (ROW, *suite.columns) if c not in df.columns]
        if missing:
            raise AuditError(
                f"{suite.name}: the DataFrame lacks column(s) {missing}; select it with "
                "suite.select_sql()"
            )
        # `_row` as the index: GX then names unexpected rows by it without reading each row's
        # value one cell at a time (see RESULT_FORMAT); the values are taken from here below.
        frame = df.set_index(ROW)
        if not frame.index.is_unique:
            raise AuditError(f"{suite.name}: `{ROW}` is not unique in the DataFrame")
        batch = prepared.batch_definition.get_batch(batch_parameters={"dataframe": frame})
        run_id = RunIdentifier(run_name=_safe(label), run_time=dt.datetime.now(dt.UTC))
        validation = batch.validate(prepared.gx_suite, result_format=RESULT_FORMAT)

        failures: list[RowFailure] = []
        warnings: list[RowFailure] = []
        checks: list[dict] = []
        unexpected_by_result: list[tuple[list[int], list[Any]]] = []
        for result in validation.results:
            config = result.expectation_config
            check = prepared.checks_by_id.get(config.id)
            if check is None:  # pragma: no cover - GX returned an expectation we did not add
                raise AuditError(f"{suite.name}: unknown expectation in results: {config.type}")
            column = config.kwargs.get("column")
            info = result.exception_info or {}
            if info.get("raised_exception"):
                raise AuditError(
                    f"{suite.name}: check {config.type}({column}) could not run: "
                    f"{info.get('exception_message')}"
                )
            details = result.result or {}
            rows = _unexpected_rows(details.get("unexpected_index_list"))
            count = int(details.get("unexpected_count") or 0)
            if len(rows) != count:
                raise AuditError(
                    f"{suite.name}: check {config.type}({column}) reported {count} unexpected "
                    f"rows but identified {len(rows)}"
                )
            values = frame[column].loc[rows].tolist() if column and rows else [None] * len(rows)
            unexpected_by_result.append((rows, values))
            target = failures if check.severity == "critical" else warnings
            for row, value in zip(rows, values, strict=True):
                target.append(
                    RowFailure(
                        row=row,
                        expectation=config.type,
                        column=column,
                        reason=check.reason,
                        severity=check.severity,
                        value=jsonable(value) if column else None,
                    )
                )
            checks.append(
                {
                    "name": config.type,
                    "column": column,
                    "severity": check.severity,
                    "reason": check.reason,
                    "success": bool(result.success),
                    "unexpected_count": count,
                }
            )
        failures.sort(key=lambda f: (f.row, f.column or ""))
        warnings.sort(key=lambda f: (f.row, f.column or ""))
        seconds = time.perf_counter() - started
        audit = AuditResult(
            suite=suite.name,
            rows=len(df),
            success=not failures,
            failures=failures,
            warnings=warnings,
            checks=checks,
            seconds=round(seconds, 4),
            label=label,
        )
        key = self._store(prepared, batch, validation, unexpected_by_result, run_id, audit)
        audit.result_key = "/".join(key.to_tuple())
        return audit

    def _store(
        self,
        prepared: _Prepared,
        batch: Any,
        validation: Any,
        unexpected_by_result: list[tuple[list[int], list[Any]]],
        run_id: RunIdentifier,
        audit: AuditResult,
    ) -> ValidationResultIdentifier:
        """Keep the GX result, trimmed, for `save_results` and (with docs_dir) Data Docs.

        Trimmed in place: `audit` has read every unexpected row already and the object is not
        handed out, so it is not deep-copied (~25 ms per batch here, more with long unexpected
        lists)."""
        stored = validation
        for result, (rows, values) in zip(stored.results, unexpected_by_result, strict=True):
            details = result.result
            if details is None:  # pragma: no cover - COMPLETE always has a result dict
                continue
            _restore_unexpected_values(
                details, result.expectation_config.kwargs.get("column"), rows, values
            )
            if "unexpected_index_query" in details:
                details["unexpected_index_query"] = None
        stored.meta.update(
            {
                "run_id": run_id,
                "validation_time": run_id.run_time,
                "batch_parameters": {"dataframe": "<DATAFRAME>"},
                # Data Docs show these (the asset name, and the batch spec under "Info").
                "batch_spec": {
                    "batch_data": "PandasDataFrame",
                    "data_asset_name": prepared.suite.name,
                    "label": audit.label,
                    "rows": audit.rows,
                },
                "ruche": {
                    "label": audit.label,
                    "rows": audit.rows,
                    "success": audit.success,
                    "failed_rows": len(audit.failed_rows),
                    "warning_rows": len({w.row for w in audit.warnings}),
                    "seconds": audit.seconds,
                    "stored_unexpected_max": STORED_UNEXPECTED_MAX,
                },
            }
        )
        stored.success = audit.success  # warnings do not fail a batch
        key = ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=prepared.suite.name),
            run_id=run_id,
            batch_identifier=batch.id,
        )
        if self.docs_dir is not None:
            # The file-backed store the site is built from. Without docs_dir there is no site,
            # and serialising into GX's in-memory store would only be thrown away.
            self.context.validation_results_store.set(key, stored)
        self._stored.append((key, stored))
        return key

    # --- outputs --------------------------------------------------------------------------------

    def save_results(self, results_dir: Path) -> list[Path]:
        """Write this Auditor's validation results as JSON files; returns their paths."""
        results_dir = Path(results_dir)
        results_dir.mkdir(parents=True, exist_ok=True)
        paths = []
        for key, stored in self._stored:
            run_time = key.run_id.run_time.strftime("%Y%m%dT%H%M%S%fZ")
            name = (
                f"{key.expectation_suite_identifier.name}__{key.run_id.run_name}__{run_time}.json"
            )
            path = results_dir / name
            tmp = path.with_name(f".{name}.tmp")
            tmp.write_text(
                json.dumps(stored.to_json_dict(), ensure_ascii=False, indent=1, default=str),
                encoding="utf-8",
            )
            tmp.replace(path)
            paths.append(path)
        return paths

    def build_data_docs(self) -> Path | None:
        """Render Data Docs (static HTML) under docs_dir; returns index.html (None without
        docs_dir). Incremental: renders this Auditor's results not rendered yet (and the suite
        pages once); the index lists every result kept under docs_dir/results, so loads run by
        other Auditors (other tasks, earlier nights) stay listed until `keep_days` drops them."""
        if self.docs_dir is None:
            return None
        index = self.docs_dir / "index.html"
        suites = [ExpectationSuiteIdentifier(name=name) for name in self._prepared]
        new = [key for key, _ in self._stored if key.to_tuple() not in self._rendered]
        identifiers: list[Any] = new + ([] if self._suites_rendered else suites)
        pruned = self._prune()
        if not identifiers and not pruned and index.exists():
            if not (self.docs_dir / REPORT_NAME).exists():
                write_report(self.docs_dir)
            return index
        # Never an empty list: GX reads "no identifiers" as "render everything in the store".
        self.context.build_data_docs(
            site_names=[DOCS_SITE], resource_identifiers=identifiers or suites
        )
        self._rendered.update(key.to_tuple() for key in new)
        self._suites_rendered = True
        # The page to open: GX's site needs CDNs to render (see expectations/report.py).
        write_report(self.docs_dir)
        return index if index.exists() else None

    def _prune(self) -> int:
        """Delete the results older than `keep_days` and their rendered pages (the index built
        next lists what is left); returns how many results or pages went.

        Both trees are pruned on disk, by the run-time folder GX files each result and page
        under, and the folders left empty go too: no page outlives its result, whichever
        Auditor (task, command, suite set) wrote it."""
        if not self.keep_days or self.docs_dir is None:
            return 0
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=self.keep_days)
        removed = 0
        for subdir in (RESULTS_SUBDIR, PAGES_SUBDIR):
            root = self.docs_dir / subdir
            if not root.is_dir():
                continue
            for folder in sorted(root.rglob("*"), reverse=True):  # children before parents
                if not folder.is_dir():
                    continue
                if _RUN_TIME_DIR.match(folder.name):
                    run_time = dt.datetime.strptime(folder.name, "%Y%m%dT%H%M%S.%fZ")
                    if run_time.replace(tzinfo=dt.UTC) < cutoff:
                        removed += sum(1 for f in folder.rglob("*") if f.is_file())
                        shutil.rmtree(folder, ignore_errors=True)
                elif not any(folder.iterdir()):
                    folder.rmdir()  # a load's or suite's folder left empty
        return removed
