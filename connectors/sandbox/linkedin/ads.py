"""The LinkedIn family's ad accounts (LinkedIn Ads): campaign groups, campaigns, creatives and
their daily `adAnalytics` per creative, as the versioned REST API renders them.

Levels: an ad account holds campaign groups, each holding campaigns (where budget, bid and
targeting live), each holding creatives (the ads). A creative is either Sponsored Content
(`content.reference`: the share or ugcPost it promotes; a post of the client's organization page
when the client has one in this world, otherwise a "dark" post no page lists) or a text ad
(`content.textAd.landingPage`, a landing URL with UTM tags).

Daily figures are UTC days (adAnalytics' `dateRange` days; reference §9). As of `as_of`, a day
is its final value times the elapsed fraction of that day; conversions are credited to the day
of the ad interaction and restated for 30 days (they start at 60 % and reach their final value
30 days after the day), as on Google Ads. Money is a decimal string in the account's currency
(`costInLocalCurrency`, `conversionValueInLocalCurrency`) with every micro used, and in US
dollars (`costInUsd`) at a fixed rate per currency. A creative with no delivery that day has no
element (LinkedIn leaves out empty rows).
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ..agency import AccountLike, ClientLike
from ..model import Account
from ..rand import Memo, digits, rng

ADS_PLATFORM = "linkedin_ads"
PAGES_PLATFORM = "linkedin_pages"
ACCOUNT_PREFIX = "urn:li:sponsoredAccount:"
GROUP_PREFIX = "urn:li:sponsoredCampaignGroup:"
CAMPAIGN_PREFIX = "urn:li:sponsoredCampaign:"
CREATIVE_PREFIX = "urn:li:sponsoredCreative:"
CONVERSION_WINDOW_DAYS = 30
UTC_ZONE = ZoneInfo("UTC")
USD_PER_UNIT = {"USD": "1", "EUR": "1.08", "GBP": "1.27", "CAD": "0.73", "CHF": "1.12"}
"""`costInUsd`: the sandbox's fixed rate (LinkedIn converts at its own daily rate)."""

METRICS = (
    "impressions",
    "clicks",
    "costInLocalCurrency",
    "costInUsd",
    "externalWebsiteConversions",
    "externalWebsitePostClickConversions",
    "externalWebsitePostViewConversions",
    "conversionValueInLocalCurrency",
    "landingPageClicks",
    "oneClickLeads",
    "oneClickLeadFormOpens",
    "likes",
    "comments",
    "shares",
    "follows",
    "reactions",
    "totalEngagements",
    "otherEngagements",
    "companyPageClicks",
    "videoViews",
    "videoCompletions",
    "adUnitClicks",
    "actionClicks",
    "sends",
)
"""The metrics the sandbox knows (a subset of LinkedIn's ~100 adAnalytics fields)."""

_OBJECTIVES = ("WEBSITE_VISIT", "LEAD_GENERATION", "WEBSITE_CONVERSION", "BRAND_AWARENESS")
_GROUP_THEMES = {
    "fr": ["Notoriété", "Acquisition", "Recrutement"],
    "en": ["Awareness", "Pipeline", "Hiring"],
}


class LinkedInAdsWorld:
    """LinkedIn ad accounts of `World` (mixed in through `LinkedInWorld`)."""

    seed: int
    now: dt.datetime
    history_start: dt.datetime
    scale: Any
    _accounts: dict[tuple[str, str], Account]

    def _init_family(self, **options: Any) -> None:
        self._lia_memo: dict[str, dict[str, Any]] = {}
        # Field chunks ask the same creative-days again: kept (a miss is stored as (None,)).
        self._lia_day_memo = Memo(200_000)
        super()._init_family(**options)  # type: ignore[misc]

    def _account_profile(
        self,
        platform: str,
        client_index: int,
        position: int,
        client: ClientLike,
        account: AccountLike,
    ) -> tuple[str, ZoneInfo, str]:
        if platform == ADS_PLATFORM:
            # An ad account has its own currency (chosen when it is created) and reports UTC
            # days. By a fixed rule the first LinkedIn ad account of every third client
            # (starting with the second: Stride Athletics in the demo) is billed in US dollars.
            currency = client.reporting_currency
            if position == 0 and client_index % 3 == 1:
                currency = "USD" if currency != "USD" else "EUR"
            return account.name or client.display_name, UTC_ZONE, currency
        return super()._account_profile(platform, client_index, position, client, account)  # type: ignore[misc]

    def _normalise_id(self, platform: str, account_id: str) -> str:
        if platform == ADS_PLATFORM:
            return account_id.removeprefix(ACCOUNT_PREFIX)
        return super()._normalise_id(platform, account_id)  # type: ignore[misc]

    # ------------------------------------------------------------------ structure

    def linkedin_ads_account(self, account_id: str) -> Account | None:
        """An ad account of this world from its id or URN (None when unknown)."""
        return self._accounts.get((ADS_PLATFORM, account_id.removeprefix(ACCOUNT_PREFIX)))

    def _lia_id(self, key: str, width: int) -> int:
        return int("5" + digits(self.seed, f"lia|{key}", width - 1))

    def _lia_page(self, acct: Account) -> Account | None:
        """The client's LinkedIn organization page in this world (its posts get sponsored)."""
        for (platform, _id), other in self._accounts.items():
            if platform == PAGES_PLATFORM and other.client.id == acct.client.id:
                return other
        return None

    def _lia_sponsored_post(self, acct: Account, r: Any) -> tuple[str, dt.datetime | None]:
        """(URN, created) of the post a Sponsored Content creative promotes: a recent post of
        the client's page, or a dark post (a ugcPost no page lists) when there is none."""
        page = self._lia_page(acct)
        if page is not None:
            last = (self.now - dt.timedelta(days=3)).astimezone(page.zone).date()
            day = last - dt.timedelta(days=r.randint(0, 50))
            for _ in range(30):
                posts = [
                    p
                    for p in self._li_day_posts(page, day)  # type: ignore[attr-defined]
                    if self.history_start <= p.created <= self.now
                ]
                if posts:
                    post = posts[r.randrange(len(posts))]
                    return post.urn, post.created
                day -= dt.timedelta(days=1)
        return f"urn:li:ugcPost:69{digits(self.seed, f'dark|{acct.id}|{r.random()}', 17)}", None

    def _lia_structure(self, acct: Account) -> dict[str, Any]:
        memo = self._lia_memo.get(acct.id)
        if memo is not None:
            return memo
        r = rng(self.seed, f"lia-structure|{acct.id}")
        lang = next((x for x in acct.languages if x in _GROUP_THEMES), "en")
        first_day = self.history_start.astimezone(UTC_ZONE).date()
        # LinkedIn advertisers rotate several creatives per campaign (Campaign Manager suggests
        # at least four): twice the scale's ads per account.
        n_creatives = max(2, 2 * self.scale.ads_per_account)
        n_campaigns = max(1, round(n_creatives / 3))
        n_groups = max(1, round(n_campaigns / 2))
        groups = []
        for g in range(n_groups):
            theme = _GROUP_THEMES[lang][g % len(_GROUP_THEMES[lang])]
            groups.append(
                {
                    "id": self._lia_id(f"group|{acct.id}|{g}", 9),
                    "name": f"{acct.title} — {theme}",
                    "paused_on": (
                        first_day + dt.timedelta(days=r.randint(90, 380))
                        if g > 0 and r.random() < 0.25
                        else None
                    ),
                    "start": first_day + dt.timedelta(days=r.randint(0, 30)),
                }
            )
        campaigns = []
        for c in range(n_campaigns):
            group = groups[c % n_groups]
            objective = _OBJECTIVES[c % len(_OBJECTIVES)]
            campaigns.append(
                {
                    "id": self._lia_id(f"campaign|{acct.id}|{c}", 9),
                    "name": f"{group['name']} — {objective.replace('_', ' ').title()} {c + 1}",
                    "group": group,
                    "objective": objective,
                    "daily_cents": r.randint(20, 300) * 100,
                    "paused_on": (
                        first_day + dt.timedelta(days=r.randint(60, 380))
                        if c > 0 and r.random() < 0.2
                        else None
                    ),
                }
            )
        creatives = []
        for k in range(n_creatives):
            campaign = campaigns[k % n_campaigns]
            creative: dict[str, Any] = {
                "id": self._lia_id(f"creative|{acct.id}|{k}", 10),
                "name": f"{campaign['name']} — {k + 1}",
                "campaign": campaign,
                "paused_on": (
                    first_day + dt.timedelta(days=r.randint(30, 380)) if r.random() < 0.1 else None
                ),
                "created": dt.datetime.combine(
                    first_day + dt.timedelta(days=r.randint(0, 20)), dt.time(9), UTC_ZONE
                ),
                "profile": {
                    "cpm_micros": r.randint(15_000_000, 60_000_000),
                    "impressions": r.randint(200, 3000),
                    "ctr": r.uniform(0.004, 0.02),
                    "cvr": r.uniform(0.02, 0.15),
                    "view_share": r.uniform(0.1, 0.4),
                    "value": r.uniform(40, 400),
                },
            }
            if r.random() < 0.7:
                urn, created = self._lia_sponsored_post(acct, r)
                creative["reference"] = urn
                if created is not None:
                    # Sponsored after the post was published: delivery starts then.
                    creative["created"] = created + dt.timedelta(hours=r.randint(2, 30))
            else:
                creative["landing"] = (
                    f"{acct.site}/b2b/{campaign['objective'].lower()}?utm_source=linkedin"
                    f"&utm_medium=paid_social&utm_campaign={campaign['id']}"
                    f"&utm_content={creative['id']}"
                )
            creatives.append(creative)
        memo = {"groups": groups, "campaigns": campaigns, "creatives": creatives}
        self._lia_memo[acct.id] = memo
        return memo

    # ------------------------------------------------------------------ records

    def _lia_status(self, paused_on: dt.date | None) -> str:
        today = self.now.astimezone(UTC_ZONE).date()
        return "PAUSED" if paused_on is not None and today >= paused_on else "ACTIVE"

    def linkedin_ad_account(self, acct: Account) -> dict[str, Any]:
        """`GET /rest/adAccounts/{id}`."""
        page = self._lia_page(acct)
        out: dict[str, Any] = {
            "id": int(acct.id),
            "name": acct.name,
            "currency": acct.currency,
            "status": "ACTIVE",
            "type": "BUSINESS",
            "test": False,
            "servingStatuses": ["RUNNABLE"],
            "notifiedOnCampaignOptimization": False,
            "notifiedOnCreativeApproval": False,
            "notifiedOnCreativeRejection": True,
            "notifiedOnEndOfCampaign": True,
            "version": {"versionTag": "4"},
        }
        if page is not None:
            out["reference"] = f"urn:li:organization:{page.id}"
        return out

    def linkedin_campaign_groups(self, acct: Account) -> list[dict[str, Any]]:
        """`GET /rest/adAccounts/{id}/adCampaignGroups?q=search`, by id."""
        out = []
        for g in self._lia_structure(acct)["groups"]:
            start = dt.datetime.combine(g["start"], dt.time(0), UTC_ZONE)
            out.append(
                {
                    "id": g["id"],
                    "account": f"{ACCOUNT_PREFIX}{acct.id}",
                    "name": g["name"],
                    "status": self._lia_status(g["paused_on"]),
                    "runSchedule": {"start": int(start.timestamp()) * 1000},
                    "test": False,
                    "servingStatuses": ["RUNNABLE"],
                }
            )
        return sorted(out, key=lambda item: item["id"])

    def linkedin_campaigns(self, acct: Account) -> list[dict[str, Any]]:
        """`GET /rest/adAccounts/{id}/adCampaigns?q=search`, by id."""
        out = []
        for c in self._lia_structure(acct)["campaigns"]:
            paused = c["paused_on"] or c["group"]["paused_on"]
            out.append(
                {
                    "id": c["id"],
                    "account": f"{ACCOUNT_PREFIX}{acct.id}",
                    "campaignGroup": f"{GROUP_PREFIX}{c['group']['id']}",
                    "name": c["name"],
                    "status": self._lia_status(paused),
                    "type": "SPONSORED_UPDATES",
                    "costType": "CPM",
                    "objectiveType": c["objective"],
                    "dailyBudget": {
                        "amount": str(Decimal(c["daily_cents"]) / 100),
                        "currencyCode": acct.currency,
                    },
                    "locale": {"country": "US", "language": "en"},
                    "test": False,
                }
            )
        return sorted(out, key=lambda item: item["id"])

    def linkedin_creatives(self, acct: Account) -> list[dict[str, Any]]:
        """`GET /rest/adAccounts/{id}/creatives?q=criteria`, by id."""
        out = []
        for k in self._lia_structure(acct)["creatives"]:
            if k["created"] > self.now:
                continue
            paused = (
                k["paused_on"] or k["campaign"]["paused_on"] or k["campaign"]["group"]["paused_on"]
            )
            stamp = int(k["created"].timestamp()) * 1000
            item: dict[str, Any] = {
                "id": f"{CREATIVE_PREFIX}{k['id']}",
                "account": f"{ACCOUNT_PREFIX}{acct.id}",
                "campaign": f"{CAMPAIGN_PREFIX}{k['campaign']['id']}",
                "name": k["name"],
                "intendedStatus": self._lia_status(paused),
                "isServing": self._lia_status(paused) == "ACTIVE",
                "isTest": False,
                "createdAt": stamp,
                "lastModifiedAt": stamp,
            }
            if "reference" in k:
                item["content"] = {"reference": k["reference"]}
            else:
                item["content"] = {
                    "textAd": {
                        "headline": k["name"][:25],
                        "description": acct.title,
                        "landingPage": k["landing"],
                    }
                }
            out.append(item)
        return sorted(out, key=lambda item: int(item["id"].rsplit(":", 1)[1]))

    def linkedin_ad_day(
        self, acct: Account, creative: dict[str, Any], day: dt.date, as_of: dt.datetime
    ) -> dict[str, Any] | None:
        """Every metric of one creative on one UTC day as of `as_of`, or None (no delivery)."""
        campaign = creative["campaign"]
        stopped = [
            p
            for p in (creative["paused_on"], campaign["paused_on"], campaign["group"]["paused_on"])
            if p
        ]
        if stopped and day >= min(stopped):
            return None
        if day < creative["created"].astimezone(UTC_ZONE).date():
            return None
        start = dt.datetime.combine(day, dt.time(0), UTC_ZONE)
        end = start + dt.timedelta(days=1)
        if as_of <= start or start < self.history_start - dt.timedelta(days=1):
            return None
        r = rng(self.seed, f"lia-daily|{acct.id}|{creative['id']}|{day.isoformat()}")
        if r.random() < 0.08:
            return None
        p = creative["profile"]
        week = 0.5 if day.weekday() >= 5 else 1.0  # B2B audiences: quiet weekends
        impressions = int(p["impressions"] * r.uniform(0.6, 1.4) * week)
        clicks = int(impressions * p["ctr"] * r.uniform(0.7, 1.3))
        cost = impressions * p["cpm_micros"] // 1000 + r.randint(0, 999_999) if impressions else 0
        post_click = int(clicks * p["cvr"] * r.uniform(0.5, 1.5) + r.random())
        post_view = int(post_click * p["view_share"] + r.random())
        unit_cents = int(p["value"] * 100 * r.uniform(0.8, 1.2))
        landing = int(clicks * r.uniform(0.6, 0.9))
        likes = int(impressions * r.uniform(0.002, 0.01))
        comments = int(likes * r.uniform(0.0, 0.2))
        shares = int(likes * r.uniform(0.0, 0.1))
        follows = int(impressions * r.uniform(0.0, 0.002))
        leads = int(clicks * r.uniform(0.0, 0.05))
        lead_opens = leads + int(clicks * r.uniform(0.0, 0.05))
        videos = int(impressions * r.uniform(0.0, 0.2))

        fraction = min(1.0, (as_of - start) / (end - start))
        age_days = max(0.0, (as_of - end).total_seconds() / 86400)
        maturity = fraction
        if age_days < CONVERSION_WINDOW_DAYS:
            maturity = fraction * (1 - 0.4 * (1 - age_days / CONVERSION_WINDOW_DAYS) ** 2)

        def part(n: int) -> int:
            return math.floor(n * fraction)

        impressions_o, clicks_o, cost_o = part(impressions), part(clicks), part(cost)
        if impressions_o == 0 and clicks_o == 0 and cost_o == 0:
            return None
        click_conv = math.floor(post_click * maturity + 0.5)
        view_conv = math.floor(post_view * maturity + 0.5)
        value_cents = (click_conv + view_conv) * unit_cents
        usd_micros = Decimal(cost_o) * Decimal(USD_PER_UNIT.get(acct.currency, "1"))
        engagements = clicks_o + part(likes) + part(comments) + part(shares) + part(follows)
        return {
            "impressions": impressions_o,
            "clicks": clicks_o,
            "costInLocalCurrency": money(Decimal(cost_o) / 1_000_000),
            "costInUsd": money((usd_micros / 1_000_000).quantize(Decimal("0.000001"))),
            "externalWebsiteConversions": click_conv + view_conv,
            "externalWebsitePostClickConversions": click_conv,
            "externalWebsitePostViewConversions": view_conv,
            "conversionValueInLocalCurrency": money(Decimal(value_cents) / 100),
            "landingPageClicks": part(landing),
            "oneClickLeads": part(leads),
            "oneClickLeadFormOpens": part(lead_opens),
            "likes": part(likes),
            "comments": part(comments),
            "shares": part(shares),
            "follows": part(follows),
            "reactions": part(likes),
            "totalEngagements": engagements,
            "otherEngagements": part(follows),
            "companyPageClicks": part(follows),
            "videoViews": part(videos),
            "videoCompletions": part(videos // 3),
            "adUnitClicks": 0,
            "actionClicks": part(leads),
            "sends": 0,
        }

    def linkedin_ad_analytics(
        self, acct: Account, since: dt.date, until: dt.date, as_of: dt.datetime | None = None
    ) -> list[dict[str, Any]]:
        """Ground truth of `adAnalytics` (pivot CREATIVE, DAILY): one element per creative and
        UTC day with delivery, every metric, ordered by day then creative id."""
        as_of = as_of or self.now
        creatives = sorted(self._lia_structure(acct)["creatives"], key=lambda k: k["id"])
        out = []
        day = since
        while day <= until:
            stamp = {"year": day.year, "month": day.month, "day": day.day}
            for creative in creatives:
                key = (acct.id, creative["id"], day, as_of)
                cached = self._lia_day_memo.get(key)
                if cached is None:
                    cached = (self.linkedin_ad_day(acct, creative, day, as_of),)
                    self._lia_day_memo.put(key, cached)
                metrics = cached[0]
                if metrics is not None:
                    out.append(
                        {
                            "dateRange": {"start": dict(stamp), "end": dict(stamp)},
                            "pivotValues": [f"{CREATIVE_PREFIX}{creative['id']}"],
                            **metrics,
                        }
                    )
            day += dt.timedelta(days=1)
        return out


def money(value: Decimal) -> str:
    """A decimal string as LinkedIn sends money ("12.5", "0", "1043.270113")."""
    text = format(value.normalize(), "f")
    return text
