"""The audit suites, kept as code: one `Suite` per raw entity.

A suite is two things:

* `columns`: output column -> DuckDB SQL expression over the loader's `_stage` relation
  (`_row`, `_source_file`, `_account_id`, `_window_start`, `_window_end`, `_extracted_at`,
  `_parent_id`, `_parent_known`, `_since`, `_until`, `_day`, `record JSON`, ...). The SQL does
  the parsing (timestamps, decimals, JSON shapes, window functions for duplicates) so that
* `checks` can be simple Great Expectations column expectations that report every unexpected
  row by `_row`: mostly `ExpectColumnValuesToBeNull` on a "problem" column that is NULL for a
  good row and holds a short, readable description of what is wrong otherwise (for example
  `spend=N/A` or `created_time=(missing)`), plus not-null, in-set, regex and between checks on
  plain value columns.

Severity: **critical** when the row would be wrong or break a key in the warehouse (it is
quarantined with the check's reason); **warning** when the data is suspicious but is what the
platform said (recorded, loaded). Columns hold no personal data (no names, no comment text, no
commenter ids), because unexpected values end up in quarantine rows and in Data Docs.

Conventions shared by every suite:

* ids are present; an id is unique within one extraction (one `_source_file`): the first
  occurrence (lowest `_row`) passes, every later copy is reported, so quarantine keeps the key
  unique and loses nothing;
* timestamps parse with `TIMESTAMP_FORMAT` (Meta's `2026-11-22T01:46:47+0000`); the record's own
  creation time is not after `_extracted_at` + `FUTURE_TOLERANCE` and not before
  `EARLIEST_TIMESTAMP`;
* counts are non-negative integers written as digits (JSON numbers or Meta's numeric strings):
  `try_cast('3.5' AS BIGINT)` is 4 in DuckDB, so a cast alone would accept a decimal;
* money is a non-negative `DECIMAL(18,2)`, with an ISO-4217-shaped currency code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from great_expectations import expectations as gxe

Severity = Literal["critical", "warning"]

TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
FUTURE_TOLERANCE = "1 hour"  # a DuckDB interval: clock skew between the platform and us
EARLIEST_TIMESTAMP = "2004-01-01 00:00:00+00"  # nothing on these platforms is older
META_ATTRIBUTION_KEYS = ("1d_click", "7d_click", "28d_click", "1d_view", "7d_view", "28d_view")


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


# --- SQL building blocks ------------------------------------------------------------------------


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _s(path: str) -> str:
    """A JSON value of `record` as text (NULL when absent or JSON null)."""
    return f"json_extract_string(record, {_q(path)})"


def _ts(raw: str) -> str:
    return f"try_strptime({raw}, {_q(TIMESTAMP_FORMAT)})"


def _problems(parts: Iterable[str]) -> str:
    """NULL when every part is NULL, else the non-NULL parts joined with ', '."""
    return f"nullif(concat_ws(', ', {', '.join(parts)}), '')"


def _count_ok(raw: str) -> str:
    return (
        f"coalesce(regexp_full_match({raw}, '[0-9]+') "
        f"AND try_cast({raw} AS BIGINT) IS NOT NULL, false)"
    )


def _money_ok(raw: str) -> str:
    return f"coalesce(try_cast({raw} AS DECIMAL(18,2)) >= 0, false)"


def _number_ok(raw: str) -> str:
    return (
        f"coalesce(isfinite(try_cast({raw} AS DOUBLE)) AND try_cast({raw} AS DOUBLE) >= 0, false)"
    )


def counts_invalid(fields: dict[str, str]) -> str:
    """`label=raw` for each present count (label -> JSON path) not a non-negative integer."""
    return _problems(
        f"CASE WHEN {_s(p)} IS NOT NULL AND NOT {_count_ok(_s(p))} "
        f"THEN {_q(label + '=')} || {_s(p)} END"
        for label, p in fields.items()
    )


def timestamps_invalid(required: dict[str, str], optional: dict[str, str] | None = None) -> str:
    """`label=raw` for each timestamp that does not parse; required ones may not be missing."""
    parts = [
        f"CASE WHEN {_ts(_s(p))} IS NULL "
        f"THEN {_q(label + '=')} || coalesce({_s(p)}, '(missing)') END"
        for label, p in required.items()
    ]
    parts += [
        f"CASE WHEN {_s(p)} IS NOT NULL AND {_ts(_s(p))} IS NULL "
        f"THEN {_q(label + '=')} || {_s(p)} END"
        for label, p in (optional or {}).items()
    ]
    return _problems(parts)


def timestamp_out_of_range(path: str) -> str:
    """The raw timestamp when it is after the extraction (+ tolerance) or implausibly old."""
    ts = _ts(_s(path))
    return (
        f"CASE WHEN {ts} > _extracted_at + INTERVAL '{FUTURE_TOLERANCE}' "
        f"OR {ts} < TIMESTAMPTZ '{EARLIEST_TIMESTAMP}' THEN {_s(path)} END"
    )


def duplicate_in_file(keys: list[str], label: str) -> str:
    """`label` for every occurrence after the first of the same key within one extraction file."""
    present = " AND ".join(f"{k} IS NOT NULL" for k in keys[:1])
    return (
        f"CASE WHEN {present} AND row_number() OVER "
        f"(PARTITION BY _source_file, {', '.join(keys)} ORDER BY _row) > 1 THEN {label} END"
    )


def id_mismatch(raw: str) -> str:
    """The record's account id when it is not the account the batch was extracted for."""
    return (
        f"CASE WHEN {raw} IS NOT NULL AND replace({raw}, 'act_', '') "
        f"<> replace(_account_id, 'act_', '') THEN {raw} END"
    )


ORPHAN_PARENT = (
    "CASE WHEN NOT coalesce(_parent_known, false) THEN coalesce(_parent_id, '(none)') END"
)


def _metric_value_ok(j: str) -> str:
    """A JSON metric value: a non-negative number, or an object of them ({"like": 3, ...})."""
    scalar = f"json_extract_string({j}, '$')"
    return (
        f"CASE WHEN json_type({j}) = 'OBJECT' THEN coalesce(list_bool_and("
        f"[coalesce(isfinite(v) AND v >= 0, false) "
        f"for v in map_values(try_cast({j} AS MAP(VARCHAR, DOUBLE)))]), true) "
        f"ELSE {_number_ok(scalar)} END"
    )


LIFETIME_VALUE = "json_extract(record, '$.values[0].value')"


def lifetime_value_invalid() -> str:
    """Post/media lifetime insight: the value, when there is one, is a valid metric value."""
    j = LIFETIME_VALUE
    return (
        f"CASE WHEN json_extract_string({j}, '$') IS NOT NULL AND NOT ({_metric_value_ok(j)}) "
        f"THEN left(CAST({j} AS VARCHAR), 200) END"
    )


def reach_minus_views(reach: str, views: str) -> str:
    """On the `reach` item of a post: reach minus views of the same post in the same file."""
    value = f"try_cast(json_extract_string({LIFETIME_VALUE}, '$') AS DOUBLE)"
    return (
        f"CASE WHEN record->>'name' = {_q(reach)} THEN {value} - max(CASE WHEN record->>'name' = "
        f"{_q(views)} THEN {value} END) OVER (PARTITION BY _source_file, _parent_id) END"
    )


_VALUES = "json_extract(record, '$.values[*]')"
_END_TIME = _ts("x->>'end_time'")
_DAY_OF_END_TIME = f"CAST(timezone('UTC', {_END_TIME}) - INTERVAL 1 DAY AS DATE)"


def series_values_invalid() -> str:
    """Daily items: every `values[]` entry has a valid value and a parseable `end_time`, and a
    `total_value` item has a valid `total_value.value`. Lists up to 3 offending entries."""
    value_ok = _metric_value_ok("x->'value'")
    bad = f"[x for x in {_VALUES} if NOT ({value_ok}) OR {_END_TIME} IS NULL]"
    total = "json_extract(record, '$.total_value.value')"
    return _problems(
        [
            f"CASE WHEN len({bad}) > 0 THEN left(array_to_string("
            f"[CAST(x AS VARCHAR) for x in list_slice({bad}, 1, 3)], '; '), 300) END",
            f"CASE WHEN json_extract_string({total}, '$') IS NOT NULL "
            f"AND NOT ({_metric_value_ok(total)}) "
            f"THEN 'total_value=' || left(CAST({total} AS VARCHAR), 100) END",
        ]
    )


SERIES_VALUE_COUNT = (
    "nullif(coalesce(json_array_length(record, '$.values'), 0) + CASE WHEN "
    "json_extract_string(record, '$.total_value.value') IS NOT NULL THEN 1 ELSE 0 END, 0)"
)


def series_days_outside_window() -> str:
    """Days of a daily item outside the extracted window, with 1 day of slack either side:
    Meta's insight days are Pacific days while the window is in the account's timezone. The day
    of a value is the day before its `end_time` (Meta stamps the end of the day)."""
    outside = (
        f"[x->>'end_time' for x in {_VALUES} if {_DAY_OF_END_TIME} < _window_start - 1 "
        f"OR {_DAY_OF_END_TIME} > _window_end + 1]"
    )
    return _problems(
        [
            f"CASE WHEN len({outside}) > 0 THEN 'end_time ' || "
            f"array_to_string(list_slice({outside}, 1, 3), ', ') END",
            "CASE WHEN _day < _window_start - 1 OR _day > _window_end + 1 "
            "THEN 'day ' || CAST(_day AS VARCHAR) END",
        ]
    )


def actions_invalid() -> str:
    """Meta Ads `actions` / `action_values`: every value and attribution-window value is a
    non-negative decimal (Meta sends them as strings)."""
    parts = []
    for field in ("actions", "action_values"):
        for key in ("value", *META_ATTRIBUTION_KEYS):
            path = _q(f'$.{field}[*]."{key}"')
            listed = f"[v for v in json_extract_string(record, {path}) if NOT {_money_ok('v')}]"
            parts.append(
                f"CASE WHEN len({listed}) > 0 THEN {_q(f'{field}.{key}=')} || "
                f"array_to_string(list_slice({listed}, 1, 3), '|') END"
            )
    return _problems(parts)


# --- Checks -------------------------------------------------------------------------------------


def critical(expectation: Any, reason: str) -> Check:
    return Check(expectation, "critical", reason)


def warning(expectation: Any, reason: str) -> Check:
    return Check(expectation, "warning", reason)


def not_null(column: str) -> Any:
    return gxe.ExpectColumnValuesToNotBeNull(column=column)


def null(column: str) -> Any:
    return gxe.ExpectColumnValuesToBeNull(column=column)


def _suite(platform: str, entity: str, columns: dict[str, str], *checks: Check) -> Suite:
    suite = Suite(platform, entity, dict(columns), tuple(checks))
    missing = [c.column for c in suite.checks if c.column not in suite.columns]
    if missing:
        raise ValueError(f"{suite.name}: checks on columns the suite does not select: {missing}")
    return suite


def _id_checks(what: str, *, id_path: str = "$.id") -> tuple[dict[str, str], list[Check]]:
    columns = {
        "id": _s(id_path),
        "duplicate_id": duplicate_in_file([_s(id_path)], _s(id_path)),
    }
    checks = [
        critical(not_null("id"), f"{what} id missing"),
        critical(null("duplicate_id"), f"{what} id repeated in the same extraction file"),
    ]
    return columns, checks


def _created_checks(
    what: str, path: str, label: str, optional: dict[str, str] | None = None
) -> tuple[dict[str, str], list[Check]]:
    columns = {
        "timestamps_invalid": timestamps_invalid({label: path}, optional),
        "created_out_of_range": timestamp_out_of_range(path),
    }
    checks = [
        critical(
            null("timestamps_invalid"),
            f"{label} missing or not a timestamp like 2026-11-22T01:46:47+0000",
        ),
        critical(
            null("created_out_of_range"),
            f"{what} {label} is more than {FUTURE_TOLERANCE} after the extraction, or before 2004",
        ),
    ]
    return columns, checks


def _counts_check(what: str, fields: dict[str, str]) -> tuple[dict[str, str], list[Check]]:
    return (
        {"counts_invalid": counts_invalid(fields)},
        [critical(null("counts_invalid"), f"{what} count negative or not an integer")],
    )


def _entity_suite(
    platform: str, entity: str, *parts: tuple[dict[str, str], list[Check]], extra: Iterable = ()
) -> Suite:
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
    return _suite(platform, entity, columns, *checks)


# --- Suites -------------------------------------------------------------------------------------


def _account_node(
    platform: str, entity: str, what: str, counts: dict[str, str], name: str
) -> Suite:
    return _entity_suite(
        platform,
        entity,
        _id_checks(what),
        _counts_check(what, counts),
        extra=[
            {"other_account_id": id_mismatch(_s("$.id")), "name": _s(name)},
            critical(
                null("other_account_id"),
                f"{what} id is not the account this batch was extracted for",
            ),
            warning(not_null("name"), f"{what} name missing"),
        ],
    )


def _comments(platform: str, time_field: str, text_field: str, counts: dict[str, str]) -> Suite:
    return _entity_suite(
        platform,
        "comments",
        _id_checks("comment"),
        _created_checks("comment", f"$.{time_field}", time_field),
        _counts_check("comment", counts),
        extra=[
            {
                "orphan_parent_id": ORPHAN_PARENT,
                "text_length": f"length({_s(f'$.{text_field}')})",
                "author_known": f"{_s('$.from.id')} IS NOT NULL",
            },
            critical(
                null("orphan_parent_id"),
                "comment is on a post/media that is not a post of this account "
                "(neither in this load nor already in raw)",
            ),
            warning(not_null("text_length"), "comment has no text (sticker, photo or GIF only)"),
            warning(
                gxe.ExpectColumnValuesToBeInSet(column="author_known", value_set=[True]),
                "commenter id missing (the token may lack the permission to see it)",
            ),
        ],
    )


def _lifetime_insights(platform: str, entity: str, reach: str, views: str) -> Suite:
    name = _s("$.name")
    return _entity_suite(
        platform,
        entity,
        extra=[
            {
                "metric": name,
                "duplicate_metric": duplicate_in_file(
                    [name, "_parent_id", _s("$.period")], f"{name} || ' of ' || _parent_id"
                ),
                "orphan_parent_id": ORPHAN_PARENT,
                "value_invalid": lifetime_value_invalid(),
                "value": f"json_extract_string({LIFETIME_VALUE}, '$')",
                "reach_minus_views": reach_minus_views(reach, views),
            },
            critical(not_null("metric"), "insight metric name missing"),
            critical(
                null("duplicate_metric"),
                "insight metric repeated for the same post in the same extraction file",
            ),
            critical(
                null("orphan_parent_id"),
                "insight of a post/media that is not a post of this account "
                "(neither in this load nor already in raw)",
            ),
            critical(
                null("value_invalid"),
                "insight value is not a non-negative number (or an object of them)",
            ),
            warning(not_null("value"), "insight has no value yet (not ready)"),
            warning(
                gxe.ExpectColumnValuesToBeBetween(column="reach_minus_views", max_value=0),
                f"{reach} is greater than {views} for the same post",
            ),
        ],
    )


def _daily_insights(platform: str, entity: str) -> Suite:
    name, period = _s("$.name"), _s("$.period")
    return _entity_suite(
        platform,
        entity,
        extra=[
            {
                "metric": f"{name} || '/' || {period}",
                "duplicate_metric": duplicate_in_file(
                    [name, period, "_since", "_until", "_day"],
                    f"{name} || '/' || {period} || ' ' || coalesce(_since, '') || '..' || "
                    f"coalesce(_until, '') || coalesce(' ' || CAST(_day AS VARCHAR), '')",
                ),
                "values_invalid": series_values_invalid(),
                "value_count": SERIES_VALUE_COUNT,
                "days_outside_window": series_days_outside_window(),
            },
            critical(not_null("metric"), "insight metric name or period missing"),
            critical(
                null("duplicate_metric"),
                "insight metric repeated for the same range in the same extraction file",
            ),
            critical(
                null("values_invalid"),
                "insight value not a non-negative number, or its end_time is not a timestamp",
            ),
            warning(not_null("value_count"), "insight returned no values for this range"),
            warning(
                null("days_outside_window"),
                "insight values for days outside the extracted window",
            ),
        ],
    )


def _ads_object(entity: str, what: str, *, budgets: bool, parent: str | None) -> Suite:
    extra: list[Any] = [
        {"name": _s("$.name"), "status": _s("$.status")},
        warning(not_null("name"), f"{what} name missing"),
        warning(
            gxe.ExpectColumnValuesToBeInSet(
                column="status", value_set=["ACTIVE", "PAUSED", "DELETED", "ARCHIVED"]
            ),
            f"{what} status not one Meta documents (ACTIVE, PAUSED, DELETED, ARCHIVED)",
        ),
    ]
    if parent:
        extra += [
            {parent: _s(f"$.{parent}")},
            warning(not_null(parent), f"{what} has no {parent}"),
        ]
    optional = (
        {"start_time": "$.start_time", "stop_time": "$.stop_time"}
        if entity == "campaigns"
        else None
    )
    parts = [_id_checks(what), _created_checks(what, "$.created_time", "created_time", optional)]
    if budgets:
        parts.append(
            _counts_check(
                f"{what} budget (minor units)",
                {"daily_budget": "$.daily_budget", "lifetime_budget": "$.lifetime_budget"},
            )
        )
    return _entity_suite("meta_ads", entity, *parts, extra=extra)


def _ad_insights() -> Suite:
    start, stop = _s("$.date_start"), _s("$.date_stop")
    day = f"try_cast({start} AS DATE)"
    return _entity_suite(
        "meta_ads",
        "ad_insights",
        _counts_check(
            "ad insight",
            {
                "impressions": "$.impressions",
                "reach": "$.reach",
                "clicks": "$.clicks",
                "inline_link_clicks": "$.inline_link_clicks",
            },
        ),
        extra=[
            {
                "ad_id": _s("$.ad_id"),
                "dates_invalid": (
                    f"CASE WHEN {day} IS NULL OR try_cast({stop} AS DATE) IS NULL "
                    f"OR {start} <> {stop} THEN coalesce({start}, '(missing)') || '..' || "
                    f"coalesce({stop}, '(missing)') END"
                ),
                "duplicate_ad_day": duplicate_in_file(
                    [_s("$.ad_id"), start], f"{_s('$.ad_id')} || ' on ' || {start}"
                ),
                "date_outside_window": (
                    f"CASE WHEN {day} < _window_start OR {day} > _window_end THEN {start} END"
                ),
                "other_account_id": id_mismatch(_s("$.account_id")),
                "account_currency": _s("$.account_currency"),
                "spend_invalid": (
                    f"CASE WHEN NOT {_money_ok(_s('$.spend'))} "
                    f"THEN 'spend=' || coalesce({_s('$.spend')}, '(missing)') END"
                ),
                "actions_invalid": actions_invalid(),
                "campaign_id": _s("$.campaign_id"),
                "ctr": f"try_cast({_s('$.ctr')} AS DOUBLE)",
                "reach_minus_impressions": (
                    f"try_cast({_s('$.reach')} AS BIGINT) "
                    f"- try_cast({_s('$.impressions')} AS BIGINT)"
                ),
            },
            critical(not_null("ad_id"), "ad insight ad_id missing"),
            critical(
                null("dates_invalid"),
                "date_start/date_stop missing, not dates, or not one single day",
            ),
            critical(
                null("duplicate_ad_day"),
                "ad insight repeated for the same ad and day in the same extraction file",
            ),
            critical(
                null("date_outside_window"),
                "ad insight day outside the extracted window (window_start..window_end)",
            ),
            critical(
                null("other_account_id"),
                "ad insight of another ad account than the one this batch was extracted for",
            ),
            critical(not_null("account_currency"), "account_currency missing"),
            critical(
                gxe.ExpectColumnValuesToMatchRegex(column="account_currency", regex=r"^[A-Z]{3}$"),
                "account_currency is not an ISO-4217 code (three capital letters)",
            ),
            critical(null("spend_invalid"), "spend missing, not a decimal number, or negative"),
            critical(
                null("actions_invalid"),
                "an action count or value is not a non-negative decimal",
            ),
            warning(not_null("campaign_id"), "ad insight has no campaign_id"),
            warning(
                gxe.ExpectColumnValuesToBeBetween(column="ctr", min_value=0, max_value=100),
                "ctr outside 0..100 %",
            ),
            warning(
                gxe.ExpectColumnValuesToBeBetween(column="reach_minus_impressions", max_value=0),
                "reach greater than impressions",
            ),
        ],
    )


def _ads_account() -> Suite:
    return _entity_suite(
        "meta_ads",
        "account",
        _id_checks("ad account"),
        extra=[
            {
                "other_account_id": id_mismatch(_s("$.account_id")),
                "currency": _s("$.currency"),
                "timezone_name": _s("$.timezone_name"),
            },
            critical(
                null("other_account_id"),
                "ad account is not the account this batch was extracted for",
            ),
            critical(not_null("currency"), "ad account currency missing"),
            critical(
                gxe.ExpectColumnValuesToMatchRegex(column="currency", regex=r"^[A-Z]{3}$"),
                "ad account currency is not an ISO-4217 code (three capital letters)",
            ),
            warning(not_null("timezone_name"), "ad account timezone_name missing"),
        ],
    )


def _facebook_posts() -> Suite:
    return _entity_suite(
        "facebook",
        "posts",
        _id_checks("post"),
        _created_checks(
            "post", "$.created_time", "created_time", {"updated_time": "$.updated_time"}
        ),
        _counts_check(
            "post",
            {
                "reactions": "$.reactions.summary.total_count",
                "comments": "$.comments.summary.total_count",
                "shares": "$.shares.count",
            },
        ),
        extra=[
            {
                "id_not_of_page": (
                    f"CASE WHEN NOT starts_with({_s('$.id')}, _account_id || '_') "
                    f"THEN {_s('$.id')} END"
                )
            },
            warning(null("id_not_of_page"), "post id does not start with the Page id"),
        ],
    )


def _instagram_media() -> Suite:
    return _entity_suite(
        "instagram",
        "media",
        _id_checks("media"),
        _created_checks("media", "$.timestamp", "timestamp"),
        _counts_check(
            "media", {"like_count": "$.like_count", "comments_count": "$.comments_count"}
        ),
        extra=[
            {"media_type": _s("$.media_type"), "media_product_type": _s("$.media_product_type")},
            warning(
                gxe.ExpectColumnValuesToBeInSet(
                    column="media_type", value_set=["IMAGE", "VIDEO", "CAROUSEL_ALBUM"]
                ),
                "media_type not one the marts know (IMAGE, VIDEO, CAROUSEL_ALBUM)",
            ),
            warning(
                gxe.ExpectColumnValuesToBeInSet(
                    column="media_product_type", value_set=["AD", "FEED", "STORY", "REELS"]
                ),
                "media_product_type not one the marts know (AD, FEED, STORY, REELS)",
            ),
        ],
    )


def _build() -> dict[tuple[str, str], Suite]:
    suites = [
        _account_node(
            "facebook",
            "page",
            "Page",
            {"followers_count": "$.followers_count", "fan_count": "$.fan_count"},
            "$.name",
        ),
        _facebook_posts(),
        _comments(
            "facebook",
            "created_time",
            "message",
            {"like_count": "$.like_count", "comment_count": "$.comment_count"},
        ),
        _lifetime_insights(
            "facebook", "post_insights", "post_total_media_view_unique", "post_media_view"
        ),
        _daily_insights("facebook", "page_insights"),
        _account_node(
            "instagram",
            "user",
            "Instagram account",
            {
                "followers_count": "$.followers_count",
                "follows_count": "$.follows_count",
                "media_count": "$.media_count",
            },
            "$.username",
        ),
        _instagram_media(),
        _comments("instagram", "timestamp", "text", {"like_count": "$.like_count"}),
        _lifetime_insights("instagram", "media_insights", "reach", "views"),
        _daily_insights("instagram", "user_insights"),
        _ads_account(),
        _ads_object("campaigns", "campaign", budgets=True, parent=None),
        _ads_object("adsets", "ad set", budgets=True, parent="campaign_id"),
        _ads_object("ads", "ad", budgets=False, parent="adset_id"),
        _ad_insights(),
    ]
    return {(s.platform, s.entity): s for s in suites}


SUITES: dict[tuple[str, str], Suite] = _build()


def suite_for(platform: str, entity: str) -> Suite | None:
    """The suite auditing `platform`/`entity`, or None when there is none."""
    return SUITES.get((platform, entity))
