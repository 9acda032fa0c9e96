"""Sandbox webhooks → the real receiver → a real Redis stream → `land_events` → `load_events`
(the real Loader, GX audit on) → `refresh_comment_models` (a real dbt build selection): each
announced comment is in `fct_comments` once, despite Meta's duplicates and out-of-order
deliveries; then the real second night (extract from the sandbox world, load, `dbt build`)
reconciles: the same comment ids, none twice, the extract's fields win, and the comments whose
webhook never came arrive from the extract. And crash safety: a run that dies before its XACK
re-reads its entries and the marts still hold each comment once."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from pathlib import Path

import pytest
import redis
import requests
import yaml

from connectors.base import Window
from connectors.landing import LandingZone
from connectors.sandbox.meta_graph.webhooks import comment_events
from connectors.sandbox.server import SandboxServer
from connectors.sandbox.world import World
from ruche.events import land_events, load_events, refresh_comment_models
from ruche.transform import build as dbt_build
from ruche.webhooks.queue import make_entry

from ..conftest import NOW
from ..warehouse.test_dbt import WorldClockLanding, extract_all, load_warehouse, query
from ..webhooks.conftest import APP_SECRET, STREAM, VERIFY_TOKEN
from .conftest import NIGHT_1, NIGHT_2_DAY

pytestmark = pytest.mark.timeout(900)

# Webhooks announce the changes of [HOOKS_FROM, NOW): the first hours after night 1 get none
# (their comments must still arrive, from night 2's extract).
HOOKS_FROM = NIGHT_1 + dt.timedelta(hours=3)


@pytest.fixture
def big_bodies(receiver_env, monkeypatch) -> None:
    monkeypatch.setenv("RUCHE_WEBHOOK_MAX_BODY", str(4 * 1024 * 1024))


def deliver(world: World, receiver_url: str, start: dt.datetime, end: dt.datetime) -> dict:
    """The sandbox (the world as of NOW) posts the window's comment changes to the receiver,
    a day in about two seconds, with duplicates and reorders; its delivery log once done."""
    with SandboxServer(world) as sandbox:
        answer = requests.post(
            f"{sandbox.url}/__sandbox/webhooks",
            json={
                "callback_url": receiver_url,
                "verify_token": VERIFY_TOKEN,
                "app_secret": APP_SECRET,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "speed": 86400 / 2,
                "max_batch": 5,
                "duplicate_rate": 0.25,
                "reorder_rate": 0.2,
                "seed": 11,
            },
            timeout=10,
        )
        assert answer.status_code == 201, answer.text
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            log = requests.get(f"{sandbox.url}/__sandbox/webhooks", timeout=10).json()
            if log["state"] not in ("verifying", "delivering"):
                break
            time.sleep(0.05)
    assert log["state"] == "done", log["state"]
    return log


def announced(world: World, config, start: dt.datetime, end: dt.datetime) -> tuple[dict, set]:
    """({comment id: (post id, parent comment id or None)} of the comments added in the window
    and not removed in it, ids removed in it) for the configured accounts, from the sandbox's
    own event list."""
    events = comment_events(world, start, end)
    accounts = {a.id for _, _, a in config.iter_accounts()}
    added: dict[str, tuple[str, str | None]] = {}
    removed: set[str] = set()
    for event in events:
        if event.account_id not in accounts:
            continue
        comment = event.event_id.rsplit(":", 1)[1]
        if event.event_id.startswith("feed:remove"):
            removed.add(comment)
            continue
        value = event.value
        post = value.get("post_id") or value["media"]["id"]
        parent = value.get("parent_id")
        added[comment] = (post, None if parent == post else parent)
    return {c: v for c, v in added.items() if c not in removed}, removed


def shown_by_events(added: dict, known_comments: set[str]) -> set[str]:
    """The announced comments the event path shows before the night: their parent (if any)
    extracted or itself shown, whether or not the warehouse holds their post yet."""
    shown: set[str] = set()
    while True:
        more = {
            c
            for c, (post, parent) in added.items()
            if c not in shown and (parent is None or parent in known_comments or parent in shown)
        }
        if not more:
            return shown
        shown |= more


def fct_ids(warehouse: Path, ids: set[str]) -> dict[str, int]:
    rows = query(
        warehouse,
        "SELECT comment_id, count(*) AS n FROM marts.fct_comments GROUP BY comment_id",
    )
    return {r["comment_id"]: r["n"] for r in rows if r["comment_id"] in ids}


def test_webhook_comments_reach_the_marts_once_then_the_night_reconciles(
    world, meta_only, warehouse_copy, big_bodies, receiver, redis_server
):
    work = warehouse_copy
    warehouse, landing = work / "ruche.duckdb", str(work / "landing")
    before = {
        r["comment_id"] for r in query(warehouse, "SELECT comment_id FROM marts.fct_comments")
    }
    log = deliver(world, receiver.url, HOOKS_FROM, NOW)
    added, removed = announced(world, meta_only, HOOKS_FROM, NOW)
    posts = {r["post_id"] for r in query(warehouse, "SELECT post_id FROM marts.dim_posts")}
    new = shown_by_events({c: v for c, v in added.items() if c not in before}, before)
    assert len(new) > 20, "the window must announce comments night 1 did not extract"
    on_new_posts = {c for c in new if added[c][0] not in posts}
    assert on_new_posts, "the window must announce comments on posts night 1 did not extract"

    started = time.monotonic()
    landed = land_events(meta_only, landing, redis_url=redis_server.url, stream=STREAM)
    loaded = load_events(meta_only, warehouse, landing)
    # the same warehouse, for a full build to compare with (measured, printed)
    shutil.copy(warehouse, work / "full.duckdb")
    refreshed = refresh_comment_models(warehouse)
    seconds = time.monotonic() - started
    full = dbt_build(work / "full.duckdb")
    print(f"\nfull dbt build on the same warehouse: {full.seconds:.1f} s ({len(full.nodes)} nodes)")
    print(
        f"\nevents: {landed.summary()} load {loaded['seconds']} s, refresh "
        f"{refreshed['seconds']} s ({refreshed['nodes']} nodes), all {seconds:.1f} s"
    )

    assert landed.entries == len(log["deliveries"]) and landed.acked == landed.entries
    assert landed.duplicates > 0  # Meta's repeats reached the stream and were folded
    assert landed.dead == 0 and loaded["quarantined"] == 0 and loaded["loaded"] > 0
    pending = redis_server.client().xpending(STREAM, "ruche_events")
    assert pending["pending"] == 0

    counts = fct_ids(warehouse, set(added) | removed)
    # every announced comment once (a removed one too: it was received)
    assert {c: n for c, n in counts.items() if n != 1} == {}
    assert new <= set(counts)
    # the others wait for the night: replies to comments not known yet
    assert not (set(added) - before - new) & set(counts)
    # a comment on a post published since night 1 is there at once; its post is listed as
    # pending, with the link Meta sent along (Facebook) until the night extracts it
    pending_posts = {
        r["post_id"]: r["permalink"]
        for r in query(
            warehouse, "SELECT post_id, permalink FROM intermediate.int_comment_posts_pending"
        )
    }
    assert set(pending_posts) == {added[c][0] for c in on_new_posts}
    facebook_pending = {p for p in pending_posts if "_" in p}  # Page posts: "<page>_<post>"
    assert facebook_pending and all(pending_posts[p] for p in facebook_pending)
    # ... and alerted now, with that link: the immediate rules see it like any comment
    from ruche.digest.immediate import fire_immediate_alerts

    keys = {
        r["comment_key"]: r["comment_id"]
        for r in query(warehouse, "SELECT comment_key, comment_id FROM marts.fct_comments")
    }
    alerted = [
        a
        for a in fire_immediate_alerts(warehouse, meta_only, NOW, send=False)
        if keys.get(a.comment_key) in on_new_posts
    ]
    assert alerted, "no alert for a comment on a post published since night 1"
    for alert in alerted:
        post = added[keys[alert.comment_key]][0]
        assert alert.link == pending_posts[post] or "_" not in post
    # a comment removed by webhook is received (counted) and marked deleted
    # a `remove` by webhook takes a comment the night had shown out of the comments to answer
    deleted = {
        r["comment_id"]
        for r in query(warehouse, "SELECT comment_id FROM intermediate.int_deleted_comments")
    }
    waiting = {
        r["comment_id"]
        for r in query(warehouse, "SELECT comment_id FROM marts.rpt_comments_to_answer")
    }
    print(f"removed by webhook: {len(removed)}, {len(removed & before)} after night 1")
    assert removed & set(counts) <= deleted and not removed & waiting
    # a brand reply by webhook is the brand's answer
    brand = query(
        warehouse,
        "SELECT count(*) AS n FROM intermediate.int_comments WHERE is_brand_reply "
        "AND loaded_at > (SELECT max(_loaded_at) FROM raw_facebook.comments)",
    )[0]["n"]
    assert brand > 0
    to_answer = query(
        warehouse,
        "SELECT comment_id, count(*) AS n FROM marts.rpt_comments_to_answer GROUP BY 1 "
        "HAVING count(*) > 1",
    )
    assert to_answer == []

    # ---- night 2: the world at NOW, yesterday extracted (posts re-read 28 days back)
    night_landing = WorldClockLanding(landing, NOW)
    with SandboxServer(world) as server:
        extract_all(meta_only, server.url, night_landing, Window(NIGHT_2_DAY, NIGHT_2_DAY), "n2")
    load_warehouse(warehouse, meta_only, night_landing)
    dbt_build(warehouse)
    counts = fct_ids(warehouse, set(added) | removed)
    assert {c: n for c, n in counts.items() if n != 1} == {}
    quiet_posts = announced(world, meta_only, NIGHT_1, HOOKS_FROM)[0].values()
    # every announced comment the platform still shows at NOW (Instagram sends no delete
    # notification: one deleted since its webhook is not in the extract)
    visible = {
        c["id"]
        for post in {p for p, _ in [*added.values(), *quiet_posts]}
        # Page post ids are "<page>_<post>", Instagram media ids digits only
        for c in world.comments("facebook" if "_" in post else "instagram", post)
    }
    assert set(added) & visible and (set(added) & visible) <= set(counts)
    # the comments of the hours without webhooks arrived from the extract
    quiet, _ = announced(world, meta_only, NIGHT_1, HOOKS_FROM)
    assert quiet and (set(quiet) & visible) <= set(fct_ids(warehouse, set(quiet)))
    # the extract's fields won: like counts and permalinks of every announced Facebook comment
    rows = query(
        warehouse,
        "SELECT c.comment_id, c.like_count, r.record->>'permalink_url' AS permalink, "
        "c.like_count IS NOT DISTINCT FROM cast(r.record->>'like_count' AS bigint) AS same "
        "FROM intermediate.int_comments c JOIN raw_facebook.comments r "
        "ON r.record->>'id' = c.comment_id WHERE c.platform = 'facebook'",
    )
    by_id = {r["comment_id"]: r for r in rows}
    fb_new = {c for c in added if c in by_id}
    assert fb_new and all(by_id[c]["same"] and by_id[c]["permalink"] for c in fb_new)
    total = query(
        warehouse,
        "SELECT count(*) AS n, count(DISTINCT comment_key) AS k FROM marts.fct_comments",
    )[0]
    assert total["n"] == total["k"]


def stream_events(world: World, start: dt.datetime, end: dt.datetime) -> list[bytes]:
    """The sandbox's comment changes of the window as Meta bodies, one change per body."""
    return [
        json.dumps(
            {
                "object": event.object,
                "entry": [
                    {
                        "id": event.account_id,
                        "time": int(event.at.timestamp()),
                        "changes": [{"field": event.field, "value": event.value}],
                    }
                ],
            }
        ).encode()
        for event in comment_events(world, start, end)
    ]


def test_a_run_that_dies_before_its_xack_is_landed_again_and_counted_once(
    world, meta_only, warehouse_copy, redis_server, monkeypatch
):
    work = warehouse_copy
    warehouse, landing = work / "ruche.duckdb", str(work / "landing")
    client = redis_server.client()
    bodies = stream_events(world, HOOKS_FROM, NOW)
    for body in bodies + bodies[:10]:  # Meta's retries: the same bodies again
        client.xadd(STREAM, make_entry(body))
    client.xadd(STREAM, make_entry(b'{"object": "page", "entry": "oops"}'))
    stranger = json.loads(bodies[0])
    stranger["entry"][0]["id"] = "999999999"
    client.xadd(STREAM, make_entry(json.dumps(stranger).encode()))
    total = len(bodies) + 12

    # the first run dies between its landing batches and its XACK
    def die(*_args, **_kwargs):
        raise redis.ConnectionError("killed before XACK")

    monkeypatch.setattr(redis.Redis, "xack", die)
    with pytest.raises(redis.ConnectionError):
        land_events(meta_only, landing, redis_url=redis_server.url, stream=STREAM)
    monkeypatch.undo()
    first = LandingZone(landing).list_batches(entity="comment_events")
    assert first, "the dead run committed its batches"
    assert client.xpending(STREAM, "ruche_events")["pending"] == total

    again = land_events(meta_only, landing, redis_url=redis_server.url, stream=STREAM)
    assert again.pending_reread == total and again.acked == total
    assert again.dead == 1 and again.unknown_accounts == 1
    assert client.xpending(STREAM, "ruche_events")["pending"] == 0
    [(_, dead)] = client.xrange(f"{STREAM}:dead")
    assert b"no `entry` list" in dead[b"reason"]
    # nothing new: a third run reads nothing
    assert land_events(meta_only, landing, redis_url=redis_server.url, stream=STREAM).entries == 0

    loaded = load_events(meta_only, warehouse, landing)
    assert loaded["quarantined"] == 0 and loaded["files"] == 2 * len(first)
    refresh_comment_models(warehouse)
    added, _ = announced(world, meta_only, HOOKS_FROM, NOW)
    counts = fct_ids(warehouse, set(added))
    assert counts and set(counts.values()) == {1}
    rows = query(
        warehouse,
        "SELECT count(*) AS n, count(DISTINCT comment_key) AS k FROM marts.fct_comments",
    )[0]
    assert rows["n"] == rows["k"]


def test_ruche_events_run_from_the_command_line(
    world, meta_only, warehouse_copy, redis_server, monkeypatch, tmp_path
):
    """`ruche events run` with the settings of a deployment (the demo config's Meta accounts)."""
    from typer.testing import CliRunner

    from ruche.cli import app

    work = warehouse_copy
    config = tmp_path / "clients.yml"
    config.write_text(yaml.safe_dump(meta_only.model_dump(mode="json", exclude_none=True)))
    for body in stream_events(world, NOW - dt.timedelta(hours=6), NOW):
        redis_server.client().xadd(STREAM, make_entry(body))
    monkeypatch.setenv("RUCHE_WEBHOOK_REDIS_URL", redis_server.url)
    monkeypatch.setenv("RUCHE_WEBHOOK_STREAM", STREAM)
    monkeypatch.setenv("RUCHE_LANDING_ROOT", str(work / "landing"))
    monkeypatch.setenv("RUCHE_WAREHOUSE", str(work / "ruche.duckdb"))
    monkeypatch.setenv("RUCHE_CONFIG", str(config))
    result = CliRunner().invoke(app, ["events", "run", "--no-audit"])
    assert result.exit_code == 0, result.output
    assert "comment events" in result.output and "refreshed in" in result.output
    assert redis_server.client().xpending(STREAM, "ruche_events")["pending"] == 0
    # Redis down: one line, no traceback
    monkeypatch.setenv("RUCHE_WEBHOOK_REDIS_URL", "redis://127.0.0.1:1/0")
    result = CliRunner().invoke(app, ["events", "run"])
    assert result.exit_code == 1 and "Redis is unreachable" in result.output
    assert "Traceback" not in result.output


def test_remove_and_edited_events_reach_the_marts(meta_only, warehouse_copy, redis_server):
    """A `remove` takes a comment out of `rpt_comments_to_answer` (one night 1 extracted, and
    one only its webhook showed); an `edited` replaces the text of a comment shown by events."""
    work = warehouse_copy
    warehouse, landing = work / "ruche.duckdb", str(work / "landing")
    [old] = query(
        warehouse,
        "SELECT r.comment_id, a.post_id, a.account_id, a.message FROM "
        "marts.rpt_comments_to_answer r JOIN intermediate.int_comments a USING (comment_key) "
        "WHERE r.platform = 'facebook' ORDER BY r.comment_id LIMIT 1",
    )
    page, post = old["account_id"], old["post_id"]
    fresh, gone = f"{post.split('_')[1]}_990000001", f"{post.split('_')[1]}_990000002"
    at = int((NOW - dt.timedelta(hours=2)).timestamp())

    def change(comment: str, verb: str, seconds: int, message: str | None = None) -> bytes:
        value = {
            "post_id": post,
            "comment_id": comment,
            "parent_id": post,
            "created_time": seconds,
            "item": "comment",
            "verb": verb,
            "from": {"id": "555", "name": "Someone"},
        }
        if message is not None:
            value["message"] = message
        payload = {
            "object": "page",
            "entry": [
                {"id": page, "time": seconds, "changes": [{"field": "feed", "value": value}]}
            ],
        }
        return json.dumps(payload).encode()

    client = redis_server.client()
    for body in (
        change(fresh, "edited", at + 60, "second text"),  # out of order: the edit first
        change(fresh, "add", at, "first text"),
        change(gone, "add", at, "soon gone"),
        change(old["comment_id"], "remove", at + 120),
    ):
        client.xadd(STREAM, make_entry(body))
    land_events(meta_only, landing, redis_url=redis_server.url, stream=STREAM)
    load_events(meta_only, warehouse, landing)
    refresh_comment_models(warehouse)
    shown = {
        r["comment_id"]: r
        for r in query(
            warehouse,
            "SELECT comment_id, message, created_at FROM intermediate.int_comments "
            "WHERE comment_id IN (?, ?)",
            [fresh, gone],
        )
    }
    assert shown[fresh]["message"] == "second text"
    assert shown[fresh]["created_at"] == dt.datetime.fromtimestamp(at, dt.UTC)
    # now the one shown by events is removed too, in a later run
    client.xadd(STREAM, make_entry(change(gone, "remove", at + 300)))
    land_events(meta_only, landing, redis_url=redis_server.url, stream=STREAM)
    load_events(meta_only, warehouse, landing)
    refresh_comment_models(warehouse)
    deleted = {
        r["comment_id"]: r["last_seen_at"]
        for r in query(
            warehouse, "SELECT comment_id, last_seen_at FROM intermediate.int_deleted_comments"
        )
    }
    assert old["comment_id"] in deleted and gone in deleted and deleted[gone] is None
    waiting = {
        r["comment_id"]
        for r in query(warehouse, "SELECT comment_id FROM marts.rpt_comments_to_answer")
    }
    assert old["comment_id"] not in waiting and gone not in waiting
