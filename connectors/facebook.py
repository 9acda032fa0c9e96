"""Facebook Pages (Graph API): the Page, its published posts, their comments with replies, post
lifetime insights and Page daily insights.

Token: a Page access token with `pages_read_engagement`, `read_insights` and `pages_show_list`
(the person issuing it needs the ANALYZE task; MODERATE to see comment ids and hidden comments).

Re-fetch: post lifetime insights and comments keep changing for weeks, so each run re-reads the
posts published in the `REFETCH_DAYS` days before the window; Page daily metrics settle within
days, so they are re-read `PAGE_INSIGHTS_REFETCH_DAYS` back.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

from connectors.base import Connector, Stream, Window, with_context
from connectors.meta_graph import (
    GRAPH_API_VERSION,
    GRAPH_API_VERSION_ENV,
    GRAPH_BASE_URL,
    GRAPH_VERSION_PATTERN,
    classify_graph,
    cursor_paginator,
    graph_date_range,
    read_graph_usage,
)
from ruche.platforms.meta import FACEBOOK

PERMISSIONS = "pages_read_engagement, read_insights, pages_show_list"

PAGE_FIELDS = ("id", "name", "followers_count", "fan_count", "link")
POST_FIELDS = (
    "id",
    "message",
    "created_time",
    "updated_time",
    "permalink_url",
    "status_type",
    "full_picture",
    "is_published",
    "shares",
    "reactions.limit(0).summary(true)",
    "comments.limit(0).summary(true)",
)
COMMENT_FIELDS = (
    "id",
    "message",
    "created_time",
    "from{id,name}",
    "parent{id}",
    "like_count",
    "comment_count",
    "is_hidden",
    "permalink_url",
)
POST_METRICS = (
    "post_media_view",
    "post_total_media_view_unique",
    "post_clicks",
    "post_reactions_by_type_total",
)
PAGE_METRICS = (
    "page_media_view",
    "page_total_media_view_unique",
    "page_follows",
    "page_daily_follows_unique",
    "page_post_engagements",
)
# Removed by Meta: the registry's API calendar lists them with their dates and replacements.
# Never requested, even when an account's `fields` option names them: the API would fail the
# whole request with error #100.
REMOVED_METRICS = FACEBOOK.removed_metric_names

REFETCH_DAYS = FACEBOOK.refetch_days
PAGE_INSIGHTS_REFETCH_DAYS = FACEBOOK.entity_refetch_days("page_insights")
PAGE_INSIGHTS_MAX_DAYS = 90  # the API's limit on a since/until span


def choose_metrics(
    defaults: tuple[str, ...],
    requested: tuple[str, ...] | None,
    prefix: str,
    removed: frozenset[str] = REMOVED_METRICS,
) -> tuple[tuple[str, ...], list[str]]:
    """Metrics to request and those dropped because Meta removed them."""
    wanted = tuple(m for m in (requested or ()) if m.startswith(prefix)) or defaults
    dropped = [m for m in wanted if m in removed]
    return tuple(m for m in wanted if m not in removed), dropped


class FacebookPages(Connector):
    platform = FACEBOOK.name
    api_version = GRAPH_API_VERSION
    api_version_env = GRAPH_API_VERSION_ENV
    api_version_pattern = GRAPH_VERSION_PATTERN
    default_base_url = GRAPH_BASE_URL
    entities = FACEBOOK.extracted_entity_names
    refetch_days = REFETCH_DAYS
    days_timezone = FACEBOOK.reporting_day

    @classmethod
    def http_hooks(cls) -> dict[str, Any]:
        return {
            "classify": partial(classify_graph, permissions=PERMISSIONS, product="Facebook"),
            "read_usage": read_graph_usage,
        }

    def _path(self, *parts: str) -> str:
        return "/".join((self.api_version, *parts))

    def streams(self, window: Window) -> Iterator[Stream]:
        page_id = self.account.account_id
        removed = self.removed_metrics()
        fields = self.account.fields
        post_metrics, dropped_post = choose_metrics(POST_METRICS, fields, "post_", removed)
        page_metrics, dropped_page = choose_metrics(PAGE_METRICS, fields, "page_", removed)
        if dropped_post or dropped_page:
            self.notes["removed_metrics_skipped"] = dropped_post + dropped_page

        yield Stream(
            "page", window, [self.http.get(self._path(page_id), {"fields": ",".join(PAGE_FIELDS)})]
        )

        post_window = window.extended(self.effective_refetch_days)
        post_ids: list[str] = []
        yield Stream("posts", post_window, self._posts(post_window, post_ids))
        yield Stream("comments", post_window, self._comments(post_ids))
        yield Stream("post_insights", post_window, self._post_insights(post_ids, post_metrics))

        page_window = window.extended(max(PAGE_INSIGHTS_REFETCH_DAYS, 0))
        yield Stream("page_insights", page_window, self._page_insights(page_window, page_metrics))

    def _posts(self, window: Window, collect: list[str]) -> Iterator[dict[str, Any]]:
        since, until = window.local_bounds(self.account.timezone)
        params = {
            "fields": ",".join(POST_FIELDS),
            "since": int(since.timestamp()),
            "until": int(until.timestamp()),
        }
        path = self._path(self.account.account_id, "published_posts")
        for post in self.http.paginate(path, params, cursor_paginator(self.page_size)):
            collect.append(post["id"])
            yield post

    def _comments(self, post_ids: list[str]) -> Iterator[dict[str, Any]]:
        params = {
            "fields": ",".join(COMMENT_FIELDS),
            "filter": "stream",  # replies included, flat, with `parent`
            "order": "chronological",
        }
        for post_id in post_ids:
            path = self._path(post_id, "comments")
            for comment in self.http.paginate(path, params, cursor_paginator(self.page_size)):
                yield with_context(comment, parent_id=post_id)

    def _post_insights(
        self, post_ids: list[str], metrics: tuple[str, ...]
    ) -> Iterator[dict[str, Any]]:
        if not metrics:
            return
        params = {"metric": ",".join(metrics), "period": "lifetime"}
        not_ready = 0
        for post_id in post_ids:
            body = self.http.get(self._path(post_id, "insights"), params)
            items = body.get("data") or []
            if not items:  # too fresh: the platform has no insights yet
                not_ready += 1
            for item in items:
                yield with_context(item, parent_id=post_id)
        self.notes["post_insights_not_ready"] = not_ready

    def _page_insights(self, window: Window, metrics: tuple[str, ...]) -> Iterator[dict[str, Any]]:
        if not metrics:
            return
        path = self._path(self.account.account_id, "insights")
        for chunk in window.chunks(PAGE_INSIGHTS_MAX_DAYS):
            params = {
                "metric": ",".join(metrics),
                "period": "day",
                **graph_date_range(chunk.start, chunk.end),
            }
            # One request per chunk: `paging.next` here walks into future time windows, it is
            # not a continuation of this answer, so it is deliberately not followed.
            body = self.http.get(path, params)
            for item in body.get("data") or []:
                yield with_context(item, since=params["since"], until=params["until"])
