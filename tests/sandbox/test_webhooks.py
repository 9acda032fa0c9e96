"""The sandbox's Meta webhooks, through real components: the sandbox server started over HTTP
(``POST /__sandbox/webhooks``) posting to a small real HTTP receiver in the test, which checks
Meta's verification handshake and every signature itself with the app secret."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from connectors.sandbox.meta_graph.webhooks import RETRY_OFFSETS_SECONDS, comment_events
from connectors.sandbox.server import SandboxServer

SECRET = "sandbox-app-secret"
VERIFY = "sandbox-verify-token"
# Windows of the demo world (seed 7) with comments in them, before its clock (2026-11-20 06:00).
EVENING = dt.datetime(2026, 11, 19, 17, 0, tzinfo=dt.UTC)
TEN_MINUTES = dt.timedelta(minutes=10)


class Receiver:
    """A subscriber on a free loopback port: answers the handshake when the verify token is
    right, verifies each POST's X-Hub-Signature-256 (and sha1 X-Hub-Signature) against the raw
    body, answers `fail_first` POSTs with 500, and records what arrived and when."""

    def __init__(
        self,
        verify_token: str = VERIFY,
        fail_first: int = 0,
        sleep_first: float = 0.0,
        redirect: bool = False,
    ) -> None:
        self.redirect = redirect
        self.paths: list[str] = []
        self.verify_token = verify_token
        self.fail_first = fail_first
        self.sleep_first = sleep_first
        self.gets: list[dict[str, str]] = []
        self.posts: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                query = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
                with receiver.lock:
                    receiver.gets.append(query)
                    receiver.paths.append(urlsplit(self.path).path)
                if receiver.redirect and not self.path.startswith("/elsewhere"):
                    self.send_response(307)
                    self.send_header("Location", "/elsewhere" + self.path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                ok = query.get("hub.mode") == "subscribe" and (
                    query.get("hub.verify_token") == receiver.verify_token
                )
                body = query.get("hub.challenge", "").encode() if ok else b"forbidden"
                self.send_response(200 if ok else 403)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    receiver.paths.append(urlsplit(self.path).path)
                if receiver.redirect and not self.path.startswith("/elsewhere"):
                    self.send_response(308)
                    self.send_header("Location", "/elsewhere" + self.path)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                key = SECRET.encode()
                sha256 = "sha256=" + hmac.new(key, raw, hashlib.sha256).hexdigest()
                sha1 = "sha1=" + hmac.new(key, raw, hashlib.sha1).hexdigest()
                with receiver.lock:
                    receiver.posts.append(
                        {
                            "at": time.monotonic(),
                            "body": json.loads(raw),
                            "valid": hmac.compare_digest(
                                self.headers.get("X-Hub-Signature-256", ""), sha256
                            )
                            and hmac.compare_digest(self.headers.get("X-Hub-Signature", ""), sha1),
                        }
                    )
                    number = len(receiver.posts)
                failing = number <= receiver.fail_first
                if number == 1 and receiver.sleep_first:
                    time.sleep(receiver.sleep_first)  # longer than the sender's timeout
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/meta/webhook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def changes(self, successful_only: bool = True) -> list[tuple[str, dict[str, Any]]]:
        """(object, change value) in arrival order."""
        out = []
        with self.lock:
            posts = list(self.posts)
        for number, post in enumerate(posts, start=1):
            if successful_only and number <= self.fail_first:
                continue
            for entry in post["body"]["entry"]:
                for change in entry["changes"]:
                    out.append((post["body"]["object"], change))
        return out


def event_id(obj: str, change: dict[str, Any]) -> str:
    value = change["value"]
    if obj == "page":
        return f"feed:{value['verb']}:{value['comment_id']}"
    return f"comments:{value['id']}"


def expected_comments(world, start: dt.datetime, end: dt.datetime) -> set[str]:
    """The world's ground truth: every comment written in [start, end) on its Pages and
    Instagram accounts, and every Facebook comment deleted in it."""
    out: set[str] = set()
    for _client, platform, account in world.accounts():
        if platform not in ("facebook", "instagram"):
            continue
        for post in world.posts(platform, account, start - dt.timedelta(days=15), end):
            for comment in world._comments(world._post(platform, post["id"])):
                if start <= comment.created < end:
                    prefix = "feed:add:" if platform == "facebook" else "comments:"
                    out.add(prefix + comment.id)
                gone = comment.deleted_at
                if platform == "facebook" and gone is not None and start <= gone < end:
                    out.add("feed:remove:" + comment.id)
    return out


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(**options: Any) -> Receiver:
        made.append(Receiver(**options))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def server(world):
    with SandboxServer(world) as srv:
        yield srv


def subscribe(server: SandboxServer, **options: Any) -> requests.Response:
    body = {"verify_token": VERIFY, "app_secret": SECRET, **options}
    return requests.post(f"{server.url}/__sandbox/webhooks", json=body, timeout=10)


def settle(server: SandboxServer, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = requests.get(f"{server.url}/__sandbox/webhooks", timeout=10).json()
        if report["state"] not in ("verifying", "delivering"):
            return report
        time.sleep(0.05)
    raise AssertionError(f"webhooks still {report['state']} after {timeout}s")


def test_handshake_then_every_comment_of_the_window_signed(world, server, receiver) -> None:
    rx = receiver()
    start, end = EVENING, EVENING + dt.timedelta(hours=4)
    resp = subscribe(
        server, callback_url=rx.url, start=start.isoformat(), end=end.isoformat(), speed=14400
    )
    assert resp.status_code == 201, resp.text
    report = settle(server)
    assert report["state"] == "done"
    # The handshake came first, with Meta's three parameters, and was answered.
    assert rx.gets and rx.gets[0]["hub.mode"] == "subscribe"
    assert rx.gets[0]["hub.verify_token"] == VERIFY
    assert report["handshake"]["ok"] is True
    expected = expected_comments(world, start, end)
    assert len(expected) > 20
    delivered = {event_id(obj, change) for obj, change in rx.changes()}
    assert delivered == expected
    assert rx.posts and all(post["valid"] for post in rx.posts)
    # Meta's envelope and field shapes.
    for obj, change in rx.changes():
        value = change["value"]
        if obj == "page":
            assert change["field"] == "feed" and value["item"] == "comment"
            assert {"comment_id", "post_id", "parent_id", "from", "created_time"} <= set(value)
            assert isinstance(value["created_time"], int)
        else:
            assert obj == "instagram" and change["field"] == "comments"
            assert {"id", "from", "media"} <= set(value) and "username" in value["from"]
    entry = rx.posts[0]["body"]["entry"][0]
    assert set(entry) == {"id", "time", "changes"}
    assert SECRET not in json.dumps(report)


def test_a_wrong_verify_token_means_no_delivery(server, receiver) -> None:
    rx = receiver(verify_token="something-else")
    subscribe(server, callback_url=rx.url, start=EVENING.isoformat(), minutes=60, speed=3600)
    report = settle(server)
    assert report["state"] == "verification_failed"
    assert report["handshake"]["status"] == 403
    assert len(rx.gets) == 1 and rx.posts == []


def _order_breaks(changes: list[tuple[str, dict[str, Any]]], order: dict[str, int]) -> int:
    """First arrivals that come after a later change of the same object (world order)."""
    breaks, last, seen = 0, {}, set()
    for obj, change in changes:
        eid = event_id(obj, change)
        if eid in seen:
            continue  # a duplicate, counted as such
        seen.add(eid)
        position = order[eid]
        if position < last.get(obj, -1):
            breaks += 1
        last[obj] = max(last.get(obj, -1), position)
    return breaks


def _run(server, rx, **options: Any) -> dict[str, Any]:
    subscribe(
        server,
        callback_url=rx.url,
        start=(EVENING - dt.timedelta(hours=12)).isoformat(),
        minutes=24 * 60,
        speed=86400 / 2,
        max_batch=1,
        **options,
    )
    return settle(server)


def test_no_duplicates_nor_reordering_when_the_rates_are_zero(server, receiver) -> None:
    rx = receiver()
    report = _run(server, rx)
    order = {eid: i for i, eid in enumerate(report["event_ids"])}
    ids = [event_id(obj, change) for obj, change in rx.changes()]
    assert len(ids) == len(set(ids)) == report["events"] > 100
    assert _order_breaks(rx.changes(), order) == 0
    assert report["counts"]["duplicates"] == report["counts"]["held_back"] == 0


def test_duplicates_and_out_of_order_at_the_seeded_rates(server, receiver) -> None:
    rx = receiver()
    report = _run(server, rx, duplicate_rate=0.2, reorder_rate=0.1, seed=11)
    events = report["events"]
    ids = [event_id(obj, change) for obj, change in rx.changes()]
    duplicated = len(ids) - len(set(ids))
    assert set(ids) == set(report["event_ids"])
    # Binomial bounds (about 4 standard deviations) around the configured rates.
    assert (
        0.2 * events - 4 * (events * 0.16) ** 0.5
        <= duplicated
        <= 0.2 * events + 4 * (events * 0.16) ** 0.5
    )
    assert duplicated == report["counts"]["duplicates"]
    held = report["counts"]["held_back"]
    assert (
        0.1 * events - 4 * (events * 0.09) ** 0.5
        <= held
        <= 0.1 * events + 4 * (events * 0.09) ** 0.5
    )
    order = {eid: i for i, eid in enumerate(report["event_ids"])}
    assert _order_breaks(rx.changes(), order) > 0
    # Seeded: the same subscription again sends the same duplicates and holds the same back.
    rx2 = receiver()
    again = _run(server, rx2, duplicate_rate=0.2, reorder_rate=0.1, seed=11)

    def marked(rep: dict[str, Any]) -> tuple[list, list]:
        dups = sorted(d["event_ids"][0] for d in rep["deliveries"] if d["kind"] == "duplicate")
        held = sorted(d["event_ids"][0] for d in rep["deliveries"] if d["held_back"])
        return dups, held

    assert marked(again) == marked(report)


def test_a_failing_receiver_gets_retries_and_eventually_every_event(
    world, server, receiver
) -> None:
    rx = receiver(fail_first=4)
    start, end = EVENING, EVENING + dt.timedelta(hours=4)
    subscribe(
        server,
        callback_url=rx.url,
        start=start.isoformat(),
        end=end.isoformat(),
        speed=14400,
        max_batch=1,
    )
    report = settle(server)
    assert report["state"] == "done"
    delivered = {event_id(obj, change) for obj, change in rx.changes(successful_only=True)}
    assert delivered == expected_comments(world, start, end)
    retried = [d for d in report["deliveries"] if len(d["attempts"]) > 1]
    assert retried, "a 500 must be retried"
    assert [a["status"] for a in retried[0]["attempts"]][:2] == [500, 500]
    assert all(d["state"] == "delivered" for d in report["deliveries"])
    assert sum(len(d["attempts"]) for d in report["deliveries"]) == len(rx.posts)


def test_retries_follow_the_schedule_on_the_world_clock(server, receiver) -> None:
    rx = receiver(fail_first=3)
    # One comment in this window (18:00:18); a world minute is 0.1 s at speed 600.
    subscribe(
        server,
        callback_url=rx.url,
        start="2026-11-19T18:00:00Z",
        end="2026-11-19T18:00:30Z",
        speed=600,
    )
    report = settle(server)
    (delivery,) = report["deliveries"]
    assert [a["status"] for a in delivery["attempts"]] == [500, 500, 500, 200]
    times = [dt.datetime.fromisoformat(a["at"]) for a in delivery["attempts"]]
    offsets = [(t - times[0]).total_seconds() for t in times]
    # Immediately, then 1 and 5 world minutes after the first failure.
    for got, want in zip(offsets, RETRY_OFFSETS_SECONDS[:4], strict=True):
        assert want - 1 <= got <= want + 30, offsets
    assert len(rx.posts) == 4


def test_a_delivery_never_acknowledged_is_dropped_after_36_world_hours(server, receiver) -> None:
    rx = receiver(fail_first=10**6)
    subscribe(
        server,
        callback_url=rx.url,
        start="2026-11-19T18:00:00Z",
        end="2026-11-19T18:01:00Z",
        speed=1_000_000,
    )
    report = settle(server)
    assert report["state"] == "done" and report["deliveries"]
    for delivery in report["deliveries"]:
        assert delivery["state"] == "dropped"
        assert len(delivery["attempts"]) == len(RETRY_OFFSETS_SECONDS)
        last = dt.datetime.fromisoformat(delivery["attempts"][-1]["at"])
        first = dt.datetime.fromisoformat(delivery["attempts"][0]["at"])
        assert last - first >= dt.timedelta(hours=36)
    assert report["counts"]["dropped"] == len(report["deliveries"])


def test_a_receiver_slower_than_the_timeout_gets_the_delivery_again(server, receiver) -> None:
    rx = receiver(sleep_first=0.6)
    subscribe(
        server,
        callback_url=rx.url,
        start="2026-11-19T18:00:00Z",
        end="2026-11-19T18:01:00Z",
        speed=600,
        timeout=0.2,
    )
    report = settle(server)
    first = report["deliveries"][0]
    assert first["attempts"][0]["error"] == "ReadTimeout"
    assert first["attempts"][-1]["status"] == 200
    assert all(d["state"] == "delivered" for d in report["deliveries"])


def test_the_clock_runs_at_the_requested_speed(world, server, receiver) -> None:
    rx = receiver()
    start = dt.datetime(2026, 11, 19, 18, 0, tzinfo=dt.UTC)
    t0 = time.monotonic()
    subscribe(server, callback_url=rx.url, start=start.isoformat(), minutes=10, speed=600)
    report = settle(server)
    elapsed = time.monotonic() - t0
    assert report["state"] == "done"
    assert 0.9 <= report["real_seconds"] <= 1.5
    assert 0.9 <= elapsed <= 2.0
    # The report maps world instants to wall-clock ones, for latency measurements downstream.
    first = report["deliveries"][0]
    due_wall = (
        report["real_start_epoch"]
        + (dt.datetime.fromisoformat(first["attempts"][0]["at"]) - start).total_seconds() / 600
    )
    assert abs(first["attempts"][0]["sent_epoch"] - due_wall) < 0.1
    # Each comment arrives when its time comes on the clock (a world minute per 0.1 s).
    sent_at = {}
    for post in rx.posts:
        for entry in post["body"]["entry"]:
            for change in entry["changes"]:
                sent_at[event_id(post["body"]["object"], change)] = post["at"] - t0
    happened = {e.event_id: e.at for e in comment_events(world, start, start + TEN_MINUTES)}
    assert happened and set(sent_at) == set(happened) == set(report["event_ids"])
    for eid in sent_at:
        due = (happened[eid] - start).total_seconds() / 600
        assert due - 0.05 <= sent_at[eid] <= due + 0.5, (eid, due, sent_at[eid])


def test_redirects_are_not_followed(server, receiver) -> None:
    """The sandbox posts to the subscribed URL only: a redirect (which could point off
    loopback) fails the handshake instead of being followed."""
    rx = receiver(redirect=True)
    subscribe(server, callback_url=rx.url, start=EVENING.isoformat(), minutes=60, speed=3600)
    report = settle(server)
    assert report["state"] == "verification_failed"
    assert report["handshake"]["status"] == 307
    assert rx.paths == ["/meta/webhook"]


def test_bad_subscriptions_are_refused_with_a_clear_error(server) -> None:
    remote = subscribe(server, callback_url="http://example.com/hook")
    assert remote.status_code == 400
    assert "not loopback" in remote.json()["error"]
    unknown = subscribe(server, callback_url="http://127.0.0.1:9/x", speeed=3)
    assert unknown.status_code == 400 and "speeed" in unknown.json()["error"]
    naive = subscribe(server, callback_url="http://127.0.0.1:9/x", start="2026-11-19T17:00:00")
    assert naive.status_code == 400 and "timezone" in naive.json()["error"]
    rates = subscribe(server, callback_url="http://127.0.0.1:9/x", duplicate_rate=2)
    assert rates.status_code == 400 and "duplicate_rate" in rates.json()["error"]
    nothing = requests.get(f"{server.url}/__sandbox/webhooks", timeout=10)
    assert nothing.status_code == 404
