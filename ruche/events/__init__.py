"""Event-driven comments: the receiver's Redis stream → landed → audited and loaded → the
comment models refreshed, minutes after Meta's webhook instead of the next morning.

`land_events` (`land.py`) reads the stream through a consumer group and lands the comment
changes as `comment_events` batches (the extracts' landing contract), acknowledging entries only
once their batches are committed; `load_events` loads those batches with the real `Loader` (GX
audit included); `refresh_comment_models` builds the dbt selection the comments feed;
`run_events` runs the three (`ruche events run`, the `ruche_events` DAG). The nightly extract
stays the source of truth: `int_<p>__comments` adds only the event comments whose id the
nightly has not loaded, and `int_comments` replaces them with the nightly's rows once it does.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruche.events.land import DEFAULT_CONSUMER, DEFAULT_GROUP, LandReport, ensure_group, land_events
from ruche.events.meta import ENTITY, CommentEvent, ParseError, parse_entry

if TYPE_CHECKING:
    from ruche.config import RucheConfig
    from ruche.orchestration import Paths

log = logging.getLogger("ruche.events")


def event_platforms() -> list[str]:
    """The registered platforms that have a `comment_events` entity."""
    from ruche import platforms

    return [p.name for p in platforms.REGISTRY.values() if ENTITY in p.entity_names]


def comment_models() -> str:
    """The dbt selection the comments feed: each event platform's staging and comment mapping
    (`stg_<p>__comment_events`, `int_<p>__comments`), `int_comment_removals`, then
    `int_comments` (incremental) and
    everything downstream of it (`fct_comments`, `rpt_comments_to_answer`, the response-time
    marts…). Measured against a full build: see the README."""
    own = [f"stg_{p}__{ENTITY} int_{p}__comments" for p in event_platforms()]
    # the removals feed int_deleted_comments (downstream of int_comments as well)
    return " ".join([*own, "int_comment_removals", "int_comments+"])


def load_events(
    config: RucheConfig,
    warehouse: Path,
    landing_root: str,
    *,
    audit: bool = True,
    docs_dir: Path | None = None,
    storage_options: dict | None = None,
) -> dict[str, Any]:
    """Audit and load the pending `comment_events` batches with the real `Loader` (the
    `config.*` tables written first, as `ruche load` does); a JSON-able summary."""
    from connectors.landing import LandingZone
    from ruche.configdb import write_config
    from ruche.load import Loader, connect

    landing = LandingZone(landing_root, storage_options)
    con = connect(warehouse)
    try:
        write_config(con, config)
        loader = Loader(con, landing, audit=audit, docs_dir=docs_dir)
        pending, skipped, _ = loader.pending(event_platforms())
        manifests = [m for m in pending if m.entity == ENTITY]
        report = loader.load(manifests=manifests)
        if manifests:
            loader.build_data_docs()
    finally:
        con.close()
    for problem in report.problems:
        log.warning("%s", problem)
    return {
        "load_id": report.load_id,
        "files": len(report.files),
        "landed": report.landed,
        "loaded": report.loaded,
        "quarantined": report.quarantined,
        "skipped": skipped,
        "seconds": round(report.seconds, 3),
        "problems": report.problems[:50],
    }


def refresh_comment_models(warehouse: Path, *, select: str | None = None) -> dict[str, Any]:
    """`dbt build --select <the comment models>` (incremental: `int_comments` parses only the
    rows loaded since its last build); raises `TransformError` naming failed nodes."""
    from ruche.transform import build

    select = select or comment_models()
    report = build(warehouse, select=select)
    return {
        "select": select,
        "seconds": round(report.seconds, 3),
        "nodes": len(report.nodes),
        "counts": report.counts(),
    }


@dataclass
class EventsReport:
    """What `run_events` did: landed, loaded, refreshed (the dbt step skipped when nothing was
    loaded)."""

    land: LandReport
    load: dict[str, Any] = field(default_factory=dict)
    refresh: dict[str, Any] | None = None
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "land": self.land.summary(),
            "load": self.load,
            "refresh": self.refresh,
            "seconds": round(self.seconds, 3),
        }


def run_events(
    paths: Paths,
    config: RucheConfig,
    *,
    redis_url: str,
    stream: str,
    group: str = DEFAULT_GROUP,
    consumer: str = DEFAULT_CONSUMER,
    audit: bool = True,
) -> EventsReport:
    """Land the stream's new comment events, load them, refresh the comment models."""
    started = time.monotonic()
    landed = land_events(
        config, paths.landing, redis_url=redis_url, stream=stream, group=group, consumer=consumer
    )
    report = EventsReport(land=landed)
    # Also loads batches an earlier run landed and did not load (it died after its XACK).
    report.load = load_events(
        config, paths.warehouse, paths.landing, audit=audit, docs_dir=paths.docs / "gx"
    )
    if report.load["loaded"] or report.load["files"]:
        report.refresh = refresh_comment_models(paths.warehouse)
    report.seconds = time.monotonic() - started
    return report


__all__ = [
    "ENTITY",
    "CommentEvent",
    "EventsReport",
    "LandReport",
    "ParseError",
    "comment_models",
    "ensure_group",
    "event_platforms",
    "land_events",
    "load_events",
    "parse_entry",
    "refresh_comment_models",
    "run_events",
]
