"""Meta's webhooks, sent by the sandbox as its world's comments appear.

`comment_events` lists what Meta would push for a window of world time: for Facebook Pages the
``feed`` field (``item: comment``, ``verb: add`` when a comment is written, ``verb: remove`` when
it is deleted) and for Instagram the ``comments`` field (new comments only: Instagram has no
delete notification). `WebhookSender` replays them to one subscribed callback on a clock that
can run faster than real time (``speed=60``: one world minute per real second), the way Meta
delivers: the verification handshake first, ``object``/``entry``/``changes`` envelopes batching
the changes that are due together, each body signed with the app secret
(``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>``, and the legacy ``sha1``
``X-Hub-Signature``), failed deliveries retried at once then with decreasing frequency over 36
hours of world time, and — seeded, at configurable rates — deliveries sent twice or held back
so that they arrive out of order. The delivery log says what was sent, how often and with what
answer. See the README section "Webhooks" for what is recorded and what is unverified.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import hmac
import ipaddress
import json
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests

log = logging.getLogger(__name__)

UTC = dt.UTC

RETRY_OFFSETS_SECONDS: tuple[int, ...] = (
    0,
    60,
    5 * 60,
    15 * 60,
    3600,
    3 * 3600,
    6 * 3600,
    12 * 3600,
    24 * 3600,
    36 * 3600,
)
"""World seconds after the first failed attempt at which a delivery is tried again: Meta
documents "we will retry immediately, then try a few more times with decreasing frequency over
the next 36 hours … Unacknowledged responses will be dropped after 36 hours". The exact
intervals are not published: these are the sandbox's choice within that sentence."""

MAX_BATCH = 1000
"""Meta: "Event Notifications are aggregated and sent in a batch with a maximum of 1000
updates"."""

# Out-of-order deliveries are held back by this much world time (after later ones were sent).
_HOLD_BACK_SECONDS = (60.0, 600.0)
# A duplicate is the same body sent again this much world time after the first success.
_DUPLICATE_AFTER_SECONDS = (5.0, 300.0)
_OBJECT_OF = {"facebook": "page", "instagram": "instagram"}


@dataclass(frozen=True, slots=True)
class WebhookEvent:
    """One change Meta would notify: when (world time), for which object and account."""

    at: dt.datetime
    object: str
    """``page`` or ``instagram`` (the envelope's ``object``)."""
    account_id: str
    """The entry's ``id``: the Page id or the Instagram professional account id."""
    field: str
    value: dict[str, Any]
    event_id: str
    """Stable id for tests and logs (not sent): ``feed:<verb>:<comment id>`` or
    ``comments:<comment id>``."""


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _fb_values(comment: Any, verb: str, at: dt.datetime) -> dict[str, Any]:
    post = comment.post
    value: dict[str, Any] = {
        "from": {"id": comment.author_id, "name": comment.author_name},
        "post": {
            "status_type": post.kind,
            "is_published": True,
            "updated_time": post.created.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "permalink_url": post.permalink,
            "promotion_status": "inactive",
            "id": post.id,
        },
        "post_id": post.id,
        "comment_id": comment.id,
        # Top-level comments have the post as parent; replies the comment they answer.
        "parent_id": comment.parent.id if comment.parent is not None else post.id,
        "created_time": _epoch(at),
        "item": "comment",
        "verb": verb,
    }
    if verb == "add" and comment.text is not None:
        value["message"] = comment.text
    return value


def _ig_value(comment: Any) -> dict[str, Any]:
    value: dict[str, Any] = {
        "from": {"id": comment.author_id, "username": comment.author_name},
        "media": {"id": comment.post.id, "media_product_type": "FEED"},
        "id": comment.id,
    }
    if comment.parent is not None:
        value["parent_id"] = comment.parent.id
    if comment.text is not None:
        value["text"] = comment.text
    return value


def comment_events(
    world: Any,
    start: dt.datetime,
    end: dt.datetime,
    platforms: tuple[str, ...] = ("facebook", "instagram"),
) -> list[WebhookEvent]:
    """Every comment change of `world` in [start, end) as Meta would notify it, oldest first.
    Comments arrive up to 14 days after their post (`OrganicMixin._arrival`), so posts from 15
    days before `start` are walked too."""
    events: list[WebhookEvent] = []
    since = start - dt.timedelta(days=15)
    for _client, platform, account_id in world.accounts():
        if platform not in platforms:
            continue
        acct = world.account_info(platform, account_id)
        for post in world._posts_between(acct, since, end):
            for comment in world._comments(post):
                if start <= comment.created < end:
                    if platform == "facebook":
                        value = _fb_values(comment, "add", comment.created)
                        event_id = f"feed:add:{comment.id}"
                        fieldname = "feed"
                    else:
                        value, event_id, fieldname = (
                            _ig_value(comment),
                            f"comments:{comment.id}",
                            "comments",
                        )
                    events.append(
                        WebhookEvent(
                            comment.created,
                            _OBJECT_OF[platform],
                            acct.id,
                            fieldname,
                            value,
                            event_id,
                        )
                    )
                gone = comment.deleted_at
                if platform == "facebook" and gone is not None and start <= gone < end:
                    events.append(
                        WebhookEvent(
                            gone,
                            "page",
                            acct.id,
                            "feed",
                            _fb_values(comment, "remove", gone),
                            f"feed:remove:{comment.id}",
                        )
                    )
    events.sort(key=lambda e: (e.at, e.event_id))
    return events


def sign(body: bytes, app_secret: str, legacy_sha1: bool = True) -> dict[str, str]:
    """The signature headers Meta sends with a body: ``X-Hub-Signature-256`` (documented) and,
    unless `legacy_sha1` is off, the older ``X-Hub-Signature`` (sha1) seen in recorded
    deliveries (whether Meta still sends it today is unverified)."""
    key = app_secret.encode()
    headers = {"X-Hub-Signature-256": "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()}
    if legacy_sha1:
        headers["X-Hub-Signature"] = "sha1=" + hmac.new(key, body, hashlib.sha1).hexdigest()
    return headers


def check_callback(url: str, allow_remote: bool = False) -> None:
    """Refuse a callback the sandbox must not post to: anything but http(s) on loopback,
    unless `allow_remote`."""
    split = urlsplit(url)
    if split.scheme not in ("http", "https") or not split.hostname:
        raise ValueError(
            f"callback_url {url!r} is not an http(s) URL: give http://127.0.0.1:PORT/…"
        )
    if allow_remote:
        return
    host = split.hostname
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"callback_url host {host!r} is not loopback: the sandbox only posts to 127.0.0.1, "
            "::1 or localhost (pass allow_remote=true to post elsewhere on purpose)"
        )


@dataclass(slots=True)
class _Delivery:
    id: int
    object: str
    body: bytes
    event_ids: tuple[str, ...]
    due_world: dt.datetime
    kind: str = "first"
    """``first``, ``retry`` (after a failure) or ``duplicate`` (a second send of a success)."""
    held_back: bool = False
    first_failure: float | None = None
    """World seconds since start of the first failed attempt (retries are timed from it)."""
    retry_index: int = 0
    attempts: list[dict[str, Any]] = field(default_factory=list)
    state: str = "pending"


class WebhookSender:
    """Sends `world`'s comment webhooks for [start, end) of world time to `callback_url`, in a
    daemon thread, on a clock where one real second is `speed` world seconds. `duplicate_rate`
    and `reorder_rate` (0–1) are the shares of deliveries sent twice or held back, drawn from
    `seed`. `timeout` is the real seconds a delivery may take before it counts as failed."""

    def __init__(
        self,
        world: Any,
        callback_url: str,
        verify_token: str,
        app_secret: str,
        *,
        start: dt.datetime,
        end: dt.datetime,
        speed: float = 60.0,
        duplicate_rate: float = 0.0,
        reorder_rate: float = 0.0,
        seed: int = 0,
        platforms: tuple[str, ...] = ("facebook", "instagram"),
        max_batch: int = MAX_BATCH,
        timeout: float = 5.0,
        allow_remote: bool = False,
        legacy_sha1: bool = True,
    ) -> None:
        check_callback(callback_url, allow_remote)
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must carry a timezone (e.g. 2026-11-19T17:00:00Z)")
        if end <= start:
            raise ValueError(f"end {end.isoformat()} is not after start {start.isoformat()}")
        if speed <= 0:
            raise ValueError(f"speed must be positive, not {speed}")
        for name, rate in (("duplicate_rate", duplicate_rate), ("reorder_rate", reorder_rate)):
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, not {rate}")
        if not 1 <= max_batch <= MAX_BATCH:
            raise ValueError(f"max_batch must be between 1 and {MAX_BATCH}, not {max_batch}")
        self.callback_url = callback_url
        self.verify_token = verify_token
        self._secret = app_secret
        self.start_at = start.astimezone(UTC)
        self.end_at = end.astimezone(UTC)
        self.speed = float(speed)
        self.duplicate_rate = duplicate_rate
        self.reorder_rate = reorder_rate
        self.seed = seed
        self.max_batch = max_batch
        self.timeout = timeout
        self.legacy_sha1 = legacy_sha1
        self.events = comment_events(world, self.start_at, self.end_at, platforms)
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._deliveries: list[_Delivery] = []
        self._handshake: dict[str, Any] = {}
        self.state = "created"
        self._t0 = 0.0
        self._wall0 = 0.0
        self._thread: threading.Thread | None = None
        self._finished_real: float | None = None

    # ------------------------------------------------------------------ clock

    def world_now(self) -> dt.datetime:
        elapsed = (time.monotonic() - self._t0) * self.speed
        return self.start_at + dt.timedelta(seconds=elapsed)

    def _real_at(self, moment: dt.datetime) -> float:
        return self._t0 + (moment - self.start_at).total_seconds() / self.speed

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> WebhookSender:
        self._t0 = time.monotonic()
        self._wall0 = time.time()
        self.state = "verifying"
        self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        with self._lock:
            if self.state not in ("done", "verification_failed"):
                self.state = "stopped"

    def wait(self, timeout: float) -> bool:
        """Wait until every delivery is settled (delivered or dropped); True if it is."""
        if self._thread is None:
            return False
        self._thread.join(timeout)
        return not self._thread.is_alive()

    # ------------------------------------------------------------------ the sender thread

    def _run(self) -> None:
        try:
            with requests.Session() as session:
                session.headers["User-Agent"] = "facebookexternalua"
                if not self._verify(session):
                    return
                with self._lock:
                    self.state = "delivering"
                self._deliver_all(session)
        except Exception:  # a sandbox thread must say why it ended, not vanish
            log.exception("webhook sender failed")
            with self._lock:
                self.state = "failed"
            return
        with self._lock:
            if self.state == "delivering":
                self.state = "done"
            self._finished_real = time.monotonic() - self._t0

    def _verify(self, session: requests.Session) -> bool:
        """Meta's handshake: GET the callback with hub.mode, hub.challenge, hub.verify_token and
        expect the challenge back as the body of a 200; otherwise nothing is delivered."""
        challenge = str(self._rng.randrange(10**9, 10**10))
        query = urlencode(
            {
                "hub.mode": "subscribe",
                "hub.challenge": challenge,
                "hub.verify_token": self.verify_token,
            }
        )
        sep = "&" if urlsplit(self.callback_url).query else "?"
        record: dict[str, Any] = {"challenge": challenge, "status": None, "ok": False}
        try:
            # Redirects are not followed: the sandbox posts to the subscribed URL and nowhere
            # else (a redirect could point off loopback).
            resp = session.get(
                f"{self.callback_url}{sep}{query}", timeout=self.timeout, allow_redirects=False
            )
            record["status"] = resp.status_code
            record["ok"] = resp.status_code == 200 and resp.text.strip() == challenge
        except requests.RequestException as exc:
            record["error"] = type(exc).__name__
        with self._lock:
            self._handshake = record
            if not record["ok"]:
                self.state = "verification_failed"
        if not record["ok"]:
            log.warning("webhook verification failed at %s: %s", self.callback_url, record)
        return bool(record["ok"])

    def _envelope(self, obj: str, events: list[WebhookEvent], now: dt.datetime) -> bytes:
        entries: dict[str, dict[str, Any]] = {}
        for event in events:
            entry = entries.setdefault(
                event.account_id, {"id": event.account_id, "time": _epoch(now), "changes": []}
            )
            entry["changes"].append({"field": event.field, "value": event.value})
        # Meta escapes non-ASCII characters (\uXXXX) in the body it signs.
        return json.dumps({"object": obj, "entry": list(entries.values())}).encode()

    def _deliver_all(self, session: requests.Session) -> None:
        queue: list[tuple[float, int, _Delivery]] = []  # (real due time, delivery id, delivery)
        position = 0
        events = self.events
        while not self._stop.is_set():
            now_real = time.monotonic()
            if position < len(events) and self._real_at(events[position].at) <= now_real:
                world_now = self.world_now()
                due: list[WebhookEvent] = []
                while position < len(events) and events[position].at <= world_now:
                    due.append(events[position])
                    position += 1
                for delivery in self._batch(due, world_now):
                    heapq.heappush(
                        queue, (self._real_at(delivery.due_world), delivery.id, delivery)
                    )
                continue
            if queue and queue[0][0] <= now_real:
                _, _, delivery = heapq.heappop(queue)
                follow_up = self._attempt(session, delivery)
                if follow_up is not None:
                    heapq.heappush(
                        queue, (self._real_at(follow_up.due_world), follow_up.id, follow_up)
                    )
                continue
            end_real = self._real_at(self.end_at)
            if position >= len(events) and not queue and now_real >= end_real:
                return  # the clock has passed the window and every delivery is settled
            wake = min(
                queue[0][0] if queue else end_real,
                self._real_at(events[position].at) if position < len(events) else end_real,
            )
            self._stop.wait(max(0.0, min(wake - now_real, 0.5)))

    def _draw(self, event_id: str, purpose: str) -> float:
        """A uniform draw keyed by the seed and the delivery's first event, not by the order of
        the draws: the same run repeats whatever the thread timing (with ``max_batch=1``
        exactly; with batching, as long as the batches come out the same)."""
        return random.Random(f"{self.seed}|{event_id}|{purpose}").random()

    def _new_delivery(self, **kwargs: Any) -> _Delivery:
        with self._lock:
            delivery = _Delivery(id=len(self._deliveries) + 1, **kwargs)
            self._deliveries.append(delivery)
        return delivery

    def _batch(self, due: list[WebhookEvent], world_now: dt.datetime) -> list[_Delivery]:
        out: list[_Delivery] = []
        by_object: dict[str, list[WebhookEvent]] = {}
        for event in due:
            by_object.setdefault(event.object, []).append(event)
        for obj, group in by_object.items():
            for i in range(0, len(group), self.max_batch):
                chunk = group[i : i + self.max_batch]
                held_back = self._draw(chunk[0].event_id, "reorder") < self.reorder_rate
                due_world = world_now
                if held_back:
                    hold = _HOLD_BACK_SECONDS[0] + self._draw(chunk[0].event_id, "hold") * (
                        _HOLD_BACK_SECONDS[1] - _HOLD_BACK_SECONDS[0]
                    )
                    due_world += dt.timedelta(seconds=hold)
                out.append(
                    self._new_delivery(
                        object=obj,
                        body=self._envelope(obj, chunk, world_now),
                        event_ids=tuple(e.event_id for e in chunk),
                        due_world=due_world,
                        held_back=held_back,
                    )
                )
        return out

    def _attempt(self, session: requests.Session, delivery: _Delivery) -> _Delivery | None:
        """POST one delivery; return what to schedule next (a retry, a duplicate) or None."""
        world_now = self.world_now()
        headers = {
            "Content-Type": "application/json",
            **sign(delivery.body, self._secret, self.legacy_sha1),
        }
        attempt: dict[str, Any] = {
            "at": world_now.isoformat(),
            "sent_epoch": time.time(),
            "status": None,
        }
        try:
            resp = session.post(
                self.callback_url,
                data=delivery.body,
                headers=headers,
                timeout=self.timeout,
                allow_redirects=False,
            )
            attempt["status"] = resp.status_code
            ok = 200 <= resp.status_code < 300
        except requests.RequestException as exc:
            attempt["error"] = type(exc).__name__
            ok = False
        elapsed = (world_now - self.start_at).total_seconds()
        with self._lock:
            delivery.attempts.append(attempt)
            if ok:
                delivery.state = "delivered"
            elif delivery.first_failure is None:
                delivery.first_failure = elapsed
        if ok:
            key = delivery.event_ids[0]
            if delivery.kind != "duplicate" and self._draw(key, "duplicate") < self.duplicate_rate:
                low, high = _DUPLICATE_AFTER_SECONDS
                later = world_now + dt.timedelta(
                    seconds=low + self._draw(key, "duplicate_after") * (high - low)
                )
                return self._new_delivery(
                    object=delivery.object,
                    body=delivery.body,
                    event_ids=delivery.event_ids,
                    due_world=later,
                    kind="duplicate",
                )
            return None
        delivery.retry_index += 1
        if delivery.retry_index >= len(RETRY_OFFSETS_SECONDS):
            with self._lock:
                delivery.state = "dropped"
            log.warning("webhook delivery %d dropped after 36 world hours", delivery.id)
            return None
        assert delivery.first_failure is not None
        offset = delivery.first_failure + RETRY_OFFSETS_SECONDS[delivery.retry_index]
        delivery.due_world = self.start_at + dt.timedelta(seconds=offset)
        delivery.kind = "retry" if delivery.kind == "first" else delivery.kind
        return delivery

    # ------------------------------------------------------------------ the log

    def report(self) -> dict[str, Any]:
        """What was sent: the handshake, every delivery (event ids, attempts, state) and
        counts. Secrets are never in it."""
        with self._lock:
            deliveries = [
                {
                    "id": d.id,
                    "object": d.object,
                    "event_ids": list(d.event_ids),
                    "kind": d.kind,
                    "held_back": d.held_back,
                    "state": d.state,
                    "attempts": list(d.attempts),
                }
                for d in self._deliveries
            ]
            state, handshake, finished = self.state, dict(self._handshake), self._finished_real
        return {
            "state": state,
            "callback_url": self.callback_url,
            "speed": self.speed,
            # Wall-clock epoch of `start` on the world clock: a comment created at world instant
            # T was "written" at real_start_epoch + (T - start) / speed (for latency benches).
            "real_start_epoch": self._wall0 or None,
            "start": self.start_at.isoformat(),
            "end": self.end_at.isoformat(),
            "world_now": self.world_now().isoformat() if self._t0 else None,
            "duplicate_rate": self.duplicate_rate,
            "reorder_rate": self.reorder_rate,
            "seed": self.seed,
            "events": len(self.events),
            "event_ids": [e.event_id for e in self.events],
            "handshake": handshake,
            "deliveries": deliveries,
            "real_seconds": finished,
            "counts": {
                "deliveries": len(deliveries),
                "attempts": sum(len(d["attempts"]) for d in deliveries),
                "duplicates": sum(d["kind"] == "duplicate" for d in deliveries),
                "held_back": sum(d["held_back"] for d in deliveries),
                "retried": sum(len(d["attempts"]) > 1 for d in deliveries),
                "dropped": sum(d["state"] == "dropped" for d in deliveries),
            },
        }


def _instant(value: Any, name: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"{name} {value!r} is not an ISO instant (e.g. 2026-11-19T17:00:00Z)"
        ) from None
    if moment.tzinfo is None:
        raise ValueError(f"{name} {value!r} has no timezone: add Z or +00:00")
    return moment


def sender_from_json(world: Any, config: dict[str, Any]) -> WebhookSender:
    """A sender from the body of ``POST /__sandbox/webhooks`` (see the README)."""
    known = {
        "callback_url", "verify_token", "app_secret", "start", "end", "minutes", "speed",
        "duplicate_rate", "reorder_rate", "seed", "platforms", "max_batch", "timeout",
        "allow_remote", "legacy_sha1",
    }  # fmt: skip
    unknown = sorted(set(config) - known)
    if unknown:
        raise ValueError(
            f"unknown webhook option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    for name in ("callback_url", "verify_token", "app_secret"):
        if not isinstance(config.get(name), str) or not config[name]:
            raise ValueError(f"{name} is required (a non-empty string)")
    start = _instant(config["start"], "start") if "start" in config else world.now
    if "end" in config:
        end = _instant(config["end"], "end")
    else:
        end = start + dt.timedelta(minutes=float(config.get("minutes", 60)))
    platforms = tuple(config.get("platforms", ("facebook", "instagram")))
    bad = sorted(set(platforms) - set(_OBJECT_OF))
    if bad:
        raise ValueError(f"platforms {bad} have no webhooks here; use facebook and/or instagram")
    return WebhookSender(
        world,
        config["callback_url"],
        config["verify_token"],
        config["app_secret"],
        start=start,
        end=end,
        speed=float(config.get("speed", 60)),
        duplicate_rate=float(config.get("duplicate_rate", 0.0)),
        reorder_rate=float(config.get("reorder_rate", 0.0)),
        seed=int(config.get("seed", 0)),
        platforms=platforms,
        max_batch=int(config.get("max_batch", MAX_BATCH)),
        timeout=float(config.get("timeout", 5.0)),
        allow_remote=bool(config.get("allow_remote", False)),
        legacy_sha1=bool(config.get("legacy_sha1", True)),
    )
