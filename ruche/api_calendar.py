"""The API calendar at run time: a run warns from `SUNSET_WARNING_DAYS` before the API version
it uses is sunset, in its log and in `ops.api_warnings`, naming the setting to change.

The dates are the registry's (`ruche.platforms`, `Platform.api`). The extract runner calls
`check_api_versions` for each account it extracts: the first call of a run per platform logs
the warning; each call (re)writes one small JSON record per platform, run and run date in the
landing zone, beside the extract failures (`_ruche_failures`), so the Airflow path and the CLI
record it the same way. `load_api_warnings` copies those records into `ops.api_warnings`
(idempotent), from whichever step loads the warehouse.

A version set to something other than the registry's (`RUCHE_GRAPH_API_VERSION=v26.0`) has no
sunset Ruche knows of, so it does not warn.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from typing import Any

from ruche import platforms as registry

log = logging.getLogger(__name__)

WARNINGS_DIR = "_ruche_api_warnings"

_logged: set[tuple[str, str, str]] = set()
_logged_lock = threading.Lock()


def _record_name(warning: dict[str, Any], run_id: str, today: dt.date) -> str:
    from connectors.landing import safe_name

    return (
        f"{WARNINGS_DIR}/date={today.isoformat()}/{warning['platform']}__{safe_name(run_id)}.json"
    )


def check_api_versions(
    versions: dict[str, str],
    today: dt.date,
    *,
    run_id: str,
    landing: Any | None = None,
) -> list[dict[str, Any]]:
    """Warnings for the platforms of `versions` ({platform: API version in use}) whose version
    is the registry's and is sunset within `SUNSET_WARNING_DAYS` of `today` (or already).

    Each is logged once per run and platform, and recorded in `landing` (a `LandingZone`)
    when given. Returns the warnings (dicts of `ruche.platforms.sunset_warnings`)."""
    found = []
    for warning in registry.sunset_warnings(today, only=tuple(versions)):
        if versions[warning["platform"]] != warning["api_version"]:
            continue  # another version was chosen: its sunset is not in the registry
        warning = warning | {"setting": registry.platform(warning["platform"]).api.setting}
        found.append(warning)
        key = (run_id, warning["platform"], today.isoformat())
        with _logged_lock:
            first = key not in _logged
            _logged.add(key)
        if first:
            log.warning("API calendar: %s", warning["message"])
        if landing is not None:
            _write_record(landing, _record_name(warning, run_id, today), warning, run_id, today)
    return found


def _write_record(
    landing: Any, name: str, warning: dict[str, Any], run_id: str, today: dt.date
) -> None:
    # Written whole or not at all, as the landed batches are: a reader never sees half a record.
    item = {
        **warning,
        "sunset": warning["sunset"].isoformat(),
        "run_id": run_id,
        "checked_on": today.isoformat(),
        "recorded_at": dt.datetime.now(dt.UTC).isoformat(),
    }
    landing.write_text(name, json.dumps(item))


API_WARNINGS_DDL = """
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.api_warnings (
    platform VARCHAR, api_version VARCHAR, sunset DATE, days_left INTEGER, setting VARCHAR,
    message VARCHAR, run_id VARCHAR, checked_on DATE, recorded_at TIMESTAMPTZ,
    source_file VARCHAR PRIMARY KEY
);
"""


def load_api_warnings(con: Any, landing: Any) -> int:
    """Copy the recorded API-calendar warnings into `ops.api_warnings` (idempotent: one row per
    platform, run and run date); returns how many records were read."""
    con.execute(API_WARNINGS_DDL)
    count = 0
    for path in landing.glob(f"{WARNINGS_DIR}/date=*/*.json"):
        with landing.fs.open(path, "r", encoding="utf-8") as handle:
            item = json.load(handle)
        con.execute(
            "INSERT OR REPLACE INTO ops.api_warnings (platform, api_version, sunset, days_left, "
            "setting, message, run_id, checked_on, recorded_at, source_file) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                item["platform"],
                item["api_version"],
                item["sunset"],
                item["days_left"],
                item["setting"],
                item["message"],
                item["run_id"],
                item["checked_on"],
                item["recorded_at"],
                path.split(f"{WARNINGS_DIR}/", 1)[1],
            ],
        )
        count += 1
    return count
