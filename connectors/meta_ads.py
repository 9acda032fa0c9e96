"""Meta Marketing API: ad account metadata, campaigns, ad sets, ads and daily ad-level insights
with actions and action values per attribution window.

Token: `ads_read` on the ad account.

Dates: insights days are days in the **ad account's timezone** (`timezone_name`), and money is in
the account currency as a decimal string; both are landed as returned, with the account node.

Re-fetch: Meta restates conversions for 28 days, so every run re-reads the 28 days before its
window (`REFETCH_DAYS`, configurable per account). Ranges longer than `ASYNC_AFTER_DAYS`, and any
range the synchronous endpoint refuses as too large, go through an async report run; a failed
run is split in two by date, down to single days.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from connectors.base import Connector, Stream, Window
from connectors.errors import DataTooLargeError, DeferredError
from connectors.meta_graph import (
    GRAPH_API_VERSION,
    GRAPH_API_VERSION_ENV,
    GRAPH_BASE_URL,
    GRAPH_VERSION_PATTERN,
    classify_graph,
    cursor_paginator,
    read_graph_usage,
)
from ruche.platforms.meta import META_ADS

PERMISSIONS = "ads_read"

ACCOUNT_FIELDS = (
    "account_id",
    "id",
    "name",
    "currency",
    "timezone_name",
    "timezone_offset_hours_utc",
    "account_status",
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
    # the promoted post (`object_story_id` when an existing Page post is boosted,
    # `source_instagram_media_id` when an existing Instagram media is, `effective_object_story_id`
    # always), the Instagram account and the ad's own media there, and the destination (link,
    # url_tags)
    "creative{id,effective_object_story_id,object_story_id,source_instagram_media_id,"
    "instagram_user_id,effective_instagram_media_id,instagram_permalink_url,object_story_spec,"
    "url_tags}",
)
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
ATTRIBUTION_WINDOWS = ("1d_click", "7d_click", "28d_click", "1d_view")
# 7d_view and 28d_view stopped being returned on 2026-01-12: the registry's API calendar lists
# them (META_ADS.removed_metrics) and `insight_params` never asks for a window listed there.

REFETCH_DAYS = META_ADS.refetch_days
ASYNC_AFTER_DAYS = 31
ASYNC_POLL_SECONDS = 2.0
ASYNC_TIMEOUT_SECONDS = 3600.0


def act_id(account_id: str) -> str:
    """The ad account's Graph node id, `act_<digits>`, from the id as configured (either form)."""
    return f"{META_ADS.account_id_prefix}{account_id.removeprefix(META_ADS.account_id_prefix)}"


class MetaAds(Connector):
    platform = META_ADS.name
    api_version = GRAPH_API_VERSION
    api_version_env = GRAPH_API_VERSION_ENV
    api_version_pattern = GRAPH_VERSION_PATTERN
    default_base_url = GRAPH_BASE_URL
    entities = META_ADS.entity_names
    refetch_days = REFETCH_DAYS

    poll_seconds: float = ASYNC_POLL_SECONDS
    async_timeout: float = ASYNC_TIMEOUT_SECONDS
    clock: Callable[[], float] = staticmethod(time.monotonic)
    _node: dict[str, Any] | None = None

    @classmethod
    def http_hooks(cls) -> dict[str, Any]:
        return {
            "classify": partial(classify_graph, permissions=PERMISSIONS, product="Meta Ads"),
            "read_usage": read_graph_usage,
        }

    @property
    def act(self) -> str:
        return act_id(self.account.account_id)

    def _path(self, *parts: str) -> str:
        return "/".join((self.api_version, *parts))

    def _edge(self, edge: str, fields: tuple[str, ...]) -> Iterator[dict[str, Any]]:
        path = self._path(self.act, edge)
        return self.http.paginate(
            path, {"fields": ",".join(fields)}, cursor_paginator(self.page_size)
        )

    def _account_node(self) -> dict[str, Any]:
        """The ad account (asked once per run: its timezone decides which days are over)."""
        if self._node is None:
            self._node = self.http.get(self._path(self.act), {"fields": ",".join(ACCOUNT_FIELDS)})
        return self._node

    def account_reporting_timezone(self) -> str:
        # Insights days are the ad account's `timezone_name`, which may differ from the
        # client's (accounts created with US defaults run on Pacific time).
        return self._account_node().get("timezone_name") or self.account.timezone

    def streams(self, window: Window) -> Iterator[Stream]:
        yield Stream("account", window, [self._account_node()])
        yield Stream("campaigns", window, self._edge("campaigns", CAMPAIGN_FIELDS))
        yield Stream("adsets", window, self._edge("adsets", ADSET_FIELDS))
        yield Stream("ads", window, self._edge("ads", AD_FIELDS))
        insights_window = window.extended(self.effective_refetch_days)
        yield Stream("ad_insights", insights_window, self._insights(insights_window))

    def insight_params(self, window: Window) -> dict[str, Any]:
        removed = self.removed_metrics()
        windows = [w for w in ATTRIBUTION_WINDOWS if w not in removed]
        if removed & set(ATTRIBUTION_WINDOWS):
            self.notes["removed_metrics_skipped"] = sorted(removed & set(ATTRIBUTION_WINDOWS))
        return {
            "level": "ad",
            "time_increment": 1,
            "time_range": json.dumps(
                {"since": window.start.isoformat(), "until": window.end.isoformat()},
                separators=(",", ":"),
            ),
            "fields": ",".join(INSIGHT_FIELDS),
            "action_attribution_windows": json.dumps(windows, separators=(",", ":")),
            "action_breakdowns": "action_type",
        }

    def _insights(self, window: Window) -> Iterator[dict[str, Any]]:
        if window.days > ASYNC_AFTER_DAYS:
            yield from self._insights_async(window)
            return
        # Buffer the synchronous answer: if Meta refuses it as too large half-way, nothing
        # of it has been yielded and the async path starts clean.
        path = self._path(self.act, "insights")
        rows: list[dict[str, Any]] = []
        try:
            pages = self.http.paginate(
                path, self.insight_params(window), cursor_paginator(self.page_size)
            )
            for row in pages:
                rows.append(row)
        except DataTooLargeError:
            yield from self._insights_async(window)
            return
        except DeferredError:
            yield from rows  # throttled past the deadline: the pages fetched are still landed
            raise
        yield from rows

    def _insights_async(self, window: Window) -> Iterator[dict[str, Any]]:
        """Report run(s) over the window; a failed run is split by date and retried."""
        pending = [window]
        while pending:
            part = pending.pop(0)
            run_id, failure = self._run_report(part)
            if failure is None:
                self.notes["async_report_runs"] = self.notes.get("async_report_runs", 0) + 1
                path = self._path(run_id, "insights")
                yield from self.http.paginate(path, {}, cursor_paginator(self.page_size))
                continue
            if part.days == 1:
                raise self.permanent(
                    f"the async insights report for {part.start} failed: {failure}",
                    hint="retry later; if it keeps failing, check the account in Ads Manager",
                )
            middle = part.start + (part.end - part.start) / 2
            pending[:0] = [
                Window(part.start, middle),
                Window(middle + dt.timedelta(days=1), part.end),
            ]
            self.notes["async_report_splits"] = self.notes.get("async_report_splits", 0) + 1

    def _run_report(self, window: Window) -> tuple[str, str | None]:
        created = self.http.post(self._path(self.act, "insights"), self.insight_params(window))
        run_id = str(created["report_run_id"])
        started = self.clock()
        delay = self.poll_seconds
        fields = "id,async_status,async_percent_completion,date_start,date_stop"
        while True:
            status = self.http.get(self._path(run_id), {"fields": fields})
            state = status.get("async_status")
            if state == "Job Completed":
                return run_id, None
            if state in ("Job Failed", "Job Skipped"):
                detail = status.get("error_message") or state
                code = status.get("error_code")
                return run_id, f"{detail} (error {code})" if code else str(detail)
            if self.clock() - started > self.async_timeout:
                raise self.permanent(
                    f"the async insights report {run_id} did not finish within "
                    f"{self.async_timeout:.0f}s (last status: {state})",
                    hint="retry later; Meta's report queue can be slow at peak times",
                )
            self.http.wait(delay)
            delay = min(delay * 1.5, 30.0)
