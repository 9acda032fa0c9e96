"""The Meta Graph family's records: Facebook posts and Instagram media, comments, and the Meta
Ads structure (campaigns, ad sets, ads). Ground truth is rendered from them as plain dicts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ..model import Account


@dataclass(frozen=True, slots=True)
class Post:
    """A Facebook post or an Instagram media."""

    platform: str
    account: Account
    id: str
    day: dt.date
    """Local day (client timezone) it was generated for."""
    index: int
    created: dt.datetime
    edited: dt.datetime | None
    text: str | None
    kind: str
    """Facebook `status_type` or Instagram `media_type`."""
    product: str | None
    permalink: str
    shortcode: str | None
    picture: str | None
    tau_h: float
    finals: dict[str, int]
    reactions: dict[str, int]
    crisis: bool
    low_reach: bool
    comments_enabled: bool
    comment_mean: float
    children: int

    def part(self) -> str:
        """Facebook post-id part after the underscore (comment ids start with it)."""
        return self.id.split("_", 1)[1] if "_" in self.id else self.id


@dataclass(slots=True, eq=False)
class Comment:
    """A comment or reply; brand replies are written by the account itself."""

    id: str
    post: Post
    parent: Comment | None
    created: dt.datetime
    deleted_at: dt.datetime | None
    author_id: str
    author_name: str
    """Facebook display name, or Instagram username."""
    first_name: str
    text: str | None
    hidden: bool
    brand: bool
    sentiment: str
    language: str
    like_count: int
    seq: int = 0

    def visible_at(self, moment: dt.datetime) -> bool:
        return self.created <= moment and (self.deleted_at is None or self.deleted_at > moment)


@dataclass(frozen=True, slots=True)
class Campaign:
    id: str
    name: str
    objective: str
    created: dt.datetime
    start_day: dt.date
    stop_day: dt.date
    """Last day of delivery (ad account local)."""
    daily_budget: int | None
    lifetime_budget: int | None


@dataclass(frozen=True, slots=True)
class AdSet:
    id: str
    name: str
    campaign: Campaign
    created: dt.datetime
    optimization_goal: str
    billing_event: str
    daily_budget: int | None


@dataclass(frozen=True, slots=True)
class Ad:
    id: str
    name: str
    adset: AdSet
    created: dt.datetime
    start_day: dt.date
    last_day: dt.date
    """Last delivery day: the campaign's stop day, or the day before the ad was paused."""
    paused_day: dt.date | None
    creative_id: str
    profile: dict[str, float] = field(default_factory=dict)

    @property
    def campaign(self) -> Campaign:
        return self.adset.campaign
