"""LinkedIn-format pieces the LinkedIn platforms share (Pages now, Ads next): URN ids, epoch-
millisecond timestamps, Rest.li time ranges. No personal data in any column (no comment text,
no member URN)."""

from __future__ import annotations

from expectations.suites.builders import (
    EARLIEST_TIMESTAMP,
    FUTURE_TOLERANCE,
    Part,
    count_ok,
    critical,
    null,
    problems,
    quote,
    text_at,
)


def epoch_ms(path: str) -> str:
    """The epoch-millisecond value at `path` as a timestamp (NULL when not an integer)."""
    raw = text_at(path)
    return (
        f"CASE WHEN regexp_full_match({raw}, '[0-9]{{10,16}}') "
        f"THEN make_timestamptz(try_cast({raw} AS BIGINT) * 1000) END"
    )


def urn_invalid(path: str, kinds: tuple[str, ...], label: str, *, required: bool = True) -> str:
    """`label=value` when the value at `path` is not a URN of one of `kinds`."""
    alternatives = "|".join(kinds)
    raw = text_at(path)
    bad = f"NOT regexp_full_match({raw}, 'urn:li:({alternatives}):.+')"
    missing = f"{raw} IS NULL" if required else "false"
    shown = f"{quote(label + '=')} || coalesce({raw}, '(missing)')"
    return f"CASE WHEN {missing} OR {bad} THEN {shown} END"


def created_ms_checks(what: str, path: str, label: str) -> Part:
    """The record's creation time (epoch ms at `path`) is present and plausible."""
    ts = epoch_ms(path)
    columns = {
        "created_invalid": f"CASE WHEN {ts} IS NULL THEN {quote(label + '=')} || "
        f"coalesce({text_at(path)}, '(missing)') END",
        "created_out_of_range": f"CASE WHEN {ts} > _extracted_at + INTERVAL '{FUTURE_TOLERANCE}' "
        f"OR {ts} < TIMESTAMPTZ '{EARLIEST_TIMESTAMP}' THEN {text_at(path)} END",
    }
    checks = [
        critical(null("created_invalid"), f"{label} missing or not epoch milliseconds"),
        critical(
            null("created_out_of_range"),
            f"{what} {label} is more than {FUTURE_TOLERANCE} after the extraction, or before 2004",
        ),
    ]
    return columns, checks


def counts_at(prefix: str, names: tuple[str, ...]) -> str:
    """`name=value` for each count under `prefix` that is present and not a non-negative
    integer."""
    raws = {n: text_at(f"{prefix}.{n}") for n in names}
    return problems(
        f"CASE WHEN {raw} IS NOT NULL AND NOT {count_ok(raw)} THEN {quote(n + '=')} || {raw} END"
        for n, raw in raws.items()
    )


def time_range_invalid() -> str:
    """A daily element whose `timeRange` is not one UTC day in epoch milliseconds."""
    start, end = epoch_ms("$.timeRange.start"), epoch_ms("$.timeRange.end")
    return (
        f"CASE WHEN {start} IS NULL OR {end} IS NULL OR {end} - {start} <> INTERVAL 1 DAY "
        f"OR {start} <> date_trunc('day', timezone('UTC', {start})) AT TIME ZONE 'UTC' "
        f"THEN coalesce({text_at('$.timeRange')}, '(missing)') END"
    )


def day_outside_window() -> str:
    """The element's UTC day when it is outside the requested (extended) window."""
    day = f"CAST(timezone('UTC', {epoch_ms('$.timeRange.start')}) AS DATE)"
    return (
        f"CASE WHEN {day} < try_cast(_window_start AS DATE) "
        f"OR {day} > try_cast(_window_end AS DATE) THEN CAST({day} AS VARCHAR) END"
    )
