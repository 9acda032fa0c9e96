"""LinkedIn Pages (Community Management API): an organization's follower count, its posts,
their comments and replies, lifetime share statistics per post, and daily share and follower
statistics of the organization. The dialect (headers, version, errors, daily limits, paging,
Rest.li 2.0 encoding) is `connectors/linkedin_rest.py`.

Token: a 3-legged OAuth token of a member who is ADMINISTRATOR of the page, for an app approved
for the Community Management API (scopes `r_organization_social`, `rw_organization_admin`).

What was looked up (reference §4 "unverified" items; sources in `linkedin_rest.py`):

* the rate-limit page says limits are daily per application and per member, reset at midnight
  UTC, with no published numbers and no headers; the 429 body naming the DAY limit is recorded
  by third parties, the older body without it in Automattic/wp-calypso#32007 (2019);
* a missing `LinkedIn-Version` answers 400 `VERSION_MISSING` with the message recorded above;
  a sunset one 426 `NONEXISTENT_VERSION` ("Requested version … is not active": third-party
  notes, not a LinkedIn page);
* not pinned down: whether `uniqueImpressionsCount` is ever returned for DAY intervals (the
  sandbox leaves it out, so daily reach is NULL in the marts), whether `commentCount` counts
  replies (the sandbox counts them), the largest `shares=List(…)` LinkedIn takes (Ruche asks 20
  posts per request), and whether LinkedIn answers 400 or leaves days out when a range ends
  less than 2 days ago (Ruche never asks: it stops 2 days before today, UTC).

Windows: posts are listed newest first (`sortBy=CREATED`) and paging stops at the first post
older than the window (the finder has no date filter), re-reading `REFETCH_DAYS` (28) before
the window because lifetime statistics and comments keep changing for weeks. Daily statistics
are served only for days at least 2 days old (UTC) and no earlier than 12 months back; each run
re-reads the trailing `DAILY_STATS_REFETCH_DAYS` (7) days, which covers LinkedIn's restatement.

Member data: LinkedIn's terms (Restricted Uses) forbid exporting or storing member content
beyond managing the page. Commenters are kept as person URNs (hashed in the marts, as on every
platform) and comment text is landed only when `store_comment_text` says so (off by default
for LinkedIn: the registry entry; an account may set it). With text off the comment's
`message` is removed before landing; counts, threads and response times are unaffected.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from functools import partial
from typing import Any

from connectors.base import Connector, Stream, Window, with_context
from connectors.linkedin_rest import (
    LINKEDIN_API_VERSION,
    LINKEDIN_BASE_URL,
    PAGE_SIZE,
    RestliPaginator,
    classify_restli,
    configured_version,
    elements,
    encode,
    restli_headers,
    restli_list,
    restli_path,
    time_intervals,
)
from ruche.platforms.linkedin import (
    LINKEDIN_API_VERSION_ENV,
    LINKEDIN_PAGES,
    LINKEDIN_VERSION_PATTERN,
)

SCOPES = "r_organization_social and rw_organization_admin (Community Management API)"
ORG_PREFIX = "urn:li:organization:"
REFETCH_DAYS = LINKEDIN_PAGES.refetch_days
DAILY_STATS_REFETCH_DAYS = LINKEDIN_PAGES.entity_refetch_days("share_statistics_daily")
STATS_MIN_AGE_DAYS = 2
"""Daily statistics exist once a day is at least this many days before today (UTC)."""
STATS_LOOKBACK_MONTHS = 12
"""Time-bound statistics start no earlier than 12 months ago."""
SHARE_METRICS = (
    "impressionCount",
    "uniqueImpressionsCount",
    "clickCount",
    "likeCount",
    "commentCount",
    "shareCount",
    "engagement",
    "commentMentionsCount",
    "shareMentionsCount",
)
"""The share statistics requested (a Rest.li `fields` projection): an account's `fields` may
narrow them; a name the registry marks removed is never requested."""
STATISTICS_BATCH = 20
"""Posts per `shares=List(…)`/`ugcPosts=List(…)` request (LinkedIn publishes no maximum)."""


def store_comment_text(account_override: bool | None) -> bool:
    return LINKEDIN_PAGES.store_comment_text if account_override is None else account_override


class LinkedInPages(Connector):
    platform = LINKEDIN_PAGES.name
    api_version = LINKEDIN_API_VERSION
    api_version_env = LINKEDIN_API_VERSION_ENV
    api_version_pattern = LINKEDIN_VERSION_PATTERN
    default_base_url = LINKEDIN_BASE_URL
    entities = LINKEDIN_PAGES.entity_names
    refetch_days = REFETCH_DAYS
    page_size = PAGE_SIZE

    _now: dt.datetime | None = None

    @classmethod
    def http_hooks(cls) -> dict[str, Any]:
        return {
            "classify": partial(classify_restli, scopes=SCOPES),
            "auth_header": restli_headers(configured_version(os.environ)),
        }

    def last_complete_day(self, now: dt.datetime) -> dt.date:
        # Remembered: daily statistics stop STATS_MIN_AGE_DAYS before this day (UTC).
        self._now = now
        return super().last_complete_day(now)

    @property
    def org_urn(self) -> str:
        return f"{ORG_PREFIX}{self.account.account_id}"

    def _today(self) -> dt.date:
        return (self._now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC).date()

    def _pages(self, path: str) -> Iterator[dict[str, Any]]:
        size = max(1, min(self.page_size, PAGE_SIZE))
        yield from self.http.paginate(path, None, RestliPaginator(size), elements)

    def _projection(self) -> str:
        """The Rest.li 2.0 `fields` projection of share statistics: which metrics are asked."""
        removed = self.removed_metrics()
        asked = tuple(m for m in (self.account.fields or ()) if m in SHARE_METRICS)
        wanted = asked or SHARE_METRICS
        dropped = sorted(
            {m for m in (self.account.fields or ()) if m in removed}
            | {m for m in wanted if m in removed}
        )
        if dropped:
            self.notes["removed_metrics_skipped"] = dropped
        metrics = ",".join(m for m in wanted if m not in removed)
        return f"organizationalEntity,share,ugcPost,timeRange,totalShareStatistics:({metrics})"

    def streams(self, window: Window) -> Iterator[Stream]:
        # The first request names the organization in its path: a token or permission problem
        # fails the account before anything is landed.
        path = restli_path(
            f"rest/networkSizes/{encode(self.org_urn)}", {"edgeType": "COMPANY_FOLLOWED_BY_MEMBER"}
        )
        yield Stream("network_size", window, [self.http.get(path)])

        post_window = window.extended(self.effective_refetch_days)
        posts: list[str] = []
        yield Stream("posts", post_window, self._posts(post_window, posts))
        yield Stream("comments", post_window, self._comments(posts))
        yield Stream("post_statistics", post_window, self._post_statistics(posts))

        daily = self._daily_window(window)
        yield Stream(
            "share_statistics_daily",
            daily or window,
            self._daily("organizationalEntityShareStatistics", daily),
        )
        yield Stream(
            "follower_statistics_daily",
            daily or window,
            self._daily("organizationalEntityFollowerStatistics", daily),
        )

    # ------------------------------------------------------------------ content
    def _posts(self, window: Window, collect: list[str]) -> Iterator[dict[str, Any]]:
        since, until = window.local_bounds(self.account.timezone)
        since_ms, until_ms = int(since.timestamp()) * 1000, int(until.timestamp()) * 1000
        path = restli_path(
            "rest/posts", {"author": encode(self.org_urn), "q": "author", "sortBy": "CREATED"}
        )
        for post in self._pages(path):
            created = int(post.get("createdAt") or post.get("publishedAt") or 0)
            if created < since_ms:
                return  # newest first: every later page is older still
            if created >= until_ms:
                continue
            collect.append(post["id"])
            yield post

    def _comments(self, post_urns: list[str]) -> Iterator[dict[str, Any]]:
        keep_text = store_comment_text(self.account.store_comment_text)
        withheld = 0
        for post_urn in post_urns:
            for comment in self._pages(f"rest/socialActions/{encode(post_urn)}/comments"):
                withheld += self._strip(comment, keep_text)
                yield with_context(comment, parent_id=post_urn)
                replies = (comment.get("commentsSummary") or {}).get("totalFirstLevelComments")
                if not replies:
                    continue  # no replies: no request
                path = f"rest/socialActions/{encode(comment['commentUrn'])}/comments"
                for reply in self._pages(path):
                    withheld += self._strip(reply, keep_text)
                    yield with_context(reply, parent_id=post_urn)
        self.notes["comment_text_stored"] = keep_text
        if withheld:
            self.notes["comment_texts_not_stored"] = withheld

    @staticmethod
    def _strip(comment: dict[str, Any], keep_text: bool) -> int:
        """Remove the member's words (text and mentions) unless they may be stored."""
        if keep_text or "message" not in comment:
            return 0
        del comment["message"]
        return 1

    def _post_statistics(self, post_urns: list[str]) -> Iterator[dict[str, Any]]:
        for start in range(0, len(post_urns), STATISTICS_BATCH):
            batch = post_urns[start : start + STATISTICS_BATCH]
            query = {
                "q": "organizationalEntity",
                "organizationalEntity": encode(self.org_urn),
                "fields": self._projection(),
            }
            shares = [u for u in batch if u.startswith("urn:li:share:")]
            ugc = [u for u in batch if not u.startswith("urn:li:share:")]
            if shares:
                query["shares"] = restli_list(shares)
            if ugc:
                query["ugcPosts"] = restli_list(ugc)
            body = self.http.get(restli_path("rest/organizationalEntityShareStatistics", query))
            for item in elements(body):
                yield with_context(item, parent_id=item.get("share") or item.get("ugcPost"))

    # ------------------------------------------------------------------ daily statistics
    def _daily_window(self, window: Window) -> Window | None:
        """The run's window plus the re-fetch days, within what LinkedIn serves: days at least
        2 days old, no earlier than 12 months back (None: no day yet)."""
        wanted = window.extended(DAILY_STATS_REFETCH_DAYS)
        today = self._today()
        last = min(wanted.end, today - dt.timedelta(days=STATS_MIN_AGE_DAYS))
        earliest = today.replace(year=today.year - 1) + dt.timedelta(days=1)
        first = max(wanted.start, earliest)
        if first > wanted.start:
            self.notes["daily_statistics_beyond_lookback"] = [
                wanted.start.isoformat(),
                (first - dt.timedelta(days=1)).isoformat(),
            ]
        if last < wanted.end:
            self.notes["daily_statistics_not_yet_served"] = [
                (last + dt.timedelta(days=1)).isoformat(),
                wanted.end.isoformat(),
            ]
        return Window(first, last) if first <= last else None

    def _daily(self, resource: str, window: Window | None) -> Iterator[dict[str, Any]]:
        if window is None:
            return
        query = {
            "q": "organizationalEntity",
            "organizationalEntity": encode(self.org_urn),
            "timeIntervals": time_intervals(window.start, window.end),
        }
        if resource == "organizationalEntityShareStatistics":
            query["fields"] = self._projection()
        body = self.http.get(restli_path(f"rest/{resource}", query))
        yield from elements(body)
