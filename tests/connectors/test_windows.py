"""Window and re-fetch arithmetic."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from connectors.base import Window

D = dt.date


def test_refetch_extends_backwards_only():
    window = Window(D(2026, 11, 1), D(2026, 11, 20))
    extended = window.extended(28)
    assert extended == Window(D(2026, 10, 4), D(2026, 11, 20))
    assert extended.days == 20 + 28
    assert window.extended(0) == window


def test_refetch_crosses_month_and_year():
    assert Window(D(2027, 1, 1), D(2027, 1, 1)).extended(3).start == D(2026, 12, 29)
    assert Window(D(2028, 3, 1), D(2028, 3, 1)).extended(1).start == D(2028, 2, 29)


def test_chunks_cover_the_window_exactly():
    window = Window(D(2026, 1, 1), D(2026, 12, 31))
    chunks = list(window.chunks(90))
    assert chunks[0].start == window.start and chunks[-1].end == window.end
    assert all(c.days <= 90 for c in chunks)
    assert sum(c.days for c in chunks) == window.days
    for left, right in itertools.pairwise(chunks):
        assert right.start == left.end + dt.timedelta(days=1)


def test_local_bounds_follow_dst():
    # Toronto switches to EST on 2026-11-01: that local day lasts 25 hours.
    since, until = Window(D(2026, 11, 1), D(2026, 11, 1)).local_bounds("America/Toronto")
    assert (until - since) == dt.timedelta(hours=25)
    assert since == dt.datetime(2026, 11, 1, 4, tzinfo=dt.UTC)  # EDT midnight
    assert until == dt.datetime(2026, 11, 2, 5, tzinfo=dt.UTC)  # EST midnight


def test_inverted_window_is_refused():
    with pytest.raises(ValueError, match="after its end"):
        Window(D(2026, 11, 2), D(2026, 11, 1))
