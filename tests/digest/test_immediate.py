"""Immediate alerts over a warehouse built by dbt from sandbox data: each rule fires for the
comments (or the hour) the marts say, computed here by other means (SQL over the marts and the
business calendar, statistics over raw counts), exactly once across runs, to a real SMTP server
(aiosmtpd) and a real chat endpoint (apprise json:// to a loopback HTTP server); a refused send
is recorded and tried again by the next run; a comment inserted in the raw table and built by
dbt fires on the next run only."""

from __future__ import annotations

import datetime as dt
import json
import statistics
from pathlib import Path

import duckdb
import pytest
import yaml

from ..conftest import DEMO_CONFIG
from ..warehouse.test_dbt import assert_success, dbt, query
from .test_spike_alerts import chat_server  # noqa: F401 - a fixture, used by name

CLIENT = "cafe_lumiere"
RECIPIENT = "cm@agency.test"
CHAT_ENV = "RUCHE_TEST_ALERTS_CHAT"
# Thursday 2026-11-19 22:00 in Montréal: the café closed at 17:00, evening comments wait
NOW = dt.datetime(2026, 11, 20, 3, 0, tzinfo=dt.UTC)
TARGET_MINUTES = 60  # the demo config's median_first_response_business_minutes for the café


def write_config(tmp_path: Path, port: int, *, chat: bool = False, attempts: int = 2) -> Path:
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["notifications"] = {
        "smtp": {
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "sender": "Ruche <ruche@agency.test>",
            "timeout_seconds": 5,
        },
        "attempts": attempts,
    }
    for client in data["clients"]:
        if client["id"] == CLIENT:
            client["digest"] = {"recipients": [RECIPIENT]}
            if chat:
                client["digest"]["chat_urls_env"] = CHAT_ENV
    path = tmp_path / "clients.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def load(path: Path):
    from ruche.config import load_config

    return load_config(path)


def fire(warehouse: Path, config, now: dt.datetime, **kwargs):
    from ruche.digest.immediate import fire_immediate_alerts

    return [
        alert
        for alert in fire_immediate_alerts(warehouse, config, now, sleep=lambda s: None, **kwargs)
        if alert.client_id == CLIENT
    ]


WAITING_AT_NOW = """
    comments.client_id = 'cafe_lumiere' AND NOT comments.is_brand_reply
    AND NOT comments.is_hidden
    AND comments.created_at > CAST(? AS TIMESTAMPTZ) - INTERVAL 24 HOUR
    AND comments.created_at <= CAST(? AS TIMESTAMPTZ)
    AND coalesce(comments.first_brand_reply_at > CAST(? AS TIMESTAMPTZ), true)
    AND comments.comment_key NOT IN (SELECT comment_key FROM intermediate.int_deleted_comments)
"""


def expected_negative(warehouse: Path, now: dt.datetime) -> set[str]:
    rows = query(
        warehouse,
        f"SELECT comment_key FROM marts.fct_comments AS comments "
        f"WHERE {WAITING_AT_NOW} AND comments.sentiment = 'negative'",
        [now, now, now],
    )
    return {row["comment_key"] for row in rows}


def expected_deadlines(warehouse: Path, now: dt.datetime) -> dict[str, dt.datetime]:
    """Neutral (or text-less) comments waiting at `now` whose deadline, 60 business minutes
    after they arrived on the dbt calendar, is still ahead and falls while the café is closed
    (received closed, or the span it arrived in has closed before its deadline): computed with
    window sums over the spans."""
    rows = query(
        warehouse,
        f"""
        WITH waiting AS (
            SELECT comment_key, created_at, received_outside_business_hours
            FROM marts.fct_comments AS comments
            WHERE {WAITING_AT_NOW} AND coalesce(comments.sentiment, 'neutral') = 'neutral'
        ),
        spans AS (
            SELECT waiting.*, greatest(intervals.open_at, waiting.created_at) AS span_start,
                   intervals.close_at AS span_end
            FROM waiting
            JOIN intermediate.int_business_hours__intervals AS intervals
              ON intervals.client_id = 'cafe_lumiere' AND intervals.close_at > waiting.created_at
        ),
        running AS (
            SELECT *, sum(epoch(span_end) - epoch(span_start)) OVER (
                       PARTITION BY comment_key ORDER BY span_start) AS through_end,
                   first_value(span_end) OVER (
                       PARTITION BY comment_key ORDER BY span_start) AS first_close,
                   first_value(span_start) OVER (
                       PARTITION BY comment_key ORDER BY span_start) AS first_open
            FROM spans
        ),
        deadlines AS (
            SELECT comment_key, any_value(received_outside_business_hours) AS outside,
                   any_value(first_close) AS first_close,
                   min(span_end - to_seconds(through_end - ?)) FILTER (WHERE through_end >= ?)
                       AS deadline
            FROM running GROUP BY 1
        )
        SELECT comment_key, deadline FROM deadlines
        WHERE deadline > CAST(? AS TIMESTAMPTZ)
          AND (outside OR (CAST(? AS TIMESTAMPTZ) >= first_close AND deadline > first_close))
        """,
        [now, now, now, TARGET_MINUTES * 60, TARGET_MINUTES * 60, now, now],
    )
    return {row["comment_key"]: row["deadline"] for row in rows}


def raw_authors(warehouse: Path) -> dict[str, tuple[str, str]]:
    """comment id → (author name, author id) as the platform gave them."""
    rows = query(
        warehouse,
        "SELECT record->>'id' AS id, record->'from'->>'name' AS name, "
        "record->'from'->>'id' AS author_id FROM raw_facebook.comments "
        "UNION ALL SELECT record->>'id', record->>'username', record->'from'->>'id' "
        "FROM raw_instagram.comments",
    )
    return {row["id"]: (row["name"], row["author_id"]) for row in rows}


def test_negative_and_deadline_alerts_fire_once_for_the_comments_the_marts_say(
    warehouse_copy,
    smtp_server,
    chat_server,  # noqa: F811 - the fixture imported above
    tmp_path,
    monkeypatch,
):
    received_chat, chat_port = chat_server
    monkeypatch.setenv(CHAT_ENV, f"json://127.0.0.1:{chat_port}/")
    inbox, port = smtp_server()
    config = load(write_config(tmp_path, port, chat=True))

    negative = expected_negative(warehouse_copy, NOW)
    deadlines = expected_deadlines(warehouse_copy, NOW)
    assert negative and deadlines  # the data has both at that instant

    alerts = fire(warehouse_copy, config, NOW)
    by_rule: dict[str, dict[str, object]] = {}
    for alert in alerts:
        by_rule.setdefault(alert.rule, {})[alert.comment_key] = alert
    assert set(by_rule["negative_comment"]) == negative
    assert set(by_rule["response_deadline"]) == set(deadlines)
    for key, deadline in deadlines.items():
        assert by_rule["response_deadline"][key].deadline == deadline, key

    # nothing for the brand's replies or for comments answered by then, though there are some
    window = query(
        warehouse_copy,
        "SELECT comment_key, is_brand_reply, first_brand_reply_at <= ? AS answered "
        "FROM marts.fct_comments WHERE client_id = 'cafe_lumiere' "
        "AND created_at > CAST(? AS TIMESTAMPTZ) - INTERVAL 24 HOUR AND created_at <= ?",
        [NOW, NOW, NOW],
    )
    fired = {alert.comment_key for alert in alerts}
    brand = {row["comment_key"] for row in window if row["is_brand_reply"]}
    answered = {row["comment_key"] for row in window if row["answered"]}
    assert brand and answered
    assert not fired & (brand | answered)

    # every alert went out once by e-mail and once to the chat
    comment_alerts = [a for a in alerts if a.comment_key]
    assert all(a.sent and not a.failed for a in alerts)
    assert len(inbox.messages) == len(alerts) == len(received_chat)
    assert {m["Subject"] for m in inbox.messages} == {a.subject for a in alerts}
    assert all(env[1] == [RECIPIENT] for env in inbox.envelopes)

    # the commenter is named by an author_key prefix, never by name or platform id
    keys = query(
        warehouse_copy,
        "SELECT comment_key, comment_id, author_key FROM marts.fct_comments",
    )
    ids = {row["comment_key"]: row for row in keys}
    authors = raw_authors(warehouse_copy)
    bodies = {m["Subject"] + m.get_body().get_content() for m in inbox.messages}
    for alert in comment_alerts:
        row = ids[alert.comment_key]
        [body] = [
            b for b in bodies if alert.subject in b and alert.text in b and alert.author in b
        ] or [None]
        assert body is not None, alert.key
        assert row["author_key"].startswith(alert.author) and len(alert.author) >= 8
        name, author_id = authors.get(row["comment_id"], (None, None))
        if name:
            assert name not in body
        if author_id:
            assert author_id not in body
    a_deadline = next(iter(by_rule["response_deadline"].values()))
    local = a_deadline.deadline.astimezone(config.client(CLIENT).zone)
    assert f"{local:%H:%M}" in a_deadline.subject  # the deadline, in Montréal time
    assert any(
        m["Subject"] == a_deadline.subject and a_deadline.text in m.get_body().get_content()
        for m in inbox.messages
    )
    assert any(
        c["title"] == a_deadline.subject and a_deadline.text in c["message"] for c in received_chat
    )

    # a second run, and a run minutes later, send nothing more
    again = fire(warehouse_copy, config, NOW)
    assert {a.key for a in again} == {a.key for a in alerts}
    assert all(a.already_sent and not a.outcomes for a in again)
    later = fire(warehouse_copy, config, NOW + dt.timedelta(minutes=5))
    assert not [a for a in later if a.sent and a.comment_key]
    ledger = query(
        warehouse_copy,
        "SELECT kind, channel, count(*) AS n, max(attempts) AS attempts "
        "FROM ops.notifications WHERE kind <> 'hourly_spike' GROUP BY ALL",
    )
    assert {(r["kind"], r["channel"]): r["n"] for r in ledger} == {
        ("negative_comment", "email"): len(negative),
        ("negative_comment", "chat"): len(negative),
        ("response_deadline", "email"): len(deadlines),
        ("response_deadline", "chat"): len(deadlines),
    }
    assert all(r["attempts"] == 1 for r in ledger)


def test_a_refused_alert_is_recorded_and_sent_by_the_next_run(
    warehouse_copy, smtp_server, tmp_path
):
    inbox, port = smtp_server(fail_with="554 5.7.1 Message rejected: relay denied")
    config = load(write_config(tmp_path, port, attempts=2))
    alerts = fire(warehouse_copy, config, NOW)  # never raises
    assert alerts and all(a.failed for a in alerts)
    assert inbox.attempts == 2 * len(alerts)
    ledger = query(warehouse_copy, "SELECT * FROM ops.notifications")
    assert len(ledger) == len(alerts)
    assert all(r["status"] == "failed" and r["attempts"] == 2 for r in ledger)
    assert all("relay denied" in r["error"] for r in ledger)

    inbox.fail_with = None
    again = fire(warehouse_copy, config, NOW + dt.timedelta(minutes=5))
    assert {a.key for a in again} >= {a.key for a in alerts}
    assert len(inbox.messages) == len(again)
    ledger = query(warehouse_copy, "SELECT * FROM ops.notifications")
    assert all(r["status"] == "sent" for r in ledger)
    resent = {r["notification_key"]: r["attempts"] for r in ledger}
    assert all(resent[f"{a.key}:email"] == 3 for a in alerts)


def hourly_counts(warehouse: Path, client: str) -> dict[tuple[str, str], list]:
    rows = query(
        warehouse,
        "SELECT platform, account_id, created_at, is_negative FROM marts.fct_comments "
        "WHERE client_id = ? AND NOT is_brand_reply",
        [client],
    )
    out: dict[tuple[str, str], list] = {}
    for row in rows:
        out.setdefault((row["platform"], row["account_id"]), []).append(
            (row["created_at"], row["is_negative"])
        )
    return out


def expected_spikes(per_account: dict, now: dt.datetime, thresholds) -> set[tuple[str, str, str]]:
    """(platform, account, kind) whose last 60 minutes are at least the minimum and above
    median + mad_factor × max(1.4826 × MAD, 1) of the same 60 minutes of the 28 days before."""
    found = set()
    for account, comments in per_account.items():
        for kind, minimum in (
            ("comments", thresholds.min_comments),
            ("negative", thresholds.min_negative),
        ):
            counts = []
            for days in range(29):
                end = now - dt.timedelta(days=days)
                counts.append(
                    sum(
                        1
                        for created, is_negative in comments
                        if end - dt.timedelta(hours=1) < created <= end
                        and (kind == "comments" or is_negative)
                    )
                )
            current, history = counts[0], counts[1:]
            median = statistics.median(history)
            mad = statistics.median(abs(v - median) for v in history)
            if current >= minimum and current > median + thresholds.mad_factor * max(
                1.4826 * mad, 1
            ):
                found.add((account[0], account[1], kind))
    return found


def test_a_spike_within_the_last_hour_fires_once_per_account_and_hour(
    warehouse_copy, smtp_server, tmp_path
):
    inbox, port = smtp_server()
    config = load(write_config(tmp_path, port))
    client = config.client(CLIENT)
    thresholds = client.digest.alerts.hourly_spikes
    per_account = hourly_counts(warehouse_copy, CLIENT)
    # the first instant of the last week, on the quarter hour, where the data has a spike
    instant = dt.datetime(2026, 11, 13, 0, 0, tzinfo=dt.UTC)
    while not (spikes := expected_spikes(per_account, instant, thresholds)):
        instant += dt.timedelta(minutes=15)
        assert instant < dt.datetime(2026, 11, 20, tzinfo=dt.UTC), "no spike in the data"

    alerts = [a for a in fire(warehouse_copy, config, instant) if a.rule == "hourly_spike"]
    assert {(a.platform, a.account_id, a.kind) for a in alerts} == spikes
    assert all(a.sent for a in alerts)
    spike_mails = [m for m in inbox.messages if m["Subject"] in {a.subject for a in alerts}]
    assert len(spike_mails) == len(alerts)
    for alert in alerts:
        assert f"{alert.count} " in next(
            m.get_body().get_content() for m in spike_mails if m["Subject"] == alert.subject
        )
    # the same spike minutes later, or still going on in the next hour: no new alert
    for later in (dt.timedelta(minutes=10), dt.timedelta(minutes=60)):
        again = fire(warehouse_copy, config, instant + later)
        assert not [a for a in again if a.rule == "hourly_spike" and a.sent]
    sent = query(
        warehouse_copy,
        "SELECT count(*) AS n FROM ops.notifications WHERE kind = 'hourly_spike'",
    )
    assert sent[0]["n"] == len(alerts)


def test_a_new_negative_comment_fires_on_the_next_run_only(warehouse_copy, smtp_server, tmp_path):
    """A comment written after the last run, put in the raw table as the loader would and
    built by dbt: the next run alerts it (and only it), the one after sends nothing."""
    inbox, port = smtp_server()
    config = load(write_config(tmp_path, port))
    first = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)  # the extract's clock
    before = fire(warehouse_copy, config, first)
    mails_before = len(inbox.messages)
    assert mails_before == len(before)

    written = dt.datetime(2026, 11, 20, 6, 10, tzinfo=dt.UTC)
    text = "Service horrible, commande jamais arrivée, très déçu !!"
    con = duckdb.connect(str(warehouse_copy))
    try:
        [(key, record)] = con.execute(
            "SELECT _key, record FROM raw_facebook.comments "
            "WHERE _client_id = ? ORDER BY _key LIMIT 1",
            [CLIENT],
        ).fetchall()
        record = json.loads(record)
        record.update(
            id=record["id"].split("_")[0] + "_999000000000001",
            message=text,
            created_time=written.strftime("%Y-%m-%dT%H:%M:%S+0000"),
            like_count=0,
            comment_count=0,
            **{"from": {"id": "999000000000042", "name": "Gaspard Nouveau"}},
        )
        record.pop("parent", None)
        new_key = key.split("|")[0] + "|" + record["id"]
        loaded = dt.datetime.now(dt.UTC)
        for table in ("raw_facebook.comments", "raw_facebook.comments__seen"):
            con.execute(
                f"CREATE TEMP TABLE row_copy AS SELECT * FROM {table} WHERE _key = ?", [key]
            )
            con.execute("UPDATE row_copy SET _key = ?, _loaded_at = ?", [new_key, loaded])
            if table.endswith("comments"):
                con.execute("UPDATE row_copy SET record = ?", [json.dumps(record)])
            con.execute(f"INSERT INTO {table} SELECT * FROM row_copy")
            con.execute("DROP TABLE row_copy")
    finally:
        con.close()
    result, _ = dbt(warehouse_copy, "build", "--select", "+fct_comments+", work_dir=tmp_path)
    assert_success(result)
    [row] = query(
        warehouse_copy,
        "SELECT comment_key, author_key, sentiment, text FROM marts.fct_comments "
        "WHERE comment_id = ?",
        [record["id"]],
    )
    assert row["sentiment"] == "negative"

    second = written + dt.timedelta(minutes=5)
    after = fire(warehouse_copy, config, second)
    new = [a for a in after if a.sent]
    assert [(a.rule, a.comment_key) for a in new] == [("negative_comment", row["comment_key"])]
    assert len(inbox.messages) == mails_before + 1
    mail = inbox.messages[-1].get_body().get_content()
    assert row["author_key"][:10] in mail and "Gaspard" not in mail
    assert "999000000000042" not in mail and "jamais arrivée" in mail
    assert not [a for a in fire(warehouse_copy, config, second) if a.sent]
    assert len(inbox.messages) == mails_before + 1


def test_the_cli_prints_what_would_fire_without_sending(warehouse_copy, tmp_path):
    from typer.testing import CliRunner

    from ruche.cli import app

    config = write_config(tmp_path, 9)  # nothing listens: a dry run must not connect
    args = ["alerts", "--now", NOW.isoformat(), "--client", CLIENT, "--config", str(config)]
    result = CliRunner().invoke(
        app, [*args, "--warehouse", str(warehouse_copy), "--dry-run"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    expected = expected_negative(warehouse_copy, NOW)
    for key in expected:
        assert f"alert:negative_comment:{CLIENT}:{key}: would fire" in result.output
    assert "response_deadline" in result.output
    assert not query(
        warehouse_copy,
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'ops' "
        "AND table_name = 'notifications'",
    )[0]["n"]
    bad = CliRunner().invoke(app, ["alerts", "--now", "2026-11-19", "--config", str(config)])
    assert bad.exit_code == 2 and "with its offset" in bad.output


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [(30, "2026-11-20 13:30"), (60 * 9 + 30, "2026-11-21 15:30"), (60 * 40, None)],
)
def test_business_deadline_walks_the_opening_spans(minutes, expected):
    from ruche.digest.immediate import business_deadline

    utc = dt.UTC
    spans = [
        (dt.datetime(2026, 11, 20, 13, tzinfo=utc), dt.datetime(2026, 11, 20, 22, tzinfo=utc)),
        (dt.datetime(2026, 11, 21, 15, tzinfo=utc), dt.datetime(2026, 11, 21, 19, tzinfo=utc)),
    ]
    start = dt.datetime(2026, 11, 20, 3, tzinfo=utc)  # at night: counting starts at opening
    deadline = business_deadline(start, minutes, spans)
    assert (deadline and f"{deadline:%Y-%m-%d %H:%M}") == expected


def test_the_alert_settings_are_validated_with_their_path(tmp_path):
    from ruche.config import ConfigError, load_config

    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["clients"][0]["digest"] = {
        "alerts": {"response_deadline_sentiments": ["angry"], "hourly_spikes": None}
    }
    path = tmp_path / "clients.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert "clients[0].digest.alerts.response_deadline_sentiments[0]" in str(error.value)

    data["clients"][0]["digest"]["alerts"]["response_deadline_sentiments"] = ["negative"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    alerts = load_config(path).clients[0].digest.alerts
    assert alerts.hourly_spikes is None and alerts.response_deadline_sentiments == ["negative"]
    assert load_config(DEMO_CONFIG).clients[0].digest.alerts.response_deadline_sentiments == [
        "neutral"
    ]
