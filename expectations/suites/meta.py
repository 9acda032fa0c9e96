"""Graph-format suite pieces shared by the Meta platforms (Facebook, Instagram, Meta Ads).

Shapes the Graph API gives every Meta platform: nodes whose `id` field is the record's id, an
account node whose id is the account itself, comments with an optional `from`, insight items
(`name`, `period`, `values[{value, end_time}]`, `total_value`), and ad account ids that may be
written with Meta's `act_` prefix. Timestamps parse with the platform's registered format
(`Platform.timestamp_format`, Graph's `2026-11-22T01:46:47+0000`). Each Meta platform's suites
are in its own module (`facebook.py`, `instagram.py`, `meta_ads.py`).
"""

from __future__ import annotations

from great_expectations import expectations as gxe

from expectations.suites.builders import (
    ORPHAN_PARENT,
    Part,
    Suite,
    counts_check,
    created_checks,
    critical,
    duplicate_in_file,
    entity_suite,
    id_checks,
    id_mismatch,
    in_set,
    not_null,
    null,
    number_ok,
    parse_timestamp,
    problems,
    quote,
    text_at,
    warning,
)
from ruche.platforms import Platform
from ruche.platforms.meta import META_ADS

GRAPH_ID = "$.id"
"""Every Graph node's id field."""

GRAPH_ACCOUNT_PREFIX = META_ADS.account_id_prefix
"""`act_`: Graph writes ad account ids with it in some fields and not in others. Every Graph
account id is compared without it (a no-op on Page and Instagram ids, which never carry it)."""


def graph_id_checks(what: str) -> Part:
    return id_checks(what, id_path=GRAPH_ID)


def graph_account_mismatch(raw: str) -> str:
    """The record's account id when it is not the batch's account (`act_` ignored)."""
    return id_mismatch(raw, GRAPH_ACCOUNT_PREFIX)


def graph_created_checks(
    platform: Platform, what: str, path: str, label: str, optional: dict[str, str] | None = None
) -> Part:
    return created_checks(what, path, label, optional, fmt=platform.timestamp_format)


# --- account nodes and comments -----------------------------------------------------------------


def account_node(
    platform: Platform, entity: str, what: str, counts: dict[str, str], name: str
) -> Suite:
    """The account's own node (a Page, an Instagram user): its id is the configured account."""
    return entity_suite(
        platform.name,
        entity,
        graph_id_checks(what),
        counts_check(what, counts),
        extra=[
            {"other_account_id": graph_account_mismatch(text_at(GRAPH_ID)), "name": text_at(name)},
            critical(
                null("other_account_id"),
                f"{what} id is not the account this batch was extracted for",
            ),
            warning(not_null("name"), f"{what} name missing"),
        ],
    )


def comments(platform: Platform, time_field: str, text_field: str, counts: dict[str, str]) -> Suite:
    """Graph comments: on a known post/media; `from` left out when Meta hides the author."""
    return entity_suite(
        platform.name,
        "comments",
        graph_id_checks("comment"),
        graph_created_checks(platform, "comment", f"$.{time_field}", time_field),
        counts_check("comment", counts),
        extra=[
            {
                "orphan_parent_id": ORPHAN_PARENT,
                "text_length": f"length({text_at(f'$.{text_field}')})",
                "author_known": f"{text_at('$.from.id')} IS NOT NULL",
            },
            critical(
                null("orphan_parent_id"),
                "comment is on a post/media that is not a post of this account "
                "(neither in this load nor already in raw)",
            ),
            warning(not_null("text_length"), "comment has no text (sticker, photo or GIF only)"),
            warning(
                in_set("author_known", [True]),
                "commenter id missing (the token may lack the permission to see it)",
            ),
        ],
    )


def comment_events(platform: Platform) -> Suite:
    """Comment changes Meta pushed by webhook (`ruche.events`): a comment id and a known verb,
    an event time Graph-formatted by the parser, one row per comment and verb in a file (the
    lander keeps the latest); `from` may be left out (a remove, a hidden author)."""
    comment_id, verb = text_at("$.comment_id"), text_at("$.verb")
    return entity_suite(
        platform.name,
        "comment_events",
        created_checks(
            "comment event", "$.event_time", "event_time", fmt=platform.timestamp_format
        ),
        extra=[
            {
                "comment_id": comment_id,
                "verb": verb,
                "duplicate_event": duplicate_in_file([comment_id, verb], comment_id),
                "author_known": f"{text_at('$.from.id')} IS NOT NULL",
            },
            critical(not_null("comment_id"), "comment event without a comment id"),
            critical(
                in_set("verb", list(COMMENT_EVENT_VERBS)),
                "comment event verb not add, edited or remove",
            ),
            critical(
                null("duplicate_event"), "comment id and verb repeated in the same landed file"
            ),
            warning(
                in_set("author_known", [True]),
                "commenter id missing (Meta leaves `from` out of some events)",
            ),
        ],
    )


COMMENT_EVENT_VERBS = ("add", "edited", "remove")


# --- insight items ------------------------------------------------------------------------------


def metric_value_ok(j: str) -> str:
    """A JSON metric value: a non-negative number, or an object of them ({"like": 3, ...})."""
    scalar = f"json_extract_string({j}, '$')"
    return (
        f"CASE WHEN json_type({j}) = 'OBJECT' THEN coalesce(list_bool_and("
        f"[coalesce(isfinite(v) AND v >= 0, false) "
        f"for v in map_values(try_cast({j} AS MAP(VARCHAR, DOUBLE)))]), true) "
        f"ELSE {number_ok(scalar)} END"
    )


LIFETIME_VALUE = "json_extract(record, '$.values[0].value')"


def lifetime_value_invalid() -> str:
    """Post/media lifetime insight: the value, when there is one, is a valid metric value."""
    j = LIFETIME_VALUE
    return (
        f"CASE WHEN json_extract_string({j}, '$') IS NOT NULL AND NOT ({metric_value_ok(j)}) "
        f"THEN left(CAST({j} AS VARCHAR), 200) END"
    )


def reach_minus_views(reach: str, views: str) -> str:
    """On the `reach` item of a post: reach minus views of the same post in the same file."""
    value = f"try_cast(json_extract_string({LIFETIME_VALUE}, '$') AS DOUBLE)"
    return (
        f"CASE WHEN record->>'name' = {quote(reach)} THEN {value} - max(CASE WHEN record->>'name' "
        f"= {quote(views)} THEN {value} END) OVER (PARTITION BY _source_file, _parent_id) END"
    )


_VALUES = "json_extract(record, '$.values[*]')"


def _end_time(fmt: str) -> str:
    return parse_timestamp("x->>'end_time'", fmt)


def _day_of_end_time(fmt: str) -> str:
    return f"CAST(timezone('UTC', {_end_time(fmt)}) - INTERVAL 1 DAY AS DATE)"


def series_values_invalid(fmt: str) -> str:
    """Daily items: every `values[]` entry has a valid value and an `end_time` that parses with
    `fmt`, and a `total_value` item has a valid `total_value.value`. Lists up to 3 offending
    entries."""
    value_ok = metric_value_ok("x->'value'")
    bad = f"[x for x in {_VALUES} if NOT ({value_ok}) OR {_end_time(fmt)} IS NULL]"
    total = "json_extract(record, '$.total_value.value')"
    return problems(
        [
            f"CASE WHEN len({bad}) > 0 THEN left(array_to_string("
            f"[CAST(x AS VARCHAR) for x in list_slice({bad}, 1, 3)], '; '), 300) END",
            f"CASE WHEN json_extract_string({total}, '$') IS NOT NULL "
            f"AND NOT ({metric_value_ok(total)}) "
            f"THEN 'total_value=' || left(CAST({total} AS VARCHAR), 100) END",
        ]
    )


SERIES_VALUE_COUNT = (
    "nullif(coalesce(json_array_length(record, '$.values'), 0) + CASE WHEN "
    "json_extract_string(record, '$.total_value.value') IS NOT NULL THEN 1 ELSE 0 END, 0)"
)


def series_days_outside_window(fmt: str) -> str:
    """Days of a daily item outside the extracted window, with 1 day of slack either side:
    Meta's insight days are Pacific days while the window is in the account's timezone. The day
    of a value is the day before its `end_time` (Meta stamps the end of the day)."""
    day = _day_of_end_time(fmt)
    outside = (
        f"[x->>'end_time' for x in {_VALUES} if {day} < _window_start - 1 "
        f"OR {day} > _window_end + 1]"
    )
    return problems(
        [
            f"CASE WHEN len({outside}) > 0 THEN 'end_time ' || "
            f"array_to_string(list_slice({outside}, 1, 3), ', ') END",
            "CASE WHEN _day < _window_start - 1 OR _day > _window_end + 1 "
            "THEN 'day ' || CAST(_day AS VARCHAR) END",
        ]
    )


def lifetime_insights(platform: Platform, entity: str, reach: str, views: str) -> Suite:
    """A post's/media's lifetime insight items (one value each), with reach ≤ views."""
    name = text_at("$.name")
    return entity_suite(
        platform.name,
        entity,
        extra=[
            {
                "metric": name,
                "duplicate_metric": duplicate_in_file(
                    [name, "_parent_id", text_at("$.period")], f"{name} || ' of ' || _parent_id"
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


def daily_insights(platform: Platform, entity: str) -> Suite:
    """An account's daily insight items (a `values[]` series or a `total_value`)."""
    name, period = text_at("$.name"), text_at("$.period")
    fmt = platform.timestamp_format
    return entity_suite(
        platform.name,
        entity,
        extra=[
            {
                "metric": f"{name} || '/' || {period}",
                "duplicate_metric": duplicate_in_file(
                    [name, period, "_since", "_until", "_day"],
                    f"{name} || '/' || {period} || ' ' || coalesce(_since, '') || '..' || "
                    f"coalesce(_until, '') || coalesce(' ' || CAST(_day AS VARCHAR), '')",
                ),
                "values_invalid": series_values_invalid(fmt),
                "value_count": SERIES_VALUE_COUNT,
                "days_outside_window": series_days_outside_window(fmt),
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
