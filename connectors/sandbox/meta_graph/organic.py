"""The organic half of the Meta Graph world: Facebook posts and Instagram media, their comments
(with brand replies in business hours), lifetime insights and daily account metrics, generated
lazily per account-day and per post over the shared accounts and people of the core world.

`now` is the world clock. Content is generated independently of it (ids and texts never change
when the clock moves); the clock only decides what is visible (created <= now, not yet deleted)
and the as-of value of metrics that keep growing (post lifetime insights).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .. import content
from ..model import Account
from ..rand import Memo, digits, heavy_count, poisson, rng, weighted
from ..timeutil import UTC, BusinessCalendar, aware_utc, day_number, fmt_utc, local_midnight
from .model import Comment, Post

if TYPE_CHECKING:
    from ..scale import Scale

PACIFIC = ZoneInfo("America/Los_Angeles")
"""Page and Instagram daily insights close their days at midnight Pacific time."""


def pacific_end_time(day: dt.date) -> str:
    """The `end_time` Graph gives a daily value: the next Pacific midnight, rendered in UTC."""
    return fmt_utc(local_midnight(day + dt.timedelta(days=1), PACIFIC))


FOLLOW_EPOCH = dt.date(2022, 1, 1)
"""Follower totals are accumulated day by day from this date."""

FB_POST_METRICS = (
    "post_media_view",
    "post_total_media_view_unique",
    "post_clicks",
    "post_reactions_by_type_total",
)
IG_MEDIA_METRICS = ("views", "reach", "saved", "shares", "likes", "comments", "total_interactions")
FB_PAGE_METRICS = (
    "page_media_view",
    "page_total_media_view_unique",
    "page_follows",
    "page_daily_follows_unique",
    "page_post_engagements",
)
IG_USER_METRICS = ("reach", "follower_count", "views", "accounts_engaged", "total_interactions")

FB_READY_AFTER = dt.timedelta(hours=2)
IG_READY_AFTER = dt.timedelta(hours=24)

_SENTIMENT = {"positive": 0.55, "neutral": 0.30, "negative": 0.15}
_CRISIS_SENTIMENT = {"positive": 0.08, "neutral": 0.20, "negative": 0.72}
_REACTIONS = {"like": 0.72, "love": 0.12, "haha": 0.05, "wow": 0.04, "sorry": 0.03, "anger": 0.04}
_CRISIS_REACTIONS = {
    "like": 0.3,
    "love": 0.03,
    "haha": 0.12,
    "wow": 0.1,
    "sorry": 0.15,
    "anger": 0.3,
}
_SHORTCODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"


class OrganicMixin:
    """Facebook Pages and Instagram accounts of `World` (uses its seed, clock, scale, accounts,
    calendars and people)."""

    seed: int
    now: dt.datetime
    scale: Scale
    history_start: dt.datetime
    _accounts: dict[tuple[str, str], Account]

    def _init_organic(self, ig_business_since: Mapping[str, dt.datetime] | None) -> None:
        # When an Instagram account last became a business account (IG user id -> instant).
        # Media published before it have no insights (#100/2108006); by default every account
        # was a business account from its first media, so the demo world has none.
        self.ig_business_since = {
            str(k): aware_utc(v, "ig_business_since") for k, v in (ig_business_since or {}).items()
        }
        # Bounded: posts of ~50k account-days and comments of ~6k posts stay in memory.
        self._day_memo = Memo(50_000)
        self._comment_memo = Memo(6_000)
        self._visible_memo = Memo(6_000)
        self._replies_memo = Memo(6_000)
        self._user_memo: dict[tuple[str, str, int], tuple[str, str, str, str]] = {}
        self._follow_memo: dict[tuple[str, str, int], tuple[list[int], list[int], list[int]]] = {}
        self._media_count_memo: dict[str, int] = {}

    # ------------------------------------------------------------------ clocks

    def pacific_today(self) -> dt.date:
        """Today's date in Pacific time: Page and Instagram daily insights stop the day before."""
        return self.now.astimezone(PACIFIC).date()

    # ------------------------------------------------------------------ posts

    def _day_posts(self, acct: Account, day: dt.date) -> tuple[Post, ...]:
        """All posts generated for one local day, visible or not (memoised)."""
        key = (acct.platform, acct.id, day)
        posts = self._day_memo.get(key)
        if posts is None:
            posts = self._generate_day(acct, day)
            self._day_memo.put(key, posts)
        return posts  # type: ignore[return-value]

    def _generate_day(self, acct: Account, day: dt.date) -> tuple[Post, ...]:
        r = rng(self.seed, f"posts|{acct.platform}|{acct.id}|{day.isoformat()}")
        lam = self.scale.posts_per_day * acct.post_rate * (0.75 if day.weekday() >= 5 else 1.1)
        count = min(poisson(r, lam), 20)
        seconds: set[int] = set()
        while len(seconds) < count:
            if r.random() < 0.85:
                seconds.add(r.randint(8 * 3600, 21 * 3600 - 1))
            else:
                seconds.add(r.randint(0, 86399))
        midnight = dt.datetime.combine(day, dt.time(0))
        posts = []
        for index, second in enumerate(sorted(seconds)):
            local = (midnight + dt.timedelta(seconds=second)).replace(tzinfo=acct.zone)
            created = local.astimezone(UTC)
            posts.append(self._make_post(acct, day, index, created, r))
        return tuple(posts)

    def _make_post(
        self, acct: Account, day: dt.date, index: int, created: dt.datetime, r: Any
    ) -> Post:
        unix = int(created.timestamp())
        crisis = r.random() < 0.02
        tau_h = r.uniform(24, 72)
        followers = acct.base_followers
        lift = r.lognormvariate(0, 0.5) * (2.5 if crisis else 1.0)
        lang = content.language_of(r, acct.languages)
        edited = None
        if r.random() < 0.1:
            edited = created + dt.timedelta(seconds=r.randint(120, 36000))
        if acct.platform == "facebook":
            kind = weighted(
                r,
                {
                    "added_photos": 0.5,
                    "added_video": 0.2,
                    "mobile_status_update": 0.15,
                    "shared_story": 0.15,
                },
            )
            link = kind == "shared_story" or r.random() < 0.1
            has_text = kind in ("mobile_status_update", "shared_story") or r.random() > 0.12
            text = (
                content.post_text(r, lang, acct.title, acct.site, link=link, utm_source="facebook")
                if has_text
                else None
            )
            part = f"1{acct.ah:04d}{unix:010d}{index:02d}"
            post_id = f"{acct.id}_{part}"
            picture = None
            if kind != "mobile_status_update":
                picture = f"https://scontent.sandbox.invalid/v/t39.30808-6/{part}_n.jpg"
            mult = {"added_video": 1.6, "shared_story": 0.8, "mobile_status_update": 0.6}.get(
                kind, 1.0
            )
            views = int(followers * r.uniform(0.15, 0.9) * mult * lift) + r.randint(20, 200)
            unique = int(views * r.uniform(0.55, 0.85))
            clicks = int(unique * r.uniform(0.01, 0.06) * (2 if link else 1))
            total_reactions = int(unique * r.uniform(0.01, 0.05) * acct.engagement)
            mix = _CRISIS_REACTIONS if crisis else _REACTIONS
            reactions = {
                name: int(total_reactions * share * r.uniform(0.7, 1.3))
                for name, share in mix.items()
            }
            shares = int(total_reactions * r.uniform(0.02, 0.25)) if r.random() < 0.7 else 0
            finals = {
                "post_media_view": views,
                "post_total_media_view_unique": unique,
                "post_clicks": clicks,
                "shares": shares,
            }
            return Post(
                platform="facebook",
                account=acct,
                id=post_id,
                day=day,
                index=index,
                created=created,
                edited=edited,
                text=text,
                kind=kind,
                product=None,
                permalink=f"https://www.facebook.com/{acct.id}/posts/{part}",
                shortcode=None,
                picture=picture,
                tau_h=tau_h,
                finals=finals,
                reactions=reactions,
                crisis=crisis,
                low_reach=False,
                comments_enabled=True,
                comment_mean=self.scale.comments_per_post * acct.comment_mult * (lift**0.5),
                children=0,
            )
        media_type = weighted(r, {"IMAGE": 0.45, "VIDEO": 0.30, "CAROUSEL_ALBUM": 0.25})
        product = "REELS" if media_type == "VIDEO" and r.random() < 0.85 else "FEED"
        text = None
        if r.random() > 0.08:
            text = content.post_text(r, lang, acct.title, acct.site, link=False)
        media_id = f"17{acct.ah:04d}{unix:010d}{index:02d}"
        code_digits = int(digits(self.seed, f"shortcode|{media_id}", 19))
        shortcode = ""
        for _ in range(11):
            code_digits, rest = divmod(code_digits, 64)
            shortcode += _SHORTCODE_ALPHABET[rest]
        low_reach = r.random() < 0.03
        reach = int(followers * r.uniform(0.1, 0.6) * (2.2 if product == "REELS" else 1) * lift)
        if low_reach:
            reach = r.randint(5, 40)
        views = int(reach * r.uniform(1.2, 2.5))
        likes = int(reach * r.uniform(0.02, 0.09) * acct.engagement)
        extension = "mp4" if media_type == "VIDEO" else "jpg"
        return Post(
            platform="instagram",
            account=acct,
            id=media_id,
            day=day,
            index=index,
            created=created,
            edited=None,
            text=text,
            kind=media_type,
            product=product,
            permalink=(
                f"https://www.instagram.com/{'reel' if product == 'REELS' else 'p'}/{shortcode}/"
            ),
            shortcode=shortcode,
            picture=f"https://scontent.cdninstagram.sandbox.invalid/v/{media_id}_n.{extension}",
            tau_h=tau_h,
            finals={
                "views": views,
                "reach": reach,
                "likes": likes,
                "saved": int(likes * r.uniform(0.02, 0.2)),
                "shares": int(likes * r.uniform(0.01, 0.15)),
            },
            reactions={},
            crisis=crisis,
            low_reach=low_reach,
            comments_enabled=r.random() > 0.03,
            comment_mean=self.scale.comments_per_post
            * acct.comment_mult
            * (0.3 if low_reach else lift**0.5),
            children=r.randint(2, 6) if media_type == "CAROUSEL_ALBUM" else 0,
        )

    def _posts_between(self, acct: Account, start: dt.datetime, end: dt.datetime) -> list[Post]:
        """Generated posts (visible or not) created in [start, end), oldest first."""
        if end <= start:
            return []
        first = start.astimezone(acct.zone).date() - dt.timedelta(days=1)
        last = end.astimezone(acct.zone).date() + dt.timedelta(days=1)
        out: list[Post] = []
        day = first
        while day <= last:
            out.extend(p for p in self._day_posts(acct, day) if start <= p.created < end)
            day += dt.timedelta(days=1)
        out.sort(key=lambda p: (p.created, p.id))
        return out

    def visible_posts(
        self, platform: str, account_id: str, since: dt.datetime | None, until: dt.datetime | None
    ) -> list[Post]:
        """Posts the API shows: published in [since, until), within history, not after now;
        newest first."""
        acct = self._account(platform, account_id)
        lo = self.history_start if since is None else max(since.astimezone(UTC), self.history_start)
        end = self.now + dt.timedelta(seconds=1)
        hi = end if until is None else min(until.astimezone(UTC), end)
        posts = self._posts_between(acct, lo, hi)
        posts.reverse()
        return posts

    def posts(
        self, platform: str, account_id: str, since: dt.datetime, until: dt.datetime
    ) -> list[dict[str, Any]]:
        """Posts (facebook) or media (instagram) published in [since, until), newest first, as
        the API renders them (counts excluded: see `post_counts`)."""
        aware_utc(since, "since")
        aware_utc(until, "until")
        return [self.post_fields(p) for p in self.visible_posts(platform, account_id, since, until)]

    def post_fields(self, post: Post) -> dict[str, Any]:
        """The static fields of a post or media, in API shape."""
        if post.platform == "facebook":
            out: dict[str, Any] = {
                "id": post.id,
                "created_time": fmt_utc(post.created),
                "updated_time": fmt_utc(self.updated_time(post)),
            }
            if post.text is not None:
                out["message"] = post.text
            out["permalink_url"] = post.permalink
            out["status_type"] = post.kind
            if post.picture is not None:
                out["full_picture"] = post.picture
            out["is_published"] = True
            return out
        out = {"id": post.id}
        if post.text is not None:
            out["caption"] = post.text
        out.update(
            {
                "media_type": post.kind,
                "media_product_type": post.product,
                "permalink": post.permalink,
                "shortcode": post.shortcode,
                "timestamp": fmt_utc(post.created),
                "is_comment_enabled": post.comments_enabled,
            }
        )
        return out

    def updated_time(self, post: Post) -> dt.datetime:
        if post.edited is not None and post.edited <= self.now:
            return post.edited
        return post.created

    def find_post(self, platform: str, post_id: str) -> Post | None:
        """Resolve a visible post/media id without an index: ids embed the account tag and the
        publication second."""
        try:
            if platform == "facebook":
                page_id, _, part = post_id.partition("_")
                if len(part) != 17 or not part.isdigit() or not page_id.isdigit():
                    return None
                acct = self._accounts.get(("facebook", page_id))
                if acct is None or acct.ah != int(part[1:5]):
                    return None
                unix = int(part[5:15])
            else:
                if len(post_id) != 18 or not post_id.startswith("17") or not post_id.isdigit():
                    return None
                candidates = [
                    a for a in self._by_ah.get(int(post_id[2:6]), []) if a.platform == "instagram"
                ]
                if not candidates:
                    return None
                acct = candidates[0]
                unix = int(post_id[6:16])
        except ValueError:
            return None
        created = dt.datetime.fromtimestamp(unix, UTC)
        local_day = created.astimezone(acct.zone).date()
        for day in (local_day, local_day - dt.timedelta(days=1), local_day + dt.timedelta(days=1)):
            for post in self._day_posts(acct, day):
                if post.id == post_id:
                    return post if self.history_start <= post.created <= self.now else None
        return None

    def _post(self, platform: str, post_id: str) -> Post:
        post = self.find_post(platform, post_id)
        if post is None:
            raise KeyError(f"no visible {platform} post {post_id!r} in this world")
        return post

    def media_count(self, ig_id: str) -> int:
        count = self._media_count_memo.get(ig_id)
        if count is None:
            count = len(self.visible_posts("instagram", ig_id, None, None))
            self._media_count_memo[ig_id] = count
        return count

    # ------------------------------------------------------------------ comments

    def _user(self, acct: Account, k: int) -> tuple[str, str, str, str]:
        """Commenter k of an account: (id, display name or username, first name, language)."""
        key = (acct.platform, acct.id, k)
        user = self._user_memo.get(key)
        if user is None:
            first, last, lang, r = self.person(acct, k)
            if acct.platform == "facebook":
                user = (str(r.randint(10**15, 10**16 - 1)), f"{first} {last}", first, lang)
            else:
                handle = content.username(r, first, last)
                user = ("1784" + str(r.randint(10**12, 10**13 - 1)), handle, first, lang)
            self._user_memo[key] = user
        return user

    def _comments(self, post: Post) -> tuple[Comment, ...]:
        """Every comment ever written on a post (future and deleted ones included),
        chronological, with ids assigned (memoised)."""
        cached = self._comment_memo.get(post.id)
        if cached is None:
            cached = self._generate_comments(post)
            self._comment_memo.put(post.id, cached)
        return cached  # type: ignore[return-value]

    @staticmethod
    def _arrival(r: Any) -> float:
        """Seconds after publication: most comments come in the first hours, some days later."""
        x = r.random()
        if x < 0.65:
            hours = r.expovariate(1 / 3)
        elif x < 0.93:
            hours = r.expovariate(1 / 20)
        else:
            hours = r.uniform(24, 24 * 14)
        return hours * 3600 + r.uniform(30, 600)

    def _brand_delay_end(
        self, r: Any, calendar: BusinessCalendar, created: dt.datetime, sentiment: str
    ) -> dt.datetime:
        """When the brand answers: minutes during opening hours; otherwise at the next opening
        plus some time (a few negative comments get an on-call answer at night)."""
        if calendar.is_open(created):
            minutes = min(1 + r.lognormvariate(math.log(12), 0.7), 120)
            return created + dt.timedelta(minutes=minutes)
        if sentiment == "negative" and r.random() < 0.1:
            return created + dt.timedelta(minutes=r.uniform(20, 90))
        opening = calendar.next_opening(created)
        minutes = min(2 + r.lognormvariate(math.log(40), 0.8), 300)
        return opening + dt.timedelta(minutes=minutes)

    def _generate_comments(self, post: Post) -> tuple[Comment, ...]:
        if not post.comments_enabled:
            return ()
        acct = post.account
        r = rng(self.seed, f"comments|{post.id}")
        n_top = heavy_count(r, post.comment_mean * 0.68, 1.0)
        if post.crisis:
            n_top = int(n_top * r.uniform(4, 9)) + r.randint(25, 70)
        n_top = min(n_top, 2500)
        calendar = self.calendar(acct.client.id)
        pool = 60 + int(self.scale.comments_per_post * 25)
        items: list[Comment] = []
        second = dt.timedelta(seconds=1)

        def trunc(moment: dt.datetime) -> dt.datetime:
            return moment.replace(microsecond=0)

        for _ in range(n_top):
            created = post.created + int(self._arrival(r)) * second
            sentiment = weighted(r, _CRISIS_SENTIMENT if post.crisis else _SENTIMENT)
            user_id, user_name, first, lang = self._user(acct, int(pool * r.random() ** 1.8))
            text = None if r.random() < 0.02 else content.comment_text(r, lang, sentiment)
            negative = sentiment == "negative"
            hidden = r.random() < (0.12 if negative else 0.01)
            deleted_at = None
            if r.random() < (0.06 if negative else 0.02):
                deleted_at = created + int(300 + r.expovariate(1 / (8 * 3600))) * second
            likes = int(r.expovariate(1 / 1.5)) * (8 if r.random() < 0.04 else 1)
            top = Comment(
                id="",
                post=post,
                parent=None,
                created=created,
                deleted_at=deleted_at,
                author_id=user_id,
                author_name=user_name,
                first_name=first,
                text=text,
                hidden=hidden,
                brand=False,
                sentiment=sentiment,
                language=lang,
                like_count=likes,
            )
            items.append(top)
            if r.random() < (0.3 if post.crisis else 0.15):
                for _ in range(1 + poisson(r, 0.8)):
                    at = created + int(30 + r.expovariate(1 / 7200)) * second
                    r_sent = sentiment if r.random() < 0.6 else "neutral"
                    uid, uname, ufirst, ulang = self._user(acct, int(pool * r.random() ** 1.8))
                    r_text = content.comment_text(r, ulang, r_sent)
                    if deleted_at is not None and at >= deleted_at:
                        continue
                    items.append(
                        Comment(
                            id="",
                            post=post,
                            parent=top,
                            created=at,
                            deleted_at=deleted_at,
                            author_id=uid,
                            author_name=uname,
                            first_name=ufirst,
                            text=r_text,
                            hidden=r.random() < 0.01,
                            brand=False,
                            sentiment=r_sent,
                            language=ulang,
                            like_count=int(r.expovariate(1.0)),
                        )
                    )
            if r.random() >= acct.unanswered + (0.1 if post.crisis else 0.0):
                at = trunc(self._brand_delay_end(r, calendar, created, sentiment))
                reply = content.brand_reply_text(r, lang, sentiment, first)
                if deleted_at is None or at < deleted_at:
                    items.append(
                        Comment(
                            id="",
                            post=post,
                            parent=top,
                            created=at,
                            deleted_at=deleted_at,
                            author_id=acct.id,
                            author_name=acct.name,
                            first_name=acct.name,
                            text=reply,
                            hidden=False,
                            brand=True,
                            sentiment="positive" if sentiment != "negative" else "neutral",
                            language=lang,
                            like_count=int(r.expovariate(1 / 0.7)),
                        )
                    )
        for seq, item in enumerate(items):
            item.seq = seq
        items.sort(key=lambda c: (c.created, c.seq))
        if post.platform == "facebook":
            part = post.part()
            for i, item in enumerate(items):
                item.id = f"{part}_{int(item.created.timestamp()):010d}{i:05d}"
        else:
            prefix = f"18{acct.ah:04d}{day_number(post.day):05d}{post.index:02d}"
            for i, item in enumerate(items):
                item.id = f"{prefix}{i:04d}"
        return tuple(items)

    def visible_comments(self, post: Post) -> tuple[Comment, ...]:
        """Comments the API returns at now (created, not deleted), chronological."""
        cached = self._visible_memo.get(post.id)
        if cached is None:
            cached = tuple(c for c in self._comments(post) if c.visible_at(self.now))
            self._visible_memo.put(post.id, cached)
        return cached  # type: ignore[return-value]

    def visible_replies(self, comment: Comment) -> list[Comment]:
        """Visible replies to a top-level comment, chronological."""
        post = comment.post
        index = self._replies_memo.get(post.id)
        if index is None:
            built: dict[str, list[Comment]] = {}
            for item in self.visible_comments(post):
                if item.parent is not None:
                    built.setdefault(item.parent.id, []).append(item)
            index = built
            self._replies_memo.put(post.id, index)
        return list(index.get(comment.id, ()))  # type: ignore[attr-defined]

    def find_comment(self, comment_id: str) -> Comment | None:
        """Resolve a visible comment id (Facebook or Instagram) without an index."""
        if "_" in comment_id:
            part, _, rest = comment_id.partition("_")
            if len(part) != 17 or len(rest) != 15 or not rest.isdigit() or not part.isdigit():
                return None
            for acct in self._by_ah.get(int(part[1:5]), []):
                if acct.platform != "facebook":
                    continue
                post = self.find_post("facebook", f"{acct.id}_{part}")
                if post is not None:
                    return self._visible_by_index(post, int(rest[10:]), comment_id)
            return None
        if len(comment_id) != 17 or not comment_id.startswith("18") or not comment_id.isdigit():
            return None
        candidates = [
            a for a in self._by_ah.get(int(comment_id[2:6]), []) if a.platform == "instagram"
        ]
        if not candidates:
            return None
        acct = candidates[0]
        day = dt.date(2000, 1, 1) + dt.timedelta(days=int(comment_id[6:11]))
        index = int(comment_id[11:13])
        posts = self._day_posts(acct, day)
        if index >= len(posts):
            return None
        post = posts[index]
        if not (self.history_start <= post.created <= self.now):
            return None
        return self._visible_by_index(post, int(comment_id[13:]), comment_id)

    def _visible_by_index(self, post: Post, index: int, comment_id: str) -> Comment | None:
        comments = self._comments(post)
        if index >= len(comments):
            return None
        comment = comments[index]
        if comment.id != comment_id or not comment.visible_at(self.now):
            return None
        return comment

    @staticmethod
    def _comment_dict(comment: Comment) -> dict[str, Any]:
        return {
            "id": comment.id,
            "parent_id": comment.parent.id if comment.parent is not None else None,
            "created_time": fmt_utc(comment.created),
            "from_id": comment.author_id,
            "message": comment.text,
            "is_hidden": comment.hidden,
            "is_brand_reply": comment.brand,
        }

    def comments(self, platform: str, post_id: str) -> list[dict[str, Any]]:
        """Comments visible through the API at now (replies included), chronological."""
        post = self._post(platform, post_id)
        return [self._comment_dict(c) for c in self.visible_comments(post)]

    def comment_truth(self, platform: str, post_id: str) -> list[dict[str, Any]]:
        """Every comment written by now, deleted ones included, with what the API never says:
        `is_deleted`, `sentiment`, `language`, `author_name`."""
        post = self._post(platform, post_id)
        out = []
        for comment in self._comments(post):
            if comment.created > self.now:
                continue
            item = self._comment_dict(comment)
            item["is_deleted"] = not comment.visible_at(self.now)
            item["sentiment"] = comment.sentiment
            item["language"] = comment.language
            item["author_name"] = comment.author_name
            out.append(item)
        return out

    # ------------------------------------------------------------------ post metrics

    @staticmethod
    def _growth(post: Post, as_of: dt.datetime) -> float:
        age_h = (as_of - post.created).total_seconds() / 3600
        if age_h <= 0:
            return 0.0
        return 1.0 - math.exp(-age_h / post.tau_h)

    def insights_available(
        self, platform: str, post_id: str, as_of: dt.datetime | None = None
    ) -> bool:
        """Whether the insights endpoint returns values for this post: Facebook after 2 hours;
        Instagram after 24 hours, never for low-reach media (error #10) nor for media published
        before the account became a business account (error #100/2108006)."""
        post = self._post(platform, post_id)
        return self._insights_state(post, as_of or self.now) == "ready"

    def _insights_state(self, post: Post, as_of: dt.datetime) -> str:
        """'ready', 'not_ready' (empty data), 'before_conversion' (error #100/2108006) or
        'low_reach' (error #10, no subcode)."""
        age = as_of - post.created
        if post.platform == "facebook":
            return "ready" if age >= FB_READY_AFTER else "not_ready"
        converted = self.ig_business_since.get(post.account.id)
        if converted is not None and post.created < converted:
            return "before_conversion"
        if age < IG_READY_AFTER:
            return "not_ready"
        return "low_reach" if post.low_reach else "ready"

    def lifetime(self, post: Post, as_of: dt.datetime) -> dict[str, Any]:
        g = self._growth(post, as_of)
        f = post.finals
        if post.platform == "facebook":
            by_type = {k: int(v * g) for k, v in post.reactions.items()}
            return {
                "post_media_view": int(f["post_media_view"] * g),
                "post_total_media_view_unique": int(f["post_total_media_view_unique"] * g),
                "post_clicks": int(f["post_clicks"] * g),
                "post_reactions_by_type_total": {k: v for k, v in by_type.items() if v > 0},
            }
        likes = int(f["likes"] * g)
        saved = int(f["saved"] * g)
        shares = int(f["shares"] * g)
        comments = sum(1 for c in self._comments(post) if c.created <= as_of)
        return {
            "views": int(f["views"] * g),
            "reach": int(f["reach"] * g),
            "saved": saved,
            "shares": shares,
            "likes": likes,
            "comments": comments,
            "total_interactions": likes + comments + saved + shares,
        }

    def post_lifetime(
        self, platform: str, post_id: str, as_of: dt.datetime | None = None
    ) -> dict[str, Any]:
        """Lifetime insights as of `as_of` (default now), keyed by API metric name. They grow
        for days after publication and never go down. (Comments count every comment written by
        `as_of`, deleted ones included, so the value never decreases.)"""
        post = self._post(platform, post_id)
        return self.lifetime(post, aware_utc(as_of, "as_of") if as_of else self.now)

    def counts(self, post: Post) -> dict[str, int]:
        if post.platform == "facebook":
            g = self._growth(post, self.now)
            top = sum(1 for c in self.visible_comments(post) if c.parent is None)
            return {
                "reactions": sum(int(v * g) for v in post.reactions.values()),
                "comments": top,
                "shares": int(post.finals["shares"] * g),
            }
        life = self.lifetime(post, self.now)
        return {
            "reactions": life["likes"],
            "comments": len(self.visible_comments(post)),
            "shares": life["shares"],
        }

    def post_counts(self, platform: str, post_id: str) -> dict[str, int]:
        """What the post node shows at now. Facebook: `reactions.summary.total_count`,
        `comments.summary.total_count` (top-level comments: the default `filter=toplevel`) and
        `shares.count` (0 when the field is absent). Instagram: `like_count` as reactions,
        `comments_count` (every visible comment, replies included) and the `shares` metric."""
        return self.counts(self._post(platform, post_id))

    # ------------------------------------------------------------------ accounts' daily metrics

    def _follow_year(self, acct: Account, year: int) -> tuple[list[int], list[int], list[int]]:
        key = (acct.platform, acct.id, year)
        memo = self._follow_memo.get(key)
        if memo is None:
            r = rng(self.seed, f"follows|{acct.platform}|{acct.id}|{year}")
            first = dt.date(year, 1, 1)
            days = (dt.date(year + 1, 1, 1) - first).days
            adds, removes, prefix = [], [], []
            running = 0
            for i in range(days):
                day = first + dt.timedelta(days=i)
                season = 1 + 0.25 * math.sin(2 * math.pi * i / days)
                week = 1.15 if day.weekday() < 5 else 0.8
                a = poisson(r, acct.base_followers * acct.follow_rate * season * week)
                rm = int(a * r.uniform(0.15, 0.45))
                adds.append(a)
                removes.append(rm)
                running += a - rm
                prefix.append(running)
            memo = (adds, removes, prefix)
            self._follow_memo[key] = memo
        return memo

    def _follows(self, acct: Account, day: dt.date) -> tuple[int, int, int]:
        """(new follows, unfollows, total at end of day) for a Pacific day."""
        adds, removes, prefix = self._follow_year(acct, day.year)
        i = day.timetuple().tm_yday - 1
        if day < FOLLOW_EPOCH:
            return adds[i], removes[i], acct.base_followers
        total = acct.base_followers
        for year in range(FOLLOW_EPOCH.year, day.year):
            total += self._follow_year(acct, year)[2][-1]
        return adds[i], removes[i], total + prefix[i]

    def followers_now(self, acct: Account) -> int:
        """Followers at now: yesterday's closing total plus today's net follows so far."""
        today = self.pacific_today()
        _, _, total = self._follows(acct, today - dt.timedelta(days=1))
        adds, removes, _ = self._follows(acct, today)
        start = local_midnight(today, PACIFIC)
        end = local_midnight(today + dt.timedelta(days=1), PACIFIC)
        fraction = (self.now - start) / (end - start)
        return total + int((adds - removes) * fraction)

    def _recent_post_weight(self, acct: Account, day: dt.date) -> float:
        start = local_midnight(day - dt.timedelta(days=2), PACIFIC)
        end = local_midnight(day + dt.timedelta(days=1), PACIFIC)
        weight = 0.0
        for post in self._posts_between(acct, start, end):
            age = (day - post.created.astimezone(PACIFIC).date()).days
            weight += (1.0, 0.5, 0.25)[max(0, min(age, 2))]
        return weight

    def account_daily(self, platform: str, account_id: str, day: dt.date) -> dict[str, int]:
        """Daily account metrics of a Pacific day, as the insights endpoints report them.
        They depend only on the day (never on now): stable once the day is over."""
        acct = self._account(platform, account_id)
        adds, _, total = self._follows(acct, day)
        _, _, before = self._follows(acct, day - dt.timedelta(days=1))
        weight = self._recent_post_weight(acct, day)
        r = rng(self.seed, f"daily|{platform}|{acct.id}|{day.isoformat()}")
        if platform == "facebook":
            views = int(before * r.uniform(0.02, 0.06) + weight * before * r.uniform(0.15, 0.4))
            unique = int(views * r.uniform(0.45, 0.75))
            return {
                "page_media_view": views,
                "page_total_media_view_unique": unique,
                "page_follows": total,
                "page_daily_follows_unique": adds,
                "page_post_engagements": int(unique * r.uniform(0.01, 0.05) * acct.engagement),
            }
        reach = int(before * r.uniform(0.03, 0.1) + weight * before * r.uniform(0.1, 0.3))
        engaged = int(reach * r.uniform(0.01, 0.05) * acct.engagement)
        return {
            "reach": reach,
            "follower_count": adds,
            "views": int(reach * r.uniform(1.3, 2.4)),
            "accounts_engaged": engaged,
            "total_interactions": int(engaged * r.uniform(1.3, 3.0)),
        }

    # ------------------------------------------------------------------ account nodes

    def page(self, page_id: str) -> dict[str, Any]:
        """The Page node: id, name, followers_count, fan_count, link."""
        acct = self._account("facebook", page_id)
        followers = self.followers_now(acct)
        return {
            "id": acct.id,
            "name": acct.name,
            "followers_count": followers,
            "fan_count": int(followers * acct.fan_ratio),
            "link": f"https://www.facebook.com/{acct.id}",
        }

    def ig_user(self, ig_id: str) -> dict[str, Any]:
        """The IG user node: id, username, name, followers_count, follows_count, media_count."""
        acct = self._account("instagram", ig_id)
        return {
            "id": acct.id,
            "username": acct.name,
            "name": acct.title,
            "followers_count": self.followers_now(acct),
            "follows_count": acct.follows_count,
            "media_count": self.media_count(acct.id),
        }
