"""The webhook receiver over HTTP on loopback: a real uvicorn, a real redis-server."""

from __future__ import annotations

import json
import logging
import socket
import time

import pytest
import requests

from tests.webhooks.conftest import (
    APP_SECRET,
    STREAM,
    VERIFY_TOKEN,
    comment_body,
    sign,
)


def stream_entries(redis_server) -> list[dict[str, str]]:
    return [
        {k.decode(): v.decode() for k, v in fields.items()}
        for _, fields in redis_server.client().xrange(STREAM)
    ]


def assert_no_secret(caplog, responses, *secrets: str) -> None:
    for secret in (APP_SECRET, VERIFY_TOKEN, *secrets):
        # urllib3's records are the test's HTTP client's, in this process, not the receiver's.
        for record in (r for r in caplog.records if not r.name.startswith("urllib3")):
            assert secret not in record.getMessage(), record.getMessage()
        for response in responses:
            assert secret not in response.text
            assert all(secret not in v for v in response.headers.values())


def test_handshake_answers_the_challenge_only_for_the_right_token(receiver, caplog):
    caplog.set_level(logging.DEBUG)
    ok = requests.get(
        receiver.url,
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
        timeout=10,
    )
    assert (ok.status_code, ok.text) == (200, "1158201444")
    assert ok.headers["content-type"].startswith("text/plain")
    refused = [
        requests.get(receiver.url, params=params, timeout=10)
        for params in (
            {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
            {"hub.mode": "subscribe", "hub.challenge": "1"},
            {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        )
    ]
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert all(r.text != "1" for r in refused)
    assert_no_secret(caplog, [ok, *refused])


def test_a_signed_delivery_lands_on_the_stream_with_its_ids(receiver, redis_server):
    body = comment_body("42_9001")
    started = time.monotonic()
    response = requests.post(
        receiver.url,
        data=body,
        headers={"X-Hub-Signature-256": sign(body), "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert time.monotonic() - started < 1.0
    (entry,) = stream_entries(redis_server)
    assert entry["body"].encode() == body  # the signed bytes, untouched
    assert json.loads(entry["comment_ids"]) == ["42_9001"]
    assert json.loads(entry["entry_ids"]) == ["1001"]
    assert json.loads(entry["times"]) == ["1763625600"]
    assert entry["object"] == "page"
    assert len(entry["delivery_id"]) == 64
    assert entry["received_at"].endswith("+00:00")


def test_unsigned_wrongly_signed_and_malformed_deliveries_are_refused(
    receiver, redis_server, caplog
):
    caplog.set_level(logging.DEBUG)
    body = comment_body("42_1")
    attempts = {
        "missing": {},
        "wrong secret": {"X-Hub-Signature-256": sign(body, "not-the-app-secret")},
        "another body": {"X-Hub-Signature-256": sign(comment_body("42_2"))},
        "sha1": {"X-Hub-Signature-256": "sha1=" + sign(body)[7:47]},
        "not hex": {"X-Hub-Signature-256": "sha256=" + "z" * 64},
        "truncated": {"X-Hub-Signature-256": sign(body)[:-2]},
        "empty": {"X-Hub-Signature-256": ""},
    }
    responses = {
        name: requests.post(receiver.url, data=body, headers=headers, timeout=10)
        for name, headers in attempts.items()
    }
    assert {name: r.status_code for name, r in responses.items()} == dict.fromkeys(attempts, 403)
    assert stream_entries(redis_server) == []
    assert_no_secret(caplog, list(responses.values()), redis_server.password)


def test_a_retried_delivery_is_accepted_and_queued_twice_with_the_same_ids(receiver, redis_server):
    body = comment_body("42_77")
    for _ in range(2):
        response = requests.post(
            receiver.url, data=body, headers={"X-Hub-Signature-256": sign(body)}, timeout=10
        )
        assert response.status_code == 200
    first, second = stream_entries(redis_server)
    assert first["delivery_id"] == second["delivery_id"]
    assert first["comment_ids"] == second["comment_ids"] == '["42_77"]'


def _raw_request(url_port: int, head: bytes, body: bytes) -> bytes:
    """Send `head` + `body` and read the answer without sending the rest of the body: a server
    that reads past its limit would wait for it and the socket times out."""
    with socket.create_connection(("127.0.0.1", url_port), timeout=5) as sock:
        sock.sendall(head + body)
        return sock.recv(4096)


def test_oversized_bodies_are_refused_without_reading_them(receiver, redis_server):
    port = int(receiver.url.split(":")[2].split("/")[0])
    big = b"x" * 5000  # the limit is 4096
    response = requests.post(
        receiver.url, data=big, headers={"X-Hub-Signature-256": sign(big)}, timeout=10
    )
    assert response.status_code == 413
    # Announced as 10 MB, only 100 bytes sent: refused from the header, at once.
    answer = _raw_request(
        port,
        b"POST /webhooks/meta HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n"
        b"X-Hub-Signature-256: " + sign(b"").encode() + b"\r\n\r\n",
        b"{" * 100,
    )
    assert answer.startswith(b"HTTP/1.1 413")
    # Chunked, no length: refused as soon as the chunks pass the limit, before the last chunk.
    chunk = b"y" * 3000
    answer = _raw_request(
        port,
        b"POST /webhooks/meta HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
        b"X-Hub-Signature-256: " + sign(b"").encode() + b"\r\n\r\n",
        (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 2,
    )
    assert answer.startswith(b"HTTP/1.1 413")
    assert stream_entries(redis_server) == []


def test_redis_down_spools_then_replays_each_delivery_once_in_order(receiver, redis_server, caplog):
    caplog.set_level(logging.DEBUG)

    def post(comment: str) -> requests.Response:
        body = comment_body(comment)
        return requests.post(
            receiver.url, data=body, headers={"X-Hub-Signature-256": sign(body)}, timeout=10
        )

    responses = [post("c0")]
    redis_server.stop()
    responses += [post(f"c{i}") for i in range(1, 6)]
    assert [r.status_code for r in responses] == [200] * 6
    spooled = (receiver.spool / "pending.ndjson").read_text().splitlines()
    assert [json.loads(json.loads(line)["comment_ids"])[0] for line in spooled] == [
        f"c{i}" for i in range(1, 6)
    ]
    redis_server.start()
    # Arriving while the spool waits: queued after it, not before.
    responses += [post("c6")]
    deadline = time.monotonic() + 20
    while len(stream_entries(redis_server)) < 7:
        assert time.monotonic() < deadline, stream_entries(redis_server)
        time.sleep(0.1)
    time.sleep(1.0)  # several more replay rounds: nothing added twice
    ids = [json.loads(e["comment_ids"])[0] for e in stream_entries(redis_server)]
    assert ids == [f"c{i}" for i in range(7)]
    assert list(receiver.spool.glob("*.ndjson")) == []
    assert not [k for k in redis_server.client().keys("*spool-offset*")]
    # Then the live path again: straight to the stream.
    assert post("c7").status_code == 200
    assert not (receiver.spool / "pending.ndjson").exists()
    assert_no_secret(caplog, responses, redis_server.password)
    assert any("spooling" in r.getMessage() for r in caplog.records)


# ---- the spool's replay, exactly once


def _spool_while_down(spool, redis_server, count: int) -> None:
    """`count` deliveries put while nothing listens on the URL's port: all spooled."""
    from ruche.stack import free_port
    from ruche.webhooks.queue import EventQueue, make_entry

    down = EventQueue.from_url(f"redis://127.0.0.1:{free_port()}/0", STREAM, spool)
    assert [down.put(make_entry(comment_body(f"s{i}"))) for i in range(count)] == ["spool"] * count


def _comment_ids(redis_server) -> list[str]:
    return [json.loads(e["comment_ids"])[0] for e in stream_entries(redis_server)]


def test_a_replay_that_dies_halfway_resumes_without_losing_or_doubling(redis_server, tmp_path):
    from ruche.webhooks.queue import EventQueue

    spool = tmp_path / "spool"
    _spool_while_down(spool, redis_server, 5)
    # A replay that stops after two entries (as a process killed between two transactions).
    first = EventQueue.from_url(redis_server.url, STREAM, spool)
    assert first.replay(limit=2) == 2
    assert _comment_ids(redis_server) == ["s0", "s1"]
    assert len(list(spool.glob("replaying-*.ndjson"))) == 1
    # A delivery arriving meanwhile goes to the spool, after the others (order kept).
    from ruche.webhooks.queue import make_entry

    assert first.put(make_entry(comment_body("s5"))) == "spool"  # the spool is not empty yet
    # A new process (a restart) picks the replay up where the stream's offset says.
    again = EventQueue.from_url(redis_server.url, STREAM, spool)
    assert again.replay() == 4
    assert again.replay() == 0
    assert _comment_ids(redis_server) == ["s0", "s1", "s2", "s3", "s4", "s5"]
    assert list(spool.glob("*.ndjson")) == []


def test_a_replay_whose_redis_dies_keeps_every_entry(redis_server, tmp_path):
    import redis as redis_lib

    from ruche.webhooks.queue import EventQueue

    spool = tmp_path / "spool"
    _spool_while_down(spool, redis_server, 3)
    queue = EventQueue.from_url(redis_server.url, STREAM, spool)
    assert queue.replay(limit=1) == 1
    redis_server.stop()
    with pytest.raises(redis_lib.ConnectionError):
        queue.replay()
    redis_server.start()  # the append-only file kept the stream and the offset
    assert queue.replay() == 2
    assert _comment_ids(redis_server) == ["s0", "s1", "s2"]


def test_the_replay_command_moves_the_spool_and_says_so(redis_server, receiver_env, tmp_path):
    from typer.testing import CliRunner

    from ruche.cli import app

    spool = tmp_path / "spool"
    _spool_while_down(spool, redis_server, 3)
    redis_server.stop()
    down = CliRunner().invoke(app, ["webhooks", "replay"])
    assert down.exit_code == 1
    assert "3 spooled deliveries stay in" in down.output
    assert "Traceback" not in down.output and redis_server.password not in down.output
    redis_server.start()
    done = CliRunner().invoke(app, ["webhooks", "replay"])
    assert done.exit_code == 0, done.output
    assert f"3 spooled deliveries added to {STREAM}" in done.output
    assert _comment_ids(redis_server) == ["s0", "s1", "s2"]


def test_serve_without_the_app_secret_stops_in_one_line(receiver_env, monkeypatch):
    from typer.testing import CliRunner

    from ruche.cli import app

    monkeypatch.delenv("RUCHE_META_APP_SECRET")
    result = CliRunner().invoke(app, ["webhooks", "serve", "--port", "0"])
    assert result.exit_code == 2
    assert "RUCHE_META_APP_SECRET is not set" in result.output
    assert "Traceback" not in result.output


def test_the_serve_command_serves_the_handshake_and_queues(redis_server, receiver_env, tmp_path):
    """The real CLI in a process of its own; its output holds no secret."""
    import os
    import subprocess
    import sys

    from ruche.stack import free_port, port_open

    port = free_port()
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "ruche.cli", "webhooks", "serve", "--port", str(port), "-v"],
            env={**os.environ, **receiver_env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while not port_open(port):
            assert process.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline
            time.sleep(0.1)
        url = f"http://127.0.0.1:{port}/webhooks/meta"
        params = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "7"}
        assert requests.get(url, params=params, timeout=10).text == "7"
        body = comment_body("42_5")
        posted = requests.post(
            url, data=body, headers={"X-Hub-Signature-256": sign(body)}, timeout=10
        )
        assert posted.status_code == 200
        assert _comment_ids(redis_server) == ["42_5"]
    finally:
        process.terminate()
        process.wait(timeout=30)
    output = log_path.read_text()
    assert "Webhook receiver on" in output
    for secret in (APP_SECRET, VERIFY_TOKEN, redis_server.password):
        assert secret not in output


def test_a_line_torn_by_a_crash_mid_append_costs_no_acknowledged_delivery(redis_server, tmp_path):
    from ruche.webhooks.queue import PENDING, EventQueue, make_entry

    spool = tmp_path / "spool"
    _spool_while_down(spool, redis_server, 2)
    with (spool / PENDING).open("ab") as out:  # killed halfway through writing a third line
        out.write(json.dumps(make_entry(comment_body("torn"))).encode()[:40])
    # The restarted receiver spools the next delivery (Redis still down) on a line of its own.
    from ruche.stack import free_port

    restarted = EventQueue.from_url(f"redis://127.0.0.1:{free_port()}/0", STREAM, spool)
    assert restarted.put(make_entry(comment_body("after"))) == "spool"
    assert EventQueue.from_url(redis_server.url, STREAM, spool).replay() == 3
    assert _comment_ids(redis_server) == ["s0", "s1", "after"]


def test_a_replay_command_killed_mid_way_resumes_exactly_once(redis_server, receiver_env, tmp_path):
    """`ruche webhooks replay` SIGKILLed while it moves the spool, then run again: every
    delivery on the stream once, in the order received."""
    import os
    import signal
    import subprocess
    import sys

    count = 1000
    _spool_while_down(tmp_path / "spool", redis_server, count)
    client = redis_server.client()
    process = subprocess.Popen(
        [sys.executable, "-m", "ruche.cli", "webhooks", "replay"],
        env={**os.environ, **receiver_env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while client.xlen(STREAM) < 50:  # killed once it has started moving entries
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    halfway = client.xlen(STREAM)
    assert 0 < halfway < count, "the kill did not land mid-replay; spool more"
    finished = subprocess.run(
        [sys.executable, "-m", "ruche.cli", "webhooks", "replay"],
        env={**os.environ, **receiver_env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 0, finished.stderr
    assert f"{count - halfway} spooled deliveries added" in finished.stdout
    assert _comment_ids(redis_server) == [f"s{i}" for i in range(count)]


def test_secrets_come_from_the_airflow_connection_when_the_environment_has_none(
    receiver_env, monkeypatch
):
    """Airflow's own secrets lookup (here its environment backend, `AIRFLOW_CONN_<ID>`): the
    connection's password is the app secret, its extra `verify_token` the handshake token; a
    variable set in the environment still wins."""
    import json

    from ruche.webhooks.app import from_settings

    monkeypatch.delenv("RUCHE_META_APP_SECRET")
    monkeypatch.delenv("RUCHE_WEBHOOK_VERIFY_TOKEN")
    monkeypatch.setenv("RUCHE_WEBHOOK_CONN_ID", "meta_webhook_test")
    stored = {
        "conn_type": "generic",
        "password": "from-conn-secret",
        "extra": {"verify_token": "conn-token"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_META_WEBHOOK_TEST", json.dumps(stored))
    config, _queue = from_settings()
    assert (config.app_secret, config.verify_token) == ("from-conn-secret", "conn-token")
    assert "from-conn-secret" not in repr(config)

    monkeypatch.setenv("RUCHE_WEBHOOK_VERIFY_TOKEN", "env-token")
    config, _queue = from_settings()
    assert (config.app_secret, config.verify_token) == ("from-conn-secret", "env-token")


def test_serve_names_the_connection_it_looked_in(receiver_env, monkeypatch):
    from typer.testing import CliRunner

    from ruche.cli import app

    monkeypatch.delenv("RUCHE_META_APP_SECRET")
    monkeypatch.setenv("RUCHE_WEBHOOK_CONN_ID", "no_such_connection")
    result = CliRunner().invoke(app, ["webhooks", "serve", "--port", "0"])
    assert result.exit_code == 2
    assert "'no_such_connection'" in result.output and "has no password" in result.output
    assert "Traceback" not in result.output
