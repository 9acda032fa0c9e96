"""Paginators on plain response bodies (the HTTP side is tested against the sandbox)."""

from __future__ import annotations

from connectors.paginators import (
    CursorPaginator,
    NextUrlPaginator,
    OffsetPaginator,
    PageTokenPaginator,
)


def test_cursor_follows_after_until_next_is_missing():
    pager = CursorPaginator(page_size=100)
    params = pager.init_request({"fields": "id"})
    assert params == {"fields": "id", "limit": 100}
    short_page = {"data": [{"id": 1}], "paging": {"cursors": {"after": "A"}, "next": "http://x"}}
    assert pager.next_request(short_page, "u", params) == ("u", {**params, "after": "A"})
    empty_with_next = {"data": [], "paging": {"cursors": {"after": "B"}, "next": "http://x"}}
    assert pager.next_request(empty_with_next, "u", params)[1]["after"] == "B"
    last = {"data": [{"id": 2}], "paging": {"cursors": {"after": "C"}}}
    assert pager.next_request(last, "u", params) is None


def test_cursor_stops_on_a_repeated_cursor():
    pager = CursorPaginator()
    params = pager.init_request({})
    body = {"data": [], "paging": {"cursors": {"after": "same"}, "next": "n"}}
    assert pager.next_request(body, "u", params) is not None
    assert pager.next_request(body, "u", params) is None


def test_next_url_strips_the_token():
    pager = NextUrlPaginator()
    body = {"paging": {"next": "https://h/v25.0/1/posts?limit=25&access_token=SECRET&after=Q"}}
    url, params = pager.next_request(body, "u", {})
    assert "SECRET" not in url and "access_token" not in url
    assert "after=Q" in url and params == {}
    assert pager.next_request({"paging": {}}, "u", {}) is None


def test_page_token_and_offset():
    tokens = PageTokenPaginator()
    assert tokens.next_request({"nextPageToken": "T"}, "u", {"a": 1}) == (
        "u",
        {"a": 1, "pageToken": "T"},
    )
    assert tokens.next_request({}, "u", {}) is None
    offset = OffsetPaginator(page_size=2)
    params = offset.init_request({})
    body = {"elements": [1, 2], "paging": {"total": 3}}
    url, params = offset.next_request(body, "u", params)
    assert params["start"] == 2
    assert offset.next_request({"elements": [3], "paging": {"total": 3}}, url, params) is None
