"""`make demo`: the real Airflow DAGs over the sandbox, end to end, on one machine.

Starts the platform sandbox, prepares a throw-away Airflow home (SQLite metadata, the
`duckdb_writer` pool), gives every demo account a sandbox token through an `AIRFLOW_CONN_*`
variable, runs `airflow dags test` for `ruche_ingest` (the last N days) and `ruche_transform`
(dbt build + publish), builds the dbt docs, and prints a short summary per client read from the
published BI file.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEMO_CONFIG = ROOT / "config" / "clients.demo.yml"
DAG_IDS = ("ruche_ingest", "ruche_transform")
UI_HOST = "127.0.0.1"
UI_PORT = 8080
PASSWORDS_FILE = "simple_auth_manager_passwords.json.generated"


@dataclass
class DemoPaths:
    out: Path

    @property
    def airflow_home(self) -> Path:
        return self.out / "airflow"

    @property
    def passwords_file(self) -> Path:
        """Where `airflow standalone`'s simple auth manager keeps the generated admin password."""
        return self.airflow_home / PASSWORDS_FILE

    @property
    def landing(self) -> Path:
        return self.out / "landing"

    @property
    def warehouse(self) -> Path:
        return self.out / "warehouse" / "ruche.duckdb"

    @property
    def published(self) -> Path:
        return self.out / "warehouse" / "published" / "marts.duckdb"

    @property
    def docs(self) -> Path:
        return self.out / "docs"

    @property
    def reports(self) -> Path:
        """The morning digests and monthly reports."""
        return self.out / "reports"


@dataclass
class StepTiming:
    steps: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, seconds: float) -> None:
        self.steps[name] = round(seconds, 1)


def airflow_env(paths: DemoPaths, config_path: Path, base_url: str, config: Any) -> dict[str, str]:
    """Environment for Airflow subprocesses: paths, sandbox URL, sandbox tokens, no telemetry."""
    env = dict(os.environ)
    env.update(
        {
            "AIRFLOW_HOME": str(paths.airflow_home.resolve()),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "RUCHE_CONFIG": str(config_path.resolve()),
            "RUCHE_LANDING_ROOT": str(paths.landing.resolve()),
            "RUCHE_WAREHOUSE": str(paths.warehouse.resolve()),
            "RUCHE_PUBLISHED": str(paths.published.resolve()),
            "RUCHE_DOCS_DIR": str(paths.docs.resolve()),
            "RUCHE_REPORTS_DIR": str(paths.reports.resolve()),
            "RUCHE_BASE_URL": base_url,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "DO_NOT_TRACK": "1",
            "GX_ANALYTICS_ENABLED": "False",
            "PYTHONUNBUFFERED": "1",
        }
    )
    for _, _, account in config.iter_accounts():
        if account.airflow_conn_id:
            # Any token works against the sandbox; it lives only in this process tree.
            conn = {"conn_type": "generic", "password": f"sandbox-{uuid.uuid4().hex}"}
            env[f"AIRFLOW_CONN_{account.airflow_conn_id.upper()}"] = json.dumps(conn)
    return env


def airflow(args: list[str], env: dict[str, str], log_path: Path, timeout: float = 1800) -> None:
    """Run an `airflow …` command; on failure, show the end of its log and raise."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("a", encoding="utf-8") as log:
        log.write(f"\n$ airflow {' '.join(args)}\n")
        log.flush()
        proc = subprocess.run(  # noqa: S603 - fixed argv: this interpreter running airflow
            [sys.executable, "-m", "airflow", *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    text = log_path.read_text(encoding="utf-8", errors="replace")
    if proc.returncode != 0 or "state=failed" in text.rsplit("$ airflow", 1)[-1]:
        tail = "\n".join(text.splitlines()[-40:])
        raise RuntimeError(f"`airflow {' '.join(args)}` failed; see {log_path}\n{tail}")


def prepare_airflow(env: dict[str, str], log_path: Path, *, unpause: bool = False) -> None:
    """Migrate the metadata DB and create the writer pool; with `unpause`, also register Ruche's
    DAGs and unpause both, so a UI-triggered ingest refreshes the marts through the transform
    (Airflow creates DAGs paused, and `make demo`'s `dags test` runs leave them so)."""
    from ruche.orchestration import WRITER_POOL

    airflow(["db", "migrate"], env, log_path)
    airflow(["pools", "set", WRITER_POOL, "1", "DuckDB has one writer"], env, log_path)
    if unpause:
        airflow(["dags", "reserialize"], env, log_path)
        for dag_id in DAG_IDS:
            airflow(["dags", "unpause", dag_id], env, log_path)


def ui_env(
    env: dict[str, str], paths: DemoPaths, port: int = UI_PORT, host: str = UI_HOST
) -> dict[str, str]:
    """`env` for `airflow standalone` serving its UI and API on host:port."""
    # Task supervisors reach the API server at the Execution API URL, which Airflow otherwise
    # derives from `[api] base_url` or else http://localhost:8080 whatever `[api] port` says: a
    # UI moved off 8080 made every task fail with "Connection refused" and empty logs. Only that
    # URL is set, not `[api] base_url`: the login redirects to base_url, and a browser on
    # localhost would lose its session cookie when sent to 127.0.0.1.
    reach = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104 - compared, not bound
    env = dict(env)
    env.update(
        {
            "AIRFLOW__API__HOST": host,
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{reach}:{port}/execution/",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            # Pinned so the CLI can say where the admin password is.
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(
                paths.passwords_file.resolve()
            ),
        }
    )
    return env


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run_process_group(argv: list[str], env: dict[str, str], grace: float = 30.0) -> int:
    """Run `argv` in a process group of its own until it exits or this process gets Ctrl-C or
    SIGTERM; then stop every process of that group (returns the exit code, 130 on Ctrl-C).

    `airflow standalone` starts a scheduler, a dag-processor, an API server and a triggerer, which
    start workers and task processes. `subprocess.run` answered Ctrl-C by killing only its child
    after 0.25 s, leaving the grandchildren running (and holding the UI port). Here the group gets
    SIGINT (standalone's own orderly shutdown), then SIGTERM after `grace` seconds or a second
    Ctrl-C, then SIGKILL; anything left of the group after the leader exits is stopped too."""
    proc = subprocess.Popen(  # noqa: S603 - argv is built by the caller, not from user text
        argv, env=env, stdin=subprocess.DEVNULL, start_new_session=True
    )
    pgid = proc.pid  # start_new_session: the child leads a new session and process group
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if main else None
    code: int | None = None
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        _signal_group(pgid, signal.SIGINT)
        with suppress(subprocess.TimeoutExpired, KeyboardInterrupt):  # a 2nd Ctrl-C: no grace
            proc.wait(timeout=grace)
        code = 130
    finally:
        _stop_group(pgid, proc)
        if main:
            signal.signal(signal.SIGTERM, previous)
    return code


def _signal_group(pgid: int, signum: int) -> bool:
    """Send `signum` to the group; False once no process of it is left."""
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        return False
    return True


def _stop_group(pgid: int, leader: subprocess.Popen[bytes], wait: float = 5.0) -> None:
    """SIGTERM what is left of the group, then SIGKILL whatever is still there after `wait`;
    reaps the leader (an unreaped leader would keep the group alive as a zombie)."""
    if _signal_group(pgid, signal.SIGTERM):
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            leader.poll()
            if not _signal_group(pgid, 0):
                break
            time.sleep(0.1)
        else:
            _signal_group(pgid, signal.SIGKILL)
    if leader.poll() is None:
        leader.kill()
    leader.wait()


@contextmanager
def sandboxed_airflow(
    out: Path,
    config: Any,
    *,
    seed: int = 7,
    port: int = 0,
    port_option: str = "--sandbox-port",
    log_name: str = "demo.log",
    unpause: bool = False,
) -> Iterator[tuple[DemoPaths, dict[str, str], Path]]:
    """The sandbox serving a world at the current time, and a prepared Airflow environment
    pointed at it; yields (paths, env, log path) while the sandbox runs. A busy `port` raises
    `PortBusy` naming `port_option`; `unpause` unpauses Ruche's DAGs (`prepare_airflow`)."""
    from connectors.sandbox.server import SandboxServer
    from connectors.sandbox.world import World
    from ruche.errors import port_busy

    paths = DemoPaths(out)
    log_path = out / log_name
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    server = SandboxServer(World(config, seed=seed, now=now), port=port)
    try:
        server.start()
    except OSError as exc:
        raise port_busy(exc, server.host, port, "the sandbox", port_option) or exc from None
    try:
        env = airflow_env(paths, DEMO_CONFIG, server.url, config)
        prepare_airflow(env, log_path, unpause=unpause)
        yield paths, env, log_path
    finally:
        server.stop()


def run_dags(
    env: dict[str, str],
    log_path: Path,
    logical: dt.datetime,
    days: int,
    end: dt.date | None = None,
    timing: StepTiming | None = None,
) -> None:
    conf = {"days": days, "end": end.isoformat() if end else None}
    stamp = logical.isoformat()
    started = time.monotonic()
    failed: RuntimeError | None = None
    try:
        airflow(["dags", "test", "ruche_ingest", stamp, "-c", json.dumps(conf)], env, log_path)
    except RuntimeError as exc:
        # A night with failed accounts is red, but the good accounts were loaded: publish them
        # as Airflow does (the loads' Assets schedule the transform), then report the failure.
        failed = exc
    if timing:
        timing.add("ingest DAG (extract, audit, load)", time.monotonic() - started)
    started = time.monotonic()
    airflow(["dags", "test", "ruche_transform", stamp], env, log_path)
    if timing:
        timing.add("transform DAG (dbt build, publish)", time.monotonic() - started)
    if failed is not None:
        raise failed


def dbt_docs(warehouse: Path, docs_dir: Path) -> Path:
    """`dbt docs generate --static` into `docs_dir`; returns its one self-contained page,
    `static_index.html`, with the manifest and catalog inlined. dbt's `index.html` fetches
    `manifest.json` and `catalog.json`, which browsers refuse from a file:// page: opened from
    disk, as the demo invites, it never rendered (it needs `dbt docs serve`)."""
    from ruche.transform import dbt

    target = docs_dir.resolve()
    command = ["docs", "generate", "--static", "--target-path", str(target)]
    report = dbt(command, warehouse=warehouse)
    page = target / "static_index.html"
    if not report.success or not page.is_file():
        raise RuntimeError(f"dbt docs generate --static failed:\n{report.describe_failures()}")
    return page


def client_summary(published: Path, days: int) -> list[dict[str, Any]]:
    """The per-client figures the demo prints, read from the published BI file: the last `days`
    days present in the marts (each client's local dates; spend in its reporting currency)."""
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        rows = con.execute(SUMMARY_SQL, {"days": days}).fetchall()
        names = [d[0] for d in con.description]
    finally:
        con.close()
    return [dict(zip(names, row, strict=True)) for row in rows]


SUMMARY_SQL = """
with bounds as (
    select max(date_day) as last_day, max(date_day) - (cast($days as integer) - 1) as first_day
    from rpt_community_daily
),
community as (
    select
        client_id,
        sum(posts_published) as posts,
        -- lifetime engagements of the posts published those days (not the account's daily one)
        sum(post_engagements_lifetime) as engagements,
        sum(comments_received) as comments_received
    from rpt_community_daily, bounds
    where date_day between bounds.first_day and bounds.last_day
    group by client_id
),
followers as (
    select client_id, sum(follower_change) as follower_change
    from fct_account_daily, bounds
    where date_day between bounds.first_day and bounds.last_day
    group by client_id
),
responses as (
    select
        client_id,
        median(response_business_minutes) as median_business_minutes,
        count(*) filter (where not is_answered) as unanswered
    from fct_comments, bounds
    where not is_brand_reply and created_date_local between bounds.first_day and bounds.last_day
    group by client_id
),
ads as (
    select
        client_id,
        sum(spend_reporting) as spend,
        any_value(reporting_currency) as currency,
        sum(conversions) as conversions,
        sum(conversion_value_reporting) / nullif(sum(spend_reporting), 0) as roas
    from fct_ad_daily, bounds
    where date_day between bounds.first_day and bounds.last_day
    group by client_id
)
select
    clients.client_id as client,
    community.posts,
    community.engagements,
    followers.follower_change,
    community.comments_received,
    responses.median_business_minutes,
    responses.unanswered,
    ads.spend,
    ads.currency,
    ads.conversions,
    ads.roas
from dim_clients as clients
left join community using (client_id)
left join followers using (client_id)
left join responses using (client_id)
left join ads using (client_id)
order by clients.client_id
"""
