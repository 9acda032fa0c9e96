"""The Google family: Google Ads (Google Ads API, `googleAds:searchStream` with GAQL).

Google-shaped pieces (key expressions over searchStream rows, the API calendar, the conversion
window) live here under Google names; shared code sees only the `Platform` entry. Facts:
reference/platform_apis.md §8, the entry's `docs` page, Google's sunset calendar
(developers.google.com/google-ads/api/docs/sunset-dates) and the DECISIONLOG entry "Google Ads
metrics requested".
"""

from __future__ import annotations

import datetime as dt

from ruche.platforms import ACCOUNT_TIMEZONE, ApiVersion, Entity, Platform, RemovedMetric

GOOGLE_ADS_API_VERSION_ENV = "RUCHE_GOOGLE_ADS_API_VERSION"
"""Setting that moves the Google Ads connector to another API version (e.g. before a sunset)."""

GOOGLE_ADS_DEVELOPER_TOKEN_ENV = "RUCHE_GOOGLE_ADS_DEVELOPER_TOKEN"  # noqa: S105 (a name)
"""The agency's developer token, sent as `developer-token` on every Google Ads request."""

GOOGLE_ADS_API = ApiVersion(
    version="v26",
    # Google's 2026 release plan (developers.google.com/ads/blog/posts/2025/09/more-frequent-
    # releases-coming-for): v26 is the October 2026 major, "available for one year after the
    # release", projected sunset November 2027. Google publishes the exact day in its sunset
    # reminder about six weeks before (v22: announced 2026-09-02 for 2026-10-07); until then the
    # first day of the projected month is kept, so the warning comes early rather than late.
    released=dt.date(2026, 10, 1),
    sunset=dt.date(2027, 11, 1),
    setting=f"set the environment variable {GOOGLE_ADS_API_VERSION_ENV}, e.g. to v27",
    source="https://developers.google.com/google-ads/api/docs/sunset-dates",
)

# searchStream rows land as returned (camelCase, one nested object per resource).
CUSTOMER_KEY = "record->'customer'->>'id'"
CAMPAIGN_KEY = "record->'campaign'->>'id'"
AD_GROUP_KEY = "record->'adGroup'->>'id'"
AD_KEY = "record->'adGroupAd'->>'resourceName'"  # customers/{c}/adGroupAds/{ad group}~{ad}
AD_METRICS_KEY = "(record->'adGroupAd'->>'resourceName') || '|' || (record->'segments'->>'date')"

CONVERSION_WINDOW_DAYS = 30
"""Google Ads credits a conversion to the day of the click, up to the conversion action's
click-through window (30 days unless the advertiser changed it; 1–90 days): conversions of a
day keep changing for that long, so every run re-reads that many days (an account with longer
windows sets its `refetch_days`)."""

_D = dt.date

GOOGLE_ADS_REMOVED = (
    # Google Ads API v20 (2025-06-04) renamed the video view metrics to TrueView ones
    # (release notes v20: `metrics.video_views` → `metrics.video_trueview_views`).
    RemovedMetric("video_views", _D(2025, 6, 4), "video_trueview_views", "renamed in v20"),
    RemovedMetric("video_view_rate", _D(2025, 6, 4), "video_trueview_view_rate", "renamed in v20"),
)

GOOGLE_ADS = Platform(
    name="google_ads",
    label="Google Ads",
    family="ads",
    connector="connectors.google_ads:GoogleAds",
    sandbox_family="google_ads",
    account_id_pattern=r"\d{10}",
    account_id_separators="-",
    account_id_hint="the 10-digit customer id ('123-456-7890' or '1234567890')",
    # `segments.date` is the account's `customer.time_zone` day; the API has no override.
    reporting_day=ACCOUNT_TIMEZONE,
    timestamp_format="%Y-%m-%d %H:%M:%S",
    api=GOOGLE_ADS_API,
    refetch_days=CONVERSION_WINDOW_DAYS,
    entities=(
        Entity("customer", CUSTOMER_KEY, snapshot=True, expected=("customer",)),
        Entity("campaigns", CAMPAIGN_KEY, expected=("campaign",)),
        Entity("ad_groups", AD_GROUP_KEY, expected=("adGroup", "campaign")),
        Entity("ads", AD_KEY, expected=("adGroupAd", "adGroup", "campaign")),
        Entity(
            "ad_metrics",
            AD_METRICS_KEY,
            expected=("adGroupAd", "metrics", "segments", "customer"),
        ),
    ),
    removed_metrics=GOOGLE_ADS_REMOVED,
    credential_envs=(GOOGLE_ADS_DEVELOPER_TOKEN_ENV,),
    docs="https://developers.google.com/google-ads/api/rest/reference/rest/v26/customers.googleAds/searchStream",
    vendor="google",
)

PLATFORMS: tuple[Platform, ...] = (GOOGLE_ADS,)
