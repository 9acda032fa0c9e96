"""The LinkedIn family's part of `World`: organization pages (LinkedIn Pages) with their posts,
comments and replies (brand replies by the organization in the client's business hours, FR and
EN), lifetime share statistics per post, daily share and follower statistics, and the follower
count. Generated lazily per account-day and per post; `now` decides what is visible and the
as-of value of growing counters, as in the Meta family.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING, Any

from .. import content
from ..model import Account
from ..rand import Memo, heavy_count, poisson, rng, weighted
from ..timeutil import UTC, BusinessCalendar
from .ads import LinkedInAdsWorld
from .model import LiComment, LiPost

if TYPE_CHECKING:
    from ..scale import Scale

PLATFORM = "linkedin_pages"
ORG_PREFIX = "urn:li:organization:"
FOLLOW_EPOCH = dt.date(2025, 1, 1)
"""Follower gains are accumulated day by day from this date onto the account's base."""
STATS_MIN_AGE_DAYS = 2
"""Daily statistics exist for days at least this many days before today (UTC)."""

_SENTIMENT = {"positive": 0.6, "neutral": 0.3, "negative": 0.1}
_CRISIS_SENTIMENT = {"positive": 0.1, "neutral": 0.2, "negative": 0.7}
_PERSON_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def ms(moment: dt.datetime) -> int:
    """Epoch milliseconds, LinkedIn's time format."""
    return int(moment.timestamp()) * 1000


def utc_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=UTC)


def brand_reply_at(
    r: Any, calendar: BusinessCalendar, created: dt.datetime, sentiment: str
) -> dt.datetime:
    """When the brand answers: minutes during opening hours; otherwise after the next opening
    (a few negative comments get an on-call answer at night)."""
    if calendar.is_open(created):
        return created + dt.timedelta(minutes=min(1 + r.lognormvariate(math.log(15), 0.7), 150))
    if sentiment == "negative" and r.random() < 0.1:
        return created + dt.timedelta(minutes=r.uniform(20, 90))
    opening = calendar.next_opening(created)
    return opening + dt.timedelta(minutes=min(2 + r.lognormvariate(math.log(45), 0.8), 300))


class LinkedInWorld(LinkedInAdsWorld):
    """LinkedIn organization pages of `World` (uses its seed, clock, scale, accounts, calendars
    and people), plus the family's ad accounts (`ads.py`)."""

    seed: int
    now: dt.datetime
    scale: Scale
    history_start: dt.datetime
    _accounts: dict[tuple[str, str], Account]
    _by_ah: dict[int, list[Account]]

    TAGGED_PLATFORMS = (PLATFORM,)

    def _init_family(self, **options: Any) -> None:
        self._li_day_memo = Memo(50_000)
        self._li_comment_memo = Memo(6_000)
        self._li_user_memo: dict[tuple[str, int], tuple[str, str, str]] = {}
        self._li_follow_memo: dict[tuple[str, dt.date], int] = {}
        super()._init_family(**options)  # type: ignore[misc]

    # ------------------------------------------------------------------ accounts

    def li_org(self, org: str) -> Account:
        """The page of an organization id or URN (KeyError when not in this world)."""
        return self._account(PLATFORM, org.removeprefix(ORG_PREFIX))  # type: ignore[attr-defined]

    def li_today(self) -> dt.date:
        return self.now.astimezone(UTC).date()

    def li_last_stats_day(self) -> dt.date:
        """The newest day LinkedIn serves daily statistics for (2 days before today, UTC)."""
        return self.li_today() - dt.timedelta(days=STATS_MIN_AGE_DAYS)

    # ------------------------------------------------------------------ posts

    def _li_day_posts(self, acct: Account, day: dt.date) -> tuple[LiPost, ...]:
        key = (acct.id, day)
        posts = self._li_day_memo.get(key)
        if posts is None:
            posts = self._li_generate_day(acct, day)
            self._li_day_memo.put(key, posts)
        return posts  # type: ignore[return-value]

    def _li_generate_day(self, acct: Account, day: dt.date) -> tuple[LiPost, ...]:
        r = rng(self.seed, f"posts|{PLATFORM}|{acct.id}|{day.isoformat()}")
        # Company pages post less often than consumer brands, and rarely at weekends.
        lam = self.scale.posts_per_day * acct.post_rate * (0.15 if day.weekday() >= 5 else 0.75)
        count = min(poisson(r, lam), 12)
        seconds: set[int] = set()
        while len(seconds) < count:
            seconds.add(r.randint(7 * 3600, 19 * 3600 - 1))
        midnight = dt.datetime.combine(day, dt.time(0))
        posts = []
        for index, second in enumerate(sorted(seconds)):
            created = (midnight + dt.timedelta(seconds=second)).replace(tzinfo=acct.zone)
            created = created.astimezone(UTC)
            unix = int(created.timestamp())
            kind = "ugcPost" if r.random() < 0.7 else "share"
            digits = f"7{acct.ah:04d}{unix:010d}{index:02d}{1 if kind == 'share' else 2}1"
            lang = content.language_of(r, acct.languages)
            media = weighted(r, {"IMAGE": 0.45, "NONE": 0.2, "ARTICLE": 0.2, "VIDEO": 0.15})
            text = content.post_text(
                r, lang, acct.title, acct.site, link=media == "ARTICLE", utm_source="linkedin"
            )
            crisis = r.random() < 0.015
            lift = r.lognormvariate(0, 0.5) * (2.0 if crisis else 1.0)
            impressions = int(acct.base_followers * r.uniform(0.2, 1.1) * lift) + r.randint(30, 300)
            unique = int(impressions * r.uniform(0.5, 0.8))
            clicks = int(impressions * r.uniform(0.005, 0.04) * (2 if media == "ARTICLE" else 1))
            likes = int(unique * r.uniform(0.008, 0.04) * acct.engagement)
            edited = None
            if r.random() < 0.08:
                edited = created + dt.timedelta(seconds=r.randint(120, 20000))
            posts.append(
                LiPost(
                    account=acct,
                    kind=kind,
                    digits=digits,
                    day=day,
                    index=index,
                    created=created,
                    edited=edited,
                    text=text,
                    media=media,
                    tau_h=r.uniform(24, 96),
                    finals={
                        "impressionCount": impressions,
                        "uniqueImpressionsCount": unique,
                        "clickCount": clicks,
                        "likeCount": likes,
                        "shareCount": int(likes * r.uniform(0.02, 0.2)),
                    },
                    crisis=crisis,
                    comment_mean=self.scale.comments_per_post * 0.5 * acct.comment_mult * lift**0.5,
                )
            )
        return tuple(posts)

    def _li_posts_between(
        self, acct: Account, start: dt.datetime, end: dt.datetime
    ) -> list[LiPost]:
        out: list[LiPost] = []
        day = start.astimezone(acct.zone).date() - dt.timedelta(days=1)
        last = end.astimezone(acct.zone).date() + dt.timedelta(days=1)
        while day <= last:
            out.extend(p for p in self._li_day_posts(acct, day) if start <= p.created < end)
            day += dt.timedelta(days=1)
        out.sort(key=lambda p: (p.created, p.digits))
        return out

    def li_visible_posts(
        self, org: str, since: dt.datetime | None = None, until: dt.datetime | None = None
    ) -> list[LiPost]:
        """Posts the API shows (within history, created by now), newest first."""
        acct = self.li_org(org)
        lo = self.history_start if since is None else max(since, self.history_start)
        end = self.now + dt.timedelta(seconds=1)
        hi = end if until is None else min(until, end)
        if hi <= lo:
            return []
        posts = self._li_posts_between(acct, lo, hi)
        posts.reverse()
        return posts

    def li_find_post(self, urn: str) -> LiPost | None:
        """A visible post from its share/ugcPost URN (or its activity URN)."""
        kind, _, digits = urn.removeprefix("urn:li:").partition(":")
        if kind not in ("share", "ugcPost", "activity") or len(digits) != 19:
            return None
        if not digits.isdigit():
            return None
        ah, unix, index = int(digits[1:5]), int(digits[5:15]), int(digits[15:17])
        created = dt.datetime.fromtimestamp(unix, UTC)
        for acct in self._by_ah.get(ah, []):
            if acct.platform != PLATFORM:
                continue
            local = created.astimezone(acct.zone).date()
            for post in self._li_day_posts(acct, local):
                if post.index == index and post.created == created:
                    if kind != "activity" and post.digits != digits:
                        return None
                    if not (self.history_start <= post.created <= self.now):
                        return None
                    return post
        return None

    def li_post_fields(self, post: LiPost) -> dict[str, Any]:
        """A post as the Posts API renders it."""
        org = f"{ORG_PREFIX}{post.account.id}"
        modified = post.edited if post.edited is not None and post.edited <= self.now else None
        out: dict[str, Any] = {
            "id": post.urn,
            "author": org,
            "commentary": post.text,
            "visibility": "PUBLIC",
            "lifecycleState": "PUBLISHED",
            "lifecycleStateInfo": {"isEditedByAuthor": modified is not None},
            "isReshareDisabledByAuthor": False,
            "publishedAt": ms(post.created),
            "createdAt": ms(post.created),
            "lastModifiedAt": ms(modified or post.created),
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
        }
        if post.media == "ARTICLE":
            out["content"] = {
                "article": {"source": f"{post.account.site}/?utm_source=linkedin", "title": "…"}
            }
        elif post.media in ("IMAGE", "VIDEO"):
            kind = "image" if post.media == "IMAGE" else "video"
            out["content"] = {"media": {"id": f"urn:li:{kind}:D4E{post.digits[-12:]}"}}
        return out

    def linkedin_posts(
        self, org: str, since: dt.datetime | None = None, until: dt.datetime | None = None
    ) -> list[dict[str, Any]]:
        """Ground truth: posts created in [since, until), newest first, in API shape."""
        return [self.li_post_fields(p) for p in self.li_visible_posts(org, since, until)]

    # ------------------------------------------------------------------ comments

    def _li_person(self, acct: Account, k: int) -> tuple[str, str, str]:
        """Member k writing to a page: (person URN, first name, language)."""
        key = (acct.id, k)
        user = self._li_user_memo.get(key)
        if user is None:
            first, _last, lang, r = self.person(acct, k)  # type: ignore[attr-defined]
            handle = "".join(r.choice(_PERSON_ALPHABET) for _ in range(10))
            user = (f"urn:li:person:{handle}", first, lang)
            self._li_user_memo[key] = user
        return user

    def li_comments_all(self, post: LiPost) -> tuple[LiComment, ...]:
        """Every comment ever written on a post (future and deleted ones included),
        chronological (memoised)."""
        cached = self._li_comment_memo.get(post.digits)
        if cached is None:
            cached = self._li_generate_comments(post)
            self._li_comment_memo.put(post.digits, cached)
        return cached  # type: ignore[return-value]

    def _li_generate_comments(self, post: LiPost) -> tuple[LiComment, ...]:
        acct = post.account
        r = rng(self.seed, f"comments|{post.urn}")
        n_top = heavy_count(r, post.comment_mean, 1.0)
        if post.crisis:
            n_top = int(n_top * r.uniform(3, 6)) + r.randint(15, 40)
        n_top = min(n_top, 1500)
        calendar = self.calendar(acct.client.id)  # type: ignore[attr-defined]
        pool = 40 + int(self.scale.comments_per_post * 15)
        org = f"{ORG_PREFIX}{acct.id}"
        second = dt.timedelta(seconds=1)
        items: list[LiComment] = []
        for _ in range(n_top):
            x = r.random()
            hours = r.expovariate(1 / 4) if x < 0.7 else r.uniform(4, 24 * 10)
            created = post.created + int(hours * 3600 + r.uniform(30, 600)) * second
            sentiment = weighted(r, _CRISIS_SENTIMENT if post.crisis else _SENTIMENT)
            actor, first, lang = self._li_person(acct, int(pool * r.random() ** 1.8))
            deleted_at = None
            # A member may delete their comment; LinkedIn then no longer returns it.
            if r.random() < (0.06 if sentiment == "negative" else 0.015):
                deleted_at = created + int(300 + r.expovariate(1 / (6 * 3600))) * second
            top = LiComment(
                id="",
                post=post,
                parent=None,
                created=created,
                deleted_at=deleted_at,
                actor=actor,
                text=content.comment_text(r, lang, sentiment),
                brand=False,
                sentiment=sentiment,
                language=lang,
                likes=int(r.expovariate(1 / 1.2)),
            )
            items.append(top)
            if r.random() < 0.12:
                for _ in range(1 + poisson(r, 0.5)):
                    at = created + int(60 + r.expovariate(1 / 5400)) * second
                    who, _first, rlang = self._li_person(acct, int(pool * r.random() ** 1.8))
                    text = content.comment_text(r, rlang, "neutral")
                    if deleted_at is not None and at >= deleted_at:
                        continue
                    items.append(
                        LiComment(
                            "",
                            post,
                            top,
                            at,
                            deleted_at,
                            who,
                            text,
                            False,
                            "neutral",
                            rlang,
                            int(r.expovariate(1.0)),
                        )
                    )
            if r.random() >= acct.unanswered + (0.1 if post.crisis else 0.0):
                at = brand_reply_at(r, calendar, created, sentiment).replace(microsecond=0)
                text = content.brand_reply_text(r, lang, sentiment, first)
                if deleted_at is None or at < deleted_at:
                    items.append(
                        LiComment(
                            "",
                            post,
                            top,
                            at,
                            deleted_at,
                            org,
                            text,
                            True,
                            "positive" if sentiment != "negative" else "neutral",
                            lang,
                            int(r.expovariate(1 / 0.5)),
                        )
                    )
        for seq, item in enumerate(items):
            item.seq = seq
        items.sort(key=lambda c: (c.created, c.seq))
        base = post.digits[:17]
        for i, item in enumerate(items):
            item.id = f"6{base[1:]}{i:04d}"  # 20 digits, unique per post, resolvable
        return tuple(items)

    def li_visible_comments(self, post: LiPost) -> list[LiComment]:
        return [c for c in self.li_comments_all(post) if c.visible_at(self.now)]

    def li_find_comment(self, urn: str) -> LiComment | None:
        """A visible comment from its composite URN `urn:li:comment:(urn:li:activity:A,C)`."""
        if not (urn.startswith("urn:li:comment:(") and urn.endswith(")")):
            return None
        activity, _, comment_id = urn[len("urn:li:comment:(") : -1].rpartition(",")
        post = self.li_find_post(activity)
        if post is None:
            return None
        for comment in self.li_visible_comments(post):
            if comment.id == comment_id:
                return comment
        return None

    def li_comment_fields(self, comment: LiComment, replies: int | None = None) -> dict[str, Any]:
        """A comment as the Comments API renders it (`commentsSummary` on top-level ones)."""
        stamp = {"actor": comment.actor, "time": ms(comment.created)}
        out: dict[str, Any] = {
            "id": comment.id,
            "commentUrn": comment.urn,
            "actor": comment.actor,
            "object": comment.post.activity,
            "created": stamp,
            "lastModified": dict(stamp),
            "message": {"text": comment.text, "attributes": []},
            "likesSummary": {
                "totalLikes": comment.likes,
                "aggregatedTotalLikes": comment.likes,
                "likedByCurrentUser": False,
            },
        }
        if comment.parent is not None:
            out["parentComment"] = comment.parent.urn
        else:
            out["commentsSummary"] = {
                "totalFirstLevelComments": replies or 0,
                "aggregatedTotalComments": replies or 0,
            }
        return out

    def li_thread(self, target: str) -> list[dict[str, Any]] | None:
        """What `GET /rest/socialActions/{target}/comments` lists: a post's top-level comments,
        or a comment's replies, chronological; None when `target` is unknown."""
        if target.startswith("urn:li:comment:"):
            parent = self.li_find_comment(target)
            if parent is None:
                return None
            return [
                self.li_comment_fields(c)
                for c in self.li_visible_comments(parent.post)
                if c.parent is parent
            ]
        post = self.li_find_post(target)
        if post is None:
            return None
        visible = self.li_visible_comments(post)
        replies: dict[str, int] = {}
        for c in visible:
            if c.parent is not None:
                replies[c.parent.id] = replies.get(c.parent.id, 0) + 1
        return [self.li_comment_fields(c, replies.get(c.id)) for c in visible if c.parent is None]

    def linkedin_comments(self, post_urn: str) -> list[dict[str, Any]]:
        """Ground truth: every visible comment and reply of a post, flat, chronological."""
        post = self.li_find_post(post_urn)
        if post is None:
            raise KeyError(f"no visible LinkedIn post {post_urn!r}")
        return [self._li_truth(c) for c in self.li_visible_comments(post)]

    def linkedin_comment_truth(self, post_urn: str) -> list[dict[str, Any]]:
        """Every comment written by now, deleted ones included, with what the API never says."""
        post = self.li_find_post(post_urn)
        if post is None:
            raise KeyError(f"no visible LinkedIn post {post_urn!r}")
        out = []
        for c in self.li_comments_all(post):
            if c.created > self.now:
                continue
            item = self._li_truth(c)
            item.update(
                is_deleted=not c.visible_at(self.now), sentiment=c.sentiment, language=c.language
            )
            out.append(item)
        return out

    @staticmethod
    def _li_truth(c: LiComment) -> dict[str, Any]:
        return {
            "id": c.id,
            "commentUrn": c.urn,
            "parentComment": c.parent.urn if c.parent is not None else None,
            "actor": c.actor,
            "created": c.created,
            "text": c.text,
            "is_brand_reply": c.brand,
        }

    # ------------------------------------------------------------------ statistics

    def linkedin_post_statistics(
        self, post_urn: str, as_of: dt.datetime | None = None
    ) -> dict[str, Any]:
        """A post's lifetime `totalShareStatistics` as of `as_of` (default now): counters grow
        for days after publication and never go down."""
        post = self.li_find_post(post_urn)
        if post is None:
            raise KeyError(f"no visible LinkedIn post {post_urn!r}")
        moment = as_of or self.now
        age_h = (moment - post.created).total_seconds() / 3600
        g = 0.0 if age_h <= 0 else 1.0 - math.exp(-age_h / post.tau_h)
        f = {k: int(v * g) for k, v in post.finals.items()}
        # Comments LinkedIn counts: every visible comment and reply written by then.
        comments = sum(1 for c in self.li_comments_all(post) if c.visible_at(moment))
        impressions = f["impressionCount"]
        engaged = f["clickCount"] + f["likeCount"] + comments + f["shareCount"]
        return {
            "impressionCount": impressions,
            "uniqueImpressionsCount": f["uniqueImpressionsCount"],
            "clickCount": f["clickCount"],
            "likeCount": f["likeCount"],
            "commentCount": comments,
            "shareCount": f["shareCount"],
            "commentMentionsCount": 0,
            "shareMentionsCount": 0,
            # LinkedIn's `engagement` is a rate: (clicks + likes + comments + shares) / impressions
            "engagement": round(engaged / impressions, 6) if impressions else 0.0,
        }

    def linkedin_daily_share_statistics(self, org: str, day: dt.date) -> dict[str, Any]:
        """An organization's share statistics of one UTC day (stable once served). Time-bound
        answers carry no `uniqueImpressionsCount`."""
        acct = self.li_org(org)
        r = rng(self.seed, f"daily|{PLATFORM}|{acct.id}|{day.isoformat()}")
        start = utc_midnight(day - dt.timedelta(days=2))
        weight = sum(
            (1.0, 0.5, 0.25)[min(2, (day - p.created.date()).days)]
            for p in self._li_posts_between(acct, start, utc_midnight(day + dt.timedelta(days=1)))
        )
        impressions = int(
            acct.base_followers * (r.uniform(0.01, 0.04) + weight * r.uniform(0.2, 0.6))
        )
        clicks = int(impressions * r.uniform(0.005, 0.03))
        likes = int(impressions * r.uniform(0.005, 0.03) * acct.engagement)
        comments = int(likes * r.uniform(0.05, 0.3))
        shares = int(likes * r.uniform(0.02, 0.15))
        engaged = clicks + likes + comments + shares
        return {
            "impressionCount": impressions,
            "clickCount": clicks,
            "likeCount": likes,
            "commentCount": comments,
            "shareCount": shares,
            "commentMentionsCount": 0,
            "shareMentionsCount": 0,
            "engagement": round(engaged / impressions, 6) if impressions else 0.0,
        }

    def linkedin_follower_gains(self, org: str, day: dt.date) -> dict[str, int]:
        """Followers gained on one UTC day (organic and through ads)."""
        acct = self.li_org(org)
        r = rng(self.seed, f"follows|{PLATFORM}|{acct.id}|{day.isoformat()}")
        week = 1.2 if day.weekday() < 5 else 0.6
        organic = poisson(r, acct.base_followers * acct.follow_rate * week)
        paid = poisson(r, 1.5) if r.random() < 0.3 else 0
        return {"organicFollowerGain": organic, "paidFollowerGain": paid}

    def _li_followers_at(self, acct: Account, day: dt.date) -> int:
        """Followers at the end of `day` (UTC): the base plus every gain since the epoch."""
        if day < FOLLOW_EPOCH:
            return acct.base_followers
        key = (acct.id, day)
        total = self._li_follow_memo.get(key)
        if total is None:
            gains = self.linkedin_follower_gains(acct.id, day)
            before = (
                self._li_followers_at(acct, day - dt.timedelta(days=1))
                if day > FOLLOW_EPOCH
                else acct.base_followers
            )
            total = before + gains["organicFollowerGain"] + gains["paidFollowerGain"]
            self._li_follow_memo[key] = total
        return total

    def linkedin_network_size(self, org: str) -> int:
        """`firstDegreeSize`: followers at now (yesterday's total; today's gains land tomorrow)."""
        acct = self.li_org(org)
        day = self.li_today() - dt.timedelta(days=1)
        # Fill the memo oldest first so the recursion stays shallow.
        probe = FOLLOW_EPOCH
        while probe < day:
            self._li_followers_at(acct, probe)
            probe += dt.timedelta(days=1)
        return self._li_followers_at(acct, day)
