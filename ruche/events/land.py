"""Land the receiver's stream: Redis stream entries → landing batches, acknowledged last.

A consumer group (`XREADGROUP`) reads the stream: first this consumer's pending entries (read
by an earlier run that died before its `XACK`), then new ones. The comment events are landed
as one batch per (platform, account, `comment_events`, event day) under the extracts' contract
(gzip NDJSON + manifest, the manifest last), and only once every batch is committed are the
entries acknowledged: the landing zone is the durable hand-off, so a run killed anywhere before
the `XACK` re-reads its entries next time and lands them again (new batches, the same keys: the
loader's merge keeps each comment and verb once).

Within a batch, one record per comment and verb (Meta's duplicate deliveries), the latest
event last. Entries of accounts the configuration does not list are counted, logged and
acknowledged (no client to land them for); bodies that cannot be read go to the dead-letter
stream `<stream>:dead` with the reason, then are acknowledged.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import redis

from connectors.landing import LandingZone, Manifest
from ruche.config import RucheConfig
from ruche.events.meta import ENTITY, CommentEvent, ParseError, parse_entry
from ruche.platforms import platform as registry_platform

log = logging.getLogger("ruche.events")

DEFAULT_GROUP = "ruche_events"
DEFAULT_CONSUMER = "ruche"
READ_COUNT = 1000  # entries per XREADGROUP call


@dataclass
class LandReport:
    """What one `land_events` run read, landed and acknowledged."""

    run_id: str
    entries: int = 0  # stream entries read (pending re-reads included)
    pending_reread: int = 0  # of those, entries an earlier run read and did not acknowledge
    events: int = 0  # comment changes parsed
    duplicates: int = 0  # changes dropped as repeats of the same comment and verb in this run
    not_comments: int = 0  # other changes (posts, reactions…)
    unknown_accounts: int = 0  # comment changes of accounts the configuration does not list
    dead: int = 0  # entries moved to the dead-letter stream
    acked: int = 0
    manifests: list[Manifest] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def landed(self) -> int:
        return sum(m.record_count for m in self.manifests)

    def summary(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "entries": self.entries,
            "pending_reread": self.pending_reread,
            "events": self.events,
            "duplicates": self.duplicates,
            "not_comments": self.not_comments,
            "unknown_accounts": self.unknown_accounts,
            "dead": self.dead,
            "acked": self.acked,
            "batches": len(self.manifests),
            "landed": self.landed,
            "seconds": round(self.seconds, 3),
        }


def ensure_group(client: redis.Redis, stream: str, group: str) -> None:
    """The consumer group, created at the stream's start (id 0, MKSTREAM) when missing."""
    try:
        client.xgroup_create(stream, group, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def _read(
    client: redis.Redis, stream: str, group: str, consumer: str, start: str, limit: int
) -> list[tuple[str, dict[str, str]]]:
    out: list[tuple[str, dict[str, str]]] = []
    cursor = start
    while len(out) < limit:
        answer = client.xreadgroup(
            group, consumer, {stream: cursor}, count=min(READ_COUNT, limit - len(out))
        )
        rows = answer[0][1] if answer else []
        # A pending entry deleted from the stream comes back as (id, None/{}).
        batch = [
            (
                entry_id.decode(),
                {k.decode(): v.decode("utf-8") for k, v in (fields or {}).items()},
            )
            for entry_id, fields in rows
        ]
        if not batch:
            break
        out += batch
        if start != ">":
            cursor = batch[-1][0]  # the pending list is walked by id
    return out


def _accounts(config: RucheConfig) -> dict[tuple[str, str], str]:
    """(platform, account id) → client id, for the platforms that have comment events."""
    return {
        (name, account.id): client.id
        for client, name, account in config.iter_accounts()
        if ENTITY in registry_platform(name).entity_names
    }


def land_events(
    config: RucheConfig,
    landing_root: str,
    *,
    redis_url: str,
    stream: str,
    group: str = DEFAULT_GROUP,
    consumer: str = DEFAULT_CONSUMER,
    max_entries: int = 10_000,
    storage_options: dict | None = None,
) -> LandReport:
    """Read up to `max_entries` stream entries (this consumer's pending ones first), land their
    comment events, then acknowledge them; see the module docstring."""
    import time

    started = time.monotonic()
    now = dt.datetime.now(dt.UTC)
    report = LandReport(run_id=f"events_{now:%Y%m%dT%H%M%S%f}_{uuid.uuid4().hex[:6]}")
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=5.0, socket_timeout=30.0)
    try:
        ensure_group(client, stream, group)
        pending = _read(client, stream, group, consumer, "0", max_entries)
        fresh = _read(client, stream, group, consumer, ">", max_entries - len(pending))
        report.pending_reread = len(pending)
        entries = pending + fresh
        report.entries = len(entries)
        if not entries:
            return report
        accounts = _accounts(config)
        latest: dict[tuple[str, str, str, str], CommentEvent] = {}
        dead: list[tuple[str, dict[str, str], str]] = []
        unknown: dict[tuple[str, str], int] = defaultdict(int)
        for entry_id, fields in entries:
            if not fields:  # trimmed from the stream while pending: nothing left to land
                continue
            try:
                events, others = parse_entry(fields, entry_id)
            except ParseError as exc:
                dead.append((entry_id, fields, str(exc)))
                continue
            report.not_comments += others
            for event in events:
                report.events += 1
                if (event.platform, event.account_id) not in accounts:
                    unknown[(event.platform, event.account_id)] += 1
                    continue
                held = latest.get(event.key)
                if held is not None:
                    report.duplicates += 1
                    if held.order > event.order:
                        continue
                latest[event.key] = event
        for (platform, account_id), count in sorted(unknown.items()):
            # No client owns the account: nothing to land it under.
            log.warning(
                "%d %s comment event(s) of account %s, which no client in the configuration "
                "lists: acknowledged, not landed",
                count,
                platform,
                account_id,
            )
        report.unknown_accounts = sum(unknown.values())
        landing = LandingZone(landing_root, storage_options)
        report.manifests = _land(landing, latest, accounts, report.run_id, now)
        for entry_id, fields, reason in dead:
            # The copy and the acknowledgement in one transaction: a run that dies here leaves
            # the entry pending (copied again next time) or moved, never moved twice.
            pipe = client.pipeline(transaction=True)
            pipe.xadd(f"{stream}:dead", {**fields, "stream_id": entry_id, "reason": reason})
            pipe.xack(stream, group, entry_id)
            pipe.execute()
            log.warning("webhook entry %s moved to %s:dead: %s", entry_id, stream, reason)
        report.dead = len(dead)
        # Last: every batch is committed, so the entries may leave the pending list.
        moved = {entry_id for entry_id, _, _ in dead}
        ids = [entry_id for entry_id, _ in entries if entry_id not in moved]
        for start in range(0, len(ids), READ_COUNT):
            report.acked += int(client.xack(stream, group, *ids[start : start + READ_COUNT]))
        report.acked += len(moved)
    finally:
        client.close()
        report.seconds = time.monotonic() - started
    log.info("events landed: %s", report.summary())
    return report


def _land(
    landing: LandingZone,
    latest: dict[tuple[str, str, str, str], CommentEvent],
    accounts: dict[tuple[str, str], str],
    run_id: str,
    now: dt.datetime,
) -> list[Manifest]:
    groups: dict[tuple[str, str, dt.date], list[CommentEvent]] = defaultdict(list)
    for event in latest.values():
        groups[(event.platform, event.account_id, event.day)].append(event)
    manifests: list[Manifest] = []
    for (platform, account_id, day), events in sorted(groups.items()):
        events.sort(key=lambda e: e.order)  # the loader keeps the last row of a key in a file
        with landing.batch(
            platform=platform,
            entity=ENTITY,
            client_id=accounts[(platform, account_id)],
            account_id=account_id,
            run_id=run_id,
            logical_date=day,
            window=(day, day),
            requested=(day, day),
            api_version=registry_platform(platform).api.version,
            extracted_at=now,
        ) as batch:
            batch.write_many(e.record for e in events)
            manifests.append(batch.commit(extra={"source": "webhooks"}))
    return manifests
