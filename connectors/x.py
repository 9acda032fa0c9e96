"""X (API v2): the account's user object (follower count), its posts with their counters, and
the replies in each post's conversation.

Token: an OAuth 2.0 **user-context** access token of the account's owner (PKCE; scopes
`tweet.read users.read offline.access`), read like every token from the account's `token_env`
or `airflow_conn_id`. The private metrics (`non_public_metrics`, `organic_metrics`) need it; an
app-only bearer token is answered 403 `unsupported-authentication` (recorded for user-context
endpoints in xdevplatform/bookmarks-search#10 and plhery/node-twitter-api-v2#475). User access
tokens expire after 2 hours: whoever holds the refresh token (scope `offline.access`) refreshes
it with `POST https://api.x.com/2/oauth2/token` (`grant_type=refresh_token`, the app's client
id) before the nightly run and writes the new access token where the account points; Ruche
only reads it. A 401 says so in its "What to do".

What is read:

* `GET /2/users/:id?user.fields=public_metrics,…` → `user` (snapshot): `followers_count` is
  the current value only; X keeps no follower history, so each run's snapshot is the history.
* `GET /2/users/:id/tweets` → `posts` (snapshot), replies and retweets excluded, `start_time` /
  `end_time` over the window plus `REFETCH_DAYS` (30) before it, 100 per page,
  `meta.next_token` → `pagination_token`. Only the 3,200 most recent posts are reachable.
  `public_metrics` are live counters for any post; `non_public_metrics` and `organic_metrics`
  only for posts of the last 30 days: older posts come with one "Field Authorization Error"
  (`https://api.x.com/2/problems/not-authorized-for-field`, section `data`) per post and field
  in `errors` next to `data` (shape recorded in a public X client's test, e.g. "Sorry, you are
  not authorized to access 'parody' on the user with id : [9]."; the per-post wording is
  inferred). Those are counted in the notes (`private_metrics_withheld`) and the metrics are
  NULL in the marts, never zero.
* `GET /2/tweets/search/recent?query=conversation_id:<id> OR …` → `comments` (replies, flat,
  `_parent_id` = the conversation's root post): batched up to the 512-character query limit
  (13 posts a query), 100 per page, `next_token`; `expansions=author_id,referenced_tweets.id`,
  the author's `includes.users` entry kept in the record's `_ruche.author`. **Recent search
  reaches the last 7 days only**: the nightly run captures each reply while it is reachable; a
  backfill cannot recover replies older than 7 days at extraction time (full-archive search is
  another access level), and the marts show those days as not covered
  (`stg_x__extraction_windows` starts the reply coverage at the first whole day in reach),
  never as days with zero replies.
* Partial errors inside a 200 (`errors` next to `data`: a deleted parent in `includes`, a
  withheld post) are kept: counted by problem type with examples in the run's notes
  (`partial_errors`, which reach `ops`) and logged as warnings.

Rate limits: `x-rate-limit-limit/-remaining/-reset` on every answer (per endpoint, 15-minute
windows; reset is an absolute epoch). The HTTP core paces requests as `remaining` shrinks and,
when it reaches 0 or X answers 429, waits until the reset (`connectors/x_api.py`).

Unverified and left so: the exact wording of the per-post private-metrics error; whether X
marks hidden replies in search results (the v2 tweet object has no hidden flag, so
`is_hidden` is NULL in the marts); how full-archive search is priced under pay-per-use.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

from connectors.base import Connector, Stream, Window, with_context
from connectors.x_api import (
    X_API_VERSION,
    X_BASE_URL,
    PartialErrors,
    XPaginator,
    classify_x,
    read_x_usage,
    x_time,
)
from ruche.platforms.x import X

log = logging.getLogger(__name__)

USER_FIELDS = ("public_metrics", "username", "name", "created_at")
TWEET_FIELDS = (
    "created_at",
    "author_id",
    "conversation_id",
    "lang",
    "public_metrics",
    "non_public_metrics",
    "organic_metrics",
)
PRIVATE_FIELDS = ("non_public_metrics", "organic_metrics")
REPLY_FIELDS = (
    "created_at",
    "author_id",
    "conversation_id",
    "in_reply_to_user_id",
    "referenced_tweets",
    "lang",
    "public_metrics",
)
REPLY_EXPANSIONS = ("author_id", "referenced_tweets.id")
QUERY_LIMIT = 512  # recent search's query length
TIMELINE_PAGE = (5, 100)
SEARCH_PAGE = (10, 100)

REFETCH_DAYS = X.refetch_days


def _clamp(size: int, bounds: tuple[int, int]) -> int:
    return max(bounds[0], min(bounds[1], size))


def conversation_queries(post_ids: list[str], limit: int = QUERY_LIMIT) -> Iterator[str]:
    """`conversation_id:a OR conversation_id:b …` queries, each within `limit` characters."""
    current: list[str] = []
    for post_id in post_ids:
        term = f"conversation_id:{post_id}"
        if current and len(" OR ".join([*current, term])) > limit:
            yield " OR ".join(current)
            current = []
        current.append(term)
    if current:
        yield " OR ".join(current)


class XAccount(Connector):
    platform = X.name
    api_version = X_API_VERSION
    default_base_url = X_BASE_URL
    entities = X.entity_names
    refetch_days = REFETCH_DAYS

    @classmethod
    def http_hooks(cls) -> dict[str, Any]:
        return {"classify": classify_x, "read_usage": read_x_usage}

    def _path(self, *parts: str) -> str:
        return "/".join((self.api_version, *parts))

    def streams(self, window: Window) -> Iterator[Stream]:
        user_id = self.account.account_id
        removed = self.removed_metrics()
        asked = set(self.account.fields or ())
        dropped = sorted(asked & removed)
        if dropped:
            self.notes["removed_metrics_skipped"] = dropped
        tweet_fields = [*TWEET_FIELDS, *sorted(asked - removed - set(TWEET_FIELDS))]
        dropped_defaults = [f for f in tweet_fields if f in removed]
        if dropped_defaults:
            self.notes["removed_metrics_skipped"] = sorted({*dropped, *dropped_defaults})
        tweet_fields = [f for f in tweet_fields if f not in removed and f in _KNOWN_TWEET_FIELDS]
        partial = PartialErrors(withheld_fields=PRIVATE_FIELDS)

        yield Stream("user", window, self._user(user_id, partial))
        post_window = window.extended(self.effective_refetch_days)
        post_ids: list[str] = []
        yield Stream(
            "posts", post_window, self._posts(post_window, tweet_fields, post_ids, partial)
        )
        yield Stream("comments", post_window, self._replies(post_ids, partial))

    def _note(self, partial: PartialErrors) -> None:
        self.notes["private_metrics_withheld"] = partial.private_withheld
        if partial.count:
            self.notes["partial_errors"] = partial.notes()

    def _user(self, user_id: str, partial: PartialErrors) -> Iterator[dict[str, Any]]:
        body = self.http.get(self._path("users", user_id), {"user.fields": ",".join(USER_FIELDS)})
        partial.add(body)
        self._note(partial)
        yield body["data"]

    def _posts(
        self, window: Window, fields: list[str], collect: list[str], partial: PartialErrors
    ) -> Iterator[dict[str, Any]]:
        since, until = window.local_bounds(self.account.timezone)
        params = {
            "start_time": x_time(since),
            # `end_time` is inclusive at X; the last second of the window's last day.
            "end_time": x_time(until - dt.timedelta(seconds=1)),
            "exclude": "retweets,replies",
            "tweet.fields": ",".join(fields),
        }
        paginator = XPaginator("pagination_token", _clamp(self.page_size, TIMELINE_PAGE))

        def items(body: Any) -> list[Any]:
            partial.add(body)
            return body.get("data") or []

        path = self._path("users", self.account.account_id, "tweets")
        for post in self.http.paginate(path, params, paginator, items):
            collect.append(post["id"])
            yield post
        self._note(partial)
        self._warn(partial, "posts")

    def _replies(self, post_ids: list[str], partial: PartialErrors) -> Iterator[dict[str, Any]]:
        params = {
            "tweet.fields": ",".join(REPLY_FIELDS),
            "expansions": ",".join(REPLY_EXPANSIONS),
            "user.fields": "username,name",
        }
        path = self._path("tweets", "search", "recent")
        size = _clamp(self.page_size, SEARCH_PAGE)
        for query in conversation_queries(post_ids):
            users: dict[str, dict[str, Any]] = {}

            def items(body: Any, users: dict[str, dict[str, Any]] = users) -> list[Any]:
                partial.add(body)
                for user in dig_list(body, "includes", "users"):
                    users[str(user.get("id"))] = user
                return body.get("data") or []

            for reply in self.http.paginate(
                path, {**params, "query": query}, XPaginator("next_token", size), items
            ):
                author = users.get(str(reply.get("author_id")))
                yield with_context(
                    reply,
                    parent_id=reply.get("conversation_id"),
                    author={"username": author.get("username"), "name": author.get("name")}
                    if author
                    else None,
                )
        self._note(partial)
        self._warn(partial, "comments")

    def _warn(self, partial: PartialErrors, entity: str) -> None:
        if partial.count:
            log.warning(
                "%s: %s: X returned %d partial error(s) inside successful answers so far (%s); "
                "kept in the run's notes",
                self.account.error_context().describe(),
                entity,
                partial.count,
                ", ".join(f"{k}: {v}" for k, v in sorted(partial.by_type.items())),
            )


def dig_list(body: Any, *path: str) -> list[dict[str, Any]]:
    node = body
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    return [x for x in node if isinstance(x, dict)] if isinstance(node, list) else []


_KNOWN_TWEET_FIELDS = frozenset(
    (*TWEET_FIELDS, "attachments", "entities", "referenced_tweets", "in_reply_to_user_id",
     "possibly_sensitive", "reply_settings", "edit_history_tweet_ids")
)  # fmt: skip
"""An account's `fields` may add tweet fields X knows; anything else is ignored."""
