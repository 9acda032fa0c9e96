"""Google Ads API: the customer (currency, time zone), campaigns, ad groups, ads (with their
final URLs and each level's URL suffix, tracking template and custom parameters) and daily
metrics per ad, all through `googleAds:searchStream` with GAQL.

Credentials: the account's token source holds an OAuth access token (scope
`https://www.googleapis.com/auth/adwords`), sent as `Authorization: Bearer`; the agency's
developer token comes from `RUCHE_GOOGLE_ADS_DEVELOPER_TOKEN` (`developer-token`, required), and
the manager account the user reaches its clients through from
`RUCHE_GOOGLE_ADS_LOGIN_CUSTOMER_ID` (`login-customer-id`, optional).

Answers (reference/platform_apis.md §8): a JSON array of batches `{results, fieldMask,
requestId}`; fields in camelCase; int64 values (ids, `costMicros`, `impressions`, `clicks`) as
strings, `conversions` and `conversionsValue` as doubles. All landed as returned: money stays a
string of micros until staging divides it exactly (`cost_micros` / 10^6 as a DECIMAL).

Dates: `segments.date` is a day of the account's `customer.time_zone` (no override exists), so a
day is requested only once it has ended there. Re-fetch: conversions are credited to the day of
the click up to the conversion window (30 days by default), so every run re-reads that many days
(`refetch_days`, configurable per account). searchStream has no paging: one request answers a
whole query; the daily metrics are asked `page_size` days per request (split by date, oldest
first) so one answer stays bounded on large accounts.

Facts checked for this module (December 2026):
* Versions: v26 is the current major (Google's 2026 plan: four majors a year, each sunset about
  a year after release; v22 was sunset on 2026-10-07, v21 on 2026-08-05 — Google's sunset
  reminders on developers.google.com/ads/blog). `RUCHE_GOOGLE_ADS_API_VERSION` moves to another.
* A sunset version answers 400 `requestError: UNSUPPORTED_VERSION`, then a bare 404 once
  removed (recorded: google-marketing-solutions/adios#47, cohnen/mcp-google-ads#21): a
  permanent error naming the setting.
* `USER_PERMISSION_DENIED` (403 PERMISSION_DENIED) is Google's answer when the manager's id is
  missing from `login-customer-id` (recorded message in googleads/google-ads-php#876,
  googleads/google-ads-java#751); `DEVELOPER_TOKEN_NOT_APPROVED` when a test-access token meets
  a production account (googleads/google-ads-java#776).
* Still unverified: the REST placement of `quotaErrorDetails.retryDelay` (taken from the
  `ErrorDetails` / `QuotaErrorDetails` protos, no recorded REST body found) and the exact status
  of a request without `developer-token` (the sandbox answers 401 UNAUTHENTICATED with
  `authenticationError: DEVELOPER_TOKEN_PARAMETER_MISSING`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from connectors.base import Connector, Stream, Window
from connectors.google_ads_api import (
    DEVELOPER_TOKEN_ENV,
    GOOGLE_ADS_API_VERSION,
    GOOGLE_ADS_BASE_URL,
    GOOGLE_ADS_VERSION_PATTERN,
    LOGIN_CUSTOMER_ID_ENV,
    classify_google_ads,
    developer_token,
    login_customer_id,
    stream_results,
)
from ruche.platforms.google import GOOGLE_ADS, GOOGLE_ADS_API_VERSION_ENV

CUSTOMER_FIELDS = (
    "customer.id",
    "customer.descriptive_name",
    "customer.currency_code",
    "customer.time_zone",
    "customer.manager",
)
CAMPAIGN_FIELDS = (
    "campaign.id",
    "campaign.name",
    "campaign.status",
    "campaign.advertising_channel_type",
    "campaign_budget.amount_micros",
)
AD_GROUP_FIELDS = (
    "ad_group.id",
    "ad_group.name",
    "ad_group.status",
    "ad_group.type",
    "campaign.id",
)
AD_FIELDS = (
    "ad_group_ad.ad.id",
    "ad_group_ad.ad.name",
    "ad_group_ad.ad.type",
    "ad_group_ad.ad.final_urls",
    "ad_group_ad.status",
    "ad_group.id",
    "campaign.id",
    # Upgraded URLs: the URL clicked is the final URL plus the final URL suffix of the lowest
    # level that sets one (ad, ad group, campaign, customer), its `{_name}` tags filled from
    # the lowest level's custom parameters; the tracking template is the redirect in between
    # (developers.google.com/google-ads/api/docs/ads/upgraded-urls/serving-url-rules)
    "ad_group_ad.ad.final_url_suffix",
    "ad_group_ad.ad.tracking_url_template",
    "ad_group_ad.ad.url_custom_parameters",
    "ad_group.final_url_suffix",
    "ad_group.tracking_url_template",
    "ad_group.url_custom_parameters",
    "campaign.final_url_suffix",
    "campaign.tracking_url_template",
    "campaign.url_custom_parameters",
    "customer.final_url_suffix",
    "customer.tracking_url_template",
)
METRIC_SEGMENT_FIELDS = (
    "customer.currency_code",
    "campaign.id",
    "ad_group.id",
    "ad_group_ad.ad.id",
    "segments.date",
)
METRICS = (
    "impressions",
    "clicks",
    "cost_micros",
    "conversions",
    "conversions_value",
    "all_conversions",
)
"""Daily metrics per ad (`metrics.<name>`); an account's `fields` adds more by name."""

DAYS_PER_REQUEST = 92


class GoogleAds(Connector):
    platform = GOOGLE_ADS.name
    api_version = GOOGLE_ADS_API_VERSION
    api_version_env = GOOGLE_ADS_API_VERSION_ENV
    api_version_pattern = GOOGLE_ADS_VERSION_PATTERN
    default_base_url = GOOGLE_ADS_BASE_URL
    entities = GOOGLE_ADS.entity_names
    refetch_days = GOOGLE_ADS.refetch_days
    page_size: int = DAYS_PER_REQUEST
    """searchStream answers a whole query at once (no page size exists): here the number of
    days of daily metrics asked per request."""
    page_sizes = dict.fromkeys(GOOGLE_ADS.entity_names, 10**12)
    """Rows one request can return, per entity (the benchmark's request minimum): searchStream
    streams a query's whole result in one response, so the fewest requests are one per query."""

    settings_envs = (
        (
            LOGIN_CUSTOMER_ID_ENV,
            "The Google Ads manager account's 10-digit id, sent as `login-customer-id` when the "
            "token's user reaches the client accounts through it.",
        ),
    )
    """Deployment-wide variables of this platform, listed in the README's settings table."""

    _customer: dict[str, Any] | None = None
    _headers: dict[str, str] | None = None

    @classmethod
    def http_hooks(cls) -> dict[str, Any]:
        return {"classify": classify_google_ads}

    @property
    def customer_id(self) -> str:
        return self.account.account_id.replace("-", "")

    def request_headers(self) -> dict[str, str]:
        """`developer-token` (required) and `login-customer-id` (when set), or a permanent
        error naming the setting, before any request is sent."""
        if self._headers is None:
            token = developer_token()
            if not token:
                raise self.permanent(
                    "no Google Ads developer token is set",
                    hint=f"set {DEVELOPER_TOKEN_ENV} to the developer token of the agency's "
                    "manager account (Google Ads > Tools > API Center)",
                )
            headers = {"developer-token": token}
            try:
                manager = login_customer_id()
            except ValueError as exc:
                raise self.permanent(str(exc), hint=f"fix {LOGIN_CUSTOMER_ID_ENV}") from None
            if manager:
                headers["login-customer-id"] = manager
            self._headers = headers
        return self._headers

    def search(self, query: str) -> list[dict[str, Any]]:
        """Every row of one GAQL query through searchStream (all batches)."""
        path = f"{self.api_version}/customers/{self.customer_id}/googleAds:searchStream"
        body = self.http.post_json(path, {"query": query}, headers=self.request_headers())
        return stream_results(body)

    def customer(self) -> dict[str, Any]:
        """The customer row (asked once per run: its time zone decides which days are over)."""
        if self._customer is None:
            rows = self.search(f"SELECT {', '.join(CUSTOMER_FIELDS)} FROM customer")
            if not rows:
                raise self.permanent(
                    "Google Ads returned no customer row for this customer id",
                    hint="check the account's customer id in the client configuration",
                )
            self._customer = rows[0]
        return self._customer

    def account_reporting_timezone(self) -> str:
        return (self.customer().get("customer") or {}).get("timeZone") or self.account.timezone

    def metric_fields(self) -> list[str]:
        removed = self.removed_metrics()
        wanted = dict.fromkeys((*METRICS, *(self.account.fields or ())))
        skipped = sorted(m for m in wanted if m in removed)
        if skipped:
            self.notes["removed_metrics_skipped"] = skipped
        return [f"metrics.{m}" for m in wanted if m not in removed]

    def metrics_query(self, window: Window) -> str:
        fields = ", ".join((*METRIC_SEGMENT_FIELDS, *self.metric_fields()))
        return (
            f"SELECT {fields} FROM ad_group_ad WHERE segments.date BETWEEN "
            f"'{window.start.isoformat()}' AND '{window.end.isoformat()}'"
        )

    def _metrics(self, window: Window) -> Iterator[dict[str, Any]]:
        for part in window.chunks(max(1, self.page_size)):
            yield from self.search(self.metrics_query(part))

    def _listing(self, fields: tuple[str, ...], resource: str) -> Iterator[dict[str, Any]]:
        yield from self.search(f"SELECT {', '.join(fields)} FROM {resource}")

    def streams(self, window: Window) -> Iterator[Stream]:
        yield Stream("customer", window, [self.customer()])
        yield Stream("campaigns", window, self._listing(CAMPAIGN_FIELDS, "campaign"))
        yield Stream("ad_groups", window, self._listing(AD_GROUP_FIELDS, "ad_group"))
        yield Stream("ads", window, self._listing(AD_FIELDS, "ad_group_ad"))
        metrics_window = window.extended(self.effective_refetch_days)
        yield Stream("ad_metrics", metrics_window, self._metrics(metrics_window))
