"""The X family's part of `World`: X accounts, their posts (with public and private counters),
the replies in each post's conversation (with the brand's replies in business hours) and the
account's follower count.

Ids are snowflakes, as X's are: ``(ms since X's epoch) << 22 | worker << 12 | sequence``, the
worker being a 10-bit tag unique per X account of the world. So any post or reply id resolves to
its account and second without an index, and ids beyond 2^53 are the rule, not the exception.
Content does not depend on the clock; `now` decides what is visible (created, not deleted),
what recent search still reaches (7 days) and the as-of value of counters.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from .. import content
from ..model import Account
from ..rand import Memo, derive, heavy_count, poisson, rng, weighted
from ..timeutil import UTC, BusinessCalendar

X_EPOCH_MS = 1288834974657
"""Twitter's snowflake epoch (2010-11-04T01:42:54.657Z)."""
TIMELINE_REACH = 3200
"""`/2/users/:id/tweets` reaches the 3,200 most recent posts of an account, no further."""
SEARCH_REACH = dt.timedelta(days=7)
"""Recent search reaches posts (replies) of the last 7 days."""
PRIVATE_METRICS_AGE = dt.timedelta(days=30)
"""Non-public and organic metrics are served for posts up to 30 days old."""

_SENTIMENT = {"positive": 0.5, "neutral": 0.32, "negative": 0.18}
_CRISIS_SENTIMENT = {"positive": 0.08, "neutral": 0.2, "negative": 0.72}


def snowflake(moment: dt.datetime, worker: int, sequence: int) -> str:
    ms = int(moment.timestamp() * 1000) - X_EPOCH_MS
    return str((ms << 22) | ((worker & 0x3FF) << 12) | (sequence & 0xFFF))


def snowflake_parts(value: str) -> tuple[dt.datetime, int, int] | None:
    """(instant to the millisecond, worker, sequence) of a snowflake id, or None."""
    if not value.isdigit() or len(value) > 20:
        return None
    number = int(value)
    ms = (number >> 22) + X_EPOCH_MS
    return dt.datetime.fromtimestamp(ms / 1000, UTC), (number >> 12) & 0x3FF, number & 0xFFF


def fmt_x(moment: dt.datetime) -> str:
    """X's timestamps: UTC, milliseconds, `Z` (``2026-11-02T14:05:33.000Z``)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass(frozen=True, slots=True)
class XPost:
    account: Account
    id: str
    day: dt.date
    index: int
    created: dt.datetime
    text: str
    lang: str
    link: bool
    crisis: bool
    tau_h: float
    finals: dict[str, int]
    reply_mean: float


@dataclass(slots=True, eq=False)
class XReply:
    id: str
    post: XPost
    parent_id: str
    """The post or reply it answers (`referenced_tweets[replied_to]`)."""
    in_reply_to_user_id: str
    created: dt.datetime
    deleted_at: dt.datetime | None
    author_id: str
    username: str
    name: str
    text: str
    lang: str
    brand: bool
    sentiment: str
    like_count: int
    reply_count: int = 0

    def visible_at(self, moment: dt.datetime) -> bool:
        return self.created <= moment and (self.deleted_at is None or self.deleted_at > moment)


class XWorld:
    """Mixed into `World` by the family registry (see `connectors/sandbox/world.py`)."""

    seed: int
    now: dt.datetime
    scale: Any
    history_start: dt.datetime
    _accounts: dict[tuple[str, str], Account]

    def _init_family(self, **options: Any) -> None:
        self._x_day_memo = Memo(50_000)
        self._x_reply_memo = Memo(6_000)
        self._x_users: dict[tuple[str, int], tuple[str, str, str, str]] = {}
        self._x_workers: dict[int, Account] | None = None
        super()._init_family(**options)  # type: ignore[misc]

    # ------------------------------------------------------------------ accounts

    def x_workers(self) -> dict[int, Account]:
        """A 10-bit worker tag per X account, unique in the world (probing on collision)."""
        if self._x_workers is None:
            workers: dict[int, Account] = {}
            for (platform, account_id), acct in sorted(self._accounts.items()):
                if platform != "x":
                    continue
                tag = derive(self.seed, f"x-worker|{account_id}") % 1024
                while tag in workers:
                    tag = (tag + 1) % 1024
                workers[tag] = acct
            self._x_workers = workers
        return self._x_workers

    def x_worker_of(self, acct: Account) -> int:
        return next(tag for tag, a in self.x_workers().items() if a is acct)

    def x_account(self, user_id: str) -> Account | None:
        return self._accounts.get(("x", user_id))

    def x_handle(self, acct: Account) -> str:
        return acct.name if acct.name and " " not in acct.name else acct.client.id

    def x_followers(self, acct: Account) -> int:
        """Followers at now: no history is served (X gives the current value only)."""
        days = (self.now - dt.datetime(2022, 1, 1, tzinfo=UTC)).total_seconds() / 86400
        return acct.base_followers + int(acct.base_followers * acct.follow_rate * 0.5 * days)

    def x_user(self, user_id: str) -> dict[str, Any]:
        """The user object with `user.fields=public_metrics,username,name,created_at`."""
        acct = self._account("x", user_id)  # type: ignore[attr-defined]
        return {
            "id": acct.id,
            "name": acct.title,
            "username": self.x_handle(acct),
            "created_at": fmt_x(dt.datetime(2012, 3, 1, 14, 0, tzinfo=UTC)),
            "public_metrics": {
                "followers_count": self.x_followers(acct),
                "following_count": acct.follows_count,
                "tweet_count": len(self.x_visible_posts(acct, None, None)) + 850,
                "listed_count": acct.follows_count // 9,
                "like_count": acct.follows_count * 7,
            },
        }

    # ------------------------------------------------------------------ posts

    def _x_day_posts(self, acct: Account, day: dt.date) -> tuple[XPost, ...]:
        key = (acct.id, day)
        posts = self._x_day_memo.get(key)
        if posts is None:
            posts = self._x_generate_day(acct, day)
            self._x_day_memo.put(key, posts)
        return posts  # type: ignore[return-value]

    def _x_generate_day(self, acct: Account, day: dt.date) -> tuple[XPost, ...]:
        r = rng(self.seed, f"posts|x|{acct.id}|{day.isoformat()}")
        lam = self.scale.posts_per_day * acct.post_rate * (0.8 if day.weekday() >= 5 else 1.2)
        count = min(poisson(r, lam), 20)
        seconds: set[int] = set()
        while len(seconds) < count:
            if r.random() < 0.85:
                seconds.add(r.randint(7 * 3600, 22 * 3600 - 1))
            else:
                seconds.add(r.randint(0, 86399))
        midnight = dt.datetime.combine(day, dt.time(0))
        worker = self.x_worker_of(acct)
        out = []
        for index, second in enumerate(sorted(seconds)):
            local = (midnight + dt.timedelta(seconds=second)).replace(tzinfo=acct.zone)
            created = local.astimezone(UTC) + dt.timedelta(milliseconds=r.randint(0, 999))
            lang = content.language_of(r, acct.languages)
            link = r.random() < 0.3
            crisis = r.random() < 0.02
            lift = r.lognormvariate(0, 0.6) * (3.0 if crisis else 1.0)
            impressions = int(acct.base_followers * r.uniform(0.1, 0.8) * lift) + r.randint(30, 300)
            likes = int(impressions * r.uniform(0.005, 0.03) * acct.engagement)
            finals = {
                "impression_count": impressions,
                "like_count": likes,
                "retweet_count": int(likes * r.uniform(0.05, 0.3)),
                "quote_count": int(likes * r.uniform(0.0, 0.05)),
                "bookmark_count": int(likes * r.uniform(0.02, 0.15)),
                "url_link_clicks": int(impressions * r.uniform(0.005, 0.03)) if link else 0,
                "user_profile_clicks": int(impressions * r.uniform(0.001, 0.01)),
            }
            text = content.post_text(r, lang, acct.title, acct.site, link=link, utm_source="x")
            out.append(
                XPost(
                    account=acct,
                    id=snowflake(created, worker, index),
                    day=day,
                    index=index,
                    created=created,
                    text=text[:280],
                    lang=lang,
                    link=link,
                    crisis=crisis,
                    tau_h=r.uniform(6, 36),
                    finals=finals,
                    reply_mean=self.scale.comments_per_post * 0.6 * acct.comment_mult * lift**0.5,
                )
            )
        return tuple(out)

    def _x_posts_between(self, acct: Account, start: dt.datetime, end: dt.datetime) -> list[XPost]:
        if end <= start:
            return []
        day = start.astimezone(acct.zone).date() - dt.timedelta(days=1)
        last = end.astimezone(acct.zone).date() + dt.timedelta(days=1)
        out: list[XPost] = []
        while day <= last:
            out.extend(p for p in self._x_day_posts(acct, day) if start <= p.created < end)
            day += dt.timedelta(days=1)
        out.sort(key=lambda p: (p.created, p.index))
        return out

    def x_visible_posts(
        self, acct: Account, since: dt.datetime | None, until: dt.datetime | None
    ) -> list[XPost]:
        """The timeline's posts in [since, until), newest first, within the 3,200 most recent
        posts of the account (older ones cannot be reached, whatever the bounds)."""
        end = self.now + dt.timedelta(milliseconds=1)
        everything = self._x_posts_between(acct, self.history_start, end)
        reachable = everything[-TIMELINE_REACH:]
        lo = since or self.history_start
        hi = until or end
        posts = [p for p in reachable if lo <= p.created < hi]
        posts.reverse()
        return posts

    def x_find_post(self, post_id: str) -> XPost | None:
        parts = snowflake_parts(post_id)
        if parts is None:
            return None
        created, worker, _ = parts
        acct = self.x_workers().get(worker)
        if acct is None:
            return None
        local = created.astimezone(acct.zone).date()
        for day in (local, local - dt.timedelta(days=1), local + dt.timedelta(days=1)):
            for post in self._x_day_posts(acct, day):
                if post.id == post_id:
                    return post if self.history_start <= post.created <= self.now else None
        return None

    def _x_growth(self, post: XPost) -> float:
        age_h = (self.now - post.created).total_seconds() / 3600
        return 0.0 if age_h <= 0 else 1.0 - math.exp(-age_h / post.tau_h)

    def x_private_metrics_open(self, post: XPost) -> bool:
        return self.now - post.created <= PRIVATE_METRICS_AGE

    def x_public_metrics(self, post: XPost) -> dict[str, int]:
        g = self._x_growth(post)
        f = post.finals
        direct = sum(
            1 for c in self._x_replies(post) if c.visible_at(self.now) and c.parent_id == post.id
        )
        return {
            "retweet_count": int(f["retweet_count"] * g),
            "reply_count": direct,
            "like_count": int(f["like_count"] * g),
            "quote_count": int(f["quote_count"] * g),
            "bookmark_count": int(f["bookmark_count"] * g),
            "impression_count": int(f["impression_count"] * g),
        }

    def x_private_metrics(self, post: XPost) -> dict[str, dict[str, int]]:
        """`non_public_metrics` and `organic_metrics` (no post is promoted in this world)."""
        g = self._x_growth(post)
        f = post.finals
        public = self.x_public_metrics(post)
        clicks = {k: int(f[k] * g) for k in ("url_link_clicks", "user_profile_clicks")}
        return {
            "non_public_metrics": {"impression_count": public["impression_count"], **clicks},
            "organic_metrics": {
                "impression_count": public["impression_count"],
                "like_count": public["like_count"],
                "reply_count": public["reply_count"],
                "retweet_count": public["retweet_count"],
                **clicks,
            },
        }

    # ------------------------------------------------------------------ replies

    def _x_person(self, acct: Account, k: int) -> tuple[str, str, str, str]:
        """Replier k of an account: (user id, @username, display name, language)."""
        key = (acct.id, k)
        user = self._x_users.get(key)
        if user is None:
            first, last, lang, r = self.person(acct, k)  # type: ignore[attr-defined]
            handle = content.username(r, first, last).replace(".", "_")[:15]
            # Most accounts made since 2022 have 19-digit ids, beyond 2^53.
            user_id = (
                str(r.randint(10**18, 2 * 10**18))
                if r.random() < 0.7
                else str(r.randint(10**7, 10**10))
            )
            user = (user_id, handle, f"{first} {last}", lang)
            self._x_users[key] = user
        return user

    def _x_replies(self, post: XPost) -> tuple[XReply, ...]:
        cached = self._x_reply_memo.get(post.id)
        if cached is None:
            cached = self._x_generate_replies(post)
            self._x_reply_memo.put(post.id, cached)
        return cached  # type: ignore[return-value]

    @staticmethod
    def _x_arrival(r: Any) -> float:
        x = r.random()
        if x < 0.7:
            hours = r.expovariate(1 / 2)
        elif x < 0.93:
            hours = r.expovariate(1 / 16)
        else:
            hours = r.uniform(24, 24 * 12)
        return hours * 3600 + r.uniform(20, 400)

    @staticmethod
    def _x_brand_at(r: Any, calendar: BusinessCalendar, created: dt.datetime, sentiment: str):
        if calendar.is_open(created):
            return created + dt.timedelta(minutes=min(1 + r.lognormvariate(math.log(10), 0.7), 90))
        if sentiment == "negative" and r.random() < 0.1:
            return created + dt.timedelta(minutes=r.uniform(20, 90))
        opening = calendar.next_opening(created)
        return opening + dt.timedelta(minutes=min(2 + r.lognormvariate(math.log(35), 0.8), 240))

    def _x_generate_replies(self, post: XPost) -> tuple[XReply, ...]:
        acct = post.account
        r = rng(self.seed, f"replies|x|{post.id}")
        n_top = heavy_count(r, post.reply_mean, 1.0)
        if post.crisis:
            n_top = int(n_top * r.uniform(3, 7)) + r.randint(20, 50)
        n_top = min(n_top, 1500)
        calendar = self.calendar(acct.client.id)  # type: ignore[attr-defined]
        pool = 60 + int(self.scale.comments_per_post * 25)
        worker = self.x_worker_of(acct)
        handle = self.x_handle(acct)
        drafts: list[dict[str, Any]] = []

        def ms(moment: dt.datetime) -> dt.datetime:
            return moment.replace(microsecond=(moment.microsecond // 1000) * 1000)

        for _ in range(n_top):
            created = ms(post.created + dt.timedelta(seconds=self._x_arrival(r)))
            sentiment = weighted(r, _CRISIS_SENTIMENT if post.crisis else _SENTIMENT)
            uid, uname, name, lang = self._x_person(acct, int(pool * r.random() ** 1.8))
            negative = sentiment == "negative"
            deleted_at = None
            if r.random() < (0.06 if negative else 0.02):
                deleted_at = created + dt.timedelta(seconds=300 + r.expovariate(1 / 20000))
            top = {
                "key": len(drafts),
                "parent": None,
                "in_reply_to": acct.id,
                "created": created,
                "deleted_at": deleted_at,
                "author": (uid, uname, name),
                "text": f"@{handle} " + content.comment_text(r, lang, sentiment),
                "lang": lang,
                "brand": False,
                "sentiment": sentiment,
                "likes": int(r.expovariate(1 / 1.2)),
            }
            drafts.append(top)
            if r.random() < (0.3 if post.crisis else 0.12):
                for _ in range(1 + poisson(r, 0.7)):
                    at = ms(created + dt.timedelta(seconds=30 + r.expovariate(1 / 5400)))
                    ruid, runame, rname, rlang = self._x_person(acct, int(pool * r.random() ** 2))
                    sent = sentiment if r.random() < 0.6 else "neutral"
                    # Replies to a reply that is later deleted stay on X: their parent is gone.
                    drafts.append(
                        {
                            "key": len(drafts),
                            "parent": top["key"],
                            "in_reply_to": uid,
                            "created": at,
                            "deleted_at": None,
                            "author": (ruid, runame, rname),
                            "text": f"@{uname} " + content.comment_text(r, rlang, sent),
                            "lang": rlang,
                            "brand": False,
                            "sentiment": sent,
                            "likes": int(r.expovariate(1.0)),
                        }
                    )
            if r.random() >= acct.unanswered + (0.1 if post.crisis else 0.0):
                at = ms(self._x_brand_at(r, calendar, created, sentiment))
                if deleted_at is None or at < deleted_at:
                    drafts.append(
                        {
                            "key": len(drafts),
                            "parent": top["key"],
                            "in_reply_to": uid,
                            "created": at,
                            "deleted_at": None,
                            "author": (acct.id, handle, acct.title),
                            "text": f"@{uname} "
                            + content.brand_reply_text(r, lang, sentiment, name.split()[0]),
                            "lang": lang,
                            "brand": True,
                            "sentiment": "positive" if not negative else "neutral",
                            "likes": int(r.expovariate(1 / 0.6)),
                        }
                    )
        order = sorted(drafts, key=lambda d: (d["created"], d["key"]))
        ids: dict[int, str] = {}
        for i, draft in enumerate(order):
            ids[draft["key"]] = snowflake(draft["created"], worker, 32 + i % 4000)
        replies = []
        for draft in order:
            uid, uname, name = draft["author"]
            replies.append(
                XReply(
                    id=ids[draft["key"]],
                    post=post,
                    parent_id=post.id if draft["parent"] is None else ids[draft["parent"]],
                    in_reply_to_user_id=draft["in_reply_to"],
                    created=draft["created"],
                    deleted_at=draft["deleted_at"],
                    author_id=uid,
                    username=uname,
                    name=name,
                    text=draft["text"],
                    lang=draft["lang"],
                    brand=draft["brand"],
                    sentiment=draft["sentiment"],
                    like_count=draft["likes"],
                )
            )
        direct: dict[str, int] = {}
        for reply in replies:
            direct[reply.parent_id] = direct.get(reply.parent_id, 0) + 1
        for reply in replies:
            reply.reply_count = direct.get(reply.id, 0)
        return tuple(replies)

    def x_searchable_replies(self, post: XPost) -> list[XReply]:
        """What recent search returns for `conversation_id:<post>` at now: visible replies of
        the last 7 days, newest first."""
        reach = self.now - SEARCH_REACH
        out = [c for c in self._x_replies(post) if c.visible_at(self.now) and c.created >= reach]
        out.sort(key=lambda c: (c.created, c.id), reverse=True)
        return out

    def x_find_reply(self, post: XPost, reply_id: str) -> XReply | None:
        return next((c for c in self._x_replies(post) if c.id == reply_id), None)

    # ------------------------------------------------------------------ ground truth

    def x_posts(self, user_id: str, since: dt.datetime, until: dt.datetime) -> list[dict[str, Any]]:
        """Posts the timeline serves in [since, until), newest first: id, created_at, text,
        public_metrics at now, and `private_metrics` (None past 30 days)."""
        acct = self._account("x", user_id)  # type: ignore[attr-defined]
        out = []
        for post in self.x_visible_posts(acct, since, until):
            item = {
                "id": post.id,
                "created_at": fmt_x(post.created),
                "text": post.text,
                "public_metrics": self.x_public_metrics(post),
                "private_metrics": (
                    self.x_private_metrics(post) if self.x_private_metrics_open(post) else None
                ),
            }
            out.append(item)
        return out

    def x_replies(self, post_id: str) -> list[dict[str, Any]]:
        """Replies recent search reaches at now, newest first, with what X never says
        (`is_brand_reply`, `sentiment`)."""
        post = self.x_find_post(post_id)
        if post is None:
            raise KeyError(f"no visible x post {post_id!r} in this world")
        return [
            {
                "id": c.id,
                "conversation_id": post.id,
                "replied_to": c.parent_id,
                "author_id": c.author_id,
                "created_at": fmt_x(c.created),
                "text": c.text,
                "is_brand_reply": c.brand,
                "sentiment": c.sentiment,
                "parent_deleted": any(
                    p.id == c.parent_id and not p.visible_at(self.now)
                    for p in self._x_replies(post)
                ),
            }
            for c in self.x_searchable_replies(post)
        ]

    def x_all_replies(self, post_id: str) -> list[dict[str, Any]]:
        """Every reply written by now (deleted and out-of-reach ones included)."""
        post = self.x_find_post(post_id)
        if post is None:
            raise KeyError(f"no visible x post {post_id!r} in this world")
        return [
            {
                "id": c.id,
                "created_at": fmt_x(c.created),
                "is_brand_reply": c.brand,
                "is_deleted": not c.visible_at(self.now),
            }
            for c in self._x_replies(post)
            if c.created <= self.now
        ]
