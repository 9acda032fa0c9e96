"""What a client's digest says, read from the marts (and the `ops` tables for accounts)."""

from __future__ import annotations

import calendar
import datetime as dt
import statistics
from dataclasses import dataclass, field
from typing import Any

import duckdb

from ruche.config import Client, SpikeThresholds

BASELINE_DAYS = 28
TO_ANSWER_SHOWN = 10
BEST_POSTS_DAYS = 7
BEST_POSTS_SHOWN = 5
SAMPLE_COMMENTS = 3
MAD_TO_SIGMA = 1.4826  # MAD × 1.4826 estimates the standard deviation of a normal sample
ADDITIVE_KPIS = frozenset(
    {
        "posts",
        "views",
        "engagements",
        "follower_growth",
        "comments_received",
        "spend",
        "clicks",
        "conversions",
    }
)


@dataclass
class Period:
    received: int
    answered: int
    response_rate: float | None
    median_first_response_business_minutes: float | None
    days: int

    @property
    def received_per_day(self) -> float:
        return self.received / self.days if self.days else 0.0

    @property
    def answered_per_day(self) -> float:
        return self.answered / self.days if self.days else 0.0


@dataclass
class Spike:
    scope: str  # account | post
    kind: str  # comments | negative
    platform: str
    account_id: str
    account_name: str | None
    post_key: str | None
    link: str | None
    count: int
    baseline_median: float
    baseline_mad: float
    samples: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        """Identifies the spike for the notifications ledger (one alert per spike)."""
        return f"{self.scope}:{self.kind}:{self.platform}:{self.account_id}:{self.post_key or ''}"


@dataclass
class DigestData:
    client_id: str
    display_name: str
    date: dt.date  # the morning of the digest, client-local
    yesterday: Period
    previous: Period
    response_target_minutes: float | None
    response_rate_target: float | None
    daily_received: list[int]
    daily_negative: list[int]
    days: list[dt.date]
    to_answer_total: int
    to_answer_negative: int
    to_answer: list[dict[str, Any]]
    spikes: list[Spike]
    targets: list[dict[str, Any]]
    best_posts: list[dict[str, Any]]
    accounts: list[dict[str, Any]]

    @property
    def yesterday_date(self) -> dt.date:
        return self.date - dt.timedelta(days=1)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any]) -> list[dict[str, Any]]:
    result = con.execute(sql, params)
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def _period(
    con: duckdb.DuckDBPyConnection, client_id: str, first: dt.date, last: dt.date
) -> Period:
    [row] = _rows(
        con,
        """
        SELECT count(*) AS received,
               count(*) FILTER (WHERE is_answered) AS answered,
               count(*) FILTER (WHERE is_answered AND NOT is_hidden)
                   / nullif(count(*) FILTER (WHERE NOT is_hidden), 0) AS response_rate,
               median(response_business_minutes) AS median_business
        FROM marts.fct_comments
        WHERE client_id = ? AND NOT is_brand_reply
          AND created_date_local BETWEEN ? AND ?
        """,
        [client_id, first, last],
    )
    return Period(
        received=row["received"],
        answered=row["answered"],
        response_rate=row["response_rate"],
        median_first_response_business_minutes=row["median_business"],
        days=(last - first).days + 1,
    )


def robust_baseline(values: list[int]) -> tuple[float, float]:
    """(median, MAD) of `values`; (0, 0) when empty."""
    if not values:
        return 0.0, 0.0
    median = statistics.median(values)
    return median, statistics.median(abs(v - median) for v in values)


def is_spike(count: int, history: list[int], minimum: int, thresholds: SpikeThresholds) -> bool:
    """At least `minimum`, and above median + mad_factor × MAD × 1.4826 of the history (a MAD of
    0, a flat history, counts as one comment of spread, so a quiet account is not a spike at
    its first two comments)."""
    median, mad = robust_baseline(history)
    spread = max(mad * MAD_TO_SIGMA, 1.0)
    return count >= minimum and count > median + thresholds.mad_factor * spread


def _spikes(con: duckdb.DuckDBPyConnection, client: Client, yesterday: dt.date) -> list[Spike]:
    thresholds = client.digest.spikes
    first = yesterday - dt.timedelta(days=BASELINE_DAYS)
    comments = _rows(
        con,
        """
        SELECT comments.platform, comments.account_id, comments.post_key,
               comments.created_date_local AS day, comments.is_negative, comments.text,
               comments.like_count, posts.permalink, accounts.account_name
        FROM marts.fct_comments AS comments
        LEFT JOIN marts.dim_posts AS posts ON comments.post_key = posts.post_key
        LEFT JOIN marts.dim_accounts AS accounts ON comments.account_key = accounts.account_key
        WHERE comments.client_id = ? AND NOT comments.is_brand_reply
          AND comments.created_date_local BETWEEN ? AND ?
        """,
        [client.id, first, yesterday],
    )
    spikes: list[Spike] = []
    for scope in ("account", "post"):
        counts: dict[tuple, dict[dt.date, list[int]]] = {}
        meta: dict[tuple, dict[str, Any]] = {}
        for row in comments:
            key = (row["platform"], row["account_id"]) + (
                (row["post_key"],) if scope == "post" else ()
            )
            per_day = counts.setdefault(key, {})
            total_negative = per_day.setdefault(row["day"], [0, 0])
            total_negative[0] += 1
            total_negative[1] += 1 if row["is_negative"] else 0
            meta.setdefault(key, row)
        for key, per_day in counts.items():
            today = per_day.get(yesterday)
            if not today:
                continue
            history_days = [first + dt.timedelta(days=offset) for offset in range(BASELINE_DAYS)]
            if thresholds.per_weekday:
                history_days = [d for d in history_days if d.weekday() == yesterday.weekday()]
            if scope == "post":
                # a post's baseline: its account's busy post-days (a post has no 28-day history)
                account_days = [
                    values
                    for other, days in counts.items()
                    if other[:2] == key[:2]
                    for day, values in days.items()
                    if day in history_days
                ]
            else:
                account_days = [per_day.get(day, [0, 0]) for day in history_days]
            for kind, index, minimum in (
                ("comments", 0, thresholds.min_comments),
                ("negative", 1, thresholds.min_negative),
            ):
                history = [values[index] for values in account_days]
                if not is_spike(today[index], history, minimum, thresholds):
                    continue
                median, mad = robust_baseline(history)
                row = meta[key]
                samples = [
                    c["text"]
                    for c in sorted(comments, key=lambda c: -(c["like_count"] or 0))
                    if c["day"] == yesterday
                    and c["text"]
                    and (c["platform"], c["account_id"]) == key[:2]
                    and (scope == "account" or c["post_key"] == key[2])
                    and (kind == "comments" or c["is_negative"])
                ][:SAMPLE_COMMENTS]
                spikes.append(
                    Spike(
                        scope=scope,
                        kind=kind,
                        platform=key[0],
                        account_id=key[1],
                        account_name=row["account_name"],
                        post_key=key[2] if scope == "post" else None,
                        link=row["permalink"] if scope == "post" else None,
                        count=today[index],
                        baseline_median=median,
                        baseline_mad=mad,
                        samples=samples,
                    )
                )
    return spikes


def _targets(
    con: duckdb.DuckDBPyConnection, client_id: str, yesterday: dt.date
) -> list[dict[str, Any]]:
    month_start = yesterday.replace(day=1)
    rows = _rows(
        con,
        """
        SELECT kpi, platform_scope, target_value, actual_value, direction, attainment, is_met,
               is_month_complete, data_covered_through
        FROM marts.rpt_targets_monthly
        WHERE client_id = ? AND month_start = ?
        ORDER BY kpi, platform_scope
        """,
        [client_id, month_start],
    )
    days_in_month = calendar.monthrange(month_start.year, month_start.month)[1]
    for row in rows:
        through = row["data_covered_through"] or yesterday
        elapsed = max(min((through - month_start).days + 1, days_in_month), 0)
        left = days_in_month - elapsed
        row["days_elapsed"], row["days_left"] = elapsed, left
        actual, target = row["actual_value"], row["target_value"]
        row["pace_needed_per_day"] = None
        row["projected"] = None
        if row["kpi"] in ADDITIVE_KPIS and actual is not None and elapsed:
            row["projected"] = actual / elapsed * days_in_month
            if left:
                row["pace_needed_per_day"] = max(target - actual, 0) / left
            row["on_track"] = row["projected"] >= target
        elif actual is not None:
            lower = row["direction"] == "lower_is_better"
            row["on_track"] = actual <= target if lower else actual >= target
        else:
            row["on_track"] = False
        # progress towards the target, 1.0 = the target, whichever way is better
        if actual is None or not target:
            row["progress"] = None
        elif row["direction"] == "lower_is_better":
            row["progress"] = target / actual if actual else 1.5
        else:
            row["progress"] = (
                row["projected"] if row["projected"] is not None else actual
            ) / target
    return rows


def _accounts(
    con: duckdb.DuckDBPyConnection, client_id: str, yesterday: dt.date
) -> list[dict[str, Any]]:
    """Accounts that failed, are deferred or stale (no load for the night of `yesterday`)."""
    accounts = _rows(
        con,
        "SELECT platform, account_id, account_name FROM marts.dim_accounts "
        "WHERE client_id = ? ORDER BY platform, account_id",
        [client_id],
    )
    failures: dict[tuple[str, str], dict[str, Any]] = {}
    if _has_table(con, "ops", "open_extract_failures"):
        for row in _rows(
            con,
            "SELECT platform, account_id, kind, error, logical_date "
            "FROM ops.open_extract_failures WHERE client_id = ? "
            "QUALIFY row_number() OVER (PARTITION BY platform, account_id "
            "ORDER BY logical_date DESC, recorded_at DESC) = 1",
            [client_id],
        ):
            failures[(row["platform"], row["account_id"])] = row
    last_loaded: dict[tuple[str, str], dt.date] = {}
    if _has_table(con, "ops", "load_ledger"):
        for row in _rows(
            con,
            "SELECT platform, account_id, max(logical_date) AS last_date FROM ops.load_ledger "
            "WHERE client_id = ? AND status IN ('loaded', 'partial') GROUP BY ALL",
            [client_id],
        ):
            last_loaded[(row["platform"], row["account_id"])] = row["last_date"]
    out = []
    for account in accounts:
        key = (account["platform"], account["account_id"])
        failure = failures.get(key)
        last = last_loaded.get(key)
        if failure is not None:
            state = "deferred" if failure["kind"] == "deferred" else "failed"
            out.append(
                {
                    **account,
                    "state": state,
                    "detail": failure["error"],
                    "since": failure["logical_date"],
                }
            )
        elif last is None or last < yesterday:
            out.append({**account, "state": "stale", "detail": None, "since": last})
    return out


def collect(con: duckdb.DuckDBPyConnection, client: Client, date: dt.date) -> DigestData:
    """Everything the digest of `client` for the morning of `date` (client-local) shows."""
    yesterday = date - dt.timedelta(days=1)
    first = yesterday - dt.timedelta(days=BASELINE_DAYS)
    daily = {
        row["day"]: row
        for row in _rows(
            con,
            "SELECT created_date_local AS day, count(*) AS received, "
            "count(*) FILTER (WHERE is_negative) AS negative FROM marts.fct_comments "
            "WHERE client_id = ? AND NOT is_brand_reply "
            "AND created_date_local BETWEEN ? AND ? GROUP BY 1",
            [client.id, first, yesterday],
        )
    }
    days = [first + dt.timedelta(days=offset) for offset in range(BASELINE_DAYS + 1)]
    targets = {
        (row["kpi"], row["platform_scope"]): row["target_value"]
        for row in _rows(
            con,
            "SELECT kpi, platform_scope, target_value FROM marts.rpt_targets_monthly "
            "WHERE client_id = ? AND month_start = ?",
            [client.id, yesterday.replace(day=1)],
        )
    }
    to_answer = _rows(
        con,
        "SELECT * FROM marts.rpt_comments_to_answer WHERE client_id = ? ORDER BY priority_rank",
        [client.id],
    )
    best_posts = _rows(
        con,
        """
        SELECT performance.platform, performance.published_date_local, performance.engagements,
               performance.views, performance.comments, posts.permalink, posts.text,
               accounts.account_name
        FROM marts.rpt_post_performance AS performance
        LEFT JOIN marts.dim_posts AS posts ON performance.post_key = posts.post_key
        LEFT JOIN marts.dim_accounts AS accounts ON performance.platform = accounts.platform
            AND performance.account_id = accounts.account_id
        WHERE performance.client_id = ? AND performance.published_date_local BETWEEN ? AND ?
        ORDER BY performance.engagements DESC NULLS LAST, performance.post_key
        LIMIT ?
        """,
        [
            client.id,
            yesterday - dt.timedelta(days=BEST_POSTS_DAYS - 1),
            yesterday,
            BEST_POSTS_SHOWN,
        ],
    )
    return DigestData(
        client_id=client.id,
        display_name=client.display_name,
        date=date,
        yesterday=_period(con, client.id, yesterday, yesterday),
        previous=_period(con, client.id, first, yesterday - dt.timedelta(days=1)),
        response_target_minutes=targets.get(("median_first_response_business_minutes", "all")),
        response_rate_target=targets.get(("response_rate", "all")),
        daily_received=[daily.get(d, {}).get("received", 0) for d in days],
        daily_negative=[daily.get(d, {}).get("negative", 0) for d in days],
        days=days,
        to_answer_total=len(to_answer),
        to_answer_negative=sum(1 for row in to_answer if row["is_negative"]),
        to_answer=to_answer[:TO_ANSWER_SHOWN],
        spikes=_spikes(con, client, yesterday),
        targets=_targets(con, client.id, yesterday),
        best_posts=best_posts,
        accounts=_accounts(con, client.id, yesterday),
    )
