"""The LinkedIn family: LinkedIn Pages (Community Management API) and LinkedIn Ads (campaign
groups, campaigns, creatives and `adAnalytics`), both on LinkedIn's versioned REST API
(`/rest/…`).

LinkedIn-shaped pieces live here under LinkedIn names: the monthly API version and its sunset,
key expressions over LinkedIn records (URNs, epoch-millisecond time ranges) and the re-fetch
windows. Facts and sources: `connectors/linkedin_rest.py` (the dialect) and the entry's `docs`.
"""

from __future__ import annotations

import datetime as dt

from ruche.platforms import EPOCH_MILLISECONDS, ApiVersion, Entity, Platform, RemovedMetric

LINKEDIN_API_VERSION_ENV = "RUCHE_LINKEDIN_API_VERSION"
"""Setting that moves every LinkedIn connector to another monthly version (`YYYYMM`)."""
LINKEDIN_VERSION_PATTERN = r"20\d\d(0[1-9]|1[0-2])"
"""A `LinkedIn-Version` value: `YYYYMM` (LinkedIn publishes one version a month)."""

LINKEDIN_API = ApiVersion(
    version="202608",
    released=dt.date(2026, 8, 1),
    # LinkedIn supports each monthly version for at least one year, then answers 426. The
    # migrations table gives sunsets in the middle of the month a year on (202510 → 2026-10-15,
    # 202511 → 2026-11-16, 202601 → 2027-01-15, 202603 → 2027-03-16); 202608's row was not in
    # the copies read, so this is the same rule applied (estimate, update when published).
    sunset=dt.date(2027, 8, 16),
    setting=f"set the environment variable {LINKEDIN_API_VERSION_ENV}, e.g. to 202611",
    source="https://learn.microsoft.com/en-us/linkedin/marketing/versioning",
)

LINKEDIN_REPORTING_TIMEZONE = "UTC"
"""LinkedIn's daily statistics are days in UTC (epoch-ms ranges from UTC midnight)."""

POSTS_REFETCH_DAYS = 28
"""Posts published this many days before the run's window are read again: their lifetime
statistics keep growing for weeks and their comments keep coming (as on Meta)."""
DAILY_STATS_REFETCH_DAYS = 7
"""LinkedIn serves daily statistics only once they are at least 2 days old and restates the
last few days; the trailing week is read again every night (reference §4 "Late data")."""

# Key expressions over staged LinkedIn records.
LINKEDIN_URN_KEY = "record->>'id'"
COMMENT_URN_KEY = "record->>'commentUrn'"
POST_STATISTICS_KEY = "coalesce(record->>'share', record->>'ugcPost')"
TIME_RANGE_KEY = "(record->'timeRange'->>'start')"
NETWORK_SIZE_KEY = "'firstDegreeSize'"

LINKEDIN_PAGES_REMOVED = (
    # Lifetime follower demographics by region and by country: no longer in the versioned
    # API's follower statistics (replaced by the geo facets). The date is the first versioned
    # release whose docs lack them as far as could be read (approximate, unverified).
    RemovedMetric(
        "followerCountsByRegion", dt.date(2023, 6, 1), "followerCountsByGeo", "date approximate"
    ),
    RemovedMetric(
        "followerCountsByCountry",
        dt.date(2023, 6, 1),
        "followerCountsByGeoCountry",
        "date approximate",
    ),
)

LINKEDIN_PAGES = Platform(
    name="linkedin_pages",
    label="LinkedIn Pages",
    family="organic",
    connector="connectors.linkedin_pages:LinkedInPages",
    sandbox_family="linkedin",
    account_id_pattern=r"[1-9]\d{0,18}",
    account_id_hint="digits (the organization id N of urn:li:organization:N)",
    account_id_prefix="urn:li:organization:",
    reporting_day=LINKEDIN_REPORTING_TIMEZONE,
    timestamp_format=EPOCH_MILLISECONDS,
    api=LINKEDIN_API,
    refetch_days=POSTS_REFETCH_DAYS,
    entities=(
        Entity("network_size", NETWORK_SIZE_KEY, snapshot=True, expected=("firstDegreeSize",)),
        Entity(
            "posts",
            LINKEDIN_URN_KEY,
            snapshot=True,
            expected=("id", "author", "createdAt", "lifecycleState"),
        ),
        Entity(
            "comments",
            COMMENT_URN_KEY,
            parent="posts",
            expected=("id", "commentUrn", "actor", "created", "object"),
            author_field="actor",
        ),
        Entity(
            "post_statistics",
            POST_STATISTICS_KEY,
            snapshot=True,
            parent="posts",
            expected=("totalShareStatistics",),
        ),
        Entity(
            "share_statistics_daily",
            TIME_RANGE_KEY,
            expected=("timeRange", "totalShareStatistics"),
            refetch_days=DAILY_STATS_REFETCH_DAYS,
        ),
        Entity(
            "follower_statistics_daily",
            TIME_RANGE_KEY,
            expected=("timeRange", "followerGains"),
            refetch_days=DAILY_STATS_REFETCH_DAYS,
        ),
    ),
    removed_metrics=LINKEDIN_PAGES_REMOVED,
    docs="https://learn.microsoft.com/en-us/linkedin/marketing/community-management/community-management-overview",
    vendor="linkedin",
    store_comment_text=False,
)

# LinkedIn Ads -------------------------------------------------------------------------------

ADS_CONVERSION_WINDOW_DAYS = 30
"""LinkedIn credits a conversion to the day of the ad interaction within the conversion
action's window: 30 days after a click and 7 after a view unless the advertiser changed them
(Campaign Manager's defaults; reference §9 says windows go up to 90 days post-click). Conversions
of a day keep changing for 30 days, so every run re-reads them (`refetch_days` per account for
longer windows)."""
ADS_ATTRIBUTION_WINDOW = "30d_click_7d_view"
"""How the conformed layer states the window `externalWebsiteConversions` were counted in (post-
click plus post-view conversions, LinkedIn's default windows)."""

AD_ANALYTICS_DAY = (
    "(record->'dateRange'->'start'->>'year') || '-' || "
    "lpad(record->'dateRange'->'start'->>'month', 2, '0') || '-' || "
    "lpad(record->'dateRange'->'start'->>'day', 2, '0')"
)
AD_ANALYTICS_KEY = f"(record->'pivotValues'->>0) || '|' || {AD_ANALYTICS_DAY}"
"""One adAnalytics element per creative (pivot value) and day (`dateRange.start`)."""

LINKEDIN_ADS_REMOVED = (
    # The per-day unique reach of adAnalytics: current connectors (Airbyte's, dlt-style clients)
    # ask `approximateMemberReach` and no longer the older field. The date is the first
    # versioned release whose field list was read without it (approximate, unverified).
    RemovedMetric(
        "approximateUniqueImpressions",
        dt.date(2024, 6, 1),
        "approximateMemberReach",
        "date approximate",
    ),
)

LINKEDIN_ADS = Platform(
    name="linkedin_ads",
    label="LinkedIn Ads",
    family="ads",
    connector="connectors.linkedin_ads:LinkedInAds",
    sandbox_family="linkedin",
    account_id_pattern=r"[1-9]\d{0,18}",
    account_id_hint="digits (the ad account id N of urn:li:sponsoredAccount:N)",
    account_id_prefix="urn:li:sponsoredAccount:",
    # adAnalytics' DAILY dateRange days are UTC days (reference §9, unverified: the ad account
    # has no time zone field, and Campaign Manager shows UTC).
    reporting_day=LINKEDIN_REPORTING_TIMEZONE,
    timestamp_format=EPOCH_MILLISECONDS,
    api=LINKEDIN_API,
    refetch_days=ADS_CONVERSION_WINDOW_DAYS,
    entities=(
        Entity(
            "ad_account",
            LINKEDIN_URN_KEY,
            snapshot=True,
            expected=("id", "name", "currency", "status"),
        ),
        Entity("campaign_groups", LINKEDIN_URN_KEY, expected=("id", "name", "status", "account")),
        Entity(
            "campaigns",
            LINKEDIN_URN_KEY,
            expected=("id", "name", "status", "account", "campaignGroup"),
        ),
        Entity("creatives", LINKEDIN_URN_KEY, expected=("id", "campaign", "intendedStatus")),
        Entity("ad_analytics", AD_ANALYTICS_KEY, expected=("dateRange", "pivotValues")),
    ),
    removed_metrics=LINKEDIN_ADS_REMOVED,
    docs="https://learn.microsoft.com/en-us/linkedin/marketing/integrations/ads-reporting/ads-reporting",
    vendor="linkedin",
)

PLATFORMS: tuple[Platform, ...] = (LINKEDIN_PAGES, LINKEDIN_ADS)
