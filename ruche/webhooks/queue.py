"""The receiver's durable hand-off: a Redis stream, or a local spool while Redis is down.

Each accepted delivery becomes one stream entry: the raw body (signed bytes, untouched), the
receipt time, a delivery id (SHA-256 of the body: the same for Meta's retries of one
delivery) and the ids downstream de-duplicates on (`entry[].id`, `entry[].time`,
`changes[].value.comment_id`). The receiver never de-duplicates: Meta retries deliveries it
thinks failed, so the same body may arrive twice and is queued twice.

**Spool.** When `XADD` fails, the entry is appended to `pending.ndjson` (one JSON per line,
flushed and fsync'd before the 200) and every later delivery goes there too until the spool is
drained, so the stream keeps the order of receipt. **Replay** renames `pending.ndjson` to
`replaying-<uuid>.ndjson` (new deliveries start a new pending file) and adds its lines in order;
each `XADD` runs in one MULTI/EXEC transaction with the write of the file's offset to a Redis
key, so the stream and the offset move together: a replay that dies anywhere resumes at the
first line the stream does not hold, no line lost, none added twice. A finished file is deleted,
then its offset key. `flock`s keep a `ruche webhooks replay` and a running receiver from
draining at the same time (`replay.lock`) and an append from meeting the rename
(`append.lock`); one receiver process per spool folder (its spooling flag is in memory).

**Doorbell.** With a `channel`, each `XADD` is followed, in the same MULTI/EXEC, by a `PUBLISH`
of a small JSON message on that pub/sub channel (and a replay that moved entries publishes one
at its end): Airflow's AssetWatcher on `ruche_events` listens there (Airflow's common messaging
provider reads Redis only as pub/sub). Pub/sub is not durable — a message published while no
one listens is gone — so the doorbell carries nothing the DAG needs: each run drains the whole
stream from its consumer group, and a missed doorbell only delays events to the next one (or to
the DAG's time fallback).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import logging
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import redis

log = logging.getLogger("ruche.webhooks")

PENDING = "pending.ndjson"
REPLAYING_GLOB = "replaying-*.ndjson"
OFFSET_TTL_SECONDS = 7 * 24 * 3600  # an offset key outlives a crash between unlink and delete


class Default:
    """The type of `DEFAULT`: "not given", distinct from None ("no doorbell")."""


DEFAULT = Default()


def event_ids(body: bytes) -> dict[str, list[str]]:
    """The ids Meta's payload carries (empty lists for a body that is not Meta's JSON)."""
    ids: dict[str, list[str]] = {"entry_ids": [], "times": [], "comment_ids": []}
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return ids
    entries = payload.get("entry") if isinstance(payload, dict) else None
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        if "id" in entry:
            ids["entry_ids"].append(str(entry["id"]))
        if "time" in entry:
            ids["times"].append(str(entry["time"]))
        changes = entry.get("changes")
        for change in changes if isinstance(changes, list) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if not isinstance(value, dict):
                continue
            # Pages: value.comment_id; Instagram `comments` field: value.id is the comment's.
            comment = value.get("comment_id")
            if comment is None and change.get("field") == "comments":
                comment = value.get("id")
            if comment is not None:
                ids["comment_ids"].append(str(comment))
    return ids


def make_entry(body: bytes, received_at: dt.datetime | None = None) -> dict[str, str]:
    """The stream entry of one delivery (all fields text; `body` is the raw body, UTF-8)."""
    payload_object = ""
    with contextlib.suppress(ValueError, UnicodeDecodeError, AttributeError):
        payload_object = str(json.loads(body).get("object", ""))
    ids = event_ids(body)
    return {
        "body": body.decode("utf-8"),  # the app refuses a body that is not UTF-8 (400)
        "received_at": (received_at or dt.datetime.now(dt.UTC)).isoformat(),
        "delivery_id": hashlib.sha256(body).hexdigest(),
        "object": payload_object,
        **{name: json.dumps(values) for name, values in ids.items()},
    }


class EventQueue:
    """`put` an entry on the stream, or in the spool; `replay` the spool onto the stream."""

    def __init__(
        self, client: redis.Redis, stream: str, spool: Path, channel: str | None = None
    ) -> None:
        self.client = client
        self.stream = stream
        self.channel = channel
        self.spool = spool
        self.spool.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._end_torn_line()
        # Deliveries go to the spool while it holds anything, so the stream keeps their order.
        self._spooling = self.spooled() > 0

    @classmethod
    def from_url(
        cls, url: str, stream: str, spool: Path, channel: str | Default | None = DEFAULT
    ) -> EventQueue:
        """The queue on the Redis at `url`; `channel` (the doorbell) defaults to the setting
        `RUCHE_WEBHOOK_CHANNEL` (None: no doorbell)."""
        if isinstance(channel, Default):
            from ruche.settings import settings

            channel = settings().WEBHOOK_CHANNEL
        # Short timeouts: a Redis that does not answer must not hold Meta's request for long.
        client = redis.Redis.from_url(url, socket_connect_timeout=1.0, socket_timeout=2.0)
        return cls(client, stream, spool, channel)

    # ---- the live path

    def put(self, entry: dict[str, str]) -> str:
        """Queue `entry` durably; 'stream' or 'spool', where it went."""
        with self._lock:
            if not self._spooling:
                try:
                    self._xadd(entry)
                    return "stream"
                except redis.RedisError as exc:
                    # The exception's text may hold the URL; its class says enough.
                    log.warning(
                        "Redis unreachable (%s): spooling webhook deliveries in %s",
                        type(exc).__name__,
                        self.spool,
                    )
                    self._spooling = True
            self._append(entry)
            return "spool"

    def _xadd(self, entry: dict[str, str]) -> None:
        if self.channel is None:
            self.client.xadd(self.stream, entry)
            return
        # One round trip, one transaction: the doorbell never rings before the entry is there.
        pipe = self.client.pipeline(transaction=True)
        pipe.xadd(self.stream, entry)
        pipe.publish(self.channel, self._doorbell(entry.get("delivery_id", "")))
        pipe.execute()

    def _doorbell(self, delivery_id: str = "", replayed: int = 0) -> str:
        message: dict[str, Any] = {"stream": self.stream}
        if delivery_id:
            message["delivery_id"] = delivery_id
        if replayed:
            message["replayed"] = replayed
        return json.dumps(message)

    def ring(self, replayed: int = 0) -> int:
        """Publish a doorbell (no entry); how many subscribers heard it (0 without a channel)."""
        if self.channel is None:
            return 0
        return int(self.client.publish(self.channel, self._doorbell(replayed=replayed)))

    def _append(self, entry: dict[str, str]) -> None:
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        with self._flock("append.lock"), (self.spool / PENDING).open("ab") as out:
            out.write(line)
            out.flush()
            os.fsync(out.fileno())

    def _end_torn_line(self) -> None:
        """A process killed mid-append leaves a line without its newline (never acknowledged:
        the 200 follows the fsync). Ending it here keeps the next delivery on a line of its
        own; the replay skips the torn one."""
        path = self.spool / PENDING
        with self._flock("append.lock"):
            if not path.exists() or path.stat().st_size == 0:
                return
            with path.open("rb+") as spool:
                spool.seek(-1, os.SEEK_END)
                if spool.read(1) != b"\n":
                    spool.write(b"\n")
                    spool.flush()
                    os.fsync(spool.fileno())

    @contextlib.contextmanager
    def _flock(self, name: str) -> Iterator[None]:
        with (self.spool / name).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # ---- the spool

    def spooled(self) -> int:
        """Lines in the spool not yet on the stream (pending + replaying, offsets unknown: all)."""
        count = 0
        for path in [*sorted(self.spool.glob(REPLAYING_GLOB)), self.spool / PENDING]:
            with contextlib.suppress(FileNotFoundError), path.open("rb") as lines:
                count += sum(1 for _ in lines)
        return count

    def _offset_key(self, path: Path) -> str:
        return f"{self.stream}:spool-offset:{path.stem}"

    def replay(self, limit: int | None = None) -> int:
        """Move spooled entries to the stream, in order; how many moved. `limit` stops after
        that many (as a replay that dies would; the next call resumes). Raises `RedisError`
        when Redis is still unreachable (nothing is lost: the spool stays)."""
        moved = 0
        with self._flock("replay.lock"):
            while limit is None or moved < limit:
                files = sorted(self.spool.glob(REPLAYING_GLOB))
                if not files:
                    if not (self.spool / PENDING).exists():
                        break
                    # The clock in the name keeps replay files in order if several wait.
                    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
                    target = self.spool / f"replaying-{stamp}-{uuid.uuid4().hex[:8]}.ndjson"
                    with self._flock("append.lock"):
                        (self.spool / PENDING).rename(target)
                        _fsync_dir(self.spool)
                    continue
                moved += self._replay_file(files[0], None if limit is None else limit - moved)
                if limit is not None and moved >= limit:
                    break
        # Under the live path's lock: no delivery is between its check and its append.
        with self._lock:
            if not any(self.spool.glob(REPLAYING_GLOB)) and not (self.spool / PENDING).exists():
                self._spooling = False
        if moved:
            log.info("replayed %d spooled webhook deliveries onto %s", moved, self.stream)
            try:
                self.ring(replayed=moved)
            except redis.RedisError as exc:  # the entries are on the stream: the DAG's time
                # fallback (or the next doorbell) takes them
                log.warning("doorbell after the replay not sent (%s)", type(exc).__name__)
        return moved

    def _replay_file(self, path: Path, limit: int | None) -> int:
        key = self._offset_key(path)
        done = int(self.client.get(key) or 0)
        moved = 0
        with path.open("rb") as lines:
            for number, raw in enumerate(lines):
                if number < done:
                    continue
                if limit is not None and moved >= limit:
                    return moved
                try:
                    entry = json.loads(raw.decode("utf-8")) if raw.endswith(b"\n") else None
                except ValueError:
                    entry = None
                pipe = self.client.pipeline(transaction=True)
                if isinstance(entry, dict):
                    pipe.xadd(self.stream, entry)
                    moved += 1
                else:
                    # A line torn by a crash mid-append was never acknowledged (no 200).
                    log.warning("skipping torn line %d of %s", number + 1, path.name)
                pipe.set(key, number + 1, ex=OFFSET_TTL_SECONDS)
                pipe.execute()
        path.unlink()
        _fsync_dir(self.spool)
        self.client.delete(key)
        return moved

    def stream_length(self) -> int:
        return int(self.client.xlen(self.stream))

    def entries(self) -> list[dict[str, Any]]:
        """Every entry of the stream, oldest first (tests, `ruche webhooks replay` summary)."""
        return [
            {k.decode(): v.decode("utf-8") for k, v in fields.items()}
            for _, fields in self.client.xrange(self.stream)
        ]


def _fsync_dir(folder: Path) -> None:
    """A rename or unlink survives a power cut only once its directory is synced."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
