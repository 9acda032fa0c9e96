"""The X family's side of a request: routes under ``/2/``, parameter validation with X's
problem bodies, `x-rate-limit-*` headers per endpoint, partial errors inside a 200, and its
fault responses.

Routes (docs.x.com/x-api, reference/platform_apis.md §3):

* ``GET /2/users/:id`` (`user.fields`): the user object, `public_metrics.followers_count`;
* ``GET /2/users/:id/tweets``: the timeline, newest first, `max_results` 5–100 (default 10),
  `pagination_token` ← `meta.next_token`, `start_time` / `end_time` (RFC 3339), `since_id` /
  `until_id`, `exclude`, `tweet.fields`, `expansions`; only the 3,200 most recent posts;
  `non_public_metrics` / `organic_metrics` of posts older than 30 days are withheld with one
  "Field Authorization Error" per post and field in `errors` next to `data`;
* ``GET /2/tweets/search/recent?query=conversation_id:<id>``: replies of the last 7 days,
  newest first, `max_results` 10–100, `next_token` (or `pagination_token`); with
  `expansions=referenced_tweets.id` a parent that was deleted is an `errors` entry
  ("Not Found Error", section `includes`), not a tweet in `includes`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..families import ApiCall, Response
from ..faults import FaultRule
from ..paging import short_page_count
from .world import SEARCH_REACH, XPost, fmt_x, snowflake_parts

PROBLEMS = "https://api.x.com/2/problems/"
JSON_TYPE = "application/json; charset=utf-8"

TWEET_FIELDS = (
    "attachments", "author_id", "context_annotations", "conversation_id", "created_at",
    "edit_controls", "edit_history_tweet_ids", "entities", "geo", "id", "in_reply_to_user_id",
    "lang", "non_public_metrics", "note_tweet", "organic_metrics", "possibly_sensitive",
    "promoted_metrics", "public_metrics", "referenced_tweets", "reply_settings", "text",
    "withheld",
)  # fmt: skip
"""`source` was removed on 2022-12-20 and is refused like any unknown field."""
PRIVATE_FIELDS = ("non_public_metrics", "organic_metrics", "promoted_metrics")
USER_FIELDS = (
    "created_at", "description", "id", "location", "name", "pinned_tweet_id",
    "profile_image_url", "protected", "public_metrics", "url", "username", "verified",
    "verified_type", "withheld",
)  # fmt: skip
EXPANSIONS = ("author_id", "referenced_tweets.id", "in_reply_to_user_id", "attachments.media_keys")

# Published per-user limits per 15-minute window (reference §3); the sandbox multiplies them
# by `usage_budget / 1000` (100 by default) so test suites sharing a server are not throttled.
LIMITS = {"user": 900, "timeline": 900, "search": 300}
WINDOW_SECONDS = 900


class Problem(Exception):
    """An X error answer: an RFC 7807 problem body and its HTTP status."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(body.get("detail") or body.get("title"))
        self.status = status
        self.body = body
        self.headers = headers or {}


def invalid_request(message: str, parameter: str, value: str) -> Problem:
    """X's 400 for a bad parameter (recorded shape: `errors[{parameters, message}]`, then
    `title`, `detail`, `type`)."""
    return Problem(
        400,
        {
            "errors": [{"parameters": {parameter: [value]}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": PROBLEMS + "invalid-request",
        },
    )


def _problem(status: int, kind: str, title: str, detail: str) -> Problem:
    type_ = "about:blank" if kind == "about:blank" else PROBLEMS + kind
    return Problem(status, {"title": title, "detail": detail, "type": type_, "status": status})


def unauthorized() -> Problem:
    return _problem(401, "about:blank", "Unauthorized", "Unauthorized")


def parse_rfc3339(name: str, value: str) -> dt.datetime:
    if not re.fullmatch(
        r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})", value
    ):
        raise invalid_request(
            f"Invalid '{name}':'{value}'. '{name}' must be a date in RFC 3339 format, e.g. "
            "'2026-11-02T14:05:33Z'",
            name,
            value,
        )
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(dt.UTC)


def _max_results(params: dict[str, str], low: int, high: int, default: int) -> int:
    raw = params.get("max_results")
    if raw is None:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise invalid_request(
            f"The `max_results` query parameter value [{raw}] is not between {low} and {high}",
            "max_results",
            raw,
        )
    return int(raw)


def _list(params: dict[str, str], name: str, allowed: tuple[str, ...]) -> list[str]:
    values = [v for v in (params.get(name) or "").split(",") if v]
    for value in values:
        if value not in allowed:
            raise invalid_request(
                f"The `{name}` query parameter value [{value}] is not one of [{','.join(allowed)}]",
                name,
                value,
            )
    return values


def _token(params: dict[str, str], name: str) -> tuple[int, int]:
    """(offset, page number) of a paging token made by `_next_token`; (0, 0) without one."""
    raw = params.get(name)
    if raw is None:
        return 0, 0
    match = re.fullmatch(r"7140dibdnow9c7btw(\d+)x(\d+)", raw)
    if not match:
        raise invalid_request(
            f"The `{name}` query parameter value [{raw}] is not a valid token", name, raw
        )
    return int(match.group(1)), int(match.group(2))


def _next_token(offset: int, page: int) -> str:
    """An opaque token in the shape of X's (lowercase letters and digits). It names the page
    too, so a page that came back empty (a `short_page` fault) still hands a new token."""
    return f"7140dibdnow9c7btw{offset}x{page + 1}"


@dataclass
class _Context:
    call: ApiCall
    endpoint: str | None
    limit: int
    remaining: int
    reset: int
    over: bool = False
    """This call is past the window's limit (the limit-th call itself is still served)."""


class XApi:
    """X API v2 requests over a `World`."""

    def __init__(
        self,
        world: Any,
        base_url: Callable[[], str],
        *,
        usage_budget: int = 100_000,
        documented_limits: bool = False,
        **_: Any,
    ) -> None:
        self.world = world
        self.base_url = base_url
        # Under documented limits the core enforces X's numbers (`FAMILY.rate_limits`, per user
        # and per app); the headers then count against the same published per-user numbers.
        self.scale = 1 if documented_limits else max(1, usage_budget // 1000)
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, str], tuple[int, int]] = {}  # → (window start, used)

    def health(self) -> dict[str, Any]:
        return {"x_api": "2"}

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

    @staticmethod
    def _endpoint(path: str) -> str | None:
        if re.fullmatch(r"/2/users/\d+", path):
            return "user"
        if re.fullmatch(r"/2/users/\d+/tweets", path):
            return "timeline"
        if path == "/2/tweets/search/recent":
            return "search"
        return None

    def begin(self, call: ApiCall) -> _Context:
        endpoint = self._endpoint(call.path)
        limit = LIMITS.get(endpoint or "", 300) * self.scale
        bucket = (endpoint or call.path, self._token_of(call) or "-")
        now = int(time.time())
        with self._lock:
            start, used = self._windows.get(bucket, (now, 0))
            if now >= start + WINDOW_SECONDS:
                start, used = now, 0
            used += 1
            self._windows[bucket] = (start, used)
        return _Context(
            call, endpoint, limit, max(0, limit - used), start + WINDOW_SECONDS, used > limit
        )

    @staticmethod
    def _token_of(call: ApiCall) -> str:
        auth = call.headers.get("Authorization", "") or ""
        scheme, _, value = auth.partition(" ")
        return value.strip() if scheme.lower() == "bearer" else ""

    @staticmethod
    def _headers(limit: int, remaining: int, reset: int) -> dict[str, str]:
        return {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(reset),
        }

    def _json(self, status: int, body: Any, headers: dict[str, str]) -> Response:
        return Response(status, json.dumps(body, ensure_ascii=False).encode(), JSON_TYPE, headers)

    # ------------------------------------------------------------------ faults

    def fault_response(self, ctx: _Context, rule: FaultRule, saturate: bool) -> Response:
        reset = ctx.reset
        remaining = ctx.remaining
        if saturate:
            remaining = 0
            reset = int(time.time()) + int(rule.option("reset_seconds", 3))
        headers = self._headers(ctx.limit, remaining, reset)
        kind = rule.kind
        if kind == "http_429":
            problem = _problem(429, "about:blank", "Too Many Requests", "Too Many Requests")
        elif kind == "usage_capped":
            problem = _problem(
                429,
                "usage-capped",
                "UsageCapExceeded",
                "Usage cap exceeded: Monthly product cap",
            )
        elif kind == "http_500":
            problem = _problem(500, "about:blank", "Internal Server Error", "Internal Server Error")
        elif kind == "http_503":
            problem = _problem(503, "about:blank", "Service Unavailable", "Service Unavailable")
        elif kind == "token_invalid":
            problem = unauthorized()
        elif kind == "app_only_token":
            problem = _problem(
                403,
                "unsupported-authentication",
                "Unsupported Authentication",
                "Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  "
                "Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User "
                "Context].",
            )
        else:
            raise ValueError(f"{kind} is not an X error fault")
        return self._json(problem.status, problem.body, {**headers, **problem.headers})

    # ------------------------------------------------------------------ answers

    def respond(self, ctx: _Context, usage_pct: int | None) -> Response:
        remaining = ctx.remaining
        if usage_pct is not None:
            remaining = ctx.limit * (100 - usage_pct) // 100
        headers = self._headers(ctx.limit, remaining, ctx.reset)
        try:
            if ctx.over and usage_pct is None:
                # The published budget really is spent: X's 429, until the reset.
                raise _problem(429, "about:blank", "Too Many Requests", "Too Many Requests")
            if not self._token_of(ctx.call):
                raise unauthorized()
            if ctx.call.method != "GET" or ctx.endpoint is None:
                raise _problem(
                    404, "about:blank", "Not Found Error", f"Unknown route {ctx.call.path}"
                )
            body = getattr(self, f"_{ctx.endpoint}")(ctx.call)
            return self._json(200, body, headers)
        except Problem as problem:
            return self._json(problem.status, problem.body, {**headers, **problem.headers})

    def _user(self, call: ApiCall) -> dict[str, Any]:
        user_id = call.path.rsplit("/", 1)[1]
        fields = _list(call.params, "user.fields", USER_FIELDS)
        if self.world.x_account(user_id) is None:
            # A user lookup of an unknown id is a 200 holding only `errors`.
            return {
                "errors": [
                    {
                        "value": user_id,
                        "detail": f"Could not find user with id: [{user_id}].",
                        "title": "Not Found Error",
                        "resource_type": "user",
                        "parameter": "id",
                        "resource_id": user_id,
                        "type": PROBLEMS + "resource-not-found",
                    }
                ]
            }
        full = self.world.x_user(user_id)
        keep = {"id", "name", "username", *fields}
        return {"data": {k: v for k, v in full.items() if k in keep}}

    def _tweet(self, fields: list[str], post: XPost) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": post.id,
            "text": post.text,
            "edit_history_tweet_ids": [post.id],
        }
        extra = {
            "author_id": post.account.id,
            "conversation_id": post.id,
            "created_at": fmt_x(post.created),
            "lang": post.lang,
            "possibly_sensitive": False,
            "reply_settings": "everyone",
        }
        for name in fields:
            if name in extra:
                out[name] = extra[name]
        if "public_metrics" in fields:
            out["public_metrics"] = self.world.x_public_metrics(post)
        return out

    def _timeline(self, call: ApiCall) -> dict[str, Any]:
        params = call.params
        user_id = call.path.split("/")[3]
        size = _max_results(params, 5, 100, 10)
        fields = _list(params, "tweet.fields", TWEET_FIELDS)
        _list(params, "expansions", EXPANSIONS)
        excluded = _list(params, "exclude", ("replies", "retweets"))
        del excluded  # the world's accounts post neither replies nor retweets on the timeline
        since = (
            parse_rfc3339("start_time", params["start_time"]) if "start_time" in params else None
        )
        until = parse_rfc3339("end_time", params["end_time"]) if "end_time" in params else None
        if since and until and since >= until:
            raise invalid_request(
                "The `start_time` query parameter value must be before the `end_time` "
                "query parameter value",
                "start_time",
                params["start_time"],
            )
        acct = self.world.x_account(user_id)
        if acct is None:
            raise _problem(404, "resource-not-found", "Not Found Error",
                           f"Could not find user with id: [{user_id}].")  # fmt: skip
        posts = self.world.x_visible_posts(
            acct, since, until + dt.timedelta(milliseconds=1) if until else None
        )
        for name, keep in (
            ("since_id", lambda p, v: int(p.id) > v),
            ("until_id", lambda p, v: int(p.id) < v),
        ):
            if name in params:
                if not params[name].isdigit():
                    raise invalid_request(
                        f"The `{name}` query parameter value [{params[name]}] is not valid",
                        name,
                        params[name],
                    )
                bound = int(params[name])
                posts = [p for p in posts if keep(p, bound)]
        offset, page_number = _token(params, "pagination_token")
        count = size
        rule = call.take_fault(("short_page",))
        if rule is not None:
            call.faults.append(rule.kind)
            count = short_page_count(rule.fired, size)
        page = posts[offset : offset + count]
        data, errors = [], []
        private = [f for f in fields if f in PRIVATE_FIELDS and f != "promoted_metrics"]
        for post in page:
            tweet = self._tweet(fields, post)
            if private and self.world.x_private_metrics_open(post):
                metrics = self.world.x_private_metrics(post)
                for name in private:
                    tweet[name] = metrics[name]
            elif private:
                for name in private:
                    errors.append(
                        {
                            "value": post.id,
                            "detail": f"Sorry, you are not authorized to access '{name}' on "
                            f"the Tweet with id : [{post.id}].",
                            "title": "Field Authorization Error",
                            "resource_type": "tweet",
                            "parameter": "tweet.fields",
                            "field": name,
                            "resource_id": post.id,
                            "section": "data",
                            "type": PROBLEMS + "not-authorized-for-field",
                        }
                    )
            data.append(tweet)
        meta: dict[str, Any] = {"result_count": len(data)}
        if data:
            meta["newest_id"] = data[0]["id"]
            meta["oldest_id"] = data[-1]["id"]
        if offset + count < len(posts):
            meta["next_token"] = _next_token(offset + count, page_number)
        body: dict[str, Any] = {}
        if data:
            body["data"] = data
        if errors:
            body["errors"] = errors
        body["meta"] = meta
        return body

    def _search(self, call: ApiCall) -> dict[str, Any]:
        params = call.params
        query = params.get("query", "")
        if not query:
            raise invalid_request("The `query` query parameter can not be empty", "query", "")
        if len(query) > 512:
            raise invalid_request(
                f"The `query` query parameter value [{query[:20]}…] is over 512 characters",
                "query",
                query,
            )
        size = _max_results(params, 10, 100, 10)
        fields = _list(params, "tweet.fields", TWEET_FIELDS)
        expansions = _list(params, "expansions", EXPANSIONS)
        _list(params, "user.fields", USER_FIELDS)
        reach = self.world.now - SEARCH_REACH
        for name in ("start_time", "end_time"):
            if name in params and parse_rfc3339(name, params[name]) < reach:
                raise invalid_request(
                    f"Invalid '{name}':'{params[name]}'. '{name}' must be on or after "
                    f"{reach.strftime('%Y-%m-%dT%H:%MZ')}",
                    name,
                    params[name],
                )
        terms = [t.strip() for t in query.strip().strip("()").split(" OR ")]
        ids = []
        for term in terms:
            match = re.fullmatch(r"conversation_id:(\d+)", term)
            if not match:
                raise invalid_request(
                    f"The sandbox's recent search only answers conversation_id queries, not "
                    f"[{term}]",
                    "query",
                    query,
                )
            ids.append(match.group(1))
        found = [p for p in (self.world.x_find_post(i) for i in ids) if p is not None]
        replies = [c for p in found for c in self.world.x_searchable_replies(p)]
        replies.sort(key=lambda c: (c.created, c.id), reverse=True)
        token_name = "next_token" if "next_token" in params else "pagination_token"
        offset, page_number = _token(params, token_name)
        count = size
        rule = call.take_fault(("short_page",))
        if rule is not None:
            call.faults.append(rule.kind)
            count = short_page_count(rule.fired, size)
        page = replies[offset : offset + count]
        data = []
        users: dict[str, dict[str, Any]] = {}
        parents: dict[str, dict[str, Any]] = {}
        errors: list[dict[str, Any]] = []
        for reply in page:
            tweet: dict[str, Any] = {
                "id": reply.id,
                "text": reply.text,
                "edit_history_tweet_ids": [reply.id],
            }
            extra = {
                "author_id": reply.author_id,
                "conversation_id": reply.post.id,
                "created_at": fmt_x(reply.created),
                "in_reply_to_user_id": reply.in_reply_to_user_id,
                "lang": reply.lang,
                "referenced_tweets": [{"type": "replied_to", "id": reply.parent_id}],
                "public_metrics": {
                    "retweet_count": 0,
                    "reply_count": reply.reply_count,
                    "like_count": reply.like_count,
                    "quote_count": 0,
                    "bookmark_count": 0,
                    "impression_count": reply.like_count * 40 + 12,
                },
            }
            for name in fields:
                if name in extra:
                    tweet[name] = extra[name]
            data.append(tweet)
            if "author_id" in expansions:
                users[reply.author_id] = {
                    "id": reply.author_id,
                    "name": reply.name,
                    "username": reply.username,
                }
            if "referenced_tweets.id" in expansions:
                self._include_parent(reply.post, reply.parent_id, parents, errors)
        meta: dict[str, Any] = {"result_count": len(data)}
        if data:
            meta["newest_id"] = data[0]["id"]
            meta["oldest_id"] = data[-1]["id"]
        if offset + count < len(replies):
            meta["next_token"] = _next_token(offset + count, page_number)
        body: dict[str, Any] = {}
        if data:
            body["data"] = data
        includes: dict[str, Any] = {}
        if users:
            includes["users"] = list(users.values())
        if parents:
            includes["tweets"] = list(parents.values())
        if includes:
            body["includes"] = includes
        if errors:
            body["errors"] = errors
        body["meta"] = meta
        return body

    def _include_parent(
        self,
        post: XPost,
        parent_id: str,
        parents: dict[str, dict[str, Any]],
        errors: list[dict[str, Any]],
    ) -> None:
        if parent_id in parents or any(e["resource_id"] == parent_id for e in errors):
            return
        if parent_id == post.id:
            parents[parent_id] = self._tweet(["author_id", "created_at"], post)
            return
        parent = self.world.x_find_reply(post, parent_id)
        if parent is not None and parent.visible_at(self.world.now):
            parents[parent_id] = {
                "id": parent.id,
                "text": parent.text,
                "author_id": parent.author_id,
                "created_at": fmt_x(parent.created),
                "edit_history_tweet_ids": [parent.id],
            }
            return
        # A deleted parent: recorded shape of X's partial error for an expanded reference.
        errors.append(
            {
                "value": parent_id,
                "detail": f"Could not find tweet with referenced_tweets.id: [{parent_id}].",
                "title": "Not Found Error",
                "resource_type": "tweet",
                "parameter": "referenced_tweets.id",
                "resource_id": parent_id,
                "section": "includes",
                "type": PROBLEMS + "resource-not-found",
            }
        )


def is_snowflake(value: str) -> bool:
    return snowflake_parts(value) is not None
