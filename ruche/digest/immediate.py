"""Immediate alerts: what cannot wait for the morning digest, evaluated after each event refresh.

Three rules per client, over the marts as they stand at `now` (a reply written after `now` does
not count yet, so replaying a past `now` gives what would have fired then):

* `negative_comment`: a comment received within the lookback, not from the brand, not hidden,
  not answered, whose sentiment (fct_comments) is negative;
* `response_deadline`: an unanswered comment that will breach the client's response target
  while nobody is at work: received outside business hours, or received so close to closing
  that its deadline passes to the next opening (fired once that span has closed). The deadline
  is `target` business minutes after it arrived, counted on the business calendar dbt builds
  (`int_business_hours__intervals`: DST, holidays and split days resolved there, never here);
* `hourly_spike`: the last 60 minutes of comments (or negative ones) on an account against the
  same 60 minutes of the previous 28 days, with `data.robust_baseline`/`is_spike`; a spike
  already alerted in the previous hour is the same spike, not a new one.

Each alert goes to the client's chat and e-mail through `delivery.deliver_once`: one ledger row
per alert and channel in `ops.notifications`, so an alert is sent once across runs and
processes (the warehouse has one writer), and a failed send is recorded and tried again by the
next run, never raised.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import duckdb

from ruche.config import Client, RucheConfig
from ruche.digest import delivery
from ruche.digest.data import BASELINE_DAYS, _has_table, _rows, is_spike, robust_baseline
from ruche.digest.i18n import TEXT, duration, languages_for, long_date, number

log = logging.getLogger(__name__)

RULES = ("negative_comment", "response_deadline", "hourly_spike")
TEXT_SHOWN = 280
"""Characters of a comment's text an alert quotes."""
AUTHOR_SHOWN = 10
"""Characters of the author_key (a keyed hash) that name the commenter: enough to tell two
commenters apart, never their name or platform id."""
SPIKE_WINDOW = dt.timedelta(minutes=60)
RESPONSE_TARGET_KPI = "median_first_response_business_minutes"


@dataclass
class ImmediateAlert:
    rule: str  # negative_comment | response_deadline | hourly_spike
    key: str  # the ledger key without its channel
    client_id: str
    client_name: str
    language: str
    platform: str
    account_id: str
    account_name: str | None
    link: str | None
    subject: str
    body: str
    comment_key: str | None = None
    text: str | None = None
    author: str | None = None  # the author_key prefix
    sentiment: str | None = None
    created_at: dt.datetime | None = None
    deadline: dt.datetime | None = None
    kind: str | None = None  # hourly_spike: comments | negative
    count: int | None = None
    baseline_median: float | None = None
    outcomes: list[delivery.Outcome] = field(default_factory=list)
    already_sent: bool = False  # every channel of it was sent by an earlier run

    @property
    def sent(self) -> bool:
        return any(outcome.status == "sent" for outcome in self.outcomes)

    @property
    def failed(self) -> bool:
        return any(outcome.status == "failed" for outcome in self.outcomes)


def response_target(client: Client, platform: str, month: dt.date) -> float | None:
    """The business minutes a comment of `platform` received in `month` should be answered in:
    the client's `alerts.response_target_business_minutes`, else its response-time target
    (a platform's own before the all-platform one, a month's own before the every-month one)."""
    if client.digest.alerts.response_target_business_minutes is not None:
        return client.digest.alerts.response_target_business_minutes
    wanted = month.strftime("%Y-%m")
    ranked = sorted(
        (
            (target.platform is None, target.month is None, target.target)
            for target in client.targets
            if target.kpi == RESPONSE_TARGET_KPI
            and target.platform in (None, platform)
            and target.month in (None, wanted)
        ),
    )
    return ranked[0][2] if ranked else None


def business_deadline(
    start: dt.datetime, minutes: float, spans: list[tuple[dt.datetime, dt.datetime]]
) -> dt.datetime | None:
    """The instant `minutes` business minutes after `start`, over the opening spans (UTC,
    sorted, from int_business_hours__intervals); None when the calendar ends before."""
    left = dt.timedelta(minutes=minutes)
    for open_at, close_at in spans:
        if close_at <= start:
            continue
        begin = max(open_at, start)
        if close_at - begin >= left:
            return begin + left
        left -= close_at - begin
    return None


def _span_at(
    instant: dt.datetime, spans: list[tuple[dt.datetime, dt.datetime]]
) -> tuple[dt.datetime, dt.datetime] | None:
    for open_at, close_at in spans:
        if open_at <= instant < close_at:
            return open_at, close_at
    return None


def pseudonym(author_key: str | None) -> str:
    return (author_key or "")[:AUTHOR_SHOWN] or "?"


def _trim(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= TEXT_SHOWN else text[: TEXT_SHOWN - 1].rstrip() + "…"


def _local(instant: dt.datetime, client: Client, lang: str) -> str:
    local = instant.astimezone(client.zone)
    return f"{long_date(local.date(), lang)} {local:%H:%M} ({client.timezone})"


def _posts_relation(con: duckdb.DuckDBPyConnection) -> str:
    """`dim_posts`, plus the posts of webhook comments that the next night extracts
    (`int_comment_posts_pending`, their link as the webhook gave it): a comment on a post
    published since the night is alerted with its post's link all the same."""
    if not _has_table(con, "intermediate", "int_comment_posts_pending"):
        return "marts.dim_posts"
    return (
        "(SELECT post_key, permalink FROM marts.dim_posts UNION ALL "
        "SELECT post_key, permalink FROM intermediate.int_comment_posts_pending)"
    )


def _comments(
    con: duckdb.DuckDBPyConnection, client: Client, since: dt.datetime, now: dt.datetime
) -> list[dict[str, Any]]:
    """The client's comments received in (since, now], unanswered and visible at `now`."""
    links = _has_table(con, "intermediate", "int_comment_links")
    deleted = _has_table(con, "intermediate", "int_deleted_comments")
    posts = _posts_relation(con)
    return _rows(
        con,
        f"""
        SELECT comments.comment_key, comments.platform, comments.account_id,
               comments.created_at, comments.author_key, comments.text, comments.sentiment,
               comments.sentiment_score, comments.is_negative,
               comments.received_outside_business_hours,
               accounts.account_name,
               {"coalesce(links.permalink_url, posts.permalink)" if links else "posts.permalink"}
                   AS link
        FROM marts.fct_comments AS comments
        LEFT JOIN {posts} AS posts ON comments.post_key = posts.post_key
        LEFT JOIN marts.dim_accounts AS accounts ON comments.account_key = accounts.account_key
        {
            "LEFT JOIN intermediate.int_comment_links AS links "
            "ON comments.comment_key = links.comment_key"
            if links
            else ""
        }
        WHERE comments.client_id = ? AND NOT comments.is_brand_reply AND NOT comments.is_hidden
          AND comments.created_at > ? AND comments.created_at <= ?
          AND (comments.first_brand_reply_at IS NULL OR comments.first_brand_reply_at > ?)
          {
            "AND comments.comment_key NOT IN "
            "(SELECT comment_key FROM intermediate.int_deleted_comments)"
            if deleted
            else ""
        }
        ORDER BY comments.created_at, comments.comment_key
        """,
        [client.id, since, now, now],
    )


def _spans(
    con: duckdb.DuckDBPyConnection, client: Client, since: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    return [
        (row["open_at"], row["close_at"])
        for row in _rows(
            con,
            "SELECT open_at, close_at FROM intermediate.int_business_hours__intervals "
            "WHERE client_id = ? AND close_at > ? ORDER BY open_at",
            [client.id, since],
        )
    ]


def _comment_alert(
    rule: str, client: Client, lang: str, row: dict[str, Any], **extra: Any
) -> ImmediateAlert:
    from ruche.digest.render import platform_label

    words = TEXT[lang]
    label = platform_label(row["platform"])
    deadline = extra.get("deadline")
    if rule == "negative_comment":
        subject = words["alert_negative"].format(client=client.display_name, platform=label)
    else:
        subject = words["alert_deadline"].format(
            client=client.display_name, deadline=_local(deadline, client, lang)
        )
    sentiment = words.get(row["sentiment"] or "", row["sentiment"] or "–")
    if row["sentiment_score"] is not None:
        sentiment += f" ({number(row['sentiment_score'], lang, 2)})"
    lines = [
        subject,
        "",
        f"« {_trim(row['text'])} »" if lang == "fr" else f"“{_trim(row['text'])}”",
        "",
        f"{words['alert_account']}: {label} {row['account_name'] or row['account_id']}",
        f"{words['alert_author']}: {pseudonym(row['author_key'])}",
        f"{words['alert_sentiment']}: {sentiment}",
        f"{words['alert_received']}: {_local(row['created_at'], client, lang)}"
        + (f" — {words['outside_hours']}" if row["received_outside_business_hours"] else ""),
    ]
    if deadline is not None:
        lines.append(
            words["alert_deadline_line"].format(
                target=duration(extra["target"], lang) + f" {words['business']}",
                deadline=_local(deadline, client, lang),
            )
        )
    if row["link"]:
        lines.append(f"{words['alert_link']}: {row['link']}")
    lines += ["", words["alert_footer"]]
    return ImmediateAlert(
        rule=rule,
        key=f"alert:{rule}:{client.id}:{row['comment_key']}",
        client_id=client.id,
        client_name=client.display_name,
        language=lang,
        platform=row["platform"],
        account_id=row["account_id"],
        account_name=row["account_name"],
        link=row["link"],
        subject=subject,
        body="\n".join(lines),
        comment_key=row["comment_key"],
        text=_trim(row["text"]),
        author=pseudonym(row["author_key"]),
        sentiment=row["sentiment"],
        created_at=row["created_at"],
        deadline=deadline,
    )


def _at_risk(
    client: Client,
    row: dict[str, Any],
    spans: list[tuple[dt.datetime, dt.datetime]],
    now: dt.datetime,
) -> tuple[dt.datetime, float] | None:
    """(deadline, target) when the unanswered comment will breach the response target while
    nobody is at work, else None."""
    created = row["created_at"]
    target = response_target(client, row["platform"], created.astimezone(client.zone).date())
    if target is None:
        return None
    deadline = business_deadline(created, target, spans)
    if deadline is None:
        log.warning(
            "%s: comment %s has no response deadline, the business calendar ends before it "
            "(rebuild it: dbt build -s int_business_hours__days+)",
            client.id,
            row["comment_key"],
        )
        return None
    if deadline <= now:
        return None  # already breached: the morning digest lists it first
    arrival = _span_at(created, spans)
    if arrival is not None:
        # received in business hours: at risk only once the team has left without answering
        # it, and only if its deadline falls after that closing
        _, close_at = arrival
        if not (deadline > close_at and now >= close_at):
            return None
    return deadline, target


def _comment_rules(
    con: duckdb.DuckDBPyConnection,
    client: Client,
    lang: str,
    comments: list[dict[str, Any]],
    now: dt.datetime,
) -> list[ImmediateAlert]:
    rules = client.digest.alerts
    if not comments:
        return []
    spans = _spans(con, client, min(row["created_at"] for row in comments))
    alerts = []
    for row in comments:
        risk = _at_risk(client, row, spans, now)
        deadline, target = risk if risk else (None, None)
        if rules.negative_comments and row["is_negative"]:
            alerts.append(
                _comment_alert(
                    "negative_comment", client, lang, row, deadline=deadline, target=target
                )
            )
        if (
            rules.response_deadline
            and risk is not None
            and (row["sentiment"] or "neutral") in rules.response_deadline_sentiments
        ):
            alerts.append(
                _comment_alert(
                    "response_deadline", client, lang, row, deadline=deadline, target=target
                )
            )
    return alerts


def _hourly_spikes(
    con: duckdb.DuckDBPyConnection, client: Client, lang: str, now: dt.datetime
) -> list[ImmediateAlert]:
    from ruche.digest.render import platform_label

    thresholds = client.digest.alerts.hourly_spikes
    if thresholds is None:
        return []
    posts = _posts_relation(con)
    # window k holds the comments written in (now - k days - 60 min, now - k days]
    rows = _rows(
        con,
        f"""
        SELECT comments.platform, comments.account_id, accounts.account_name,
               comments.post_key, posts.permalink, comments.is_negative, comments.text,
               comments.like_count,
               floor((epoch(CAST(? AS TIMESTAMPTZ)) - epoch(comments.created_at)) / 86400)
                   AS days_back
        FROM marts.fct_comments AS comments
        LEFT JOIN {posts} AS posts ON comments.post_key = posts.post_key
        LEFT JOIN marts.dim_accounts AS accounts ON comments.account_key = accounts.account_key
        WHERE comments.client_id = ? AND NOT comments.is_brand_reply
          AND comments.created_at <= CAST(? AS TIMESTAMPTZ)
          AND comments.created_at > CAST(? AS TIMESTAMPTZ) - INTERVAL (? + 1) DAY
          AND (epoch(CAST(? AS TIMESTAMPTZ)) - epoch(comments.created_at)) % 86400
              < ?
        """,
        [now, client.id, now, now, BASELINE_DAYS, now, SPIKE_WINDOW.total_seconds()],
    )
    counts: dict[tuple[str, str], dict[int, list[int]]] = {}
    recent: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        account = (row["platform"], row["account_id"])
        per_window = counts.setdefault(account, {}).setdefault(int(row["days_back"]), [0, 0])
        per_window[0] += 1
        per_window[1] += 1 if row["is_negative"] else 0
        if row["days_back"] == 0:
            recent.setdefault(account, []).append(row)
    hour = now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
    history_days = [
        k for k in range(1, BASELINE_DAYS + 1) if not thresholds.per_weekday or k % 7 == 0
    ]
    words = TEXT[lang]
    alerts = []
    for account, windows in sorted(counts.items()):
        current = windows.get(0)
        if not current:
            continue
        for kind, index, minimum in (
            ("comments", 0, thresholds.min_comments),
            ("negative", 1, thresholds.min_negative),
        ):
            history = [windows.get(k, [0, 0])[index] for k in history_days]
            if not is_spike(current[index], history, minimum, thresholds):
                continue
            median, _ = robust_baseline(history)
            last = recent[account]
            label = platform_label(account[0])
            posts: dict[str, int] = {}
            for row in last:
                if row["permalink"]:
                    posts[row["permalink"]] = posts.get(row["permalink"], 0) + 1
            link = max(posts, key=lambda p: posts[p]) if posts else None
            subject = words["alert_spike" if kind == "comments" else "alert_spike_negative"].format(
                client=client.display_name, platform=label
            )
            samples = [
                _trim(row["text"])
                for row in sorted(last, key=lambda r: -(r["like_count"] or 0))
                if row["text"] and (kind == "comments" or row["is_negative"])
            ][:3]
            lines = [
                subject,
                "",
                f"{words['alert_account']}: {label} {last[0]['account_name'] or account[1]}",
                words[
                    "alert_spike_line" if kind == "comments" else "alert_spike_negative_line"
                ].format(count=current[index], median=number(median, lang, 1 if median % 1 else 0)),
                *(f"- {sample}" for sample in samples),
            ]
            if link:
                lines.append(f"{words['alert_link']}: {link}")
            lines += ["", words["alert_footer"]]
            alerts.append(
                ImmediateAlert(
                    rule="hourly_spike",
                    key=(
                        f"alert:hourly_spike:{client.id}:{account[0]}:{account[1]}:{kind}:"
                        f"{hour:%Y-%m-%dT%H}Z"
                    ),
                    client_id=client.id,
                    client_name=client.display_name,
                    language=lang,
                    platform=account[0],
                    account_id=account[1],
                    account_name=last[0]["account_name"],
                    link=link,
                    subject=subject,
                    body="\n".join(lines),
                    kind=kind,
                    count=current[index],
                    baseline_median=median,
                )
            )
    return alerts


def _previous_hour_key(alert: ImmediateAlert) -> str:
    prefix, stamp = alert.key.rsplit(":", 1)
    hour = dt.datetime.strptime(stamp, "%Y-%m-%dT%HZ") - dt.timedelta(hours=1)
    return f"{prefix}:{hour:%Y-%m-%dT%H}Z"


def evaluate(
    con: duckdb.DuckDBPyConnection,
    client: Client,
    now: dt.datetime,
    lookback: dt.timedelta = dt.timedelta(hours=24),
) -> list[ImmediateAlert]:
    """The alerts the client's rules give at `now` (nothing sent, the ledger not read)."""
    lang = languages_for(list(client.languages), client.digest.languages)[0]
    comments = _comments(con, client, now - lookback, now)
    alerts = _comment_rules(con, client, lang, comments, now)
    alerts += _hourly_spikes(con, client, lang, now)
    return alerts


def _sent_keys(con: duckdb.DuckDBPyConnection, prefix: str) -> set[str]:
    if not _has_table(con, "ops", "notifications"):
        return set()
    return {
        row[0]
        for row in con.execute(
            "SELECT notification_key FROM ops.notifications "
            "WHERE status = 'sent' AND starts_with(notification_key, ?)",
            [prefix],
        ).fetchall()
    }


def fire_immediate_alerts(
    warehouse: Path,
    config: RucheConfig,
    now: dt.datetime,
    *,
    send: bool = True,
    lookback: dt.timedelta = dt.timedelta(hours=24),
    clients: list[str] | None = None,
    sleep: Any = None,
) -> list[ImmediateAlert]:
    """Evaluate every client's immediate rules at `now` and (with `send`) deliver each new
    alert to the client's chat and e-mail, once: returns every alert the rules give, each with
    its delivery outcomes (`already_sent` when an earlier run delivered it on every channel).
    Without `send` the warehouse is only read: the result says what would fire."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime (UTC or with its offset)")
    con = duckdb.connect(str(warehouse), read_only=not send)
    results: list[ImmediateAlert] = []
    try:
        con.execute("SET TimeZone = 'UTC'")
        settings = config.notifications
        for client in config.clients:
            if clients and client.id not in clients:
                continue
            alerts = evaluate(con, client, now, lookback)
            chat = delivery.chat_urls(settings.chat_urls_env, client.digest.chat_urls_env)
            channels = (["email"] if client.digest.recipients else []) + (["chat"] if chat else [])
            if not channels and alerts:
                log.warning(
                    "%s: %d immediate alert(s) and no channel to send them (digest.recipients, "
                    "digest.chat_urls_env)",
                    client.id,
                    len(alerts),
                )
            sent = _sent_keys(con, "alert:") if alerts else set()
            for alert in alerts:
                if alert.rule == "hourly_spike" and any(
                    f"{_previous_hour_key(alert)}:{channel}" in sent for channel in channels
                ):
                    # the spike alerted an hour ago goes on: the same spike, not a new one
                    alert.already_sent = True
                    continue
                alert.already_sent = bool(channels) and all(
                    f"{alert.key}:{channel}" in sent for channel in channels
                )
                results.append(alert)
                if not send or alert.already_sent:
                    continue
                _deliver(con, config, client, alert, channels, chat, sleep)
            log.info(
                "%s: %d immediate alert(s) at %s (%s)",
                client.id,
                len(alerts),
                now.isoformat(),
                ", ".join(f"{rule} {sum(a.rule == rule for a in alerts)}" for rule in RULES),
            )
    finally:
        con.close()
    return results


def _deliver(
    con: duckdb.DuckDBPyConnection,
    config: RucheConfig,
    client: Client,
    alert: ImmediateAlert,
    channels: list[str],
    chat: list[str],
    sleep: Any,
) -> None:
    settings = config.notifications
    day = (alert.created_at or dt.datetime.now(dt.UTC)).astimezone(client.zone).date()
    extra = {"sleep": sleep} if sleep else {}
    for channel in channels:
        if channel == "email":
            message = EmailMessage()
            message["Subject"] = alert.subject
            message["From"] = settings.smtp.sender if settings.smtp else "ruche@localhost"
            message["To"] = ", ".join(client.digest.recipients)
            message.set_content(alert.body)
            try:
                send = delivery.smtp_sender(settings, message)
            except delivery.DeliveryError as exc:
                error = str(exc)

                def send(error: str = error) -> None:
                    raise delivery.DeliveryError(error)

            recipients: str | None = ", ".join(client.digest.recipients)
        else:
            send = delivery.chat_sender(chat, alert.subject, alert.body)
            recipients = None
        alert.outcomes.append(
            delivery.deliver_once(
                con,
                key=f"{alert.key}:{channel}",
                kind=alert.rule,
                channel=channel,
                client_id=client.id,
                date=day,
                subject=alert.subject,
                recipients=recipients,
                send=send,
                attempts=settings.attempts,
                **extra,
            )
        )
