"""Window and re-fetch arithmetic, and which days a connector may request at a given instant."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest

from connectors.base import Window, last_complete_day

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


def test_last_complete_day_is_per_timezone():
    # 02:00 in Toronto (the default nightly schedule) is 23:00 the evening before in Los Angeles.
    night = dt.datetime(2026, 11, 20, 7, 0, tzinfo=dt.UTC)
    assert last_complete_day(night, "America/Toronto") == D(2026, 11, 19)
    assert last_complete_day(night, "America/Los_Angeles") == D(2026, 11, 18)
    assert last_complete_day(night + dt.timedelta(hours=1), "America/Los_Angeles") == D(
        2026, 11, 19
    )
    assert Window(D(2026, 11, 1), D(2026, 11, 19)).up_to(D(2026, 11, 18)) == Window(
        D(2026, 11, 1), D(2026, 11, 18)
    )
    assert Window(D(2026, 11, 19), D(2026, 11, 19)).up_to(D(2026, 11, 18)) == Window(
        D(2026, 11, 18), D(2026, 11, 18)
    )


NIGHT = dt.datetime(2026, 11, 20, 7, 0, tzinfo=dt.UTC)  # 02:00 Toronto, 23:00 Los Angeles
YESTERDAY = Window(D(2026, 11, 19), D(2026, 11, 19))  # yesterday in Toronto at that time


def _extract_at(now, client_id, platform, sandbox, demo_config, tmp_path):
    from connectors.landing import LandingZone
    from connectors.runner import extract_account

    sandbox.reset_stats()
    client = demo_config.client(client_id)
    result = extract_account(
        client=client,
        platform=platform,
        account=getattr(client.accounts, platform)[0],
        window=YESTERDAY,
        landing=LandingZone(str(tmp_path / f"{client_id}_{platform}")),
        run_id="scheduled__night",
        token="sandbox-token",
        base_url=sandbox.url,
        now=now,
    )
    assert result.ok, result.error
    return result


def _requested_days(requests) -> list[str]:
    """The last day each daily-insights or ads-insights request covers."""
    last = []
    for request in requests:
        params = request["params"]
        if params.get("period") == "day":  # Graph daily insights: `until` is exclusive
            last.append((D.fromisoformat(params["until"]) - dt.timedelta(days=1)).isoformat())
        elif "time_range" in params:
            last.append(json.loads(params["time_range"])["until"])
    return last


@pytest.mark.parametrize("platform", ["facebook", "instagram"])
def test_a_pacific_day_not_over_is_never_requested(platform, sandbox, demo_config, tmp_path):
    # The nightly run at 02:00 Toronto asks for "yesterday" (19 Nov), but Meta counts Page and
    # Instagram days in Pacific time, where 19 Nov still has an hour to go: asking for it would
    # land a day that is not over.
    result = _extract_at(NIGHT, "cafe_lumiere", platform, sandbox, demo_config, tmp_path)
    days = _requested_days(sandbox.requests)
    assert days, "no daily insights were requested"
    assert max(days) == "2026-11-18"
    assert result.notes["days_not_over"] == {
        "requested": ["2026-11-19", "2026-11-19"],
        "extracted": ["2026-11-18", "2026-11-18"],
        "reporting_timezone": "America/Los_Angeles",
    }
    # The night's last task repeats it, per account.
    from ruche.orchestration import days_not_over

    ref = {"client_id": "cafe_lumiere", "platform": platform, "account_id": result.account_id}
    assert days_not_over([ref], [result.summary()]) == [
        f"cafe_lumiere/{platform}/{result.account_id}: extracted up to 2026-11-18, 2026-11-19 "
        "is not over yet in America/Los_Angeles (the next run fetches it)"
    ]
    # An hour later the Pacific day is over and it is requested.
    sandbox.reset_stats()
    later = _extract_at(
        NIGHT + dt.timedelta(hours=1), "cafe_lumiere", platform, sandbox, demo_config, tmp_path
    )
    assert max(_requested_days(sandbox.requests)) == "2026-11-19"
    assert "days_not_over" not in later.notes


def test_ad_account_days_follow_the_ad_account_timezone(sandbox, demo_config, tmp_path):
    # Café Lumière's ad account runs on Pacific time (the platform says so in `timezone_name`),
    # Stride Athletics' on London time: at the same instant one day is over and the other not.
    pacific = _extract_at(NIGHT, "cafe_lumiere", "meta_ads", sandbox, demo_config, tmp_path)
    assert max(_requested_days(sandbox.requests)) == "2026-11-18"
    assert pacific.notes["days_not_over"]["reporting_timezone"] == "America/Los_Angeles"
    london = _extract_at(NIGHT, "stride_athletics", "meta_ads", sandbox, demo_config, tmp_path)
    assert max(_requested_days(sandbox.requests)) == "2026-11-19"
    assert "days_not_over" not in london.notes
    account_reads = [r for r in sandbox.requests if r["path"].endswith("act_100000000000002")]
    assert len(account_reads) == 1  # the timezone comes from the account read it lands anyway
