"""Meta ad accounts of the sandbox world: campaigns, ad sets, ads and their daily insights.

Structure comes in quarterly flights: each calendar quarter every ad account runs a few
campaigns (about `scale.ads_per_account` ads in all), starting a few days into the quarter and
stopping a few days into the next, so there are about that many active ads at any time.

Daily insights are per day of the **ad account's** timezone. What a day looks like at `as_of`
is its final value times two curves, both non-decreasing in `as_of`:
- the elapsed fraction of that local day (today is partial);
- a maturity: delivery (spend, impressions, clicks) is 97 % at the end of the day and final one
  day later; conversions and their values start at 60 % and are final 28 days after the day
  (Meta's restatement window).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

from ..model import Account
from ..rand import digits, rng, weighted
from ..timeutil import day_bounds, fmt_local, local_midnight
from .model import Ad, AdSet, Campaign

if TYPE_CHECKING:
    from ..scale import Scale

ATTRIBUTION_WINDOWS = ("1d_click", "7d_click", "28d_click", "1d_view")
"""Windows the sandbox reports. `7d_view` and `28d_view` were removed on 2026-01-12."""
REMOVED_WINDOWS = ("7d_view", "28d_view")
KNOWN_WINDOWS = (*ATTRIBUTION_WINDOWS, *REMOVED_WINDOWS, "1d_ev", "dda", "default")

INSIGHT_FIELDS = (
    "account_id",
    "account_currency",
    "campaign_id",
    "campaign_name",
    "adset_id",
    "adset_name",
    "ad_id",
    "ad_name",
    "date_start",
    "date_stop",
    "spend",
    "impressions",
    "reach",
    "clicks",
    "inline_link_clicks",
    "frequency",
    "cpc",
    "cpm",
    "ctr",
    "actions",
    "action_values",
)
EXTRA_INSIGHT_FIELDS = (
    "objective",
    "account_name",
    "inline_link_click_ctr",
    "cost_per_inline_link_click",
)

CAMPAIGN_FIELDS = (
    "id",
    "name",
    "objective",
    "status",
    "effective_status",
    "created_time",
    "start_time",
    "stop_time",
    "daily_budget",
    "lifetime_budget",
)
ADSET_FIELDS = (
    "id",
    "name",
    "campaign_id",
    "status",
    "effective_status",
    "created_time",
    "optimization_goal",
    "billing_event",
    "daily_budget",
)
AD_FIELDS = (
    "id",
    "name",
    "adset_id",
    "campaign_id",
    "status",
    "effective_status",
    "created_time",
    "creative",
)
AD_ACCOUNT_FIELDS = (
    "account_id",
    "id",
    "name",
    "currency",
    "timezone_name",
    "timezone_offset_hours_utc",
    "account_status",
)

_OBJECTIVES = {
    "OUTCOME_SALES": 0.4,
    "OUTCOME_TRAFFIC": 0.25,
    "OUTCOME_LEADS": 0.2,
    "OUTCOME_AWARENESS": 0.15,
}
_GOALS = {
    "OUTCOME_SALES": "OFFSITE_CONVERSIONS",
    "OUTCOME_TRAFFIC": "LANDING_PAGE_VIEWS",
    "OUTCOME_LEADS": "OFFSITE_CONVERSIONS",
    "OUTCOME_AWARENESS": "REACH",
}
_LABELS = {
    "fr": {
        "OUTCOME_SALES": "Ventes",
        "OUTCOME_TRAFFIC": "Trafic",
        "OUTCOME_LEADS": "Prospects",
        "OUTCOME_AWARENESS": "Notoriété",
    },
    "en": {
        "OUTCOME_SALES": "Sales",
        "OUTCOME_TRAFFIC": "Traffic",
        "OUTCOME_LEADS": "Leads",
        "OUTCOME_AWARENESS": "Awareness",
    },
}
_THEMES = {
    "fr": ["Rentrée", "Fêtes", "Soldes", "Printemps", "Nouveautés", "Fidélité", "Été", "Lancement"],
    "en": ["Back to school", "Holidays", "Sale", "Spring", "New in", "Loyalty", "Summer", "Launch"],
}
_AUDIENCES = {
    "fr": [
        "Large 25-54",
        "Intérêts café & brunch",
        "Reciblage 30 j",
        "Similaire 1 %",
        "Abonné·e·s",
    ],
    "en": ["Broad 25-54", "Interests running", "Retargeting 30d", "Lookalike 1%", "Followers"],
}
_CREATIVES = {
    "fr": ["Vidéo 15 s", "Carrousel", "Image fixe", "Reel UGC", "Story"],
    "en": ["Video 15s", "Carousel", "Static image", "UGC reel", "Story"],
}
_CONVERSIONS = {
    "OUTCOME_SALES": ("add_to_cart", "offsite_conversion.fb_pixel_purchase"),
    "OUTCOME_TRAFFIC": ("offsite_conversion.fb_pixel_purchase",),
    "OUTCOME_LEADS": ("lead",),
    "OUTCOME_AWARENESS": (),
}
_VALUED = ("add_to_cart", "offsite_conversion.fb_pixel_purchase")


def _quarter(day: dt.date) -> int:
    return day.year * 4 + (day.month - 1) // 3


def _quarter_start(q: int) -> dt.date:
    return dt.date(q // 4, (q % 4) * 3 + 1, 1)


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _ratio(value: float) -> str:
    return f"{value:.6f}"


class AdsMixin:
    """The Meta Ads half of `World` (uses its seed, clock, scale and accounts)."""

    seed: int
    now: dt.datetime
    scale: Scale
    history_start: dt.datetime
    _accounts: dict[tuple[str, str], Account]

    def _init_ads(self) -> None:
        self._structure_memo: dict[tuple[str, int], tuple[Ad, ...]] = {}
        self._ad_index: dict[str, dict[str, Ad]] = {}
        self._object_index: dict[str, tuple[str, Any]] | None = None

    # ------------------------------------------------------------------ structure

    def _ad_account(self, account_id: str) -> Account:
        key = ("meta_ads", account_id.removeprefix("act_"))
        try:
            return self._accounts[key]
        except KeyError:
            raise KeyError(f"no meta_ads account {account_id!r} in this world") from None

    def ad_account_today(self, account_id: str) -> dt.date:
        """Today in the ad account's timezone (its insights days)."""
        return self.now.astimezone(self._ad_account(account_id).zone).date()

    def _quarter_ads(self, acct: Account, q: int) -> tuple[Ad, ...]:
        key = (acct.id, q)
        ads = self._structure_memo.get(key)
        if ads is None:
            ads = self._generate_quarter(acct, q)
            self._structure_memo[key] = ads
        return ads

    def _id(self, key: str) -> str:
        return "120" + digits(self.seed, key, 15)

    def _generate_quarter(self, acct: Account, q: int) -> tuple[Ad, ...]:
        r = rng(self.seed, f"adstructure|{acct.id}|{q}")
        lang = next((x for x in acct.languages if x in _LABELS), "en")
        start = _quarter_start(q)
        next_start = _quarter_start(q + 1)
        n_ads = max(1, self.scale.ads_per_account)
        n_campaigns = max(1, round(n_ads / 3))
        per_campaign = [
            n_ads // n_campaigns + (1 if i < n_ads % n_campaigns else 0) for i in range(n_campaigns)
        ]
        zone = acct.zone
        ads: list[Ad] = []
        label = f"T{q % 4 + 1}" if lang == "fr" else f"Q{q % 4 + 1}"
        for c_index, c_ads in enumerate(per_campaign):
            if c_ads == 0:
                continue
            objective = weighted(r, _OBJECTIVES)
            c_start = start + dt.timedelta(days=r.randint(0, 4))
            c_stop = next_start + dt.timedelta(days=r.randint(0, 8) - 1)
            c_created = local_midnight(c_start, zone) - dt.timedelta(
                seconds=r.randint(3600, 6 * 86400)
            )
            mode = weighted(r, {"cbo_daily": 0.4, "cbo_lifetime": 0.15, "adset": 0.45})
            per_ad_daily = r.randint(800, 6000)  # cents per ad per day
            days = (c_stop - c_start).days + 1
            daily_budget = per_ad_daily * c_ads if mode == "cbo_daily" else None
            lifetime_budget = per_ad_daily * c_ads * days if mode == "cbo_lifetime" else None
            theme = _THEMES[lang][(q + c_index) % len(_THEMES[lang])]
            campaign = Campaign(
                id=self._id(f"campaign|{acct.id}|{q}|{c_index}"),
                name=f"{acct.title} — {_LABELS[lang][objective]} · {theme} {label} {q // 4}",
                objective=objective,
                created=c_created.replace(microsecond=0),
                start_day=c_start,
                stop_day=c_stop,
                daily_budget=daily_budget,
                lifetime_budget=lifetime_budget,
            )
            n_sets = min(c_ads, r.randint(1, 2))
            per_set = [c_ads // n_sets + (1 if i < c_ads % n_sets else 0) for i in range(n_sets)]
            for s_index, s_ads in enumerate(per_set):
                audience = r.choice(_AUDIENCES[lang])
                adset = AdSet(
                    id=self._id(f"adset|{acct.id}|{q}|{c_index}|{s_index}"),
                    name=f"{audience} — {label}",
                    campaign=campaign,
                    created=(c_created + dt.timedelta(seconds=r.randint(60, 3600))).replace(
                        microsecond=0
                    ),
                    optimization_goal=_GOALS[objective],
                    billing_event="IMPRESSIONS",
                    daily_budget=None if mode != "adset" else per_ad_daily * s_ads,
                )
                for a_index in range(s_ads):
                    paused = None
                    last_day = c_stop
                    if r.random() < 0.15:
                        paused = c_start + dt.timedelta(days=r.randint(10, 60))
                        if paused <= c_stop:
                            last_day = paused - dt.timedelta(days=1)
                        else:
                            paused = None
                    profile = {
                        "spend": per_ad_daily * r.uniform(0.6, 0.95),
                        "cpm": r.uniform(4, 16),
                        "ctr": r.uniform(0.006, 0.03),
                        "freq": r.uniform(1.05, 2.2),
                        "link": r.uniform(0.55, 0.9),
                        "lpv": r.uniform(0.55, 0.9),
                        "atc": r.uniform(0.05, 0.15),
                        "purchase": r.uniform(0.2, 0.5),
                        "lead": r.uniform(0.03, 0.12),
                        "traffic_purchase": r.uniform(0.002, 0.01),
                        "aov": r.uniform(2500, 12000),
                    }
                    creative = r.choice(_CREATIVES[lang])
                    ads.append(
                        Ad(
                            id=self._id(f"ad|{acct.id}|{q}|{c_index}|{s_index}|{a_index}"),
                            name=f"{creative} — {acct.title} {a_index + 1}",
                            adset=adset,
                            created=(adset.created + dt.timedelta(seconds=r.randint(60, 7200))),
                            start_day=c_start,
                            last_day=last_day,
                            paused_day=paused,
                            creative_id=self._id(
                                f"creative|{acct.id}|{q}|{c_index}|{s_index}|{a_index}"
                            ),
                            profile=profile,
                        )
                    )
        return tuple(ads)

    def _quarters(self, acct: Account) -> range:
        first = self.history_start.astimezone(acct.zone).date()
        last = self.now.astimezone(acct.zone).date()
        return range(_quarter(first), _quarter(last) + 2)

    def _all_ads(self, acct: Account) -> list[Ad]:
        """Every ad of the world's quarters created by now."""
        out: list[Ad] = []
        for q in self._quarters(acct):
            out.extend(a for a in self._quarter_ads(acct, q) if a.created <= self.now)
        return out

    def _ads_by_id(self, acct: Account) -> dict[str, Ad]:
        index = self._ad_index.get(acct.id)
        if index is None:
            index = {a.id: a for a in self._all_ads(acct)}
            self._ad_index[acct.id] = index
        return index

    def _ads_on(self, acct: Account, day: dt.date) -> list[Ad]:
        out: list[Ad] = []
        q = _quarter(day)
        quarters = self._quarters(acct)
        for quarter in (q - 1, q):
            if quarter in quarters:
                out.extend(
                    a
                    for a in self._quarter_ads(acct, quarter)
                    if a.created <= self.now and a.start_day <= day <= a.last_day
                )
        out.sort(key=lambda a: a.id)
        return out

    # ------------------------------------------------------------------ rendering

    def _campaign_status(self, acct: Account, campaign: Campaign) -> tuple[str, str]:
        today = self.now.astimezone(acct.zone).date()
        if today > campaign.stop_day:
            return "PAUSED", "PAUSED"
        return "ACTIVE", "ACTIVE"

    def campaign_dict(self, acct: Account, campaign: Campaign) -> dict[str, Any]:
        status, effective = self._campaign_status(acct, campaign)
        out: dict[str, Any] = {
            "id": campaign.id,
            "name": campaign.name,
            "objective": campaign.objective,
            "status": status,
            "effective_status": effective,
            "created_time": fmt_local(campaign.created, acct.zone),
            "start_time": fmt_local(local_midnight(campaign.start_day, acct.zone), acct.zone),
            "stop_time": fmt_local(
                local_midnight(campaign.stop_day + dt.timedelta(days=1), acct.zone), acct.zone
            ),
        }
        if campaign.daily_budget is not None:
            out["daily_budget"] = str(campaign.daily_budget)
        if campaign.lifetime_budget is not None:
            out["lifetime_budget"] = str(campaign.lifetime_budget)
        return out

    def adset_dict(self, acct: Account, adset: AdSet) -> dict[str, Any]:
        c_status, _ = self._campaign_status(acct, adset.campaign)
        out: dict[str, Any] = {
            "id": adset.id,
            "name": adset.name,
            "campaign_id": adset.campaign.id,
            "status": "ACTIVE",
            "effective_status": "ACTIVE" if c_status == "ACTIVE" else "CAMPAIGN_PAUSED",
            "created_time": fmt_local(adset.created, acct.zone),
            "optimization_goal": adset.optimization_goal,
            "billing_event": adset.billing_event,
        }
        if adset.daily_budget is not None:
            out["daily_budget"] = str(adset.daily_budget)
        return out

    def ad_dict(self, acct: Account, ad: Ad) -> dict[str, Any]:
        today = self.now.astimezone(acct.zone).date()
        c_status, _ = self._campaign_status(acct, ad.campaign)
        if ad.paused_day is not None and today >= ad.paused_day:
            status, effective = "PAUSED", "PAUSED"
        elif c_status != "ACTIVE":
            status, effective = "ACTIVE", "CAMPAIGN_PAUSED"
        else:
            status, effective = "ACTIVE", "ACTIVE"
        return {
            "id": ad.id,
            "name": ad.name,
            "adset_id": ad.adset.id,
            "campaign_id": ad.campaign.id,
            "status": status,
            "effective_status": effective,
            "created_time": fmt_local(ad.created, acct.zone),
            "creative": self.creative_dict(acct, ad),
        }

    def creative_dict(self, acct: Account, ad: Ad) -> dict[str, Any]:
        """The ad's AdCreative as the Marketing API returns it with `creative{...}`: about a
        third of the ads boost an existing post of the client's Page (`object_story_id` =
        `effective_object_story_id` = the post's `{page}_{post}` id), the others run an
        unpublished ("dark") post built from `object_story_spec.link_data.link`, whose id only
        `effective_object_story_id` gives. `url_tags` are appended to the links clicked, as
        advertisers set them for their analytics. A field the creative does not have is left
        out (the API omits unset fields).

        When the client has an Instagram account, the creatives carry its `instagram_user_id`
        (the identity the ad runs under on Instagram), and with it the ad's own Instagram media
        (`effective_instagram_media_id`, where the ad's non-organic comments live, and its
        `instagram_permalink_url`). About a quarter of the ads that boost no Page post boost
        one of the three newest media of that account in the month before the ad was made
        instead (Marketing API "Use posts as ads": `source_instagram_media_id` = the organic
        media's id; `instagram_permalink_url` = its permalink); Meta still gives them a Page
        post for Facebook placements (`effective_object_story_id` only, no `object_story_id`)."""
        r = rng(self.seed, f"creative|{ad.id}")
        audience = "-".join(
            "".join(c for c in word if c.isalnum()) for word in ad.adset.name.lower().split()
        )
        creative: dict[str, Any] = {
            "id": ad.creative_id,
            "url_tags": (
                f"utm_source=facebook&utm_medium=paid_social&utm_campaign={ad.campaign.id}"
                f"&utm_content={ad.id}&utm_term={audience.strip('-')}"
            ),
        }
        page = next(
            (
                a
                for a in self._accounts.values()
                if a.platform == "facebook" and a.client.id == acct.client.id
            ),
            None,
        )
        if page is None:
            return creative
        boosted = None
        if r.random() < 0.35:
            # a post published in the month before the ad was made
            posts = self.visible_posts(  # type: ignore[attr-defined]
                "facebook", page.id, ad.created - dt.timedelta(days=30), ad.created
            )
            if posts:
                boosted = posts[r.randrange(len(posts))]
        instagram = next(
            (
                a
                for a in self._accounts.values()
                if a.platform == "instagram" and a.client.id == acct.client.id
            ),
            None,
        )
        boosted_media = None
        if boosted is None and instagram is not None:
            # own draws, so the Page-post boosts and dark posts above stay as they were
            ig = rng(self.seed, f"creative-instagram|{ad.id}")
            if ig.random() < 0.25:
                media = self.visible_posts(  # type: ignore[attr-defined]
                    "instagram", instagram.id, ad.created - dt.timedelta(days=30), ad.created
                )
                if media:  # one of the three newest (boosting a post that does well)
                    boosted_media = media[ig.randrange(min(3, len(media)))]
        if instagram is not None:
            creative["instagram_user_id"] = instagram.id
            ad_media = digits(self.seed, f"ig-ad-media|{ad.id}", 17)
            creative["effective_instagram_media_id"] = ad_media
            code = digits(self.seed, f"ig-ad-code|{ad.id}", 11)
            creative["instagram_permalink_url"] = f"https://www.instagram.com/p/C{code}/"
        if boosted_media is not None:
            creative["source_instagram_media_id"] = boosted_media.id
            creative["instagram_permalink_url"] = boosted_media.permalink
            dark = digits(self.seed, f"dark|{ad.id}", 16)
            creative["effective_object_story_id"] = f"{page.id}_{dark}"
        elif boosted is not None:
            creative["object_story_id"] = boosted.id
            creative["effective_object_story_id"] = boosted.id
        else:
            dark = digits(self.seed, f"dark|{ad.id}", 16)
            creative["effective_object_story_id"] = f"{page.id}_{dark}"
            path = r.choice(("", "boutique", "offres", "shop", "events", "nouveautes"))
            creative["object_story_spec"] = {
                "page_id": page.id,
                "link_data": {"link": f"{acct.site}/{path}?ref=ad" if path else f"{acct.site}/"},
            }
        return creative

    def ad_account_dict(self, acct: Account) -> dict[str, Any]:
        offset = self.now.astimezone(acct.zone).utcoffset() or dt.timedelta(0)
        hours = offset.total_seconds() / 3600
        return {
            "account_id": acct.id,
            "id": f"act_{acct.id}",
            "name": acct.name,
            "currency": acct.currency,
            "timezone_name": acct.zone.key,
            "timezone_offset_hours_utc": int(hours) if hours == int(hours) else hours,
            "account_status": 1,
        }

    # ------------------------------------------------------------------ public truth

    def ad_account(self, account_id: str) -> dict[str, Any]:
        """The ad account node as ``GET /act_{id}`` returns it."""
        return self.ad_account_dict(self._ad_account(account_id))

    def _newest_first(self, items: list[Any]) -> list[Any]:
        return sorted(items, key=lambda x: (x.created, x.id), reverse=True)

    def campaign_objects(self, account_id: str) -> list[Campaign]:
        acct = self._ad_account(account_id)
        seen: dict[str, Campaign] = {}
        for ad in self._all_ads(acct):
            if ad.campaign.created <= self.now:
                seen.setdefault(ad.campaign.id, ad.campaign)
        return self._newest_first(list(seen.values()))

    def adset_objects(self, account_id: str) -> list[AdSet]:
        acct = self._ad_account(account_id)
        seen: dict[str, AdSet] = {}
        for ad in self._all_ads(acct):
            if ad.adset.created <= self.now:
                seen.setdefault(ad.adset.id, ad.adset)
        return self._newest_first(list(seen.values()))

    def ad_objects(self, account_id: str) -> list[Ad]:
        return self._newest_first(self._all_ads(self._ad_account(account_id)))

    def campaigns(self, account_id: str) -> list[dict[str, Any]]:
        """Campaigns as ``/act_{id}/campaigns`` lists them (newest first), with the fields
        id, name, objective, status, effective_status, created_time, start_time, stop_time,
        daily_budget or lifetime_budget (the one not set is absent)."""
        acct = self._ad_account(account_id)
        return [self.campaign_dict(acct, c) for c in self.campaign_objects(account_id)]

    def adsets(self, account_id: str) -> list[dict[str, Any]]:
        acct = self._ad_account(account_id)
        return [self.adset_dict(acct, s) for s in self.adset_objects(account_id)]

    def ads(self, account_id: str) -> list[dict[str, Any]]:
        acct = self._ad_account(account_id)
        return [self.ad_dict(acct, a) for a in self.ad_objects(account_id)]

    def ad_daily(
        self,
        account_id: str,
        ad_id: str,
        day: dt.date,
        as_of: dt.datetime | None = None,
    ) -> dict[str, Any] | None:
        """One insights row (level=ad, time_increment=1, every field and window of the
        contract) as of `as_of` (default now), or None when the ad had no delivery that day."""
        acct = self._ad_account(account_id)
        ad = self._ads_by_id(acct).get(ad_id)
        if ad is None:
            raise KeyError(f"no ad {ad_id!r} in ad account {account_id!r}")
        return self.ad_row(acct, ad, day, as_of or self.now, ATTRIBUTION_WINDOWS)

    def ad_insight_rows(
        self,
        account_id: str,
        since: dt.date,
        until: dt.date,
        as_of: dt.datetime | None = None,
        windows: tuple[str, ...] = ATTRIBUTION_WINDOWS,
    ) -> list[dict[str, Any]]:
        """Every row ``/act_{id}/insights?level=ad&time_increment=1`` returns for [since, until]
        (inclusive, ad account days), ordered by date then ad id."""
        acct = self._ad_account(account_id)
        as_of = as_of or self.now
        rows = []
        day = since
        while day <= until:
            for ad in self._ads_on(acct, day):
                row = self.ad_row(acct, ad, day, as_of, windows)
                if row is not None:
                    rows.append(row)
            day += dt.timedelta(days=1)
        return rows

    # ------------------------------------------------------------------ daily rows

    def ad_row(
        self,
        acct: Account,
        ad: Ad,
        day: dt.date,
        as_of: dt.datetime,
        windows: tuple[str, ...],
    ) -> dict[str, Any] | None:
        if day < ad.start_day or day > ad.last_day or ad.created > self.now:
            return None
        start, end = day_bounds(day, acct.zone)
        if as_of <= start:
            return None
        r = rng(self.seed, f"addaily|{acct.id}|{ad.id}|{day.isoformat()}")
        if r.random() < 0.05:
            return None
        p = ad.profile
        week = 1.1 if day.weekday() >= 5 else 1.0
        spend = int(p["spend"] * r.uniform(0.6, 1.3) * week)
        impressions = int(spend / 100 / (p["cpm"] * r.uniform(0.85, 1.15)) * 1000)
        reach = int(impressions / (p["freq"] * r.uniform(0.95, 1.05)))
        clicks = int(impressions * p["ctr"] * r.uniform(0.8, 1.2))
        link = int(clicks * p["link"])
        lpv = min(link, int(link * p["lpv"] * r.uniform(0.9, 1.1)))
        objective = ad.campaign.objective
        conversions: dict[str, int] = {}
        if objective == "OUTCOME_SALES":
            atc = int(lpv * p["atc"] * r.uniform(0.7, 1.3))
            conversions["add_to_cart"] = atc
            conversions["offsite_conversion.fb_pixel_purchase"] = int(
                atc * p["purchase"] * r.uniform(0.7, 1.3) + r.random()
            )
        elif objective == "OUTCOME_LEADS":
            conversions["lead"] = int(lpv * p["lead"] * r.uniform(0.7, 1.3) + r.random())
        elif objective == "OUTCOME_TRAFFIC":
            conversions["offsite_conversion.fb_pixel_purchase"] = int(
                lpv * p["traffic_purchase"] * r.uniform(0.5, 1.5) + r.random() * 0.5
            )
        finals: dict[str, tuple[int, int, int, int]] = {}
        for action, n28 in conversions.items():
            n7 = round(n28 * r.uniform(0.7, 0.95))
            n1 = round(n7 * r.uniform(0.45, 0.8))
            v1 = round(n28 * r.uniform(0.05, 0.3))
            finals[action] = (n1, n7, n28, v1)
        aov = int(p["aov"] * r.uniform(0.8, 1.2))

        fraction = min(1.0, (as_of - start) / (end - start))
        age_days = max(0.0, (as_of - end).total_seconds() / 86400)
        delivery = fraction * (1.0 if age_days >= 1 else 0.97 + 0.03 * age_days)
        maturity = fraction * (1.0 if age_days >= 28 else 1 - 0.4 * (1 - age_days / 28) ** 3)

        impressions_o = math.floor(impressions * delivery)
        if impressions_o <= 0:
            return None
        spend_o = math.floor(spend * delivery)
        reach_o = math.floor(reach * delivery)
        clicks_o = math.floor(clicks * delivery)
        link_o = math.floor(link * delivery)
        lpv_o = math.floor(lpv * delivery)

        requested = [w for w in windows if w in ATTRIBUTION_WINDOWS]
        actions: list[dict[str, str]] = []
        values: list[dict[str, str]] = []
        for action, count in (("link_click", link_o), ("landing_page_view", lpv_o)):
            if count > 0:
                item = {"action_type": action, "value": str(count)}
                for w in requested:
                    if w.endswith("_click"):
                        item[w] = str(count)
                actions.append(item)
        for action, (n1, n7, n28, v1) in finals.items():
            # Rounded, not floored: an ad-day with one purchase must not read zero for 28 days.
            o1 = _observed(n1, maturity)
            o7 = max(o1, _observed(n7, maturity))
            o28 = max(o7, _observed(n28, maturity))
            ov = _observed(v1, maturity)
            observed = {"1d_click": o1, "7d_click": o7, "28d_click": o28, "1d_view": ov}
            total = o7 + ov
            if total == 0 and not any(observed[w] for w in requested):
                continue
            item = {"action_type": action, "value": str(total)}
            for w in requested:
                item[w] = str(observed[w])
            actions.append(item)
            if action in _VALUED:
                unit = aov if action != "add_to_cart" else int(aov * 0.9)
                value_item = {"action_type": action, "value": _money(total * unit)}
                for w in requested:
                    value_item[w] = _money(observed[w] * unit)
                values.append(value_item)

        campaign = ad.campaign
        row: dict[str, Any] = {
            "account_id": acct.id,
            "account_currency": acct.currency,
            "campaign_id": campaign.id,
            "campaign_name": campaign.name,
            "adset_id": ad.adset.id,
            "adset_name": ad.adset.name,
            "ad_id": ad.id,
            "ad_name": ad.name,
            "date_start": day.isoformat(),
            "date_stop": day.isoformat(),
            "spend": _money(spend_o),
            "impressions": str(impressions_o),
            "reach": str(reach_o),
            "clicks": str(clicks_o),
            "inline_link_clicks": str(link_o),
        }
        if reach_o > 0:
            row["frequency"] = _ratio(impressions_o / reach_o)
        if clicks_o > 0:
            row["cpc"] = _ratio(spend_o / 100 / clicks_o)
        row["cpm"] = _ratio(spend_o / 100 / impressions_o * 1000)
        row["ctr"] = _ratio(clicks_o / impressions_o * 100)
        if actions:
            row["actions"] = actions
        if values:
            row["action_values"] = values
        return row

    def extra_insight_field(self, acct: Account, row: dict[str, Any], name: str) -> Any:
        """Fields a connector may ask for beyond the contract's list."""
        if name == "objective":
            ad = self._ads_by_id(acct).get(row["ad_id"])
            return ad.campaign.objective if ad else None
        if name == "account_name":
            return acct.name
        if name == "inline_link_click_ctr":
            return _ratio(int(row["inline_link_clicks"]) / int(row["impressions"]) * 100)
        if name == "cost_per_inline_link_click":
            link = int(row["inline_link_clicks"])
            return _ratio(float(row["spend"]) / link) if link else None
        return None

    # ------------------------------------------------------------------ lookups

    def find_ad_object(self, object_id: str) -> tuple[str, Any] | None:
        """('campaign'|'adset'|'ad', (account, object)) for a Marketing API id, or None."""
        if not (len(object_id) == 18 and object_id.startswith("120")):
            return None
        if self._object_index is None:
            index: dict[str, tuple[str, Any]] = {}
            for (platform, _), acct in self._accounts.items():
                if platform != "meta_ads":
                    continue
                for ad in self._all_ads(acct):
                    index[ad.id] = ("ad", (acct, ad))
                    index.setdefault(ad.adset.id, ("adset", (acct, ad.adset)))
                    index.setdefault(ad.campaign.id, ("campaign", (acct, ad.campaign)))
            self._object_index = index
        return self._object_index.get(object_id)


def _observed(final: int, maturity: float) -> int:
    """Conversions of a final count seen at a maturity in [0, 1]; monotone in maturity."""
    return min(final, math.floor(final * maturity + 0.5))
