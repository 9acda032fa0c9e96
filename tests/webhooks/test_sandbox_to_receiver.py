"""The sandbox's Meta webhooks into the real receiver: the sandbox server (its world's comments
on a fast clock, signed, with Meta's handshake, duplicates and out-of-order deliveries) posts over
HTTP to `ruche webhooks serve`'s app on uvicorn, which queues them on a real redis-server. Every
comment of the window reaches the stream, each delivery verified by its signature; duplicates
arrive with the same ids, so downstream de-duplication on them leaves each comment once."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest
import requests

from connectors.sandbox.server import SandboxServer

from ..sandbox.test_webhooks import EVENING, event_id, expected_comments
from .conftest import APP_SECRET, STREAM, VERIFY_TOKEN


@pytest.fixture
def meta_sized_bodies(receiver_env, monkeypatch) -> None:
    # Meta batches up to 1,000 changes per delivery: the receiver's default limit, not the
    # 4 KB the refusal tests use.
    monkeypatch.setenv("RUCHE_WEBHOOK_MAX_BODY", str(4 * 1024 * 1024))


def _settle(url: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = requests.get(f"{url}/__sandbox/webhooks", timeout=10).json()
        if report["state"] not in ("verifying", "delivering"):
            return report
        time.sleep(0.05)
    raise AssertionError(f"the sandbox still delivers after {timeout}s: {report['state']}")


def test_every_sandbox_comment_reaches_the_stream_once_its_duplicates_share_ids(
    world, meta_sized_bodies, receiver, redis_server
) -> None:
    start, end = EVENING - dt.timedelta(hours=12), EVENING + dt.timedelta(hours=12)
    with SandboxServer(world) as sandbox:
        subscribed = requests.post(
            f"{sandbox.url}/__sandbox/webhooks",
            json={
                "callback_url": receiver.url,
                "verify_token": VERIFY_TOKEN,
                "app_secret": APP_SECRET,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "speed": 86400 / 2,  # the day in two seconds
                "max_batch": 5,
                "duplicate_rate": 0.2,
                "reorder_rate": 0.1,
                "seed": 3,
            },
            timeout=10,
        )
        assert subscribed.status_code == 201, subscribed.text
        report = _settle(sandbox.url)
    # The receiver answered Meta's handshake and took every delivery at its first attempt (a
    # refused signature would have been a 403 and a retry).
    assert report["state"] == "done" and report["handshake"]["ok"] is True
    attempts = [a for d in report["deliveries"] for a in d["attempts"]]
    assert attempts and {a.get("status") for a in attempts} == {200}

    entries = [
        {k.decode(): v.decode() for k, v in fields.items()}
        for _, fields in redis_server.client().xrange(STREAM)
    ]
    assert len(entries) == len(report["deliveries"])
    received: list[str] = []
    for entry in entries:
        body = json.loads(entry["body"])
        changes = [
            event_id(body["object"], change) for item in body["entry"] for change in item["changes"]
        ]
        received.extend(changes)
        # The ids the receiver put beside the body are the body's own.
        ids = {c.rsplit(":", 1)[1] for c in changes}
        assert set(json.loads(entry["comment_ids"])) == ids
    expected = expected_comments(world, start, end)
    assert len(expected) > 100
    # Each comment of the world's window at least once, nothing else.
    assert set(received) == expected
    # The duplicates Meta's retries produce reach the stream as such, with the same delivery id
    # (the body's hash): de-duplicating on it leaves one entry per sent delivery.
    duplicates = report["counts"]["duplicates"]
    assert duplicates > 0
    assert len(received) - len(set(received)) == sum(
        len(d["event_ids"]) for d in report["deliveries"] if d["kind"] == "duplicate"
    )
    distinct = {entry["delivery_id"] for entry in entries}
    assert len(distinct) == len(entries) - duplicates
