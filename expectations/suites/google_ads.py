"""Google Ads (searchStream rows) suites: the customer, campaigns, ad groups, ads and daily ad
metrics.

searchStream shapes: one object per resource (`customer`, `campaign`, `adGroup`, `adGroupAd`,
`metrics`, `segments`), camelCase fields, int64 values (ids, `costMicros`, `impressions`,
`clicks`) as digit strings, conversions as JSON numbers, `segments.date` a day of the account's
time zone. Money is `costMicros`: an integer of millionths of the account currency.
"""

from __future__ import annotations

from great_expectations import expectations as gxe

from expectations.suites.builders import (
    Suite,
    counts_check,
    critical,
    duplicate_in_file,
    entity_suite,
    id_checks,
    in_set,
    not_null,
    null,
    number_ok,
    problems,
    quote,
    text_at,
    warning,
)
from ruche.platforms import Platform

GOOGLE_STATUSES = ["ENABLED", "PAUSED", "REMOVED", "UNKNOWN", "UNSPECIFIED"]


def _other_customer(path: str) -> str:
    """The resource name when it names another customer than the batch's account."""
    raw = text_at(path)
    return (
        f"CASE WHEN {raw} IS NOT NULL AND NOT starts_with({raw}, 'customers/' || _account_id || "
        f"'/') AND {raw} <> 'customers/' || _account_id THEN {raw} END"
    )


def customer(platform: Platform) -> Suite:
    return entity_suite(
        platform.name,
        "customer",
        id_checks("customer", id_path="$.customer.id"),
        extra=[
            {
                "other_customer": (
                    f"CASE WHEN {text_at('$.customer.id')} <> _account_id "
                    f"THEN {text_at('$.customer.id')} END"
                ),
                "currency": text_at("$.customer.currencyCode"),
                "time_zone": text_at("$.customer.timeZone"),
            },
            critical(
                null("other_customer"), "customer is not the account this batch was extracted for"
            ),
            critical(not_null("currency"), "customer currency_code missing"),
            critical(
                gxe.ExpectColumnValuesToMatchRegex(column="currency", regex=r"^[A-Z]{3}$"),
                "customer currency_code is not an ISO-4217 code (three capital letters)",
            ),
            critical(not_null("time_zone"), "customer time_zone missing (its days are unknown)"),
        ],
    )


def _object(platform: Platform, entity: str, what: str, node: str, id_path: str) -> Suite:
    return entity_suite(
        platform.name,
        entity,
        id_checks(what, id_path=id_path),
        extra=[
            {
                "status": text_at(f"$.{node}.status"),
                "other_customer": _other_customer(f"$.{node}.resourceName"),
                "campaign_id": text_at("$.campaign.id"),
            },
            critical(
                null("other_customer"),
                f"{what} belongs to another customer than the one this batch was extracted for",
            ),
            warning(
                in_set("status", GOOGLE_STATUSES),
                f"{what} status not one Google documents (ENABLED, PAUSED, REMOVED)",
            ),
            warning(not_null("campaign_id"), f"{what} has no campaign id"),
        ],
    )


def ad_metrics(platform: Platform) -> Suite:
    day_text = text_at("$.segments.date")
    day = f"try_cast({day_text} AS DATE)"
    ad = text_at("$.adGroupAd.resourceName")
    numbers = {
        label: text_at(f"$.metrics.{field}")
        for label, field in (
            ("conversions", "conversions"),
            ("conversions_value", "conversionsValue"),
            ("all_conversions", "allConversions"),
        )
    }
    return entity_suite(
        platform.name,
        "ad_metrics",
        counts_check(
            "ad metric",
            {
                "impressions": "$.metrics.impressions",
                "clicks": "$.metrics.clicks",
                "cost_micros": "$.metrics.costMicros",
            },
        ),
        extra=[
            {
                "ad": ad,
                "day_invalid": (
                    f"CASE WHEN {day} IS NULL THEN coalesce({day_text}, '(missing)') END"
                ),
                "duplicate_ad_day": duplicate_in_file(
                    [ad, day_text], f"{ad} || ' on ' || {day_text}"
                ),
                "date_outside_window": (
                    f"CASE WHEN {day} < _window_start OR {day} > _window_end THEN {day_text} END"
                ),
                "other_customer": _other_customer("$.adGroupAd.resourceName"),
                "currency": text_at("$.customer.currencyCode"),
                "cost_missing": (
                    f"CASE WHEN {text_at('$.metrics.costMicros')} IS NULL THEN 'costMicros' END"
                ),
                "conversions_invalid": problems(
                    f"CASE WHEN {raw} IS NOT NULL AND NOT {number_ok(raw)} "
                    f"THEN {quote(label + '=')} || {raw} END"
                    for label, raw in numbers.items()
                ),
            },
            critical(not_null("ad"), "ad metric row has no adGroupAd.resourceName"),
            critical(null("day_invalid"), "segments.date missing or not a date"),
            critical(
                null("duplicate_ad_day"),
                "ad metric row repeated for the same ad and day in the same extraction file",
            ),
            critical(
                null("date_outside_window"),
                "ad metric day outside the extracted window (window_start..window_end)",
            ),
            critical(
                null("other_customer"),
                "ad metric row of another customer than the one this batch was extracted for",
            ),
            critical(not_null("currency"), "customer.currency_code missing on an ad metric row"),
            critical(
                gxe.ExpectColumnValuesToMatchRegex(column="currency", regex=r"^[A-Z]{3}$"),
                "customer.currency_code is not an ISO-4217 code (three capital letters)",
            ),
            critical(null("cost_missing"), "metrics.cost_micros missing (spend unknown)"),
            critical(
                null("conversions_invalid"),
                "a conversions figure is not a non-negative number",
            ),
        ],
    )


def suites(platform: Platform) -> list[Suite]:
    """Google Ads' suites, one per registered entity."""
    return [
        customer(platform),
        _object(platform, "campaigns", "campaign", "campaign", "$.campaign.id"),
        _object(platform, "ad_groups", "ad group", "adGroup", "$.adGroup.id"),
        _object(platform, "ads", "ad", "adGroupAd", "$.adGroupAd.resourceName"),
        ad_metrics(platform),
    ]
