"""Small reusable paginators. A platform module picks one; `HttpClient.paginate` drives it.

The contract (after dlt's REST client): `init_request(params)` shapes the first request and
`next_request(body, url, params)` returns the next `(url, params)` or None when the collection
is exhausted. Paginators hold no network code, so they are tested on plain dicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol


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
