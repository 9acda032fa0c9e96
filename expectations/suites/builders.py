"""Shared suite builders, neutral of any platform's formats.

`Check` and `Suite` (what the runner audits with), the SQL building blocks every suite uses
(JSON text, timestamp parsing with a given format, problem columns, counts, money, duplicates
within a file, the account a record belongs to), and the assembly helpers. Nothing here knows a
platform: a builder takes what differs (the timestamp format from the registry's
`Platform.timestamp_format`, the id field, the prefix an account id may carry) as arguments.
Graph-shaped pieces live in `meta.py`; each platform's suites in the module named after it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from great_expectations import expectations as gxe

Severity = Literal["critical", "warning"]

FUTURE_TOLERANCE = "1 hour"  # a DuckDB interval: clock skew between the platform and us
EARLIEST_TIMESTAMP = "2004-01-01 00:00:00+00"  # nothing on these platforms is older
# The instant reasons show, written in a platform's format, as an example of a good timestamp.
_EXAMPLE_INSTANT = dt.datetime(2026, 11, 22, 1, 46, 47, tzinfo=dt.UTC)


@dataclass(frozen=True)
class Check:
    expectation: Any  # a great_expectations.expectations.<Expectation> instance (GX 1.x)
    severity: Severity
    reason: str  # a sentence for quarantine rows and Data Docs, e.g. "comment id missing"

    @property
    def column(self) -> str | None:
        return getattr(self.expectation, "column", None)

    @property
    def expectation_type(self) -> str:
        return self.expectation.expectation_type


@dataclass(frozen=True)
class Suite:
    platform: str
    entity: str
    columns: dict[str, str]  # output column -> DuckDB SQL expression over _stage's columns
    checks: tuple[Check, ...]

    @property
    def name(self) -> str:
        return f"{self.platform}.{self.entity}"

    def select_sql(self, source: str = "_stage") -> str:
        """The SELECT the loader runs to get this suite's DataFrame (`_row` first)."""
        cols = ",\n  ".join(f'{sql} AS "{name}"' for name, sql in self.columns.items())
        return f"SELECT\n  _row,\n  {cols}\nFROM {source}\nORDER BY _row"


Part = tuple[dict[str, str], list[Check]]
"""Columns and the checks on them, combined into a suite by `entity_suite`."""


# --- SQL building blocks ------------------------------------------------------------------------


def quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def text_at(path: str) -> str:
    """A JSON value of `record` as text (NULL when absent or JSON null)."""
    return f"json_extract_string(record, {quote(path)})"


def parse_timestamp(raw: str, fmt: str) -> str:
    """`raw` parsed with the strptime format `fmt` (NULL when it does not parse)."""
    return f"try_strptime({raw}, {quote(fmt)})"


def timestamp_example(fmt: str) -> str:
    """A good timestamp written in `fmt`, for reasons people read."""
    return _EXAMPLE_INSTANT.strftime(fmt)


def problems(parts: Iterable[str]) -> str:
    """NULL when every part is NULL, else the non-NULL parts joined with ', '."""
    return f"nullif(concat_ws(', ', {', '.join(parts)}), '')"


def count_ok(raw: str) -> str:
    # `try_cast('3.5' AS BIGINT)` is 4 in DuckDB: the digits-only match keeps decimals out.
    return (
        f"coalesce(regexp_full_match({raw}, '[0-9]+') "
        f"AND try_cast({raw} AS BIGINT) IS NOT NULL, false)"
    )


def money_ok(raw: str) -> str:
    return f"coalesce(try_cast({raw} AS DECIMAL(18,2)) >= 0, false)"


def number_ok(raw: str) -> str:
    return (
        f"coalesce(isfinite(try_cast({raw} AS DOUBLE)) AND try_cast({raw} AS DOUBLE) >= 0, false)"
    )


def counts_invalid(fields: dict[str, str]) -> str:
    """`label=raw` for each present count (label -> JSON path) not a non-negative integer."""
    return problems(
        f"CASE WHEN {text_at(p)} IS NOT NULL AND NOT {count_ok(text_at(p))} "
        f"THEN {quote(label + '=')} || {text_at(p)} END"
        for label, p in fields.items()
    )


def timestamps_invalid(
    required: dict[str, str], optional: dict[str, str] | None = None, *, fmt: str
) -> str:
    """`label=raw` for each timestamp that does not parse with `fmt`; required ones may not be
    missing."""
    parts = [
        f"CASE WHEN {parse_timestamp(text_at(p), fmt)} IS NULL "
        f"THEN {quote(label + '=')} || coalesce({text_at(p)}, '(missing)') END"
        for label, p in required.items()
    ]
    parts += [
        f"CASE WHEN {text_at(p)} IS NOT NULL AND {parse_timestamp(text_at(p), fmt)} IS NULL "
        f"THEN {quote(label + '=')} || {text_at(p)} END"
        for label, p in (optional or {}).items()
    ]
    return problems(parts)


def timestamp_out_of_range(path: str, *, fmt: str) -> str:
    """The raw timestamp when it is after the extraction (+ tolerance) or implausibly old."""
    ts = parse_timestamp(text_at(path), fmt)
    return (
        f"CASE WHEN {ts} > _extracted_at + INTERVAL '{FUTURE_TOLERANCE}' "
        f"OR {ts} < TIMESTAMPTZ '{EARLIEST_TIMESTAMP}' THEN {text_at(path)} END"
    )


def duplicate_in_file(keys: list[str], label: str) -> str:
    """`label` for every occurrence after the first of the same key within one extraction file."""
    present = " AND ".join(f"{k} IS NOT NULL" for k in keys[:1])
    return (
        f"CASE WHEN {present} AND row_number() OVER "
        f"(PARTITION BY _source_file, {', '.join(keys)} ORDER BY _row) > 1 THEN {label} END"
    )


def id_mismatch(raw: str, prefix: str = "") -> str:
    """The record's account id when it is not the account the batch was extracted for
    (compared without `prefix`, which a platform may or may not write before its ids)."""
    if prefix:
        record, batch = (f"replace({x}, {quote(prefix)}, '')" for x in (raw, "_account_id"))
    else:
        record, batch = raw, "_account_id"
    return f"CASE WHEN {raw} IS NOT NULL AND {record} <> {batch} THEN {raw} END"


ORPHAN_PARENT = (
    "CASE WHEN NOT coalesce(_parent_known, false) THEN coalesce(_parent_id, '(none)') END"
)
"""The parent id when the record's parent is not a known record of this account."""


# --- Checks -------------------------------------------------------------------------------------


def critical(expectation: Any, reason: str) -> Check:
    return Check(expectation, "critical", reason)


def warning(expectation: Any, reason: str) -> Check:
    return Check(expectation, "warning", reason)


def not_null(column: str) -> Any:
    return gxe.ExpectColumnValuesToNotBeNull(column=column)


def null(column: str) -> Any:
    return gxe.ExpectColumnValuesToBeNull(column=column)


def in_set(column: str, values: list[Any]) -> Any:
    return gxe.ExpectColumnValuesToBeInSet(column=column, value_set=values)


def make_suite(platform: str, entity: str, columns: dict[str, str], *checks: Check) -> Suite:
    """A suite, refused when a check names a column the suite does not select."""
    suite = Suite(platform, entity, dict(columns), tuple(checks))
    missing = [c.column for c in suite.checks if c.column not in suite.columns]
    if missing:
        raise ValueError(f"{suite.name}: checks on columns the suite does not select: {missing}")
    return suite


def id_checks(what: str, *, id_path: str) -> Part:
    """The record's id is present and not repeated within one extraction file."""
    columns = {
        "id": text_at(id_path),
        "duplicate_id": duplicate_in_file([text_at(id_path)], text_at(id_path)),
    }
    checks = [
        critical(not_null("id"), f"{what} id missing"),
        critical(null("duplicate_id"), f"{what} id repeated in the same extraction file"),
    ]
    return columns, checks


def created_checks(
    what: str, path: str, label: str, optional: dict[str, str] | None = None, *, fmt: str
) -> Part:
    """The record's creation time (`path`, shown as `label`) parses with `fmt` and is plausible;
    `optional` timestamps parse when present."""
    columns = {
        "timestamps_invalid": timestamps_invalid({label: path}, optional, fmt=fmt),
        "created_out_of_range": timestamp_out_of_range(path, fmt=fmt),
    }
    checks = [
        critical(
            null("timestamps_invalid"),
            f"{label} missing or not a timestamp like {timestamp_example(fmt)}",
        ),
        critical(
            null("created_out_of_range"),
            f"{what} {label} is more than {FUTURE_TOLERANCE} after the extraction, or before 2004",
        ),
    ]
    return columns, checks


def counts_check(what: str, fields: dict[str, str]) -> Part:
    return (
        {"counts_invalid": counts_invalid(fields)},
        [critical(null("counts_invalid"), f"{what} count negative or not an integer")],
    )


def entity_suite(platform: str, entity: str, *parts: Part, extra: Iterable = ()) -> Suite:
    """A suite from `parts` then `extra` (column dicts and checks, in order)."""
    columns: dict[str, str] = {}
    checks: list[Check] = []
    for cols, chks in parts:
        columns.update(cols)
        checks.extend(chks)
    for item in extra:
        if isinstance(item, dict):
            columns.update(item)
        else:
            checks.append(item)
    return make_suite(platform, entity, columns, *checks)
