"""The event path of `make stack-test` (ruche/stack.py) and of `python -m bench.events`.

The real `ruche webhooks serve` process on a free loopback port, the sandbox posting its world's
comments to it as signed Meta webhooks (`POST /__sandbox/webhooks`: a clock faster than real
time, duplicates, out-of-order deliveries), the stack's Redis holding the stream and ringing the
doorbell, the AssetWatcher in the stack's triggerer scheduling `ruche_events` on the Celery
workers, and a real SMTP server (aiosmtpd) on loopback receiving the alerts, each message kept
with the wall-clock time it arrived.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import logging
import secrets
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

log = logging.getLogger("ruche.stack")

HOST = "127.0.0.1"
STREAM = "ruche:webhooks:meta"
CHANNEL = "ruche:webhooks:doorbell"
CONN_ID = "ruche_redis"
SENDER = "ruche-alerts@agency.example"
EVENTS_DAG = "ruche_events"
GROUP = "ruche_events"


# ----------------------------------------------------------------------------------------------
# The SMTP server the alerts reach
# ----------------------------------------------------------------------------------------------


@dataclass
class Received:
    arrived: float  # wall clock (time.time()) when the server took the message
    mail_from: str
    rcpt_tos: list[str]
    message: email.message.EmailMessage

    @property
    def body(self) -> str:
        try:
            return str(self.message.get_content()).strip()
        except (KeyError, LookupError, ValueError):
            return ""

    @property
    def text(self) -> str:
        parts = [str(self.message.get("Subject", ""))]
        for part in self.message.walk():
            if part.get_content_maintype() == "text":
                try:
                    parts.append(part.get_content())
                except (LookupError, ValueError):
                    continue
        return "\n".join(parts)


class Inbox:
    """An aiosmtpd handler keeping every message with its arrival time."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(
                Received(time.time(), envelope.mail_from, list(envelope.rcpt_tos), message)
            )
        return "250 OK"

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.messages)


def start_smtp(port: int) -> tuple[Inbox, Any]:
    """A real SMTP server (aiosmtpd, a development dependency) on 127.0.0.1:`port`."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname=HOST, port=port)
    controller.start()
    return inbox, controller


def events_config(source: Path, target: Path, smtp_port: int) -> Path:
    """`source` (the demo configuration) with the agency's mail server on loopback and a
    recipient per client, so immediate alerts (and the night's digests) are e-mailed there."""
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["notifications"] = {
        **(data.get("notifications") or {}),
        "smtp": {"host": HOST, "port": smtp_port, "security": "none", "sender": SENDER},
    }
    for client in data["clients"]:
        digest = client.setdefault("digest", {}) or {}
        digest["recipients"] = [f"cm-{client['id']}@agency.example"]
        client["digest"] = digest
    target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


# ----------------------------------------------------------------------------------------------
# Receiver, webhooks, Redis
# ----------------------------------------------------------------------------------------------


@dataclass
class Receiver:
    url: str
    redis_url: str
    app_secret: str
    verify_token: str
    env: dict[str, str] = field(repr=False, default_factory=dict)


def events_redis_url(broker: str) -> str:
    """The events' Redis: the stack's one, database 1 (Celery's broker is database 0)."""
    return broker.rsplit("/", 1)[0] + "/1"


def airflow_events_env(redis_url: str, poll_seconds: float) -> dict[str, str]:
    """What every Airflow process needs for `ruche_events`: the stream, the doorbell, and the
    Redis connection the AssetWatcher subscribes with (`AIRFLOW_CONN_RUCHE_REDIS`)."""
    return {
        "RUCHE_WEBHOOK_REDIS_URL": redis_url,
        "RUCHE_WEBHOOK_STREAM": STREAM,
        "RUCHE_WEBHOOK_CHANNEL": CHANNEL,
        "RUCHE_EVENTS_REDIS_CONN_ID": CONN_ID,
        "RUCHE_EVENTS_POLL_SECONDS": str(poll_seconds),
        f"AIRFLOW_CONN_{CONN_ID.upper()}": redis_url,
    }


def start_receiver(processes: Any, env: dict[str, str], redis_url: str, spool: Path) -> Receiver:
    """`ruche webhooks serve` as its own process on a free port, the app secret in its env."""
    from ruche.stack import free_port, port_open, wait_until

    port = free_port()
    secret, token = secrets.token_hex(16), secrets.token_hex(8)
    receiver_env = {
        **env,
        "RUCHE_META_APP_SECRET": secret,
        "RUCHE_WEBHOOK_VERIFY_TOKEN": token,
        "RUCHE_WEBHOOK_REDIS_URL": redis_url,
        "RUCHE_WEBHOOK_STREAM": STREAM,
        "RUCHE_WEBHOOK_CHANNEL": CHANNEL,
        "RUCHE_WEBHOOK_SPOOL": str(spool),
    }
    ruche = Path(sys.executable).with_name("ruche")
    processes.start(
        "webhooks", [str(ruche), "webhooks", "serve", "--port", str(port)], receiver_env
    )
    wait_until("the webhook receiver", lambda: port_open(port), processes, timeout=60)
    return Receiver(f"http://{HOST}:{port}/webhooks/meta", redis_url, secret, token, receiver_env)


def subscribe(
    sandbox: str,
    receiver: Receiver,
    *,
    start: dt.datetime,
    end: dt.datetime,
    speed: float,
    duplicate_rate: float = 0.1,
    reorder_rate: float = 0.1,
    seed: int = 18,
) -> dict[str, Any]:
    """Subscribe the receiver to the sandbox's Meta webhooks; the sandbox starts sending."""
    import requests

    response = requests.post(
        f"{sandbox}/__sandbox/webhooks",
        json={
            "callback_url": receiver.url,
            "verify_token": receiver.verify_token,
            "app_secret": receiver.app_secret,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "speed": speed,
            "duplicate_rate": duplicate_rate,
            "reorder_rate": reorder_rate,
            "seed": seed,
        },
        timeout=60,
    )
    if response.status_code != 201:
        from ruche.stack import StackError

        raise StackError(f"POST /__sandbox/webhooks: {response.status_code} {response.text[:300]}")
    return response.json()


def sender_report(sandbox: str) -> dict[str, Any]:
    import requests

    return requests.get(f"{sandbox}/__sandbox/webhooks", timeout=30).json()


def wait_sent(sandbox: str, processes: Any, timeout: float) -> dict[str, Any]:
    """The sandbox's delivery log once every delivery is settled."""
    from ruche.stack import StackError

    deadline = time.monotonic() + timeout
    while True:
        processes.check_alive()
        report = sender_report(sandbox)
        if report["state"] == "done":
            return report
        if report["state"] in ("verification_failed", "failed", "stopped"):
            raise StackError(f"the sandbox's webhook sender ended {report['state']}: {report}")
        if time.monotonic() > deadline:
            raise StackError(f"the sandbox's webhooks were not all sent after {timeout:.0f} s")
        time.sleep(0.5)


def subscribers(redis_url: str) -> int:
    """How many clients listen on the doorbell channel (the AssetWatcher's trigger, when armed)."""
    import redis

    counts = dict(redis.Redis.from_url(redis_url).pubsub_numsub(CHANNEL))
    return int(counts.get(CHANNEL.encode(), 0))


def arm_watcher(api: Any, processes: Any, redis_url: str, timeout: float = 180) -> float:
    """Unpause `ruche_events` and wait until its AssetWatcher listens; the seconds it took.

    Airflow registers an Asset's watchers when it parses the DAG file of an *unpaused* DAG, so
    after unpausing, the watcher starts at the next parse (every 30 s by default): the file is
    put at the head of the dag-processor's queue (`PUT /parseDagFile`), then the wait ends when
    the triggerer's subscription shows on the channel (`PUBSUB NUMSUB`)."""
    from ruche.stack import wait_until

    started = time.monotonic()
    api.call("PATCH", f"/dags/{EVENTS_DAG}", json={"is_paused": False})
    token = api.call("GET", f"/dags/{EVENTS_DAG}/details")["file_token"]
    api.call("PUT", f"/parseDagFile/{token}")
    wait_until(
        "the ruche_events AssetWatcher (a subscriber on the doorbell channel)",
        lambda: subscribers(redis_url) > 0,
        processes,
        timeout=timeout,
        every=0.5,
    )
    return time.monotonic() - started


def asset_events(api: Any) -> int:
    """How many events the webhook Asset received (each a doorbell the watcher heard)."""
    from ruche.event_tasks import ASSET_EVENTS

    assets = api.call("GET", "/assets", params={"uri_pattern": "webhooks"})["assets"]
    ids = [a["id"] for a in assets if a["uri"] == ASSET_EVENTS]
    if not ids:
        return 0
    return int(
        api.call("GET", "/assets/events", params={"asset_id": ids[0], "limit": 1})["total_entries"]
    )


def stream_drained(redis_url: str) -> tuple[bool, str]:
    """(True when the `ruche_events` group has read and acknowledged every entry, a status)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        info = client.xinfo_stream(STREAM)
        groups = {g["name"].decode(): g for g in client.xinfo_groups(STREAM)}
    except redis.ResponseError:
        return False, "no stream yet"
    group = groups.get(GROUP)
    if group is None:
        return False, f"{info['length']} entries, no consumer group yet"
    last = info["last-generated-id"]
    done = group["last-delivered-id"] == last and group["pending"] == 0
    return done, f"{info['length']} entries, {group['pending']} pending"


def wait_events_done(
    api: Any, processes: Any, redis_url: str, since: str, timeout: float
) -> list[dict[str, Any]]:
    """Once the stream is drained and no `ruche_events` run is queued or running: the runs
    that started after `since` (ISO), oldest first."""
    from ruche.stack import StackError

    deadline, last = time.monotonic() + timeout, ""
    while True:
        processes.check_alive()
        drained, status = stream_drained(redis_url)
        runs = api.call(
            "GET", f"/dags/{EVENTS_DAG}/dagRuns", params={"order_by": "start_date", "limit": 100}
        )["dag_runs"]
        active = [r for r in runs if r["state"] in ("queued", "running")]
        line = f"{status}; {len(runs)} runs, {len(active)} active"
        if line != last:
            log.info("  %s: %s", EVENTS_DAG, line)
            last = line
        if drained and not active:
            after = dt.datetime.fromisoformat(since)
            return [
                r
                for r in runs
                if r["start_date"] and dt.datetime.fromisoformat(r["start_date"]) >= after
            ]
        if time.monotonic() > deadline:
            raise StackError(f"{EVENTS_DAG} did not drain the stream in {timeout:.0f} s: {line}")
        time.sleep(1)


# ----------------------------------------------------------------------------------------------
# Checks
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SentComment:
    created: float  # wall clock of its creation on the sandbox's clock
    post_id: str
    parent_id: str | None  # the comment it answers (None: a comment on the post)


def sent_comments(report: dict[str, Any], world: Any) -> dict[str, SentComment]:
    """comment id -> when the sandbox's world created it (wall clock), its post and parent, for
    every comment added (Facebook `feed:add`, Instagram `comments`) in a delivered body and not
    deleted in the window. The delivery log gives the clock (`real_start_epoch`, `speed`); the
    world (the same seed as the sandbox's) gives each comment's world instant and post."""
    from connectors.sandbox.meta_graph.webhooks import comment_events

    start = dt.datetime.fromisoformat(report["start"])
    end = dt.datetime.fromisoformat(report["end"])
    events = comment_events(world, start, end)
    if set(report["event_ids"]) != {e.event_id for e in events}:
        from ruche.stack import StackError

        raise StackError("the driver's world is not the sandbox's: the event ids differ")
    delivered = {
        event_id
        for d in report["deliveries"]
        if d["state"] == "delivered"
        for event_id in d["event_ids"]
    }
    # A comment deleted within the window is gone from the platform: not expected in the marts.
    removed = {e.rsplit(":", 1)[1] for e in delivered if e.startswith("feed:remove:")}
    sent: dict[str, SentComment] = {}
    for event in events:
        comment = event.event_id.rsplit(":", 1)[1]
        if event.event_id.startswith("feed:remove:") or comment in removed:
            continue
        if event.event_id not in delivered:
            continue
        value = event.value
        post = str(value.get("post_id") or (value.get("media") or {}).get("id"))
        parent = value.get("parent_id")
        world_seconds = (event.at - start).total_seconds()
        sent[comment] = SentComment(
            report["real_start_epoch"] + world_seconds / report["speed"],
            post,
            None if parent in (None, post) else str(parent),
        )
    return sent


def comments_in_marts(warehouse: Path, ids: list[str]) -> Counter[str]:
    """How many rows `fct_comments` holds per comment id among `ids` (read-only)."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        schema = con.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'fct_comments' LIMIT 1"
        ).fetchone()
        if schema is None:
            return Counter()
        rows = con.execute(
            f'SELECT comment_id, count(*) FROM "{schema[0]}".fct_comments '
            "WHERE comment_id IN (SELECT unnest(?)) GROUP BY 1",
            [ids],
        ).fetchall()
    finally:
        con.close()
    return Counter({str(k): int(n) for k, n in rows})


def check_comments(warehouse: Path, sent: dict[str, SentComment], where: str) -> list[str]:
    """No webhook comment is in `fct_comments` of `warehouse` more than once, and each one is
    there exactly once, also on a post the warehouse does not hold yet (a post published since
    the night: `int_comment_posts_pending`); a reply waits until its parent is there."""
    ids = sorted(sent)
    found = comments_in_marts(warehouse, ids)
    showable = [
        c for c, info in sent.items() if info.parent_id is None or found[info.parent_id] > 0
    ]
    missing = [c for c in showable if found[c] == 0]
    doubled = {c: n for c, n in found.items() if n > 1}
    log.info(
        "%s: %d webhook comments; %d showable, %d of them in fct_comments once; %d replies "
        "waiting for their parent; %d more than once",
        where,
        len(ids),
        len(showable),
        sum(1 for c in showable if found[c] == 1),
        len(ids) - len(showable),
        len(doubled),
    )
    problems = []
    if not showable:
        problems.append(f"{where}: no webhook comment to look for (vacuous)")
    if missing:
        problems.append(
            f"{where}: {len(missing)} webhook comments not in fct_comments, e.g. {missing[:5]}"
        )
    if doubled:
        some = dict(list(doubled.items())[:5])
        problems.append(f"{where}: comments in fct_comments more than once: {some}")
    return problems


def alerts_sent(warehouse: Path) -> list[dict[str, Any]]:
    """The immediate alerts `ops.notifications` records as sent by e-mail (read-only)."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns = [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'ops' AND table_name = 'notifications'"
            ).fetchall()
        ]
        if not columns:
            return []
        rows = con.execute("SELECT * FROM ops.notifications").fetchall()
    finally:
        con.close()
    return [dict(zip(columns, row, strict=True)) for row in rows]


def xcom(api: Any, run_id: str, task_id: str) -> Any:
    """A task's return value in run `run_id` of `ruche_events` (None when it has none)."""
    from ruche.stack import StackError

    try:
        found = api.call(
            "GET",
            f"/dags/{EVENTS_DAG}/dagRuns/{run_id}/taskInstances/{task_id}/xcomEntries/return_value",
            params={"deserialize": "true"},
        )
    except StackError:
        return None
    value = found.get("value")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            import ast

            value = ast.literal_eval(value)
    return value


def check_event_runs(
    api: Any, runs: list[dict[str, Any]]
) -> tuple[list[str], list[dict[str, Any]]]:
    """Every `ruche_events` run succeeded and at least one was started by the doorbell (asset
    triggered); (problems, the alerts the runs' alert tasks sent, as their XCom lists them)."""
    problems = []
    sent: list[dict[str, Any]] = []
    kinds = Counter(r["run_type"] for r in runs)
    log.info("%s runs: %s", EVENTS_DAG, dict(kinds))
    for run in runs:
        outcome = {t: xcom(api, run["dag_run_id"], t) for t in ("land", "load", "alert")}
        alert = outcome["alert"] or {}
        log.info(
            "  %s %s: land %s; alerts sent %s, evaluated %s, already sent %s, failed %s",
            run["dag_run_id"],
            run["state"],
            json_dumps(outcome["land"])[:200],
            alert.get("alerts"),
            alert.get("evaluated"),
            alert.get("already_sent"),
            alert.get("failed"),
        )
        if run["state"] != "success":
            problems.append(f"{EVENTS_DAG} run {run['dag_run_id']} ended {run['state']}")
        if alert.get("failed"):
            problems.append(f"{run['dag_run_id']}: {alert['failed']} alerts failed to send")
        sent += alert.get("sent") or []
    if not kinds.get("asset_triggered"):
        problems.append(f"no {EVENTS_DAG} run was triggered by the doorbell (AssetWatcher)")
    keys = Counter(a["key"] for a in sent)
    twice = [k for k, n in keys.items() if n > 1]
    if twice:
        problems.append(f"alerts sent by more than one run: {twice[:3]}")
    return problems, sent


def check_alert_mail(
    inbox: Inbox, sent: list[dict[str, Any]], report: dict[str, Any], since: int = 0
) -> tuple[list[str], list[float]]:
    """Since the `since`-th message, the SMTP server received exactly one e-mail per alert the
    runs sent (paired by the alert's text), and nothing else; (problems, latencies in seconds
    from each alerted comment's creation on the sandbox's clock to its e-mail's arrival)."""
    messages = inbox.snapshot()[since:]
    problems = []
    by_body = Counter(m.body for m in messages)
    digests = {_digest(m.body): m for m in messages}
    rules = Counter(a["rule"] for a in sent)
    log.info("alerts sent: %d (%s); e-mails received: %d", len(sent), dict(rules), len(messages))
    if not sent:
        problems.append("no immediate alert was sent: the check would prove nothing")
    if len(messages) != len(sent):
        problems.append(f"the SMTP server received {len(messages)} e-mails for {len(sent)} alerts")
    twice = [b[:60] for b, n in by_body.items() if n > 1]
    if twice:
        problems.append(f"{len(twice)} alert e-mails received more than once: {twice[:3]}")
    unmatched = [a["key"] for a in sent if a["body_sha256"] not in digests]
    if unmatched:
        problems.append(f"alerts sent but no e-mail carries them: {unmatched[:3]}")
    start = dt.datetime.fromisoformat(report["start"])
    end = dt.datetime.fromisoformat(report["end"])
    latencies = []
    for alert in sent:
        received = digests.get(alert["body_sha256"])
        if received is None or not alert.get("created_at"):
            continue
        created = dt.datetime.fromisoformat(alert["created_at"])
        if not start <= created < end:  # a comment older than the webhooks (none expected)
            continue
        written = report["real_start_epoch"] + (created - start).total_seconds() / report["speed"]
        latencies.append(received.arrived - written)
    if latencies:
        log.info(
            "latency from a comment's creation (sandbox clock) to its alert e-mail: median "
            "%.1f s, p95 %.1f s, max %.1f s (%d comment alerts)",
            percentile(latencies, 50),
            percentile(latencies, 95),
            max(latencies),
            len(latencies),
        )
    return problems, latencies


def check_alerts_after_night(inbox: Inbox, sent: list[dict[str, Any]]) -> list[str]:
    """After the next night (its digests go to the same server), each alert is still in the
    inbox exactly once: nothing e-mailed it again."""
    messages = inbox.snapshot()
    counts = Counter(_digest(m.body) for m in messages)
    again = [a["key"] for a in sent if counts[a["body_sha256"]] != 1]
    log.info(
        "SMTP after the next night: %d e-mails in all; each of the %d alerts once: %s",
        len(messages),
        len(sent),
        "yes" if not again else f"no ({len(again)})",
    )
    return [f"alerts e-mailed again (or lost) after the night: {again[:3]}"] if again else []


def check_reconciled(warehouse: Path, sent: dict[str, SentComment]) -> list[str]:
    """The next night's extract loaded webhook comments (its staging comment tables hold their
    ids): they are then the nightly's rows in `fct_comments` (checked once each by
    `check_comments`); the others stay event rows until a night extracts them."""
    import duckdb

    ids = sorted(sent)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = con.execute(
            "SELECT table_schema, table_name FROM information_schema.columns "
            "WHERE table_name LIKE 'stg\\_%\\_\\_comments' ESCAPE '\\' "
            "AND column_name = 'comment_id'"
        ).fetchall()
        nightly: set[str] = set()
        for schema, table in tables:
            nightly |= {
                str(r[0])
                for r in con.execute(
                    f'SELECT DISTINCT comment_id FROM "{schema}"."{table}" '
                    "WHERE comment_id IN (SELECT unnest(?))",
                    [ids],
                ).fetchall()
            }
    finally:
        con.close()
    log.info(
        "the next night extracted %d of the %d webhook comments (from %s); the rest stay "
        "event rows until a night extracts them",
        len(nightly),
        len(ids),
        ", ".join(t for _, t in tables) or "no staging comment table",
    )
    if not nightly:
        return ["the next night extracted none of the webhook comments: nothing was reconciled"]
    return []


def _digest(body: str) -> str:
    from ruche.event_tasks import body_digest

    return body_digest(body)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def json_dumps(value: Any) -> str:
    return json.dumps(value, default=str, sort_keys=True)
