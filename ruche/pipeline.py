"""One pipeline for the command line and Airflow: extract → audit + load → dbt build → publish.

`ruche run` (and `ruche extract` / `load` / `transform`) and the Airflow tasks of
`dags/ruche_ingest.py` and `dags/ruche_transform.py` are thin adapters over these steps: the
CLI adds progress bars and tables, the DAG tasks add the mapping per account, tokens from
Airflow connections and task failure. Whatever runs them, a step does the same work and leaves
the same records:

* `extract` lands every account's batches and records each account's outcome in the landing
  zone (a failure, or the resolution of earlier failures of the same run date), so the next
  `load` puts them in `ops.extract_failures` — from a CLI run exactly as from a DAG run;
* `load` writes the `config.*` tables, copies the extract failures into `ops`, audits and loads
  the pending batches, and rebuilds the Great Expectations Data Docs;
* `build` runs `dbt build`; `publish` copies the marts to the file BI tools read.

Heavy libraries (DuckDB, dbt, Great Expectations, requests) are imported inside the steps, so
importing this module stays cheap.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruche.config import RucheConfig
from ruche.orchestration import load_failures, record_outcome

if TYPE_CHECKING:
    from connectors.base import Window
    from connectors.landing import LandingZone
    from connectors.runner import AccountResult
    from ruche.load import LoadReport
    from ruche.publish import PublishReport
    from ruche.transform import TransformReport

log = logging.getLogger(__name__)

Job = tuple[Any, str, Any]  # (client, platform, account) as `RucheConfig.iter_accounts` yields


def extract(
    jobs: Iterable[Job],
    *,
    window: Window,
    landing: LandingZone,
    run_id: str,
    workers: int = 4,
    token_lookup: Callable[[Any], str | None] | None = None,
    base_url: str | None = None,
    on_progress: Callable[[str, str, int], None] | None = None,
) -> list[AccountResult]:
    """Extract each (client, platform, account) for `window` into `landing`, then record every
    account's outcome there (see `ruche.orchestration.record_outcome`). Never raises for a
    connector error: each result holds its own.

    `token_lookup(account)` supplies tokens (Airflow connections); without it each account's
    token comes from its environment variable. Accounts run in `workers` threads."""
    from connectors.runner import extract_account, extract_many

    jobs = list(jobs)
    if token_lookup is None:
        results = extract_many(
            jobs,
            window=window,
            landing=landing,
            run_id=run_id,
            workers=workers,
            base_url=base_url,
            on_progress=on_progress,
        )
    else:
        results = [
            extract_account(
                client=client,
                platform=platform,
                account=account,
                window=window,
                landing=landing,
                run_id=run_id,
                token=token_lookup(account),
                base_url=base_url,
                on_progress=on_progress,
            )
            for client, platform, account in jobs
        ]
    for result in results:
        # Keyed by the requested last day, as the batches' logical date.
        record_outcome(landing, result.summary(), window.end)
    return results


def load(
    config: RucheConfig,
    *,
    landing_root: str,
    warehouse: str | Path,
    platforms: Iterable[str] | None = None,
    audit: bool = True,
    docs_dir: Path | None = None,
    retry_quarantined: bool = False,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> LoadReport:
    """Write the `config.*` tables, copy the recorded extract failures and API-calendar
    warnings into `ops`, then audit and load every pending landed batch (of `platforms`,
    default all) into `warehouse`."""
    from connectors.landing import LandingZone
    from ruche.api_calendar import load_api_warnings
    from ruche.configdb import write_config
    from ruche.load import Loader, connect

    landing = LandingZone(landing_root)
    con = connect(warehouse)
    try:
        write_config(con, config)
        load_failures(con, landing)
        load_api_warnings(con, landing)
        loader = Loader(con, landing, audit=audit, docs_dir=docs_dir, on_progress=on_progress)
        report = loader.load(
            platforms=list(platforms) if platforms else None, retry_quarantined=retry_quarantined
        )
        loader.build_data_docs()
    finally:
        con.close()
    return report


def build(
    warehouse: str | Path, *, full_refresh: bool = False, create_key: bool = False
) -> TransformReport:
    """`dbt build` (models and tests) over the warehouse; raises `TransformError` naming the
    failed nodes."""
    from ruche.transform import build as dbt_build

    return dbt_build(warehouse, full_refresh=full_refresh, create_key=create_key)


def publish(warehouse: str | Path, published: str | Path | None, *, run_id: str) -> PublishReport:
    """Copy the marts of a green build to the published file (default: `RUCHE_PUBLISHED`)."""
    from ruche.publish import publish as publish_marts

    return publish_marts(warehouse, published, run_id=run_id)
