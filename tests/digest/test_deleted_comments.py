"""Comments deleted between two nights leave `rpt_comments_to_answer`: two extraction nights
against the sandbox (its world clock moved two days: a comment its author or the brand deleted
in between is simply no longer returned, as on the platforms), the real loader, `dbt build`.

A comment counts as deleted only when a later complete read of its post, whose reach covers the
comment, no longer returns it: X's replies older than recent search's 7 days are out of the
second night's reach and stay."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time

import pytest

from connectors.base import Window
from ruche import platforms
from ruche.fx import carry_days_to_reach

from ..conftest import NOW
from ..warehouse.test_dbt import (
    END,
    FAST_RETRY,
    TOKEN,
    WorldClockLanding,
    assert_success,
    dbt,
    load_warehouse,
    query,
)

# Two days later: X's recent search then no longer reaches a reply still waiting after night 1
LATER = NOW + dt.timedelta(days=2)
# the first night's build, the second night's extraction, load and build: minutes
pytestmark = pytest.mark.timeout(900)
NIGHT_2 = "run_20261121"
X_SEARCH_REACH = dt.timedelta(days=7)
FX_CARRY = "RUCHE_FX_MAX_CARRY_DAYS"


def later_night(morning_build, demo_config, work, cut: tuple[str, str] | None = None):
    """The first night's warehouse (morning_build: 30 days extracted at NOW) plus a later
    night: the world two days later, its yesterday with the connectors' re-fetch windows,
    loaded and built. `cut` (client, platform): that account's comments read stops on a
    throttle whose wait does not fit the run's deadline (deferred: what it read is landed,
    marked partial)."""
    from connectors.runner import extract_account
    from connectors.sandbox.server import SandboxServer
    from connectors.sandbox.world import World

    later = World(demo_config, seed=7, now=LATER)
    landing = WorldClockLanding(str(work / "landing"), LATER)
    day = END + dt.timedelta(days=2)
    with SandboxServer(later) as server:
        for client in demo_config.clients:
            for platform, accounts in client.accounts.by_platform().items():
                for account in accounts:
                    is_cut = cut == (client.id, platform)
                    if is_cut:  # Instagram media ids are digits only (Page posts have a "_")
                        server.faults.add(
                            "throttle_80002",
                            path=r"/v[0-9.]+/[0-9]+/comments$",
                            skip=3,
                            times=None,
                            regain_minutes=19,
                        )
                    result = extract_account(
                        client=client,
                        platform=platform,
                        account=account,
                        window=Window(day, day),
                        landing=landing,
                        run_id=NIGHT_2,
                        token=TOKEN,
                        base_url=server.url,
                        retry=FAST_RETRY,
                        timeout=(2.0, 5.0),
                        sleep=lambda _seconds: None,
                        deadline=time.time() + 600,
                    )
                    server.faults.clear()
                    assert result.ok != is_cut, f"{result.label}: {result.error}"
    warehouse = work / "ruche.duckdb"
    shutil.copy(morning_build, warehouse)
    load_warehouse(warehouse, demo_config, landing)
    # the bundled ECB rates carried to the later night too (tests/conftest.py: to NOW)
    saved = os.environ.get(FX_CARRY)
    os.environ[FX_CARRY] = str(carry_days_to_reach(LATER.date()))
    try:
        result, _seconds = dbt(
            warehouse, "build", "--exclude-resource-type", "unit_test", work_dir=work
        )
    finally:
        if saved is None:
            os.environ.pop(FX_CARRY, None)
        else:
            os.environ[FX_CARRY] = saved
    assert_success(result)
    return warehouse, later


@pytest.fixture(scope="module")
def second_night(morning_build, demo_config, tmp_path_factory):
    return later_night(morning_build, demo_config, tmp_path_factory.mktemp("second_night"))


def deleted_in(world, platform: str, post_id: str) -> set[str]:
    """The world's truth: ids of the post's comments deleted by the world's clock."""
    if platform in ("facebook", "instagram"):
        rows = world.comment_truth(platform, post_id)
        return {r["id"] for r in rows if r["is_deleted"]}
    if platform == "x":
        return {r["id"] for r in world.x_all_replies(post_id) if r["is_deleted"]}
    if platform == "linkedin_pages":
        rows = world.linkedin_comment_truth(post_id)
        return {r["commentUrn"] for r in rows if r["is_deleted"]}
    raise AssertionError(f"no deletion truth for {platform}")


def reread_posts(warehouse) -> set[tuple[str, str, str]]:
    """(platform, account, post) whose comments the second night read: its landed posts."""
    out = set()
    for name in platforms.names("organic"):
        parent = platforms.platform(name).entity("comments").parent
        for row in query(
            warehouse,
            f"SELECT DISTINCT _account_id AS account_id, record->>'id' AS post_id "
            f"FROM raw_{name}.{parent} WHERE _run_id = ?",
            [NIGHT_2],
        ):
            out.add((name, row["account_id"], row["post_id"]))
    return out


def to_answer(warehouse) -> set[tuple[str, str]]:
    return {
        (r["platform"], r["comment_id"])
        for r in query(warehouse, "SELECT platform, comment_id FROM marts.rpt_comments_to_answer")
    }


def test_a_comment_deleted_between_two_nights_leaves_the_list(morning_build, second_night):
    warehouse, later = second_night
    first = query(
        morning_build,
        "SELECT platform, account_id, post_id, comment_id, created_at FROM intermediate.int_comments",
    )
    reread = reread_posts(warehouse)
    cutoff = LATER - X_SEARCH_REACH + dt.timedelta(days=1)  # X: surely in the search's reach
    truth: dict[tuple[str, str], set[str]] = {}
    expected = set()
    for c in first:
        if (c["platform"], c["account_id"], c["post_id"]) not in reread:
            continue  # past the re-fetch window: not read again, nothing to say
        if c["platform"] == "x" and c["created_at"] < cutoff:
            continue  # out of the second read's reach
        key = (c["platform"], c["post_id"])
        if key not in truth:
            truth[key] = deleted_in(later, *key)
        if c["comment_id"] in truth[key]:
            expected.add((c["platform"], c["comment_id"]))
    found = {
        (r["platform"], r["comment_id"])
        for r in query(warehouse, "SELECT * FROM intermediate.int_deleted_comments")
    }
    assert found == expected
    assert {p for p, _ in found} >= {"facebook", "instagram"}, "the world deletes some each day"
    # nothing is deleted before a second read
    assert (
        query(morning_build, "SELECT count(*) AS n FROM intermediate.int_deleted_comments")[0]["n"]
        == 0
    )

    before, after = to_answer(morning_build), to_answer(warehouse)
    left = before & found
    assert left, "a comment waiting after night 1 was deleted before night 2"
    assert not left & after
    # marts that count what was received keep it
    kept = query(
        warehouse,
        "SELECT count(*) AS n FROM marts.fct_comments AS c "
        "JOIN intermediate.int_deleted_comments AS d USING (comment_key)",
    )[0]["n"]
    assert kept == len(found)


def test_a_reply_out_of_the_second_reads_reach_stays(morning_build, second_night):
    warehouse, _later = second_night
    reread = reread_posts(warehouse)
    old_x = {
        (c["platform"], c["comment_id"])
        for c in query(
            morning_build,
            "SELECT platform, account_id, post_id, comment_id, created_at "
            "FROM intermediate.int_comments WHERE platform = 'x' AND created_at < ?",
            [LATER - X_SEARCH_REACH],
        )
        if (c["platform"], c["account_id"], c["post_id"]) in reread
    }
    assert old_x, "X replies landed on night 1 that night 2's recent search cannot reach"
    found = {
        (r["platform"], r["comment_id"])
        for r in query(warehouse, "SELECT * FROM intermediate.int_deleted_comments")
    }
    assert not old_x & found
    waiting = to_answer(morning_build) & old_x
    assert waiting, "some of them were waiting after night 1"
    assert waiting <= to_answer(warehouse)


def test_a_read_cut_short_says_nothing_of_the_comments_it_did_not_reach(
    morning_build, demo_config, tmp_path
):
    """Night 2 throttles Café Lumière's Instagram comments past the run's deadline: the
    account is deferred, the comments read so far are landed and marked partial. Media whose
    comments were not read are not "without comments": nothing of that account counts as
    deleted, while the other accounts' complete reads still tell their deletions."""
    warehouse, _later = later_night(
        morning_build, demo_config, tmp_path, cut=("cafe_lumiere", "instagram")
    )
    [ledger] = query(
        warehouse,
        "SELECT read_partial, records_loaded FROM ops.load_ledger "
        "WHERE client_id = 'cafe_lumiere' AND platform = 'instagram' AND entity = 'comments' "
        "AND run_id = ?",
        [NIGHT_2],
    )
    assert ledger["read_partial"] is True and ledger["records_loaded"] > 0
    found = query(warehouse, "SELECT client_id, platform FROM intermediate.int_deleted_comments")
    assert ("cafe_lumiere", "instagram") not in {(r["client_id"], r["platform"]) for r in found}
    assert {r["platform"] for r in found} == {"facebook"}  # its deletions are still told
