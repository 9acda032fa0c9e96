"""Small reusable paginators. A platform module picks one; `HttpClient.paginate` drives it.

The contract (after dlt's REST client): `init_request(params)` shapes the first request and
`next_request(body, url, params)` returns the next `(url, params)` or None when the collection
is exhausted. Paginators hold no network code, so they are tested on plain dicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

TOKEN_PARAMS = ("access_token",)


class PaginationError(Exception):
    """A next page exists that the paginator cannot follow (never a silent stop)."""


class Paginator(Protocol):
    def init_request(self, params: dict[str, Any]) -> dict[str, Any]: ...

    def next_request(
        self, body: Any, url: str, params: Mapping[str, Any]
    ) -> tuple[str, dict[str, Any]] | None: ...


def dig(body: Any, path: Sequence[str]) -> Any:
    """`body[path[0]][path[1]]…`, or None when any step is missing."""
    node = body
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


@dataclass
class CursorPaginator:
    """Cursor in the body, sent back as a parameter (Meta: `paging.cursors.after` → `after`).

    `stop_path` decides when to stop: Meta's rule is "stop when `paging.next` is missing", even
    when a page holds fewer items than asked (privacy filtering makes short and empty pages).
    """

    cursor_path: Sequence[str] = ("paging", "cursors", "after")
    param: str = "after"
    stop_path: Sequence[str] | None = ("paging", "next")
    page_size: int | None = None
    size_param: str = "limit"

    def __post_init__(self) -> None:
        self._seen: set[str] = set()

    def init_request(self, params: dict[str, Any]) -> dict[str, Any]:
        self._seen.clear()
        if self.page_size:
            params = {**params, self.size_param: self.page_size}
        return params

    def next_request(self, body, url, params):
        if self.stop_path is not None and not dig(body, self.stop_path):
            return None
        cursor = dig(body, self.cursor_path)
        if not cursor or cursor in self._seen:
            return None
        self._seen.add(cursor)
        return url, {**params, self.param: cursor}


def next_query(url: str, drop: Sequence[str] = TOKEN_PARAMS) -> dict[str, str]:
    """The query parameters of a `next` URL a platform handed back, tokens removed: the URL
    itself is never requested (it may carry a token; ours goes in a header)."""
    return {
        k: v for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True) if k not in drop
    }


@dataclass
class TimePaginator:
    """Time-based paging (Meta's Page feed edges with `since`/`until`): `paging.next` carries
    the window's new `until` and an opaque `__paging_token`, and no cursor. The next request is
    ours (same URL, token in a header) with the parameters of `next` laid over the current ones,
    so a `since` that `next` leaves out is kept."""

    next_path: Sequence[str] = ("paging", "next")
    markers: Sequence[str] = ("until", "__paging_token")
    max_repeats: int = 5
    """An empty page may hand back the `next` it was asked with (privacy filtering empties
    pages); the same `next` this many times in a row is a loop, not progress."""

    def __post_init__(self) -> None:
        self._last: tuple[str, ...] | None = None
        self._repeats = 0

    def init_request(self, params: dict[str, Any]) -> dict[str, Any]:
        self._last, self._repeats = None, 0
        return params

    def follows(self, body: Any) -> bool:
        nxt = dig(body, self.next_path)
        return bool(nxt) and any(m in next_query(str(nxt)) for m in self.markers)

    def next_request(self, body, url, params):
        nxt = dig(body, self.next_path)
        if not nxt:
            return None
        query = next_query(str(nxt))
        key = tuple(str(query.get(m)) for m in self.markers)
        if not any(m in query for m in self.markers):
            raise PaginationError(f"paging.next has no {' or '.join(self.markers)}")
        self._repeats = self._repeats + 1 if key == self._last else 0
        self._last = key
        if self._repeats >= self.max_repeats:
            raise PaginationError(
                f"paging.next repeated the same page {self._repeats + 1} times ({', '.join(key)})"
            )
        return url, {**{k: v for k, v in params.items() if k not in ("after", "before")}, **query}


@dataclass
class NextUrlPaginator:
    """Follow a full URL from the body (`paging.next`, `@odata.nextLink`, `links.next`)."""

    next_path: Sequence[str] = ("paging", "next")
    strip: Sequence[str] = ("access_token",)

    def init_request(self, params: dict[str, Any]) -> dict[str, Any]:
        return params

    def next_request(self, body, url, params):
        from connectors.http import strip_params

        nxt = dig(body, self.next_path)
        if not nxt:
            return None
        # The next URL carries every parameter already; tokens are removed and sent as headers.
        return strip_params(str(nxt), tuple(self.strip)), {}


@dataclass
class PageTokenPaginator:
    """A token in the body sent back as a parameter (YouTube `nextPageToken`, X `next_token`)."""

    token_path: Sequence[str] = ("nextPageToken",)
    param: str = "pageToken"

    def init_request(self, params: dict[str, Any]) -> dict[str, Any]:
        return params

    def next_request(self, body, url, params):
        token = dig(body, self.token_path)
        if not token:
            return None
        return url, {**params, self.param: token}


@dataclass
class OffsetPaginator:
    """`start`/`count` paging with a total (LinkedIn `paging.total`)."""

    page_size: int = 100
    start_param: str = "start"
    count_param: str = "count"
    total_path: Sequence[str] | None = ("paging", "total")
    items_path: Sequence[str] = ("elements",)

    def init_request(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**params, self.start_param: 0, self.count_param: self.page_size}

    def next_request(self, body, url, params):
        items = dig(body, self.items_path) or []
        start = int(params.get(self.start_param, 0)) + len(items)
        total = dig(body, self.total_path) if self.total_path else None
        if not items or (total is not None and start >= int(total)):
            return None
        return url, {**params, self.start_param: start}
