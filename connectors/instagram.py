"""Instagram Graph API (business and creator accounts, Facebook Login host): the account, its
media, comments and replies, media lifetime insights and account daily insights.

Token: a user or Page token with `instagram_basic`, `instagram_manage_insights`,
`instagram_manage_comments` and `pages_read_engagement`.

Comments arrive as top-level comments with their replies inlined (`replies{…}`); the connector
lands them flat, one record per comment or reply, each reply keeping its `parent_id`. Replies
beyond the inlined page are read from `/{comment-id}/replies`.

Media insights Instagram withholds are skipped per media and counted in the account's notes,
never zeros and never a failed account:

* `media_insights_not_ready` — `{"data": []}` (too fresh; Meta: "an empty data set instead of 0");
* `media_insights_low_reach` — `(#10) Not enough viewers for the media to show insights`, code 10
  with no subcode (IG Media Insights reference, "Limitations");
* `media_insights_before_business_conversion` — code 100 / subcode 2108006 "Media posted before
  business account conversion" (recorded in airbytehq/airbyte#1814, keboola/ex-facebook-graph-api
  #35).

A code 10 with any other message (e.g. "Application does not have permission for this action")
and 200–299 stay permanent permission errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from connectors.base import Connector, Stream, Window, with_context
from connectors.errors import PermanentError
from connectors.meta_graph import (
    GRAPH_API_VERSION,
    GRAPH_API_VERSION_ENV,
    GRAPH_BASE_URL,
    GRAPH_VERSION_PATTERN,
    MEDIA_BEFORE_CONVERSION,
    MEDIA_LOW_REACH,
    classify_graph,
    cursor_paginator,
    graph_date_range,
    read_graph_usage,
)
from connectors.paginators import dig
from ruche.platforms.meta import INSTAGRAM

PERMISSIONS = (
    "instagram_basic, instagram_manage_insights, instagram_manage_comments, pages_read_engagement"
)

USER_FIELDS = ("id", "username", "name", "followers_count", "follows_count", "media_count")
MEDIA_FIELDS = (
    "id",
    "caption",
    "media_type",
    "media_product_type",
    "permalink",
    "timestamp",
    "like_count",
    "comments_count",
    "shortcode",
    "is_comment_enabled",
)
COMMENT_FIELDS = (
    "id",
    "text",
    "timestamp",
    "username",
    "from{id,username}",
    "like_count",
    "hidden",
    "parent_id",
)
MEDIA_METRICS = ("views", "reach", "saved", "shares", "likes", "comments", "total_interactions")
USER_SERIES_METRICS = ("reach", "follower_count")
USER_TOTAL_METRICS = ("views", "accounts_engaged", "total_interactions")
# Removed by Meta (dates and replacements in the registry's API calendar): never requested.
REMOVED_METRICS = INSTAGRAM.removed_metric_names

REFETCH_DAYS = INSTAGRAM.refetch_days
USER_INSIGHTS_REFETCH_DAYS = INSTAGRAM.entity_refetch_days("user_insights")
USER_INSIGHTS_MAX_DAYS = 30


class Instagram(Connector):
    platform = INSTAGRAM.name
    api_version = GRAPH_API_VERSION
    api_version_env = GRAPH_API_VERSION_ENV
    api_version_pattern = GRAPH_VERSION_PATTERN
    default_base_url = GRAPH_BASE_URL
    entities = INSTAGRAM.extracted_entity_names
    refetch_days = REFETCH_DAYS
    days_timezone = INSTAGRAM.reporting_day

    @classmethod
    def http_hooks(cls) -> dict[str, Any]:
        return {
            "classify": partial(classify_graph, permissions=PERMISSIONS, product="Instagram"),
            "read_usage": read_graph_usage,
        }

    def _path(self, *parts: str) -> str:
        return "/".join((self.api_version, *parts))

    def _metrics(self, defaults: tuple[str, ...]) -> tuple[str, ...]:
        wanted = tuple(m for m in (self.account.fields or ()) if m in defaults) or defaults
        gone = self.removed_metrics()
        asked = dict.fromkeys((*(self.account.fields or ()), *wanted))
        removed = [m for m in asked if m in gone]
        if removed:
            self.notes["removed_metrics_skipped"] = removed
        return tuple(m for m in wanted if m not in gone)

    def streams(self, window: Window) -> Iterator[Stream]:
        user_id = self.account.account_id
        yield Stream(
            "user", window, [self.http.get(self._path(user_id), {"fields": ",".join(USER_FIELDS)})]
        )
        media_window = window.extended(self.effective_refetch_days)
        media_ids: list[str] = []
        yield Stream("media", media_window, self._media(media_window, media_ids))
        yield Stream("comments", media_window, self._comments(media_ids))
        yield Stream(
            "media_insights",
            media_window,
            self._media_insights(media_ids, self._metrics(MEDIA_METRICS)),
        )
        user_window = window.extended(USER_INSIGHTS_REFETCH_DAYS)
        yield Stream("user_insights", user_window, self._user_insights(user_window))

    def _media(self, window: Window, collect: list[str]) -> Iterator[dict[str, Any]]:
        since, until = window.local_bounds(self.account.timezone)
        params = {
            "fields": ",".join(MEDIA_FIELDS),
            "since": int(since.timestamp()),
            "until": int(until.timestamp()),
        }
        path = self._path(self.account.account_id, "media")
        for media in self.http.paginate(path, params, cursor_paginator(self.page_size)):
            collect.append(media["id"])
            yield media

    def _comments(self, media_ids: list[str]) -> Iterator[dict[str, Any]]:
        fields = ",".join(COMMENT_FIELDS)
        params = {"fields": f"{fields},replies{{{fields}}}"}
        for media_id in media_ids:
            path = self._path(media_id, "comments")
            for comment in self.http.paginate(path, params, cursor_paginator(self.page_size)):
                replies = comment.pop("replies", None)
                yield with_context(comment, parent_id=media_id)
                yield from self._replies(media_id, comment["id"], replies, fields)

    def _replies(
        self, media_id: str, comment_id: str, inline: dict[str, Any] | None, fields: str
    ) -> Iterator[dict[str, Any]]:
        if not inline:
            return
        for reply in inline.get("data") or []:
            yield with_context(reply, parent_id=media_id)
        after = dig(inline, ("paging", "cursors", "after"))
        if not dig(inline, ("paging", "next")):
            return
        if not after:  # more replies exist: never keep only the inlined page silently
            raise self.permanent(
                f"the replies of comment {comment_id} have a next page without a cursor",
                hint="report this as a Ruche bug (Instagram changed its replies paging)",
            )
        path = self._path(comment_id, "replies")
        rest = self.http.paginate(
            path, {"fields": fields, "after": after}, cursor_paginator(self.page_size)
        )
        for reply in rest:
            yield with_context(reply, parent_id=media_id)

    def _media_insights(
        self, media_ids: list[str], metrics: tuple[str, ...]
    ) -> Iterator[dict[str, Any]]:
        if not metrics:
            return
        params = {"metric": ",".join(metrics)}
        not_ready = low_reach = before_conversion = 0
        for media_id in media_ids:
            try:
                body = self.http.get(self._path(media_id, "insights"), params)
            except PermanentError as exc:
                # Insights Instagram withholds for this one media (see connectors.meta_graph):
                # skipped and counted; every other permanent error still fails the account.
                reason = exc.details.get("reason")
                if reason == MEDIA_LOW_REACH:
                    low_reach += 1
                    continue
                if reason == MEDIA_BEFORE_CONVERSION:
                    before_conversion += 1
                    continue
                raise
            items = body.get("data") or []
            if not items:
                not_ready += 1  # not ready yet: an empty list, not zeros
            for item in items:
                yield with_context(item, parent_id=media_id)
        self.notes["media_insights_not_ready"] = not_ready
        self.notes["media_insights_low_reach"] = low_reach
        self.notes["media_insights_before_business_conversion"] = before_conversion

    def _user_insights(self, window: Window) -> Iterator[dict[str, Any]]:
        # Daily account metrics are Meta "days" (Pacific time, like Page insights): the
        # window is sent as dates, and each item keeps the requested range in `_ruche`.
        path = self._path(self.account.account_id, "insights")
        series = self._metrics(USER_SERIES_METRICS)
        totals = self._metrics(USER_TOTAL_METRICS)
        if series:
            for chunk in window.chunks(USER_INSIGHTS_MAX_DAYS):
                params = {
                    "metric": ",".join(series),
                    "period": "day",
                    **graph_date_range(chunk.start, chunk.end),
                }
                for item in self.http.get(path, params).get("data") or []:
                    yield with_context(item, since=params["since"], until=params["until"])
        # total_value metrics carry no date: one request per day, the day kept in `_ruche`.
        for chunk in window.chunks(1) if totals else ():
            params = {
                "metric": ",".join(totals),
                "period": "day",
                "metric_type": "total_value",
                **graph_date_range(chunk.start, chunk.end),
            }
            for item in self.http.get(path, params).get("data") or []:
                yield with_context(
                    item, since=params["since"], until=params["until"], day=chunk.start.isoformat()
                )
