"""What Ruche's Airflow tasks do, kept out of the DAG files so DAG parsing stays cheap and the
same steps run from the CLI (`ruche run`) without Airflow.

Nothing here imports Airflow at module level; the DAG files pass in what they need.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from ruche.config import RucheConfig, default_config_path, load_config

log = logging.getLogger(__name__)

WRITER_POOL = "duckdb_writer"
"""Airflow pool (1 slot) for every task that writes the DuckDB warehouse: DuckDB has one writer."""


def writer_task_args() -> dict[str, str]:
    """The task arguments of every task that writes the warehouse: the one-slot pool, and, when
    `RUCHE_WAREHOUSE_QUEUE` is set, the Celery queue that only the warehouse host's worker
    serves (the DuckDB file is on that machine's disk; extracts go to any worker).

    Read when a DAG file is parsed (an environment read, no I/O): the dag-processor's
    environment decides, and the scheduler sends each task to the queue stored with the DAG."""
    from ruche.settings import settings

    queue = settings().WAREHOUSE_QUEUE
    return {"pool": WRITER_POOL, "queue": queue} if queue else {"pool": WRITER_POOL}


FAILURES_DIR = "_ruche_failures"
ASSET_RAW = "ruche://warehouse/raw/{platform}"
ASSET_MARTS = "ruche://warehouse/marts"


@dataclass(frozen=True)
class Paths:
    """Where the pipeline reads and writes; from the environment, with local defaults."""

    config: Path
    landing: str
    warehouse: Path
    published: Path
    docs: Path

    @classmethod
    def from_env(cls) -> Paths:
        from ruche.settings import settings

        values = settings()
        return cls(
            config=default_config_path(),
            landing=values.LANDING_ROOT,
            warehouse=values.WAREHOUSE,
            published=values.published_path(),
            docs=values.docs_dir(),
        )


def agency_schedule(config_path: Path | None = None) -> tuple[str, str]:
    """(cron, timezone) of the nightly run, read from the agency block only.

    The one read a DAG file does at parse time: a few kilobytes of local YAML, no network, no
    database. `RUCHE_NIGHTLY_SCHEDULE` / `RUCHE_TIMEZONE` override it (and skip the read).
    """
    from ruche.settings import settings

    values = settings()
    cron, tz = values.NIGHTLY_SCHEDULE, values.TIMEZONE
    if cron and tz:
        return cron, tz
    try:
        path = config_path or default_config_path()
        agency = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("agency") or {}
    except (OSError, ValueError, yaml.YAMLError):  # a broken file: the tasks say why, loudly
        agency = {}
    return cron or agency.get("nightly_schedule", "0 2 * * *"), tz or agency.get("timezone", "UTC")


def run_moment(context: Any) -> dt.datetime:
    """The moment a DAG run stands for: its logical date, or, for a run triggered without one
    (Airflow 3 allows `logical_date: null` from the UI or the REST API), when it was due to run
    (`dag_run.run_after`)."""
    moment = context.get("logical_date")
    if moment is None:
        dag_run = context.get("dag_run")
        moment = getattr(dag_run, "run_after", None)
    if moment is None:
        raise ValueError("this DAG run has neither a logical date nor a run_after time")
    return moment


def data_window(
    logical_date: dt.datetime, timezone: str, days: int = 1, end: str | None = None
) -> tuple[dt.date, dt.date]:
    """The days a run extracts: by default the local day before the run's logical date."""
    if end:
        last = dt.date.fromisoformat(end)
    else:
        last = logical_date.astimezone(ZoneInfo(timezone)).date() - dt.timedelta(days=1)
    return last - dt.timedelta(days=max(days, 1) - 1), last


def newest_complete_day(
    config: RucheConfig,
    now: dt.datetime,
    *,
    clients: list[str] | None = None,
    platforms: list[str] | None = None,
) -> tuple[dt.date, str]:
    """The newest day that has ended at `now` for at least one selected account (in its
    platform's reporting timezone) or in the agency timezone, with that timezone.

    A date after it has ended nowhere: asking for it would land days of zeros marked final.
    Dates up to it are accepted; an account whose own day is not over yet is extracted up to
    its last complete day (the connector cuts the window and says so)."""
    from connectors.base import AccountRef, last_complete_day
    from connectors.runner import CONNECTORS

    zones = {config.agency.timezone}
    for client, platform, account in config.iter_accounts(clients, platforms):
        ref = AccountRef(client.id, platform, account.id, timezone=client.timezone)
        zones.add(CONNECTORS[platform].reporting_timezone(ref))
    return max(((last_complete_day(now, zone), zone) for zone in sorted(zones)), key=_first)


def _first(pair: tuple[Any, ...]) -> Any:
    return pair[0]


def future_days_error(label: str, day: dt.date, newest: tuple[dt.date, str]) -> str | None:
    """A one-line refusal when `day` has not ended yet in any relevant timezone, else None."""
    last, zone = newest
    if day <= last:
        return None
    return (
        f"{label} {day} has not ended yet: the last complete day is {last} ({zone}); "
        f"choose {last} or earlier"
    )


def plan_accounts(config: RucheConfig, platforms: list[str] | None = None) -> list[dict[str, str]]:
    """One entry per enabled account: what each mapped extract task receives (no secret)."""
    return [
        {"client_id": client.id, "platform": platform, "account_id": account.id}
        for client, platform, account in config.iter_accounts(platforms=platforms)
    ]


def find_account(config: RucheConfig, ref: dict[str, str]):
    client = config.client(ref["client_id"])
    for account in getattr(client.accounts, ref["platform"]):
        if account.id == ref["account_id"]:
            return client, account
    raise KeyError(f"{ref} is no longer in the configuration")


def safe_run_id(run_id: str) -> str:
    from connectors.landing import safe_name

    return safe_name(run_id)


def extract_one(
    ref: dict[str, str],
    *,
    start: dt.date,
    end: dt.date,
    run_id: str,
    paths: Paths,
    token_lookup: Callable[[Any], str | None] | None = None,
) -> dict[str, Any]:
    """Extract one planned account (an Airflow mapped task) through `ruche.pipeline.extract`.
    Raises the connector's error on failure, after the pipeline recorded it in the landing zone
    so the load step puts it in `ops`."""
    from connectors.base import Window
    from connectors.landing import LandingZone
    from ruche import pipeline

    config = load_config(paths.config)
    client, account = find_account(config, ref)
    (result,) = pipeline.extract(
        [(client, ref["platform"], account)],
        window=Window(start, end),
        landing=LandingZone(paths.landing),
        run_id=run_id,
        token_lookup=token_lookup or _no_token,
    )
    result.raise_for_error()
    return result.summary()


def _no_token(account: Any) -> None:
    return None


def record_outcome(landing: Any, summary: dict[str, Any], logical_date: dt.date) -> None:
    """Record one account's extract in the landing zone: its failure, or (after a success) the
    resolution of its earlier failures of the same run date. Every extract path calls it."""
    if summary["status"] != "success":
        record_failure(landing, summary, logical_date)
    else:
        record_resolution(landing, summary, logical_date)


def _failure_name(summary: dict[str, Any], logical_date: dt.date, folder: str = "") -> str:
    return (
        f"{FAILURES_DIR}/date={logical_date.isoformat()}/{folder}"
        f"{summary['platform']}__{summary['account_id']}__{safe_run_id(summary['run_id'])}.json"
    )


def _write_json(landing: Any, name: str, item: dict[str, Any]) -> None:
    landing.write_text(
        name, json.dumps(item | {"recorded_at": dt.datetime.now(dt.UTC).isoformat()})
    )


def record_failure(landing: Any, summary: dict[str, Any], logical_date: dt.date) -> None:
    """A small JSON file beside the landed batches; loaded into ops.extract_failures."""
    _write_json(landing, _failure_name(summary, logical_date), summary)


def record_resolution(landing: Any, summary: dict[str, Any], logical_date: dt.date) -> None:
    """After a success, mark the account's earlier failures of the same run date as resolved
    (a transient failure that a task retry or a re-run fixed is not a failure any more)."""
    earlier = (
        f"{FAILURES_DIR}/date={logical_date.isoformat()}/"
        f"{summary['platform']}__{summary['account_id']}__*.json"
    )
    if landing.glob(earlier):
        _write_json(landing, _failure_name(summary, logical_date, "resolved/"), summary)


def _read_records(landing: Any, pattern: str) -> list[tuple[str, dict[str, Any]]]:
    records = []
    for path in landing.glob(pattern):
        with landing.fs.open(path, "r", encoding="utf-8") as handle:
            records.append((path, json.load(handle)))
    return records


FAILURES_DDL = """
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.extract_failures (
    client_id VARCHAR, platform VARCHAR, account_id VARCHAR, run_id VARCHAR,
    logical_date DATE, kind VARCHAR, error VARCHAR, recorded_at TIMESTAMPTZ,
    source_file VARCHAR PRIMARY KEY
);
ALTER TABLE ops.extract_failures ADD COLUMN IF NOT EXISTS resolved_at TIMESTAMPTZ;
ALTER TABLE ops.extract_failures ADD COLUMN IF NOT EXISTS resolved_by_run_id VARCHAR;
CREATE OR REPLACE VIEW ops.open_extract_failures AS
SELECT * EXCLUDE (resolved_at, resolved_by_run_id)
FROM ops.extract_failures
WHERE resolved_at IS NULL;
"""
FAILURE_COLUMNS = (
    "client_id, platform, account_id, run_id, logical_date, kind, error, recorded_at, source_file"
)


def load_failures(con: Any, landing: Any) -> int:
    """Copy recorded extract failures into ops.extract_failures (idempotent), and mark those a
    later success of the same account and run date resolved."""
    con.execute(FAILURES_DDL)
    count = 0
    for path, item in _read_records(landing, f"{FAILURES_DIR}/date=*/*.json"):
        con.execute(
            f"INSERT OR REPLACE INTO ops.extract_failures ({FAILURE_COLUMNS}) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                item["client_id"],
                item["platform"],
                item["account_id"],
                item["run_id"],
                path.split("date=")[1][:10],
                item["status"],
                item["error"],
                item["recorded_at"],
                path.rsplit("/", 1)[1],
            ],
        )
        count += 1
    for path, item in _read_records(landing, f"{FAILURES_DIR}/date=*/resolved/*.json"):
        con.execute(
            "UPDATE ops.extract_failures SET resolved_at = ?, resolved_by_run_id = ? "
            "WHERE client_id = ? AND platform = ? AND account_id = ? AND logical_date = ? "
            "AND recorded_at <= ? AND resolved_at IS NULL",
            [
                item["recorded_at"],
                item["run_id"],
                item["client_id"],
                item["platform"],
                item["account_id"],
                path.split("date=")[1][:10],
                item["recorded_at"],
            ],
        )
    return count


def days_not_over(planned: list[dict[str, str]], results: list[Any]) -> list[str]:
    """One line per account that was extracted only up to its last complete day because the
    run started before the requested day ended in its platform's reporting timezone."""
    lines = []
    for ref, result in zip(planned, results, strict=False):
        cut = ((result or {}).get("notes") or {}).get("days_not_over")
        if cut:
            lines.append(
                f"{ref['client_id']}/{ref['platform']}/{ref['account_id']}: extracted up to "
                f"{cut['extracted'][1]}, {cut['requested'][1]} is not over yet in "
                f"{cut['reporting_timezone']} (the next run fetches it)"
            )
    return lines


def night_failures(
    landing: Any, run_id: str, planned: list[dict[str, str]], results: list[Any]
) -> list[str]:
    """One line per planned account whose extract did not succeed in this run (`results[i]` is
    the i-th mapped extract's summary, None when it failed or never ran), naming the account,
    the error and the fix as recorded by `extract_one`."""
    recorded = {
        (item["platform"], item["account_id"]): item["error"]
        for _, item in _read_records(
            landing, f"{FAILURES_DIR}/date=*/*__{safe_run_id(run_id)}.json"
        )
    }
    lines = []
    for index, ref in enumerate(planned):
        if index < len(results) and results[index] is not None:
            continue
        label = f"{ref['client_id']}/{ref['platform']}/{ref['account_id']}"
        error = recorded.get((ref["platform"], ref["account_id"]))
        lines.append(
            f"{label}: {error}"
            if error
            else f"{label}: the extract did not finish (no error recorded: see the log of "
            f"extract [{label}])"
        )
    return lines


def load_platform(platform: str | None, *, paths: Paths, audit: bool = True) -> dict[str, Any]:
    """Audit and load the pending batches of one platform (or all) into the warehouse (an
    Airflow load task, through `ruche.pipeline.load`); a JSON-able summary for XCom."""
    from ruche import pipeline

    report = pipeline.load(
        load_config(paths.config),
        landing_root=paths.landing,
        warehouse=paths.warehouse,
        platforms=[platform] if platform else None,
        audit=audit,
        docs_dir=paths.docs / "gx",
    )
    for problem in report.problems:
        log.warning("%s", problem)
    return {
        "load_id": report.load_id,
        "platform": platform,
        "files": len(report.files),
        "landed": report.landed,
        "loaded": report.loaded,
        "quarantined": report.quarantined,
        "skipped": report.skipped,
        "seconds": round(report.seconds, 3),
        "problems": report.problems[:50],
    }


def send_alert(text: str, webhook_url: str | None) -> bool:
    """POST a short message to a Slack-compatible webhook; False when none is configured."""
    if not webhook_url:
        return False
    import requests

    try:
        requests.post(webhook_url, json={"text": text}, timeout=10).raise_for_status()
    except requests.RequestException as exc:
        log.warning("alert not sent: %s", type(exc).__name__)
        return False
    return True
