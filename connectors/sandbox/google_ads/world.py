"""Google Ads accounts of the sandbox world: the customer, campaigns, ad groups, ads (with final
URLs) and daily metrics per ad, as flat GAQL rows (`resource.field` → value).

URLs follow Google's Upgraded URLs (developers.google.com/google-ads/api/docs/ads/upgraded-urls):
an ad's `final_urls` is the bare landing page (call ads have none: the field is left out, as
REST leaves out an empty repeated field); the tracking parameters sit in a `final_url_suffix`
set on the campaign and overridden on some ad groups and ads (the lowest level that sets one
wins), with ValueTrack tags (`{campaignid}`, `{adgroupid}`, `{creative}`) and custom
parameters (`{_audience}`, from the ad group's `url_custom_parameters`) that Google fills in at
click time; some campaigns send clicks through a third-party `tracking_url_template`
(`{lpurl}` = the landing page). A field left unset is None here and left out of the answer.

The API (`api.py`) projects a row onto the fields a query selects, in REST's camelCase shape.
Values follow the REST encoding: int64 (ids, `cost_micros`, `impressions`, `clicks`) as strings,
`conversions`, `conversions_value` and `all_conversions` as doubles.

Daily metrics are per day of the account's `customer.time_zone`. As of `as_of`, a day is its
final value times the elapsed fraction of that day; conversions (and their value, and all
conversions) are restated later: credited to the day of the click, they start at 60 % and reach
their final value 30 days after the day (the default conversion window). A day with no delivery
has no row (Google leaves out rows whose metrics are all zero).
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from typing import Any
from zoneinfo import ZoneInfo

from ..agency import AccountLike, ClientLike
from ..model import Account
from ..rand import digits, rng
from ..timeutil import day_bounds

PLATFORM = "google_ads"
MANAGER_ID = "9990001112"
"""The agency's manager (MCC) account every world account is linked to: `login-customer-id`
may name it (or the account itself); any other id is refused with USER_PERMISSION_DENIED."""
CONVERSION_WINDOW_DAYS = 30

_CHANNELS = ("SEARCH", "SEARCH", "PERFORMANCE_MAX", "DISPLAY")
_THEMES = {
    "fr": ["Marque", "Générique", "Concurrents", "Local", "Saison"],
    "en": ["Brand", "Generic", "Competitors", "Local", "Seasonal"],
}
_AD_NAMES = {"fr": "Annonce responsive", "en": "Responsive search ad"}
_CALL_AD_NAMES = {"fr": "Annonce Appel", "en": "Call ad"}
CAMPAIGN_SUFFIX = (
    "utm_source=google&utm_medium=cpc&utm_campaign={campaignid}&utm_content={creative}"
)
"""The campaign-level final URL suffix (ValueTrack tags, filled in by Google at click time)."""
AD_GROUP_SUFFIX = (
    "utm_source=google&utm_medium=cpc&utm_campaign={campaignid}&utm_content={adgroupid}"
    "&utm_term={_audience}"
)
"""The suffix of the ad groups that override their campaign's, with a custom parameter."""
AD_SUFFIX = "utm_source=google&utm_medium=search&utm_campaign=promo-{creative}"
"""The suffix of the few ads that override their ad group's."""
TRACKING_TEMPLATE = "https://clicks.tracker.test/r?src=gads&cid={campaignid}&url={lpurl}"
"""A third-party click tracker some campaigns redirect through (not the landing page)."""


def _slug(text: str) -> str:
    """A URL path segment from a theme name (accents dropped: "Générique" → "generique")."""
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain if ch.isalnum())


class GoogleAdsWorld:
    """Mixed into `World` by the family registry (see `connectors/sandbox/world.py`)."""

    seed: int
    now: dt.datetime
    history_start: dt.datetime
    scale: Any
    _accounts: dict[tuple[str, str], Account]

    def _init_family(self, **options: Any) -> None:
        self._gads_memo: dict[str, dict[str, Any]] = {}
        super()._init_family(**options)  # type: ignore[misc]

    def _account_profile(
        self,
        platform: str,
        client_index: int,
        position: int,
        client: ClientLike,
        account: AccountLike,
    ) -> tuple[str, ZoneInfo, str]:
        if platform == PLATFORM:
            # By a fixed rule, the first Google Ads account of every third client (starting with
            # the second: Stride Athletics in the demo) is billed in US dollars (or euros when
            # the client reports in dollars): spend must be converted for the client's report.
            currency = client.reporting_currency
            if position == 0 and client_index % 3 == 1:
                currency = "USD" if currency != "USD" else "EUR"
            return account.name or client.display_name, client.zone, currency
        return super()._account_profile(platform, client_index, position, client, account)  # type: ignore[misc]

    def _normalise_id(self, platform: str, account_id: str) -> str:
        if platform == PLATFORM:
            return account_id.replace("-", "")
        return super()._normalise_id(platform, account_id)  # type: ignore[misc]

    # ------------------------------------------------------------------ structure

    def google_ads_account(self, customer_id: str) -> Account | None:
        return self._accounts.get((PLATFORM, customer_id.replace("-", "")))

    def _gads_id(self, key: str, width: int = 11) -> str:
        return str(int("1" + digits(self.seed, f"gads|{key}", width - 1)))

    def _gads_structure(self, acct: Account) -> dict[str, Any]:
        memo = self._gads_memo.get(acct.id)
        if memo is not None:
            return memo
        r = rng(self.seed, f"gads-structure|{acct.id}")
        lang = next((x for x in acct.languages if x in _THEMES), "en")
        first_day = self.history_start.astimezone(acct.zone).date()
        n_ads = max(2, self.scale.ads_per_account)
        n_campaigns = max(1, round(n_ads / 4))
        campaigns, ad_groups, ads = [], [], []
        left = n_ads
        for c in range(n_campaigns):
            c_id = self._gads_id(f"campaign|{acct.id}|{c}", 11)
            paused_on = None
            if c > 0 and r.random() < 0.25:
                paused_on = first_day + dt.timedelta(days=r.randint(60, 380))
            theme = _THEMES[lang][c % len(_THEMES[lang])]
            # URL settings from their own draws, so the structure's draws stay as they were
            urls = rng(self.seed, f"gads-urls|{acct.id}|{c}")
            campaign = {
                "id": c_id,
                "name": f"{acct.title} — {theme}",
                "channel": _CHANNELS[c % len(_CHANNELS)],
                "budget_micros": r.randint(20, 200) * 1_000_000,
                "paused_on": paused_on,
                # the last campaign of an account sets no suffix: its ads' URLs are bare
                "final_url_suffix": None if c == n_campaigns - 1 and c > 0 else CAMPAIGN_SUFFIX,
                "tracking_url_template": TRACKING_TEMPLATE if urls.random() < 0.5 else None,
            }
            campaigns.append(campaign)
            c_ads = left if c == n_campaigns - 1 else max(1, n_ads // n_campaigns)
            left -= c_ads
            n_groups = min(c_ads, r.randint(1, 2))
            for g in range(n_groups):
                g_id = self._gads_id(f"adgroup|{acct.id}|{c}|{g}", 12)
                group = {"id": g_id, "name": f"{theme} {g + 1}", "campaign": campaign}
                if g == 1 or urls.random() < 0.25:
                    group["final_url_suffix"] = AD_GROUP_SUFFIX
                    group["custom_parameters"] = [
                        {"key": "audience", "value": f"{_slug(theme)}-{g + 1}"}
                    ]
                ad_groups.append(group)
                g_ads = c_ads // n_groups + (1 if g < c_ads % n_groups else 0)
                for a in range(g_ads):
                    ad_paused = None
                    if r.random() < 0.1:
                        ad_paused = first_day + dt.timedelta(days=r.randint(30, 380))
                    # by position in the account: every sixth ad from the fifth is a call ad
                    # (a phone number, no final URL), every sixth from the fourth overrides
                    # its ad group's suffix, every sixth from the second has a landing page
                    # with a query of its own (the suffix then follows with `&`)
                    position = len(ads)
                    call = position % 6 == 4
                    ads.append(
                        {
                            "id": self._gads_id(f"ad|{acct.id}|{c}|{g}|{a}", 12),
                            "group": group,
                            "paused_on": ad_paused,
                            "call": call,
                            "name": f"{(_CALL_AD_NAMES if call else _AD_NAMES)[lang]} {a + 1}",
                            "url": None
                            if call
                            else f"{acct.site}/{_slug(theme)}"
                            + (f"?lang={lang}" if position % 6 == 1 else ""),
                            "final_url_suffix": AD_SUFFIX if position % 6 == 3 else None,
                            "profile": {
                                "cpc_micros": r.randint(300_000, 2_500_000),
                                "impressions": r.randint(150, 2500),
                                "ctr": r.uniform(0.01, 0.09),
                                "cvr": r.uniform(0.01, 0.12),
                                "value": r.uniform(15, 140),
                                "view_through": r.uniform(0.05, 0.4),
                            },
                        }
                    )
        memo = {"campaigns": campaigns, "ad_groups": ad_groups, "ads": ads}
        self._gads_memo[acct.id] = memo
        return memo

    # ------------------------------------------------------------------ rows

    def _gads_today(self, acct: Account) -> dt.date:
        return self.now.astimezone(acct.zone).date()

    @staticmethod
    def _status(paused_on: dt.date | None, today: dt.date) -> str:
        return "PAUSED" if paused_on is not None and today >= paused_on else "ENABLED"

    def google_ads_customer_row(self, acct: Account) -> dict[str, Any]:
        return {
            "customer.resource_name": f"customers/{acct.id}",
            "customer.id": acct.id,
            "customer.descriptive_name": acct.name,
            "customer.currency_code": acct.currency,
            "customer.time_zone": acct.zone.key,
            "customer.manager": False,
            "customer.final_url_suffix": None,
            "customer.tracking_url_template": None,
        }

    def _campaign_part(self, acct: Account, campaign: dict[str, Any]) -> dict[str, Any]:
        today = self._gads_today(acct)
        return {
            "campaign.resource_name": f"customers/{acct.id}/campaigns/{campaign['id']}",
            "campaign.id": campaign["id"],
            "campaign.name": campaign["name"],
            "campaign.status": self._status(campaign["paused_on"], today),
            "campaign.advertising_channel_type": campaign["channel"],
            "campaign.final_url_suffix": campaign["final_url_suffix"],
            "campaign.tracking_url_template": campaign["tracking_url_template"],
            "campaign.url_custom_parameters": [],
        }

    def _group_part(self, acct: Account, group: dict[str, Any]) -> dict[str, Any]:
        today = self._gads_today(acct)
        return {
            "ad_group.resource_name": f"customers/{acct.id}/adGroups/{group['id']}",
            "ad_group.id": group["id"],
            "ad_group.name": group["name"],
            "ad_group.status": self._status(group["campaign"]["paused_on"], today),
            "ad_group.type": "SEARCH_STANDARD",
            "ad_group.final_url_suffix": group.get("final_url_suffix"),
            "ad_group.tracking_url_template": None,
            "ad_group.url_custom_parameters": group.get("custom_parameters", []),
        }

    def _ad_part(self, acct: Account, ad: dict[str, Any]) -> dict[str, Any]:
        today = self._gads_today(acct)
        group = ad["group"]
        return {
            "ad_group_ad.resource_name": (
                f"customers/{acct.id}/adGroupAds/{group['id']}~{ad['id']}"
            ),
            "ad_group_ad.status": self._status(ad["paused_on"], today),
            "ad_group_ad.ad.resource_name": f"customers/{acct.id}/ads/{ad['id']}",
            "ad_group_ad.ad.id": ad["id"],
            "ad_group_ad.ad.name": ad["name"],
            "ad_group_ad.ad.type": "CALL_AD" if ad["call"] else "RESPONSIVE_SEARCH_AD",
            "ad_group_ad.ad.final_urls": [ad["url"]] if ad["url"] else [],
            "ad_group_ad.ad.final_url_suffix": ad["final_url_suffix"],
            "ad_group_ad.ad.tracking_url_template": None,
            "ad_group_ad.ad.url_custom_parameters": [],
        }

    def google_ads_rows(self, acct: Account, resource: str) -> list[dict[str, Any]]:
        """Every row of `resource` (customer, campaign, ad_group, ad_group_ad) with all the
        fields the sandbox knows, flat (`resource.field`), in id order."""
        customer = self.google_ads_customer_row(acct)
        if resource == "customer":
            return [customer]
        structure = self._gads_structure(acct)
        rows: list[dict[str, Any]] = []
        if resource == "campaign":
            for c in structure["campaigns"]:
                budget = {
                    "campaign_budget.resource_name": (
                        f"customers/{acct.id}/campaignBudgets/{c['id']}"
                    ),
                    "campaign_budget.amount_micros": str(c["budget_micros"]),
                }
                rows.append({**customer, **self._campaign_part(acct, c), **budget})
        elif resource == "ad_group":
            for g in structure["ad_groups"]:
                rows.append(
                    {
                        **customer,
                        **self._campaign_part(acct, g["campaign"]),
                        **self._group_part(acct, g),
                    }
                )
        elif resource == "ad_group_ad":
            for ad in structure["ads"]:
                rows.append(self._ad_row(acct, ad, customer))
        return sorted(rows, key=lambda row: row.get(f"{resource}.resource_name", ""))

    def _ad_row(self, acct: Account, ad: dict[str, Any], customer: dict[str, Any]) -> dict:
        group = ad["group"]
        return {
            **customer,
            **self._campaign_part(acct, group["campaign"]),
            **self._group_part(acct, group),
            **self._ad_part(acct, ad),
        }

    def google_ads_metric_rows(
        self, acct: Account, since: dt.date, until: dt.date, as_of: dt.datetime | None = None
    ) -> list[dict[str, Any]]:
        """Daily rows per ad (FROM ad_group_ad with segments.date), ordered by date then ad
        resource name; days without delivery are left out."""
        as_of = as_of or self.now
        customer = self.google_ads_customer_row(acct)
        ads = sorted(
            self._gads_structure(acct)["ads"],
            key=lambda ad: f"{ad['group']['id']}~{ad['id']}",
        )
        rows: list[dict[str, Any]] = []
        day = since
        while day <= until:
            for ad in ads:
                metrics = self.google_ads_ad_day(acct, ad, day, as_of)
                if metrics is not None:
                    rows.append(
                        {
                            **self._ad_row(acct, ad, customer),
                            "segments.date": day.isoformat(),
                            **metrics,
                        }
                    )
            day += dt.timedelta(days=1)
        return rows

    def google_ads_ad_day(
        self, acct: Account, ad: dict[str, Any], day: dt.date, as_of: dt.datetime
    ) -> dict[str, Any] | None:
        """The metrics of one ad on one account day as of `as_of`, or None (no delivery)."""
        stopped = [p for p in (ad["paused_on"], ad["group"]["campaign"]["paused_on"]) if p]
        if stopped and day >= min(stopped):
            return None
        if day < self.history_start.astimezone(acct.zone).date():
            return None
        start, end = day_bounds(day, acct.zone)
        if as_of <= start:
            return None
        r = rng(self.seed, f"gads-daily|{acct.id}|{ad['id']}|{day.isoformat()}")
        if r.random() < 0.06:
            return None  # no delivery that day: Google leaves the row out
        p = ad["profile"]
        week = 0.8 if day.weekday() >= 5 else 1.0
        impressions = int(p["impressions"] * r.uniform(0.6, 1.4) * week)
        clicks = int(impressions * p["ctr"] * r.uniform(0.7, 1.3))
        # Micros with every digit used (Google bills to the micro): sums of these as floats
        # drift, sums as decimals do not.
        cost = clicks * p["cpc_micros"] + r.randint(0, 999_999) if clicks else 0
        quarters = int(clicks * p["cvr"] * r.uniform(0.5, 1.5) * 4 + r.random())
        extra_quarters = int(quarters * p["view_through"] + r.random() * 2)
        unit_cents = int(p["value"] * 100 * r.uniform(0.8, 1.2))

        fraction = min(1.0, (as_of - start) / (end - start))
        age_days = max(0.0, (as_of - end).total_seconds() / 86400)
        if age_days >= CONVERSION_WINDOW_DAYS:
            maturity = fraction
        else:
            maturity = fraction * (1 - 0.4 * (1 - age_days / CONVERSION_WINDOW_DAYS) ** 2)
        impressions_o = math.floor(impressions * fraction)
        clicks_o = math.floor(clicks * fraction)
        cost_o = math.floor(cost * fraction)
        conv_q = math.floor(quarters * maturity + 0.5)
        all_q = conv_q + math.floor(extra_quarters * maturity + 0.5)
        if impressions_o == 0 and clicks_o == 0 and cost_o == 0 and all_q == 0:
            return None
        value_cents = conv_q * unit_cents // 4
        return {
            "metrics.impressions": str(impressions_o),
            "metrics.clicks": str(clicks_o),
            "metrics.cost_micros": str(cost_o),
            "metrics.conversions": conv_q / 4,
            "metrics.conversions_value": value_cents / 100,
            "metrics.all_conversions": all_q / 4,
        }
