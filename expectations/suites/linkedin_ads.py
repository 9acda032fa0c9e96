"""LinkedIn Ads suites: the ad account, campaign groups, campaigns, creatives and daily
adAnalytics elements per creative.

Shapes (connectors/linkedin_ads.py): ids are integers (account, groups, campaigns) or URNs
(creatives, `pivotValues`); parents are URNs (`urn:li:sponsoredAccount:N`,
`urn:li:sponsoredCampaignGroup:N`, `urn:li:sponsoredCampaign:N`); money is a decimal string in
the account's currency (`costInLocalCurrency`); a day is `dateRange.start` {year, month, day}
(a UTC day). Epoch-millisecond times as on LinkedIn Pages (`expectations/suites/linkedin.py`).
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
    money_ok,
    not_null,
    null,
    problems,
    quote,
    text_at,
    warning,
)
from expectations.suites.linkedin import created_ms_checks, urn_invalid
from ruche.platforms import Platform

STATUSES = [
    "ACTIVE",
    "PAUSED",
    "ARCHIVED",
    "COMPLETED",
    "CANCELED",
    "DRAFT",
    "PENDING_DELETION",
    "REMOVED",
]
ACCOUNT = "urn:li:sponsoredAccount:"


def _other_account(path: str) -> str:
    """The account URN at `path` when it is not the batch's account."""
    raw = text_at(path)
    return (
        f"CASE WHEN {raw} IS NOT NULL AND {raw} <> {quote(ACCOUNT)} || _account_id THEN {raw} END"
    )


def ad_account(platform: Platform) -> Suite:
    return entity_suite(
        platform.name,
        "ad_account",
        id_checks("ad account", id_path="$.id"),
        extra=[
            {
                "other_account": (
                    f"CASE WHEN {text_at('$.id')} <> _account_id THEN {text_at('$.id')} END"
                ),
                "currency": text_at("$.currency"),
            },
            critical(
                null("other_account"), "ad account is not the one this batch was extracted for"
            ),
            critical(not_null("currency"), "ad account currency missing (its costs are unknown)"),
            critical(
                gxe.ExpectColumnValuesToMatchRegex(column="currency", regex=r"^[A-Z]{3}$"),
                "ad account currency is not an ISO-4217 code (three capital letters)",
            ),
        ],
    )


def _object(platform: Platform, entity: str, what: str, parent: tuple[str, str] | None) -> Suite:
    columns = {
        "status": text_at("$.status"),
        "other_account": _other_account("$.account"),
    }
    checks = [
        critical(null("other_account"), f"{what} belongs to another ad account than this batch's"),
        warning(in_set("status", STATUSES), f"{what} status not one LinkedIn documents"),
    ]
    if parent is not None:
        field, kind = parent
        columns["parent_invalid"] = urn_invalid(f"$.{field}", (kind,), field)
        checks.append(critical(null("parent_invalid"), f"{what} {field} missing or not a URN"))
    return entity_suite(platform.name, entity, id_checks(what, id_path="$.id"), (columns, checks))


def creatives(platform: Platform) -> Suite:
    return entity_suite(
        platform.name,
        "creatives",
        id_checks("creative", id_path="$.id"),
        created_ms_checks("creative", "$.createdAt", "createdAt"),
        extra=[
            {
                "id_invalid": urn_invalid("$.id", ("sponsoredCreative",), "id"),
                "campaign_invalid": urn_invalid("$.campaign", ("sponsoredCampaign",), "campaign"),
                "reference_invalid": urn_invalid(
                    "$.content.reference", ("share", "ugcPost"), "reference", required=False
                ),
                "status": text_at("$.intendedStatus"),
            },
            critical(null("id_invalid"), "creative id is not a sponsoredCreative URN"),
            critical(null("campaign_invalid"), "creative campaign missing or not a URN"),
            warning(
                null("reference_invalid"),
                "creative content.reference is not a share or ugcPost URN (no post is linked)",
            ),
            warning(
                in_set("status", STATUSES), "creative intendedStatus not one LinkedIn documents"
            ),
        ],
    )


def ad_analytics(platform: Platform) -> Suite:
    y, m, d = (text_at(f"$.dateRange.start.{k}") for k in ("year", "month", "day"))
    parts = ", ".join(f"try_cast({x} AS INTEGER)" for x in (y, m, d))
    day = f"try_cast(make_date({parts}) AS DATE)"
    creative = text_at("$.pivotValues[0]")
    money = {
        "costInLocalCurrency": text_at("$.costInLocalCurrency"),
        "conversionValueInLocalCurrency": text_at("$.conversionValueInLocalCurrency"),
    }
    return entity_suite(
        platform.name,
        "ad_analytics",
        counts_check(
            "ad analytics",
            {
                "impressions": "$.impressions",
                "clicks": "$.clicks",
                "externalWebsiteConversions": "$.externalWebsiteConversions",
            },
        ),
        extra=[
            {
                "creative_invalid": urn_invalid(
                    "$.pivotValues[0]", ("sponsoredCreative",), "pivot"
                ),
                "day_invalid": (
                    f"CASE WHEN {day} IS NULL "
                    f"THEN coalesce({text_at('$.dateRange')}, '(missing)') END"
                ),
                "duplicate_creative_day": duplicate_in_file(
                    [creative, f"CAST({day} AS VARCHAR)"],
                    f"{creative} || ' on ' || CAST({day} AS VARCHAR)",
                ),
                "date_outside_window": (
                    f"CASE WHEN {day} < try_cast(_window_start AS DATE) "
                    f"OR {day} > try_cast(_window_end AS DATE) THEN CAST({day} AS VARCHAR) END"
                ),
                "cost_missing": (
                    f"CASE WHEN {money['costInLocalCurrency']} IS NULL "
                    "THEN 'costInLocalCurrency' END"
                ),
                "money_invalid": problems(
                    f"CASE WHEN {raw} IS NOT NULL AND NOT {money_ok(raw)} "
                    f"THEN {quote(label + '=')} || {raw} END"
                    for label, raw in money.items()
                ),
            },
            critical(null("creative_invalid"), "pivotValues is not one sponsoredCreative URN"),
            critical(null("day_invalid"), "dateRange.start missing or not a date"),
            critical(
                null("duplicate_creative_day"),
                "adAnalytics element repeated for the same creative and day in one extraction file",
            ),
            critical(
                null("date_outside_window"),
                "adAnalytics day outside the extracted window (window_start..window_end)",
            ),
            critical(null("cost_missing"), "costInLocalCurrency missing (spend unknown)"),
            critical(null("money_invalid"), "a money figure is not a non-negative decimal"),
        ],
    )


def suites(platform: Platform) -> list[Suite]:
    """LinkedIn Ads' suites, one per registered entity."""
    return [
        ad_account(platform),
        _object(platform, "campaign_groups", "campaign group", None),
        _object(platform, "campaigns", "campaign", ("campaignGroup", "sponsoredCampaignGroup")),
        creatives(platform),
        ad_analytics(platform),
    ]
