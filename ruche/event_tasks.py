"""What `ruche_events`' tasks do (dags/ruche_events.py), kept out of the DAG file so parsing it
stays cheap: each reads the `RUCHE_*` settings when it runs and calls `ruche.events` (land, load,
refresh) or `ruche.digest.immediate` (alerts). Each returns a small JSON-able summary (XCom).

Nothing here imports Airflow, Redis, DuckDB or dbt at module level.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

log = logging.getLogger(__name__)

ASSET_EVENTS = "ruche://webhooks/meta"
"""The Asset the webhook doorbell updates (its AssetWatcher), which schedules `ruche_events`."""


class NothingNew(Exception):
    """The load had no new event: the refresh has nothing to rebuild (the task is skipped)."""


def summary(report: Any) -> dict[str, Any]:
    """A JSON-able dict of a report (a dataclass, a dict, or an object's public fields)."""
    if dataclasses.is_dataclass(report) and not isinstance(report, type):
        raw = dataclasses.asdict(report)
    elif isinstance(report, dict):
        raw = dict(report)
    else:
        raw = {k: v for k, v in vars(report).items() if not k.startswith("_")}
    return {k: _jsonable(v) for k, v in raw.items()}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_jsonable(v) for v in value]
        return items[:200]  # XCom stays small; the task log has the rest
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


MAX_ENTRIES = 10_000
"""Stream entries one `land_events` call reads; `land` calls it again while it reads that many
(a backlog after an outage is landed in one run, in batches of this size)."""


def land_events_task(group: str | None = None) -> dict[str, Any]:
    """Land the stream's new entries (consumer group `ruche_events`, or `group`: the stack
    test's single-process baseline reads the same stream with a group of its own) as landing
    batches, then acknowledge them."""
    from ruche.config import load_config
    from ruche.events import land_events
    from ruche.orchestration import Paths
    from ruche.settings import settings

    paths, current = Paths.from_env(), settings()
    config = load_config(paths.config)
    rounds: list[dict[str, Any]] = []
    while True:
        report = land_events(
            config,
            paths.landing,
            redis_url=current.WEBHOOK_REDIS_URL,
            stream=current.WEBHOOK_STREAM,
            max_entries=MAX_ENTRIES,
            storage_options=current.LANDING_STORAGE_OPTIONS or None,
            **({"group": group} if group else {}),
        )
        rounds.append(summary(report.summary() if hasattr(report, "summary") else report))
        if report.entries < MAX_ENTRIES:
            break
    total = {
        key: sum(r[key] for r in rounds)
        for key in rounds[0]
        if all(isinstance(r.get(key), int) for r in rounds)
    }
    return {**total, "rounds": len(rounds), "run_ids": [r.get("run_id") for r in rounds]}


def load_events_task(landed: dict[str, Any]) -> dict[str, Any]:
    """Audit and load the pending event batches: this run's, and any an earlier run landed and
    did not load (it failed after its acknowledgement)."""
    from ruche.config import load_config
    from ruche.events import load_events
    from ruche.orchestration import Paths
    from ruche.settings import settings

    paths = Paths.from_env()
    return summary(
        load_events(
            load_config(paths.config),
            paths.warehouse,
            paths.landing,
            docs_dir=paths.docs / "gx",
            storage_options=settings().LANDING_STORAGE_OPTIONS or None,
        )
    )


def refresh_events_task(loaded: dict[str, Any]) -> dict[str, Any]:
    """Rebuild the models comments feed; `NothingNew` when the load found no batch."""
    if not (loaded.get("loaded") or loaded.get("files")):
        raise NothingNew("no new event batch was loaded: the comment models are up to date")
    from ruche.events import refresh_comment_models
    from ruche.orchestration import Paths

    warehouse = Paths.from_env().warehouse
    if not has_comment_marts(warehouse):
        # The selection refreshes what a night built; before the first night there is nothing
        # to refresh, and that night's build takes these events in (they are loaded).
        raise NothingNew(
            "the warehouse has no comment models yet: the first night builds them, with the "
            "events loaded so far"
        )
    return summary(refresh_comment_models(warehouse))


def alert_events_task(now: dt.datetime | None = None) -> dict[str, Any]:
    """The immediate rules, evaluated now; each new alert sent once (`ops.notifications`). A
    failed send is recorded there and tried again by the next run: logged, not raised."""
    from ruche.config import load_config
    from ruche.digest.immediate import fire_immediate_alerts
    from ruche.orchestration import Paths

    paths = Paths.from_env()
    if not has_comment_marts(paths.warehouse):
        # A deployment whose first night has not run and no event was loaded yet.
        log.info("no fct_comments in %s yet: no alert to evaluate", paths.warehouse)
        return {"alerts": 0, "evaluated": 0, "already_sent": 0, "failed": 0, "sent": []}
    alerts = fire_immediate_alerts(
        paths.warehouse,
        load_config(paths.config),
        now or dt.datetime.now(dt.UTC),
        send=True,
    )
    sent = [a for a in alerts if a.sent]
    failed = [a for a in alerts if a.failed]
    for alert in failed:
        log.warning("alert %s not delivered on every channel: the next run tries again", alert.key)
    return {
        "alerts": len(sent),
        "evaluated": len(alerts),
        "already_sent": sum(1 for a in alerts if a.already_sent),
        "failed": len(failed),
        "sent": [
            {
                "key": a.key,
                "rule": a.rule,
                "comment_key": a.comment_key,
                "created_at": a.created_at.isoformat() if a.created_at else None,
                "subject": a.subject,
                "body_sha256": body_digest(a.body),
            }
            for a in sent
        ][:500],
    }


def has_comment_marts(warehouse: Any) -> bool:
    """Whether the warehouse holds `marts.fct_comments`, what the alert rules read."""
    from pathlib import Path

    import duckdb

    if not Path(warehouse).is_file():
        return False
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        found = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'marts' AND table_name = 'fct_comments'"
        ).fetchone()
    finally:
        con.close()
    return bool(found and found[0])


def body_digest(body: str) -> str:
    """SHA-256 of an alert's text (line ends and trailing blanks normalised): how the stack test
    pairs an alert with the e-mail that carried it, without putting comment texts in XCom."""
    import hashlib

    # As the e-mail carries it: line ends may come back as CRLF, trailing blanks may go.
    text = "\n".join(line.rstrip() for line in body.strip().splitlines())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
