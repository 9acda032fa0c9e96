"""Sending digests and alerts: SMTP for e-mail, apprise for chat, once each, with a ledger.

`ops.notifications` holds one row per notification (a client's digest of a day in a language
on a channel, or one spike alert): a notification already `sent` is never sent again, so a
rerun of the same night sends nothing twice; a failed one is tried `attempts` times with a
short backoff, recorded `failed` with its reason, and tried again by the next run. Nothing here
raises for a delivery problem: the publish it follows stays green.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage

import duckdb

from ruche.config import Notifications

log = logging.getLogger(__name__)

LEDGER_DDL = """
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.notifications (
    notification_key VARCHAR PRIMARY KEY,  -- kind:client:date:what:channel
                                           -- (immediate alerts: alert:rule:client:what:channel)
    kind VARCHAR NOT NULL,                 -- digest | spike_alert | negative_comment
                                           -- | response_deadline | hourly_spike
    channel VARCHAR NOT NULL,              -- email | chat
    client_id VARCHAR NOT NULL,
    digest_date DATE NOT NULL,             -- the morning the notification is for (client-local)
    subject VARCHAR,
    recipients VARCHAR,                    -- e-mail addresses; chat URLs are secrets, never stored
    status VARCHAR NOT NULL,               -- sent | failed
    attempts INTEGER NOT NULL,             -- over every run
    error VARCHAR,                         -- the last failure's reason
    first_attempt_at TIMESTAMPTZ NOT NULL,
    last_attempt_at TIMESTAMPTZ NOT NULL,
    sent_at TIMESTAMPTZ
);
"""
BACKOFF_SECONDS = 2.0


class DeliveryError(Exception):
    """A send that did not go through; the message is the reason recorded in the ledger."""


@dataclass
class Outcome:
    key: str
    status: str  # sent | failed | skipped (already sent)
    attempts: int = 0
    error: str | None = None


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(LEDGER_DDL)


def already_sent(con: duckdb.DuckDBPyConnection, key: str) -> bool:
    row = con.execute(
        "SELECT status FROM ops.notifications WHERE notification_key = ?", [key]
    ).fetchone()
    return row is not None and row[0] == "sent"


def _record(
    con: duckdb.DuckDBPyConnection,
    *,
    key: str,
    kind: str,
    channel: str,
    client_id: str,
    date: dt.date,
    subject: str | None,
    recipients: str | None,
    status: str,
    attempts: int,
    error: str | None,
) -> None:
    now = dt.datetime.now(dt.UTC)
    con.execute(
        """
        INSERT INTO ops.notifications VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (notification_key) DO UPDATE SET
            subject = excluded.subject, recipients = excluded.recipients,
            status = excluded.status, attempts = ops.notifications.attempts + excluded.attempts,
            error = excluded.error, last_attempt_at = excluded.last_attempt_at,
            sent_at = excluded.sent_at
        """,
        [
            key,
            kind,
            channel,
            client_id,
            date,
            subject,
            recipients,
            status,
            attempts,
            error,
            now,
            now,
            now if status == "sent" else None,
        ],
    )


def deliver_once(
    con: duckdb.DuckDBPyConnection,
    *,
    key: str,
    kind: str,
    channel: str,
    client_id: str,
    date: dt.date,
    subject: str | None,
    recipients: str | None,
    send: Callable[[], None],
    attempts: int,
    force: bool = False,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Send unless the ledger says it was sent (or `force`): up to `attempts` tries, then the
    ledger row says sent or failed with the last reason. Never raises for a failed send."""
    ensure_ledger(con)
    if not force and already_sent(con, key):
        log.info("notification %s was already sent: not sent again", key)
        return Outcome(key, "skipped")
    error = None
    for attempt in range(1, attempts + 1):
        try:
            send()
        except Exception as exc:  # any failure is recorded, never raised
            error = f"{type(exc).__name__}: {exc}".strip()
            log.warning("notification %s, attempt %d/%d failed: %s", key, attempt, attempts, error)
            if attempt < attempts:
                sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
            continue
        _record(
            con,
            key=key,
            kind=kind,
            channel=channel,
            client_id=client_id,
            date=date,
            subject=subject,
            recipients=recipients,
            status="sent",
            attempts=attempt,
            error=None,
        )
        return Outcome(key, "sent", attempt)
    _record(
        con,
        key=key,
        kind=kind,
        channel=channel,
        client_id=client_id,
        date=date,
        subject=subject,
        recipients=recipients,
        status="failed",
        attempts=attempts,
        error=error,
    )
    log.error("notification %s failed after %d attempts: %s", key, attempts, error)
    return Outcome(key, "failed", attempts, error)


def smtp_sender(settings: Notifications, message: EmailMessage) -> Callable[[], None]:
    """A function sending `message` through the configured server (`RUCHE_SMTP_HOST` and
    `RUCHE_SMTP_PORT` override the file's host and port)."""
    smtp = settings.smtp
    if smtp is None:
        raise DeliveryError("no SMTP server configured (notifications.smtp in the config)")
    from ruche.settings import settings

    overrides = settings()
    host = overrides.SMTP_HOST or smtp.host
    port = overrides.SMTP_PORT or smtp.port

    def send() -> None:
        context = ssl.create_default_context()
        if smtp.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                host, port, timeout=smtp.timeout_seconds, context=context
            )
        else:
            client = smtplib.SMTP(host, port, timeout=smtp.timeout_seconds)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=context)
            if smtp.username_env:
                username = os.environ.get(smtp.username_env)
                password = os.environ.get(smtp.password_env or "", "")
                if not username:
                    raise DeliveryError(
                        f"the SMTP user is read from {smtp.username_env}, which is not set"
                    )
                client.login(username, password)
            refused = client.send_message(message)
            if refused:
                raise DeliveryError(f"the server refused {', '.join(sorted(refused))}")

    return send


def chat_urls(*env_names: str | None) -> list[str]:
    """The apprise URLs held by these environment variables (space- or comma-separated)."""
    urls: list[str] = []
    for name in env_names:
        if name:
            urls += [u for u in os.environ.get(name, "").replace(",", " ").split() if u]
    return urls


def chat_sender(urls: list[str], title: str, body: str) -> Callable[[], None]:
    """A function posting `title`/`body` to every apprise URL (Slack, Teams, Matrix, mailto …)."""

    def send() -> None:
        import apprise

        notifier = apprise.Apprise()
        for url in urls:
            if not notifier.add(url):
                raise DeliveryError("apprise does not understand one of the chat URLs")
        if not notifier.notify(title=title, body=body):
            raise DeliveryError("apprise could not deliver to every chat URL")

    return send
