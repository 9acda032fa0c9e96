"""Meta Ads (Marketing API) suites: the ad account, campaigns, ad sets, ads and daily ad insights.

Marketing API shapes: objects with a Meta `status`, budgets in minor units, insight rows of one
ad and one day (`date_start` = `date_stop`) with money and action values as decimal strings, per
attribution window.
"""

from __future__ import annotations

from typing import Any

from great_expectations import expectations as gxe

from expectations.suites.builders import (
    Part,
    Suite,
    counts_check,
    critical,
    duplicate_in_file,
    entity_suite,
    in_set,
    money_ok,
    not_null,
    null,
    problems,
    quote,
    text_at,
    warning,
)
from expectations.suites.meta import graph_account_mismatch, graph_created_checks, graph_id_checks
from ruche.platforms import Platform

META_ATTRIBUTION_KEYS = ("1d_click", "7d_click", "28d_click", "1d_view", "7d_view", "28d_view")
META_STATUSES = ["ACTIVE", "PAUSED", "DELETED", "ARCHIVED"]


def actions_invalid() -> str:
    """`actions` / `action_values`: every value and attribution-window value is a non-negative
    decimal (Meta sends them as strings)."""
    parts = []
    for field in ("actions", "action_values"):
        for key in ("value", *META_ATTRIBUTION_KEYS):
            path = quote(f'$.{field}[*]."{key}"')
            listed = f"[v for v in json_extract_string(record, {path}) if NOT {money_ok('v')}]"
            parts.append(
                f"CASE WHEN len({listed}) > 0 THEN {quote(f'{field}.{key}=')} || "
                f"array_to_string(list_slice({listed}, 1, 3), '|') END"
            )
    return problems(parts)


def account(platform: Platform) -> Suite:
    return entity_suite(
        platform.name,
        "account",
        graph_id_checks("ad account"),
        extra=[
            {
                "other_account_id": graph_account_mismatch(text_at("$.account_id")),
                "currency": text_at("$.currency"),
                "timezone_name": text_at("$.timezone_name"),
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


def ads_object(
    platform: Platform, entity: str, what: str, *, budgets: bool, parent: str | None
) -> Suite:
    """A campaign, ad set or ad: named, a Meta status, created, budgets in minor units."""
    extra: list[Any] = [
        {"name": text_at("$.name"), "status": text_at("$.status")},
        warning(not_null("name"), f"{what} name missing"),
        warning(
            in_set("status", META_STATUSES),
            f"{what} status not one Meta documents (ACTIVE, PAUSED, DELETED, ARCHIVED)",
        ),
    ]
    if parent:
        extra += [
            {parent: text_at(f"$.{parent}")},
            warning(not_null(parent), f"{what} has no {parent}"),
        ]
    optional = (
        {"start_time": "$.start_time", "stop_time": "$.stop_time"}
        if entity == "campaigns"
        else None
    )
    parts: list[Part] = [
        graph_id_checks(what),
        graph_created_checks(platform, what, "$.created_time", "created_time", optional),
    ]
    if budgets:
        parts.append(
            counts_check(
                f"{what} budget (minor units)",
                {"daily_budget": "$.daily_budget", "lifetime_budget": "$.lifetime_budget"},
            )
        )
    return entity_suite(platform.name, entity, *parts, extra=extra)


def ad_insights(platform: Platform) -> Suite:
    start, stop = text_at("$.date_start"), text_at("$.date_stop")
    day = f"try_cast({start} AS DATE)"
    return entity_suite(
        platform.name,
        "ad_insights",
        counts_check(
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
                "ad_id": text_at("$.ad_id"),
                "dates_invalid": (
                    f"CASE WHEN {day} IS NULL OR try_cast({stop} AS DATE) IS NULL "
                    f"OR {start} <> {stop} THEN coalesce({start}, '(missing)') || '..' || "
                    f"coalesce({stop}, '(missing)') END"
                ),
                "duplicate_ad_day": duplicate_in_file(
                    [text_at("$.ad_id"), start], f"{text_at('$.ad_id')} || ' on ' || {start}"
                ),
                "date_outside_window": (
                    f"CASE WHEN {day} < _window_start OR {day} > _window_end THEN {start} END"
                ),
                "other_account_id": graph_account_mismatch(text_at("$.account_id")),
                "account_currency": text_at("$.account_currency"),
                "spend_invalid": (
                    f"CASE WHEN NOT {money_ok(text_at('$.spend'))} "
                    f"THEN 'spend=' || coalesce({text_at('$.spend')}, '(missing)') END"
                ),
                "actions_invalid": actions_invalid(),
                "campaign_id": text_at("$.campaign_id"),
                "ctr": f"try_cast({text_at('$.ctr')} AS DOUBLE)",
                "reach_minus_impressions": (
                    f"try_cast({text_at('$.reach')} AS BIGINT) "
                    f"- try_cast({text_at('$.impressions')} AS BIGINT)"
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


def suites(platform: Platform) -> list[Suite]:
    """Meta Ads' suites, one per registered entity."""
    return [
        account(platform),
        ads_object(platform, "campaigns", "campaign", budgets=True, parent=None),
        ads_object(platform, "adsets", "ad set", budgets=True, parent="campaign_id"),
        ads_object(platform, "ads", "ad", budgets=False, parent="adset_id"),
        ad_insights(platform),
    ]
