"""The doorbell: after each `XADD` (and each spool replay) the receiver publishes on a Redis
pub/sub channel, which Airflow's Redis `AwaitMessageTrigger` (what `ruche_events`' AssetWatcher
runs, through the common messaging provider's `MessageQueueTrigger`) hears. Real redis-server,
real receiver over HTTP, the provider's real trigger."""

from __future__ import annotations

import asyncio
import json
import time

import requests

from tests.webhooks.conftest import STREAM, comment_body, sign

CHANNEL = "ruche:webhooks:doorbell"  # the setting's default


def _listen(redis_server):
    pubsub = redis_server.client().pubsub()
    pubsub.subscribe(CHANNEL)
    assert pubsub.get_message(timeout=5)["type"] == "subscribe"
    return pubsub


def _messages(pubsub, count: int, timeout: float = 10) -> list[dict]:
    found, deadline = [], time.monotonic() + timeout
    while len(found) < count and time.monotonic() < deadline:
        message = pubsub.get_message(timeout=0.2)
        if message and message["type"] == "message":
            found.append(json.loads(message["data"]))
    return found


def test_each_queued_delivery_rings_the_doorbell_after_its_entry(receiver, redis_server):
    pubsub = _listen(redis_server)
    bodies = [comment_body(f"d{i}") for i in range(3)]
    for body in bodies:
        response = requests.post(
            receiver.url, data=body, headers={"X-Hub-Signature-256": sign(body)}, timeout=10
        )
        assert response.status_code == 200
    rung = _messages(pubsub, 3)
    entries = redis_server.client().xrange(STREAM)
    assert len(entries) == 3
    assert [m["stream"] for m in rung] == [STREAM] * 3
    # Each doorbell names the delivery it follows; that entry is on the stream already.
    assert [m["delivery_id"] for m in rung] == [f[b"delivery_id"].decode() for _, f in entries]


def test_a_replay_rings_once_and_a_blank_channel_never_rings(redis_server, tmp_path, monkeypatch):
    from ruche.stack import free_port
    from ruche.webhooks.queue import EventQueue, make_entry

    spool = tmp_path / "spool"
    down = EventQueue.from_url(f"redis://127.0.0.1:{free_port()}/0", STREAM, spool)
    assert [down.put(make_entry(comment_body(f"s{i}"))) for i in range(4)] == ["spool"] * 4
    pubsub = _listen(redis_server)
    assert EventQueue.from_url(redis_server.url, STREAM, spool).replay() == 4
    assert _messages(pubsub, 2, timeout=2) == [{"stream": STREAM, "replayed": 4}]

    monkeypatch.setenv("RUCHE_WEBHOOK_CHANNEL", "")
    quiet = EventQueue.from_url(redis_server.url, STREAM, tmp_path / "quiet")
    assert quiet.channel is None
    assert quiet.put(make_entry(comment_body("q"))) == "stream"
    assert _messages(pubsub, 1, timeout=1) == []
    assert redis_server.client().xlen(STREAM) == 5


def test_the_airflow_redis_trigger_hears_the_receivers_doorbell(
    receiver, redis_server, monkeypatch
):
    # The trigger `ruche_events`' AssetWatcher runs, built as the DAG builds it; its Redis
    # connection from AIRFLOW_CONN_<ID>, as a deployment sets it.
    from airflow.providers.common.messaging.triggers.msg_queue import MessageQueueTrigger

    monkeypatch.setenv("AIRFLOW_CONN_RUCHE_REDIS", redis_server.url)
    trigger = MessageQueueTrigger(
        scheme="redis+pubsub", channels=[CHANNEL], redis_conn_id="ruche_redis", poll_interval=0.1
    )

    async def first_event():
        async def post_later():
            await asyncio.sleep(1.0)  # the trigger has subscribed by then
            body = comment_body("t1")
            await asyncio.to_thread(
                requests.post,
                receiver.url,
                data=body,
                headers={"X-Hub-Signature-256": sign(body)},
                timeout=10,
            )

        poster = asyncio.create_task(post_later())
        events = trigger.run()
        event = await asyncio.wait_for(anext(events), timeout=20)
        await poster
        # AwaitMessageTrigger yields one event, then ends: the triggerer starts it again.
        assert await anext(events, None) is None
        return event

    event = asyncio.run(first_event())
    assert event.payload["channel"] == CHANNEL
    assert json.loads(event.payload["data"])["stream"] == STREAM
