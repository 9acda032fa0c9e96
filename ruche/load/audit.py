"""The Great Expectations audit of a staged batch: the entity's suite run over `_stage` in
slices, findings put back on their rows and lines, critical rows moved to ops.quarantine and
warnings recorded in ops.audit_warnings; children of a quarantined parent say why they wait.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import duckdb

from ruche.load.ddl import QUARANTINE_COLUMNS
from ruche.load.files import LINE
from ruche.load.report import LoadReport, check_name, sample
from ruche.load.specs import SPECS, EntitySpec

# Rows per Great Expectations validation (the expectations are row by row).
AUDIT_SLICE_ROWS = 200_000
# Days of audit results the Great Expectations Data Docs keep (`RUCHE_DATA_DOCS_KEEP_DAYS`;
# empty: all). Each load adds a page and a result per entity; older ones are deleted.
DEFAULT_DATA_DOCS_KEEP_DAYS = 30


def data_docs_keep_days() -> int | None:
    """`RUCHE_DATA_DOCS_KEEP_DAYS` (default 30); None (keep everything) when set empty."""
    from ruche.settings import settings

    return settings().DATA_DOCS_KEEP_DAYS


def audit(
    con: duckdb.DuckDBPyConnection,
    spec: EntitySpec,
    report: LoadReport,
    auditor: Callable[[], Any],
) -> tuple[list, list]:
    """Validate the staged batch with the entity's suite: (critical failures, warnings), each
    with its `_row`. `auditor()` is the load's Great Expectations auditor (made when first
    needed: GX is slow to import)."""
    began = time.monotonic()
    failures: list[Any] = []
    warnings: list[Any] = []
    try:
        # The first call imports Great Expectations: most of an audited load's extra time,
        # so it is counted in `audit_seconds`.
        from expectations.suites import suite_for

        suite = suite_for(spec.platform, spec.entity)
        if suite is None:
            return [], []
        validator = auditor()
        columns = ", ".join(f'{expr} AS "{name}"' for name, expr in suite.columns.items())
        # Every expectation is row by row, so the batch is audited in slices of `_row`: the
        # pandas frames stay small whatever the batch (a two-year backfill included).
        last = con.execute("SELECT coalesce(max(_row), 0) FROM _stage").fetchone()[0]
        for first in range(0, max(last, 1), AUDIT_SLICE_ROWS):
            frame = con.execute(
                f"SELECT _row, {columns} FROM _stage WHERE _row > ? AND _row <= ? ORDER BY _row",
                [first, first + AUDIT_SLICE_ROWS],
            ).df()
            label = f"{report.load_id}:{suite.name}"
            if last > AUDIT_SLICE_ROWS:
                label += f":rows{first + 1}-{min(first + AUDIT_SLICE_ROWS, last)}"
            result = validator.audit(suite, frame, label=label)
            failures.extend(result.failures)
            warnings.extend(result.warnings)
    finally:
        report.audit_seconds += time.monotonic() - began
    return failures, warnings


def explain_orphans(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, failures: list[Any]
) -> dict[str, str]:
    """Children held back because their parent (post/media) was quarantined: their
    failure names the parent and why it was held, instead of "not a post of this account".
    Returns parent id → the parent's reasons.

    The children are not loaded without their parent: every comment and insight mart joins
    or tests against the post (fct_comments.post_key → dim_posts), so a comment on an
    unknown post would fail the build. The re-fetch window reads them again with their post
    each night, and they load with it once the post passes."""
    if not spec.parent_entity:
        return {}
    orphans = {f.value for f in failures if getattr(f, "column", None) == "orphan_parent_id"}
    orphans.discard(None)
    if not orphans:
        return {}
    parent = SPECS[(spec.platform, spec.parent_entity)]
    held = dict(
        con.execute(
            """
            SELECT record->>'id', string_agg(DISTINCT reason, '; ' ORDER BY reason)
            FROM ops.quarantine
            WHERE platform = ? AND entity = ? AND superseded_by IS NULL
              AND list_contains(?::VARCHAR[], record->>'id')
            GROUP BY ALL
            """,
            [parent.platform, parent.entity, sorted(orphans)],
        ).fetchall()
    )
    what = {"posts": "post", "media": "media"}.get(parent.entity, parent.entity)
    for failure in failures:
        if getattr(failure, "column", None) == "orphan_parent_id" and failure.value in held:
            failure.reason = (
                f"held back with its {what}, quarantined for: {held[failure.value]} "
                f"(loads with the {what} once it passes)"
            )
    return held


def flag_rows(
    con: duckdb.DuckDBPyConnection, failures: list[Any], warnings: list[Any]
) -> dict[int, tuple[str, int]]:
    """Put audit findings in `_findings`; return _row → (file, line) for those rows."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _findings (_row BIGINT, critical BOOLEAN, "
        "expectation VARCHAR, reason VARCHAR, sample VARCHAR)"
    )
    rows = [(f.row, True, check_name(f), f.reason, sample(f.value)) for f in failures]
    rows += [(w.row, False, check_name(w), w.reason, sample(w.value)) for w in warnings]
    if not rows:
        return {}
    con.execute(
        "INSERT INTO _findings SELECT unnest(?::BIGINT[]), unnest(?::BOOLEAN[]), "
        "unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
        [list(column) for column in zip(*rows, strict=True)],
    )
    found = con.execute(
        f"SELECT s._row, s._source_file, {LINE} FROM _stage AS s "
        "JOIN _file_rows AS r USING (_source_file) "
        "WHERE s._row IN (SELECT _row FROM _findings)"
    ).fetchall()
    return {row: (data_file, line) for row, data_file, line in found}


def quarantine_and_warn(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, load_id: str, at: dt.datetime
) -> None:
    """Critical findings: rows move to ops.quarantine. Warnings: recorded, rows stay."""
    params = [load_id, spec.platform, spec.entity, at]
    con.execute(
        f"""
        INSERT INTO ops.quarantine ({QUARANTINE_COLUMNS})
        SELECT ?, ?, ?, s._client_id, s._account_id, s._source_file, {LINE},
               f.expectation, f.reason, f.sample, s.record, ?
        FROM _findings AS f JOIN _stage AS s USING (_row)
             JOIN _file_rows AS r USING (_source_file)
        WHERE f.critical
        """,
        params,
    )
    con.execute(
        f"""
        INSERT INTO ops.audit_warnings
        SELECT ?, ?, ?, s._source_file, {LINE}, f.expectation, f.reason, f.sample, ?
        FROM _findings AS f JOIN _stage AS s USING (_row)
             JOIN _file_rows AS r USING (_source_file)
        WHERE NOT f.critical
        """,
        params,
    )
    con.execute("DELETE FROM _stage WHERE _row IN (SELECT _row FROM _findings WHERE critical)")
