"""The LinkedIn family's side of a request: the versioned REST API under ``/rest/``.

Every call needs `LinkedIn-Version: YYYYMM` (missing: 400 VERSION_MISSING; a version not
active at the world's clock: 426 NONEXISTENT_VERSION) and `X-Restli-Protocol-Version: 2.0.0`,
and a bearer token. Rest.li 2.0 query values are read from the raw query string: URNs inside
`List(…)` and in paths must be percent-encoded, `timeIntervals=(timeRange:(start:…,end:…),
timeGranularityType:DAY)` is structure (its parentheses, colons and commas not encoded).
Collections page with `start`/`count` and answer `{paging:{start,count,links,total},
elements}`; a `next` link is given while elements remain.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote

from ..families import ApiCall, Response
from ..faults import LIST_KINDS, FaultRule
from ..paging import short_page_count
from . import errors
from .errors import RestliError
from .faults import fault_error
from .world import ORG_PREFIX, utc_midnight

log = logging.getLogger(__name__)

JSON_TYPE = "application/json"
PAGE_MAX = {"posts": 100, "socialActions": 100}
"""Largest `count` per collection (Posts API and Comments API: 100); more is clamped."""
PAGE_DEFAULT = 10
SUPPORTED_YEARS = 1
"""A monthly version is served for one year after its month (LinkedIn: "at least 1 year")."""


def version_sunset(version: str) -> dt.date:
    """When the sandbox stops serving `version` (`YYYYMM`): the 15th of its month a year on, as
    LinkedIn's migrations table dates them (202510 → 2026-10-15)."""
    return dt.date(int(version[:4]) + SUPPORTED_YEARS, int(version[4:]), 15)


def version_active(version: str, today: dt.date) -> bool:
    if not re.fullmatch(r"20\d\d(0[1-9]|1[0-2])", version):
        return False
    released = dt.date(int(version[:4]), int(version[4:]), 1)
    return released <= today < version_sunset(version)


def raw_params(raw_query: str) -> dict[str, str]:
    """Query parameters with their values as sent (names decoded)."""
    out: dict[str, str] = {}
    for part in raw_query.split("&"):
        if part:
            name, _, value = part.partition("=")
            out[unquote(name)] = value
    return out


def restli_list(raw: str) -> list[str]:
    """The members of a Rest.li 2.0 `List(a,b)`; a member with an unencoded `:` or `(` is
    refused, as LinkedIn needs list members percent-encoded."""
    match = re.fullmatch(r"List\((.*)\)", raw)
    if match is None:
        raise errors.bad_request(f"Invalid list parameter: {unquote(raw)}")
    members = [m for m in match.group(1).split(",") if m]
    for member in members:
        if re.search(r"[:()]", member):
            raise errors.bad_request(
                f"Invalid value in List(): {member}; URNs in Rest.li 2.0 lists must be "
                "URL-encoded (urn%3Ali%3Ashare%3A…)"
            )
    return [unquote(m) for m in members]


_TIME_INTERVALS = re.compile(
    r"\(timeRange:\(start:(\d+),end:(\d+)\),timeGranularityType:(DAY|MONTH)\)"
    r"|\(timeGranularityType:(DAY|MONTH),timeRange:\(start:(\d+),end:(\d+)\)\)"
)


def time_intervals(raw: str) -> tuple[int, int, str]:
    """(start ms, end ms, granularity) of a Rest.li 2.0 `timeIntervals` value."""
    match = _TIME_INTERVALS.fullmatch(raw)
    if match is None:
        raise errors.malformed_time_intervals()
    if match.group(1):
        return int(match.group(1)), int(match.group(2)), match.group(3)
    return int(match.group(5)), int(match.group(6)), match.group(4)


def projection(raw: str | None) -> frozenset[str] | None:
    """The metrics a Rest.li `fields` projection keeps under `totalShareStatistics`
    (None: no projection, every field)."""
    if raw is None:
        return None
    match = re.search(r"totalShareStatistics:\(([^)]*)\)", unquote(raw))
    if match is None:
        return None
    return frozenset(x for x in match.group(1).split(",") if x)


def path_urn(segment: str) -> str:
    """A URN path key: percent-encoded as LinkedIn requires (a raw `:` is refused)."""
    if ":" in segment or "(" in segment:
        raise errors.bad_request(
            f"Invalid resource key {segment}: URNs in the path must be URL-encoded"
        )
    return unquote(segment)


@dataclass
class _Context:
    call: ApiCall
    resource: str
    version: str


class LinkedInApi:
    """LinkedIn Pages requests over a `World`; LinkedIn Ads' (`/rest/adAccounts/…`,
    `/rest/adAnalytics`) are answered by `ads_api.py`."""

    def __init__(self, world: Any, base_url: Callable[[], str], **_options: Any) -> None:
        from .ads_api import LinkedInAdsApi

        self.world = world
        self.base_url = base_url
        self._ads = LinkedInAdsApi(world)

    def health(self) -> dict[str, Any]:
        today = self.world.now.date()
        return {"linkedin_versions": f"YYYYMM released by {today} and less than a year old"}

    def reset(self) -> None:
        """LinkedIn sends no usage headers: nothing is metered."""

    def begin(self, call: ApiCall) -> _Context:
        parts = call.path.strip("/").split("/")
        resource = parts[1] if len(parts) > 1 else ""
        version = (call.headers.get("LinkedIn-Version") or "").strip()
        return _Context(call, resource, version)

    def fault_response(self, ctx: _Context, rule: FaultRule, saturate: bool) -> Response:
        error = fault_error(rule, ctx.resource, ctx.version)
        if isinstance(error, tuple):
            status, content_type, body = error
            return Response(status, body, content_type)
        return self._error(error)

    @staticmethod
    def _error(error: RestliError) -> Response:
        return Response(error.status, json.dumps(error.body()).encode(), JSON_TYPE, error.headers)

    def respond(self, ctx: _Context, usage_pct: int | None) -> Response:
        call = ctx.call
        try:
            body = self._handle(ctx)
        except RestliError as exc:
            return self._error(exc)
        except Exception:
            log.exception("sandbox failed on %s %s", call.method, call.path)
            return self._error(RestliError(500, "Internal Server Error"))
        return Response(200, json.dumps(body, ensure_ascii=False).encode(), JSON_TYPE)

    # ------------------------------------------------------------------ requests

    def _handle(self, ctx: _Context) -> dict[str, Any]:
        call = ctx.call
        auth = call.headers.get("Authorization") or ""
        if not auth.lower().startswith("bearer ") or not auth[7:].strip():
            raise errors.empty_token()
        if not ctx.version:
            raise errors.version_missing()
        if not version_active(ctx.version, self.world.now.date()):
            raise errors.version_not_active(ctx.version)
        protocol = (call.headers.get("X-Restli-Protocol-Version") or "").strip()
        if protocol != "2.0.0":
            raise errors.protocol_required(protocol)
        if call.method != "GET":
            raise errors.RestliError(405, f"Method {call.method} not allowed on {call.path}")
        parts = call.path.strip("/").split("/")
        raw = raw_params(call.raw_query)
        if parts[:2] == ["rest", "networkSizes"] and len(parts) == 3:
            return self._network_size(path_urn(parts[2]), call.params)
        if parts == ["rest", "posts"]:
            return self._posts(ctx, raw)
        if parts[:2] == ["rest", "socialActions"] and len(parts) == 4 and parts[3] == "comments":
            return self._comments(ctx, path_urn(parts[2]))
        if parts == ["rest", "organizationalEntityShareStatistics"]:
            return self._share_statistics(call.params, raw)
        if parts == ["rest", "organizationalEntityFollowerStatistics"]:
            return self._follower_statistics(call.params, raw)
        if parts[:2] == ["rest", "adAccounts"] and len(parts) in (3, 4):
            return self._ads.account_resource(ctx, parts[2], parts[3] if len(parts) == 4 else "")
        if parts == ["rest", "adAnalytics"]:
            return self._ads.analytics(ctx, raw)
        raise errors.not_found(call.path)

    def _org(self, urn: str | None) -> Any:
        if not urn or not urn.startswith(ORG_PREFIX):
            raise errors.bad_request(f"Invalid organization URN: {urn}")
        try:
            return self.world.li_org(urn)
        except KeyError:
            # LinkedIn answers a page the member may not administer with ACCESS_DENIED.
            raise errors.access_denied("organization", "") from None

    def _network_size(self, urn: str, params: dict[str, str]) -> dict[str, Any]:
        if params.get("edgeType") != "COMPANY_FOLLOWED_BY_MEMBER":
            raise errors.bad_request(
                "edgeType must be COMPANY_FOLLOWED_BY_MEMBER for an organization"
            )
        self._org(urn)
        return {"firstDegreeSize": self.world.linkedin_network_size(urn)}

    # ------------------------------------------------------------------ collections

    def _page(self, ctx: _Context, items: list[dict[str, Any]], maximum: int) -> dict[str, Any]:
        params = ctx.call.params
        try:
            start = int(params.get("start", 0))
            count = int(params.get("count", PAGE_DEFAULT))
        except ValueError:
            raise errors.bad_request("start and count must be integers") from None
        if start < 0 or count < 0:
            raise errors.bad_request("start and count must not be negative")
        count = min(count, maximum)
        served = items[start : start + count]
        rule = ctx.call.take_fault(LIST_KINDS)
        if rule is not None:
            ctx.call.faults.append(rule.kind)
            # At least one element: with offset paging an empty page must point `next` at the
            # same `start`, which a client cannot tell from a loop; the shared rule's empty
            # page (every third firing, counted across concurrent requests) made 5 in a row
            # likely enough over a 12-night soak to fail it.
            served = served[: max(1, short_page_count(rule.fired, count))]
        after = start + len(served)
        links = []
        if after < len(items):
            links.append(self._link(ctx, "next", after, count))
        if start > 0:
            links.append(self._link(ctx, "prev", max(0, start - count), count))
        return {
            "paging": {"start": start, "count": count, "links": links, "total": len(items)},
            "elements": served,
        }

    @staticmethod
    def _link(ctx: _Context, rel: str, start: int, count: int) -> dict[str, str]:
        kept = [
            p for p in ctx.call.raw_query.split("&") if p and not p.startswith(("start=", "count="))
        ]
        query = "&".join([*kept, f"start={start}", f"count={count}"])
        return {"type": "application/json", "rel": rel, "href": f"{ctx.call.path}?{query}"}

    def _posts(self, ctx: _Context, raw: dict[str, str]) -> dict[str, Any]:
        params = ctx.call.params
        if params.get("q") != "author":
            raise errors.bad_request("q=author is the finder this sandbox serves on /rest/posts")
        acct = self._org(params.get("author"))
        sort = params.get("sortBy", "LAST_MODIFIED")
        if sort not in ("LAST_MODIFIED", "CREATED"):
            raise errors.bad_request(f"Invalid sortBy: {sort}")
        posts = self.world.li_visible_posts(acct.id)
        if sort == "LAST_MODIFIED":
            posts.sort(
                key=lambda p: p.edited if p.edited and p.edited <= self.world.now else p.created,
                reverse=True,
            )
        items = [self.world.li_post_fields(p) for p in posts]
        return self._page(ctx, items, PAGE_MAX["posts"])

    def _comments(self, ctx: _Context, target: str) -> dict[str, Any]:
        items = self.world.li_thread(target)
        if items is None:
            raise errors.not_found(ctx.call.path)
        return self._page(ctx, items, PAGE_MAX["socialActions"])

    # ------------------------------------------------------------------ statistics

    def _interval(self, raw: dict[str, str]) -> tuple[dt.date, dt.date] | None:
        """The UTC days a `timeIntervals` asks for, checked against LinkedIn's rules: no
        earlier than 12 months ago (else 400). Days younger than 2 days are not served."""
        value = raw.get("timeIntervals")
        if value is None:
            return None
        start_ms, end_ms, granularity = time_intervals(value)
        if granularity != "DAY" or end_ms <= start_ms:
            raise errors.invalid_time_intervals()
        today = self.world.li_today()
        earliest = utc_midnight(today.replace(year=today.year - 1))
        start = dt.datetime.fromtimestamp(start_ms / 1000, dt.UTC)
        end = dt.datetime.fromtimestamp(end_ms / 1000, dt.UTC)
        if start < earliest:
            raise errors.invalid_time_intervals()
        first = (
            start.date()
            if start == utc_midnight(start.date())
            else start.date() + dt.timedelta(days=1)
        )
        last = (end - dt.timedelta(milliseconds=1)).date()
        if end != utc_midnight(end.date()):
            last = end.date() - dt.timedelta(days=1)
        return first, min(last, self.world.li_last_stats_day())

    @staticmethod
    def _range(day: dt.date) -> dict[str, int]:
        start = utc_midnight(day)
        return {
            "start": int(start.timestamp()) * 1000,
            "end": int(start.timestamp() + 86400) * 1000,
        }

    def _share_statistics(self, params: dict[str, str], raw: dict[str, str]) -> dict[str, Any]:
        if params.get("q") != "organizationalEntity":
            raise errors.bad_request("q=organizationalEntity is required")
        org = params.get("organizationalEntity")
        acct = self._org(org)
        urn = f"{ORG_PREFIX}{acct.id}"
        interval = self._interval(raw)
        posts: list[tuple[str, str]] = []
        for field_name, kind in (("shares", "share"), ("ugcPosts", "ugcPost")):
            if field_name in raw:
                posts.extend((kind, u) for u in restli_list(raw[field_name]))
        elements: list[dict[str, Any]] = []
        if posts:
            if interval is not None:
                raise errors.bad_request("per-post statistics are served as lifetime totals here")
            for kind, post_urn in posts:
                post = self.world.li_find_post(post_urn)
                if (
                    post is None
                    or post.account.id != acct.id
                    or not post_urn.startswith(f"urn:li:{kind}:")
                ):
                    continue  # LinkedIn leaves out posts it has no statistics for
                elements.append(
                    {
                        "organizationalEntity": urn,
                        kind: post_urn,
                        "totalShareStatistics": self.world.linkedin_post_statistics(post_urn),
                    }
                )
        elif interval is not None:
            day, last = interval
            while day <= last:
                elements.append(
                    {
                        "organizationalEntity": urn,
                        "timeRange": self._range(day),
                        "totalShareStatistics": self.world.linkedin_daily_share_statistics(
                            acct.id, day
                        ),
                    }
                )
                day += dt.timedelta(days=1)
        else:
            raise errors.bad_request("the sandbox serves lifetime statistics per post only")
        keep = projection(raw.get("fields"))
        if keep is not None:
            for element in elements:
                stats = element["totalShareStatistics"]
                element["totalShareStatistics"] = {k: v for k, v in stats.items() if k in keep}
        return {"paging": {"start": 0, "count": 10, "links": []}, "elements": elements}

    def _follower_statistics(self, params: dict[str, str], raw: dict[str, str]) -> dict[str, Any]:
        if params.get("q") != "organizationalEntity":
            raise errors.bad_request("q=organizationalEntity is required")
        acct = self._org(params.get("organizationalEntity"))
        interval = self._interval(raw)
        if interval is None:
            raise errors.bad_request("the sandbox serves time-bound follower statistics only")
        urn = f"{ORG_PREFIX}{acct.id}"
        elements = []
        day, last = interval
        while day <= last:
            elements.append(
                {
                    "organizationalEntity": urn,
                    "timeRange": self._range(day),
                    "followerGains": self.world.linkedin_follower_gains(acct.id, day),
                }
            )
            day += dt.timedelta(days=1)
        return {"paging": {"start": 0, "count": 10, "links": []}, "elements": elements}


def encoded(urn: str) -> str:
    """A URN percent-encoded as LinkedIn wants it in paths and lists (tests use it)."""
    return quote(urn, safe="")
