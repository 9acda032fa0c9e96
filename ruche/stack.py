"""`make stack-test`: Ruche's production topology, run for real on one machine, without Docker.

What `docker/compose.yml` describes, started as plain processes on 127.0.0.1 (free ports, one
temporary directory): a PostgreSQL cluster of its own as Airflow's metadata database, a Redis
server as the Celery broker, the Airflow scheduler, dag-processor, api-server and triggerer as
separate processes under the CeleryExecutor, two Celery workers standing for two machines (one
serves the default queue, the other the default queue and the warehouse queue,
`RUCHE_WAREHOUSE_QUEUE`), moto's S3 server holding the landing zone
(`RUCHE_LANDING_ROOT=s3://…`), and the platform sandbox.

It unpauses Ruche's DAGs and triggers `ruche_ingest` through the REST API, so the scheduler runs
it (not `airflow dags test`); the loads' Assets then schedule `ruche_transform`. It then checks
that extract tasks ran on both workers, that the landing files and their manifests are in the
bucket, that every warehouse-writing task ran on the warehouse queue and worker, and that the
published marts equal those of the single-process demo path (`airflow dags test` on SQLite, a
local landing zone) run on the same dates against the same sandbox (EXCEPT ALL both ways, per
mart).

Then the events path (ruche/stack_events.py; `--no-events` leaves it out): the sandbox's world
clock started 12 hours back, so the night saw the comments up to then; the sandbox posts the next
12 hours of its world's comments as signed webhooks to the real receiver (`ruche webhooks
serve`), the doorbell's AssetWatcher in the triggerer schedules `ruche_events` on the workers,
its alerts reach an SMTP server on loopback (aiosmtpd); checked: every run succeeded, one was
started by the doorbell, every webhook comment is in `fct_comments` once, each alert e-mailed
once. Last, the sandbox restarts with its clock moved on and the next night runs through the
scheduler: every webhook comment still once in the published marts, those it extracted are its
rows, no alert e-mailed again.

Everything it started is stopped by process id (also on failure and Ctrl-C), and its
temporary directories are removed.

`python -m ruche.stack --help` for the options; `--keep` keeps the temporary directory (logs).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("ruche.stack")

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
BUCKET = "ruche-landing"
WAREHOUSE_QUEUE = "warehouse"
DEFAULT_QUEUE = "default"
HOSTNAME_ENV = "STACK_WORKER_HOSTNAME"
EXTRACT_HOST = "extract-host"
WAREHOUSE_HOST = "warehouse-host"
ADMIN = "admin"
VOLATILE_COLUMNS = frozenset(
    {
        # when a row was extracted or loaded
        "extracted_at",
        "loaded_at",
        "last_extracted_at",
        "last_loaded_at",
        # a lifetime snapshot's age: its extraction time minus the post's publication time
        "hours_since_published",
        "latest_hours_since_published",
        "hours_at_snapshot_after_24h",
        "hours_at_snapshot_after_7d",
    }
)
"""Published columns that depend on the moment a run extracted or loaded: two runs minutes
apart differ there whatever their data, so the marts comparison leaves them out (and says so);
every other column of every mart is compared."""
RUN_TABLES = frozenset({"publish_info"})
"""Published tables that describe the publish itself (when, which run): not compared."""


class StackError(RuntimeError):
    """The stack could not start, a check failed, or a component died: the message says which."""


def worker_hostname() -> str:
    """Airflow's `[core] hostname_callable` in the stack: the worker's name as the driver set it
    (two workers on one machine stand for two machines, and Airflow records each task's host).
    Elsewhere, the machine's fully qualified name, as Airflow's default."""
    return os.environ.get(HOSTNAME_ENV) or socket.getfqdn()


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (asked of the kernel; another process could take it before
    the service binds it, which then fails loudly at start)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((HOST, port)) == 0


# ----------------------------------------------------------------------------------------------
# Processes: started in their own process group, stopped by process id
# ----------------------------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    stop_signal: int = signal.SIGTERM
    killed: bool = False  # on purpose (a worker "machine" failing): not an error

    @property
    def pid(self) -> int:
        return self.popen.pid

    def tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def _children_by_parent() -> dict[int, list[int]]:
    """ppid -> pids of every process now (Linux /proc; empty elsewhere)."""
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            stat = entry.read_text()
        except OSError:
            continue
        # pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'
        fields = stat.rsplit(")", 1)[1].split()
        tree.setdefault(int(fields[1]), []).append(int(entry.parent.name))
    return tree


def descendants(pid: int) -> list[int]:
    """Every process below `pid` now, children first found first."""
    tree, found, todo = _children_by_parent(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie child of ours is dead for our purposes
    with contextlib.suppress(OSError):
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    return True


class Processes:
    """The processes the stack started. Each runs in a process group of its own, so a terminal's
    Ctrl-C reaches only this driver, which then stops them in order: by their process ids and
    those of everything they started (Airflow's task processes put themselves in groups of their
    own, so the group alone would miss them), SIGKILL for what is left after a grace period."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.started: list[Process] = []

    def start(
        self,
        name: str,
        argv: list[str],
        env: dict[str, str],
        *,
        user: str | None = None,
        cwd: Path | None = None,
        stop_signal: int = signal.SIGTERM,
    ) -> Process:
        log_path = self.logs / f"{name}.log"
        with log_path.open("ab") as out:
            popen = subprocess.Popen(  # noqa: S603 - argv built here, never from user text
                argv,
                env=env,
                cwd=cwd or ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=user,
                group=user,
                extra_groups=[] if user else None,
            )
        process = Process(name, popen, log_path, stop_signal)
        self.started.append(process)
        log.debug("started %s (pid %d): %s", name, popen.pid, " ".join(argv))
        return process

    def check_alive(self) -> None:
        """Raise `StackError` naming the first started process that has exited."""
        for process in self.started:
            code = process.popen.poll()
            if code is not None and not process.killed:
                raise StackError(
                    f"{process.name} (pid {process.pid}) exited with code {code}; the end of "
                    f"{process.log_path}:\n{process.tail()}"
                )

    def kill(self, process: Process) -> int:
        """SIGKILL `process` and everything it started, at once, as when its machine dies;
        returns how many processes were killed."""
        family = [process.pid, *descendants(process.pid)]
        process.killed = True
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.popen.wait()
        return len(family)

    def stop(self, processes: list[Process], grace: float = 20.0) -> list[str]:
        """Stop `processes` together; returns a line per process that needed SIGKILL."""
        family: dict[int, list[int]] = {}
        for process in processes:
            if process.popen.poll() is None:
                family[process.pid] = descendants(process.pid)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(process.pid, process.stop_signal)
        deadline = time.monotonic() + grace
        for process in processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.popen.wait(timeout=max(deadline - time.monotonic(), 0.1))
        forced = []
        for process in processes:
            leftovers = [pid for pid in [process.pid, *family.get(process.pid, [])] if _alive(pid)]
            for pid in leftovers:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # its group: whatever started meanwhile
            if leftovers:
                forced.append(f"{process.name}: {len(leftovers)} process(es) killed")
            process.popen.wait()
        return forced

    def stop_all(self) -> list[str]:
        """Airflow (and the sandbox, moto) first, then Redis and PostgreSQL."""
        infra = {"postgres", "redis"}
        first = [p for p in reversed(self.started) if p.name not in infra]
        last = [p for p in reversed(self.started) if p.name in infra]
        return self.stop(first) + self.stop(last)


# ----------------------------------------------------------------------------------------------
# Services
# ----------------------------------------------------------------------------------------------


def wait_until(
    what: str,
    ready: Callable[[], bool],
    processes: Processes,
    timeout: float = 180.0,
    every: float = 0.5,
) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        processes.check_alive()
        if time.monotonic() > deadline:
            raise StackError(f"{what}: not ready after {timeout:.0f} s")
        time.sleep(every)


def postgres_bindir() -> Path:
    """The PostgreSQL server's programs: initdb on PATH, else Debian's newest version."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if not versions:
        raise StackError(
            "PostgreSQL's server (initdb, postgres) is not installed: run "
            "./scripts/install-stack.sh (Debian: apt-get install postgresql)"
        )
    return versions[-1].parent


def redis_server() -> str:
    found = shutil.which("redis-server")
    if not found:
        raise StackError(
            "redis-server is not installed: run ./scripts/install-stack.sh "
            "(Debian: apt-get install redis-server)"
        )
    return found


@dataclass
class Postgres:
    dsn: str  # SQLAlchemy URL of the Airflow database (psycopg2)
    port: int
    user: str
    password: str


def start_postgres(processes: Processes, data_root: Path) -> Postgres:
    """A throwaway cluster: initdb in `data_root`, postgres on a free loopback port, no Unix
    socket, password authentication. As root, the server runs as the `postgres` user (initdb
    and postgres refuse root), which must then own `data_root`."""
    import psycopg2

    bindir = postgres_bindir()
    user = None
    if os.geteuid() == 0:
        import pwd

        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            raise StackError(
                "running as root, PostgreSQL needs the `postgres` system user (created by "
                "Debian's postgresql package): run ./scripts/install-stack.sh"
            ) from None
        user = "postgres"
        os.chown(data_root, account.pw_uid, account.pw_gid)
    data_root.chmod(0o700)
    password = secrets.token_hex(16)
    pwfile = data_root / "pwfile"
    pwfile.write_text(password + "\n")
    if user:
        shutil.chown(pwfile, user, user)
    pwfile.chmod(0o600)
    data = data_root / "data"
    init = subprocess.run(  # noqa: S603 - fixed argv
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "ruche",
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-instructions",
        ],
        cwd=data_root,
        capture_output=True,
        text=True,
        user=user,
        group=user,
        extra_groups=[] if user else None,
        check=False,
    )
    pwfile.unlink()
    if init.returncode != 0:
        raise StackError(f"initdb failed:\n{init.stdout[-2000:]}{init.stderr[-2000:]}")
    port = free_port()
    processes.start(
        "postgres",
        [
            str(bindir / "postgres"),
            "-D",
            str(data),
            "-p",
            str(port),
            "-c",
            f"listen_addresses={HOST}",
            "-c",
            "unix_socket_directories=",
            # a throwaway cluster: durability buys nothing, speed does
            "-c",
            "fsync=off",
            "-c",
            "synchronous_commit=off",
            "-c",
            "full_page_writes=off",
            "-c",
            "max_connections=200",
        ],
        os.environ.copy(),
        user=user,
        cwd=data_root,
        stop_signal=signal.SIGINT,  # PostgreSQL's fast shutdown
    )

    def accepts() -> bool:
        try:
            psycopg2.connect(
                host=HOST, port=port, user="ruche", password=password, dbname="postgres"
            ).close()
        except psycopg2.OperationalError:
            return False
        return True

    wait_until("PostgreSQL", accepts, processes, timeout=60)
    con = psycopg2.connect(host=HOST, port=port, user="ruche", password=password, dbname="postgres")
    con.autocommit = True
    with con.cursor() as cursor:
        cursor.execute("CREATE DATABASE airflow")
    con.close()
    dsn = f"postgresql+psycopg2://ruche:{password}@{HOST}:{port}/airflow"
    return Postgres(dsn, port, "ruche", password)


def start_redis(processes: Processes, folder: Path) -> str:
    """Redis on a free loopback port with a password, nothing saved to disk; its broker URL."""
    server = redis_server()
    folder.mkdir(parents=True)
    port, password = free_port(), secrets.token_hex(16)
    conf = folder / "redis.conf"
    conf.write_text(
        f"bind {HOST}\nport {port}\nprotected-mode yes\nrequirepass {password}\n"
        f'save ""\nappendonly no\ndir {folder}\ndaemonize no\nlogfile ""\n'
    )
    conf.chmod(0o600)
    processes.start("redis", [server, str(conf)], os.environ.copy())
    wait_until("Redis", lambda: port_open(port), processes, timeout=30)
    return f"redis://:{password}@{HOST}:{port}/0"


def start_moto(processes: Processes) -> str:
    """moto's S3 server on a free loopback port; its endpoint URL."""
    port = free_port()
    processes.start(
        "moto",
        [sys.executable, "-m", "moto.server", "-H", HOST, "-p", str(port)],
        os.environ.copy(),
    )
    wait_until("moto S3 server", lambda: port_open(port), processes, timeout=60)
    return f"http://{HOST}:{port}"


def s3_env(endpoint: str) -> dict[str, str]:
    """What s3fs (botocore) needs to reach the S3 server: its endpoint and throwaway keys (moto
    accepts any). The standard AWS variables: nothing in Ruche names the store."""
    return {
        "AWS_ENDPOINT_URL_S3": endpoint,
        "AWS_ACCESS_KEY_ID": "stack-test",
        "AWS_SECRET_ACCESS_KEY": "stack-test-secret",  # moto's, not a secret
        "AWS_DEFAULT_REGION": "us-east-1",
    }


def start_sandbox(
    processes: Processes, now: dt.datetime, config: Path, port: int | None = None
) -> str:
    port = port or free_port()
    ruche = Path(sys.executable).with_name("ruche")
    argv = [str(ruche), "sandbox", "--port", str(port), "--config", str(config)]
    argv += ["--now", now.isoformat()]
    processes.start("sandbox", argv, os.environ.copy())
    wait_until("sandbox", lambda: port_open(port), processes, timeout=60)
    return f"http://{HOST}:{port}"


# ----------------------------------------------------------------------------------------------
# Airflow
# ----------------------------------------------------------------------------------------------


@dataclass
class AirflowStack:
    env: dict[str, str]
    api_url: str
    password: str
    worker_ports: dict[str, int] = field(default_factory=dict)


def airflow_stack_env(
    base: dict[str, str],
    home: Path,
    postgres: Postgres,
    broker: str,
    landing: str,
) -> AirflowStack:
    """The environment every Airflow process of the stack shares (as compose's common block)."""
    from cryptography.fernet import Fernet

    api_port = free_port()
    password = secrets.token_urlsafe(16)
    passwords = home / "passwords.json"
    home.mkdir(parents=True, exist_ok=True)
    passwords.write_text(json.dumps({ADMIN: password}))
    passwords.chmod(0o600)
    result_backend = postgres.dsn.replace("postgresql+psycopg2://", "db+postgresql://", 1)
    env = dict(base)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": postgres.dsn,
            "AIRFLOW__CELERY__BROKER_URL": broker,
            "AIRFLOW__CELERY__RESULT_BACKEND": result_backend,
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__API_AUTH__JWT_ISSUER": "ruche",
            "AIRFLOW__API__SECRET_KEY": secrets.token_urlsafe(32),
            "AIRFLOW__API__HOST": HOST,
            "AIRFLOW__API__PORT": str(api_port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{HOST}:{api_port}/execution/",
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "ruche.stack.worker_hostname",
            # one machine, several log servers: each on a port of its own (compose gives each
            # container its own network namespace, so the defaults 8793/8794 never clash there)
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
            "RUCHE_LANDING_ROOT": landing,
            "RUCHE_WAREHOUSE_QUEUE": WAREHOUSE_QUEUE,
        }
    )
    return AirflowStack(env, f"http://{HOST}:{api_port}", password)


def airflow_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "airflow", *args]


def run_airflow(args: list[str], env: dict[str, str], log_path: Path, timeout: float = 600) -> None:
    with log_path.open("ab") as out:
        done = subprocess.run(  # noqa: S603 - fixed argv
            airflow_argv(*args),
            env=env,
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    if done.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
        raise StackError(f"`airflow {' '.join(args)}` failed ({log_path}):\n{tail}")


def start_airflow(processes: Processes, stack: AirflowStack, workers: int) -> None:
    """Scheduler, dag-processor, api-server, triggerer, and two Celery workers standing for two
    machines: `extract-host` serves the default queue only, `warehouse-host` the default and the
    warehouse queues (the machine with the DuckDB file)."""
    env = stack.env
    processes.start("api-server", airflow_argv("api-server"), env)
    processes.start("scheduler", airflow_argv("scheduler"), env)
    processes.start("dag-processor", airflow_argv("dag-processor"), env)
    processes.start("triggerer", airflow_argv("triggerer"), env)
    for host, queues in (
        (EXTRACT_HOST, DEFAULT_QUEUE),
        (WAREHOUSE_HOST, f"{DEFAULT_QUEUE},{WAREHOUSE_QUEUE}"),
    ):
        port = free_port()
        stack.worker_ports[host] = port
        worker_env = {
            **env,
            HOSTNAME_ENV: host,
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(port),
        }
        argv = airflow_argv("celery", "worker", "--queues", queues)
        argv += ["--celery-hostname", f"{host}@%h", "--concurrency", str(workers)]
        argv += ["--without-mingle", "--without-gossip"]
        processes.start(f"worker-{host}", argv, worker_env)


class Api:
    """Airflow's REST API (v2) as the admin of the simple auth manager."""

    def __init__(self, url: str, password: str) -> None:
        import requests

        self.url = url
        self.session = requests.Session()
        self.password = password

    def login(self) -> None:
        response = self.session.post(
            f"{self.url}/auth/token",
            json={"username": ADMIN, "password": self.password},
            timeout=30,
        )
        response.raise_for_status()
        token = response.json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, f"{self.url}/api/v2{path}", timeout=60, **kwargs)
        if response.status_code >= 400:
            raise StackError(f"{method} {path}: HTTP {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None

    def healthy(self) -> dict[str, str]:
        """Status per component (metadatabase, scheduler, triggerer, dag_processor)."""
        import requests

        try:
            response = self.session.get(f"{self.url}/api/v2/monitor/health", timeout=5)
            data = response.json()
        except (requests.RequestException, ValueError):
            return {}
        return {name: (part or {}).get("status", "?") for name, part in data.items()}

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while True:
            page = self.call(
                "GET",
                f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances",
                params={"limit": 100, "offset": len(found)},
            )
            found += page["task_instances"]
            if len(found) >= page["total_entries"] or not page["task_instances"]:
                return found


def wait_for_run(
    api: Api, processes: Processes, dag_id: str, run_id: str, timeout: float
) -> tuple[str, list[dict[str, Any]]]:
    """Poll a DAG run until it ends, logging its task states as they change; (state, TIs)."""
    started, last = time.monotonic(), ""
    while True:
        processes.check_alive()
        run = api.call("GET", f"/dags/{dag_id}/dagRuns/{run_id}")
        tis = api.task_instances(dag_id, run_id)
        counts = Counter(ti["state"] or "scheduled" for ti in tis)
        line = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
        if line != last:
            log.info("  %s: %s (%.0f s)", dag_id, line, time.monotonic() - started)
            last = line
        if run["state"] in ("success", "failed"):
            return run["state"], tis
        if time.monotonic() - started > timeout:
            raise StackError(f"{dag_id} run {run_id} did not finish in {timeout:.0f} s: {line}")
        time.sleep(3)


def trigger_night(api: Api, conf: dict[str, Any]) -> tuple[str, dt.datetime]:
    """Start the night through the scheduler: a `ruche_ingest` run at the schedule point the
    scheduler is due to run (so it does not start one of its own when the DAG is unpaused), with
    `conf`; then unpause both DAGs. Returns the run id and its logical date.

    Unpausing a DAG with `catchup=False` makes Airflow run its latest schedule point at once.
    For `ruche_transform` that is the 06:00 fallback, which would build the marts before the
    loads (on a fresh deployment: an empty warehouse, a failed build). That point is marked done
    first, so the transform runs when the loads' Assets schedule it, as on every later night."""
    ingest = api.call("GET", "/dags/ruche_ingest")
    logical = dt.datetime.fromisoformat(ingest["next_dagrun_logical_date"])
    run_id = f"stack__{logical:%Y%m%dT%H%M%S}"
    api.call(
        "POST",
        "/dags/ruche_ingest/dagRuns",
        json={"dag_run_id": run_id, "logical_date": logical.isoformat(), "conf": conf},
    )
    transform = api.call("GET", "/dags/ruche_transform")
    fallback = transform["next_dagrun_logical_date"]
    if fallback:
        done = f"stack_fallback_done__{dt.datetime.fromisoformat(fallback):%Y%m%dT%H%M%S}"
        api.call(
            "POST",
            "/dags/ruche_transform/dagRuns",
            json={"dag_run_id": done, "logical_date": fallback},
        )
        api.call("PATCH", f"/dags/ruche_transform/dagRuns/{done}", json={"state": "success"})
        log.info("ruche_transform's due fallback point %s marked done (not run)", fallback)
    for dag_id in ("ruche_transform", "ruche_ingest"):
        api.call("PATCH", f"/dags/{dag_id}", json={"is_paused": False})
    log.info("ruche_ingest run %s (logical date %s, conf %s) triggered", run_id, logical, conf)
    return run_id, logical


def wait_for_asset_run(
    api: Api, processes: Processes, dag_id: str, timeout: float = 300, skip: frozenset = frozenset()
) -> str:
    """The id of the first run of `dag_id` that its Assets triggered (other than `skip`)."""
    deadline = time.monotonic() + timeout
    while True:
        processes.check_alive()
        runs = api.call("GET", f"/dags/{dag_id}/dagRuns")["dag_runs"]
        for found in runs:
            if found["run_type"] == "asset_triggered" and found["dag_run_id"] not in skip:
                log.info("%s run %s triggered by the loads' Assets", dag_id, found["dag_run_id"])
                return found["dag_run_id"]
        if time.monotonic() > deadline:
            raise StackError(f"no Asset-triggered run of {dag_id} after {timeout:.0f} s")
        time.sleep(3)


def kill_worker_mid_extract(
    api: Api, processes: Processes, run_id: str, timeout: float
) -> dict[str, Any]:
    """Once `extract-host` has finished an extract and is running another, SIGKILL that worker
    and every process it started (its machine dies); returns the extract it was running."""
    worker = next(p for p in processes.started if p.name == f"worker-{EXTRACT_HOST}")
    deadline = time.monotonic() + timeout
    while True:
        processes.check_alive()
        tis = [t for t in api.task_instances("ruche_ingest", run_id) if t["task_id"] == "extract"]
        mine = [t for t in tis if t["hostname"] == EXTRACT_HOST]
        running = [t for t in mine if t["state"] == "running"]
        if running and any(t["state"] == "success" for t in mine):
            count = processes.kill(worker)
            log.info(
                "killed worker %s (pid %d, %d processes) while it ran %s",
                EXTRACT_HOST,
                worker.pid,
                count,
                label(running[0]),
            )
            return running[0]
        if time.monotonic() > deadline:
            raise StackError(f"no extract ran on {EXTRACT_HOST} to kill it during")
        time.sleep(1)


def check_failover(
    api: Api, run_id: str, killed: dict[str, Any], ingest: list[dict[str, Any]]
) -> list[str]:
    """The extract whose worker died was retried, and succeeded on the other worker."""
    index = killed["map_index"]
    tries = api.call(
        "GET",
        f"/dags/ruche_ingest/dagRuns/{run_id}/taskInstances/extract/{index}/tries",
    )["task_instances"]
    final = next(t for t in ingest if t["task_id"] == "extract" and t["map_index"] == index)
    history = [(t["try_number"], t["hostname"], t["state"]) for t in tries]
    log.info("%s: tries (number, host, state) %s", label(killed), history)
    if final["state"] != "success" or final["hostname"] != WAREHOUSE_HOST:
        return [
            f"{label(killed)}, whose worker was killed, ended {final['state']} on "
            f"{final['hostname']}, not success on {WAREHOUSE_HOST}"
        ]
    if final["try_number"] < 2:
        return [f"{label(killed)} was not retried (try {final['try_number']})"]
    return []


# ----------------------------------------------------------------------------------------------
# Checks
# ----------------------------------------------------------------------------------------------


def label(ti: dict[str, Any]) -> str:
    if ti.get("map_index", -1) >= 0:
        return f"{ti['task_id']}[{ti.get('rendered_map_index') or ti['map_index']}]"
    return ti["task_id"]


def check_placement(ingest: list[dict[str, Any]], transform: list[dict[str, Any]]) -> list[str]:
    """Problems with where tasks ran: extracts on both workers, every warehouse writer (in the
    `duckdb_writer` pool) on the warehouse queue and host, every other task on the default
    queue. Logs the worker of each extract."""
    from ruche.orchestration import WRITER_POOL

    problems = []
    extracts = [ti for ti in ingest if ti["task_id"] == "extract"]
    log.info("extract tasks and the worker each ran on:")
    for ti in sorted(extracts, key=label):
        log.info(
            "  %-62s %-15s try %s, %s", label(ti), ti["hostname"], ti["try_number"], ti["state"]
        )
    hosts = Counter(ti["hostname"] for ti in extracts)
    log.info("extracts per worker: %s", dict(hosts))
    if set(hosts) != {EXTRACT_HOST, WAREHOUSE_HOST}:
        problems.append(f"extract tasks ran on {dict(hosts)}, not on both workers")
    log.info("warehouse-writing tasks (pool %s):", WRITER_POOL)
    for ti in ingest + transform:
        writer = ti["pool"] == WRITER_POOL
        if writer:
            log.info("  %-24s queue %-10s on %s", label(ti), ti["queue"], ti["hostname"])
        if writer and (ti["queue"] != WAREHOUSE_QUEUE or ti["hostname"] != WAREHOUSE_HOST):
            problems.append(
                f"{label(ti)} writes the warehouse but ran on queue {ti['queue']} on "
                f"{ti['hostname']}, not on {WAREHOUSE_QUEUE} on {WAREHOUSE_HOST}"
            )
        if not writer and ti["queue"] != DEFAULT_QUEUE:
            problems.append(f"{label(ti)} ran on queue {ti['queue']}, not {DEFAULT_QUEUE}")
    writers = {ti["task_id"] for ti in ingest + transform if ti["pool"] == WRITER_POOL}
    if not {"dbt_build", "publish", "digest"} <= writers:
        problems.append(f"the transform's writers did not all run: {sorted(writers)}")
    return problems


def landed_batches(root: str) -> dict[tuple[str, str, str, str], str]:
    """(platform, entity, date, account) -> content checksum of each batch with its manifest."""
    from connectors.landing import LandingZone

    zone = LandingZone(root)
    return {
        (m.platform, m.entity, m.logical_date, m.account_id): m.content_sha256
        for m in zone.list_batches()
    }


def check_landing(bucket_root: str, local_root: str, crashed: bool = False) -> list[str]:
    """The bucket holds every batch as a data file with its manifest, nothing half-written, and
    the same batches (same content) as the single-process run landed on disk."""
    from connectors.landing import DATA_SUFFIX, MANIFEST_SUFFIX, TMP_MARK, LandingZone

    zone = LandingZone(bucket_root)
    files = [p for p in zone.fs.find(zone.root) if "/_ruche" not in p]
    data = {p[: -len(DATA_SUFFIX)] for p in files if p.endswith(DATA_SUFFIX)}
    manifests = {p[: -len(MANIFEST_SUFFIX)] for p in files if p.endswith(MANIFEST_SUFFIX)}
    temporary = [p for p in files if TMP_MARK in p.rsplit("/", 1)[-1]]
    log.info(
        "bucket s3://%s: %d data files, %d manifests, %d temporary files",
        zone.root.split("/", 1)[0],
        len(data),
        len(manifests),
        len(temporary),
    )
    problems = []
    if not data:
        problems.append(f"no landed data file in {bucket_root}")
    if data != manifests:
        problems.append(
            f"data files without manifest: {sorted(data - manifests)[:5]}; manifests without "
            f"data file: {sorted(manifests - data)[:5]}"
        )
    if temporary and not crashed:  # a killed writer may leave one; batches never count it
        problems.append(f"temporary files left in the bucket: {temporary[:5]}")
    remote, local = landed_batches(bucket_root), landed_batches(local_root)
    if remote != local:
        differ = sorted(k for k in remote.keys() | local.keys() if remote.get(k) != local.get(k))
        problems.append(
            f"{len(differ)} landed batches differ from the single-process run's, e.g. {differ[:3]}"
        )
    else:
        log.info("landed batches: %d, the same content as the single-process run's", len(remote))
    return problems


def compare_marts(stack_file: Path, single_file: Path) -> list[str]:
    """Each published mart of the stack against the single-process one: EXCEPT ALL both ways
    over the columns that do not record when or by which run (`VOLATILE_COLUMNS`)."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"ATTACH '{stack_file}' AS stack (READ_ONLY)")
    con.execute(f"ATTACH '{single_file}' AS single (READ_ONLY)")

    def tables(catalog: str) -> dict[str, list[str]]:
        rows = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_catalog = ? AND table_schema = 'main' "
            "ORDER BY table_name, ordinal_position",
            [catalog],
        ).fetchall()
        found: dict[str, list[str]] = {}
        for table, column in rows:
            found.setdefault(table, []).append(column)
        return found

    mine, theirs = tables("stack"), tables("single")
    problems = []
    if set(mine) != set(theirs):
        problems.append(
            f"published tables differ: only in the stack {sorted(set(mine) - set(theirs))}, "
            f"only single-process {sorted(set(theirs) - set(mine))}"
        )
    compared = rows_total = 0
    skipped: set[str] = set()
    for table in sorted(set(mine) & set(theirs) - RUN_TABLES):
        if mine[table] != theirs[table]:
            problems.append(f"{table}: columns differ ({mine[table]} vs {theirs[table]})")
            continue
        columns = [c for c in mine[table] if c not in VOLATILE_COLUMNS]
        skipped |= set(mine[table]) & VOLATILE_COLUMNS
        select = ", ".join(f'"{c}"' for c in columns)
        name = f'"{table}"'
        only_stack, only_single, rows = con.execute(
            f"SELECT (SELECT count(*) FROM (SELECT {select} FROM stack.{name} EXCEPT ALL "
            f"SELECT {select} FROM single.{name})), "
            f"(SELECT count(*) FROM (SELECT {select} FROM single.{name} EXCEPT ALL "
            f"SELECT {select} FROM stack.{name})), (SELECT count(*) FROM stack.{name})"
        ).fetchone()
        compared += 1
        rows_total += rows
        if only_stack or only_single:
            problems.append(
                f"{table}: {only_stack} row(s) only in the stack's marts, {only_single} only in "
                "the single-process marts"
            )
    con.close()
    log.info(
        "marts compared: %d tables, %d rows (EXCEPT ALL both ways); columns left out: %s; "
        "tables left out: %s",
        compared,
        rows_total,
        ", ".join(sorted(skipped)) or "none",
        ", ".join(sorted(RUN_TABLES)),
    )
    return problems


# ----------------------------------------------------------------------------------------------
# The run
# ----------------------------------------------------------------------------------------------


@dataclass
class Timings:
    phases: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        log.info("== %s", name)
        started = time.monotonic()
        try:
            yield
        finally:
            self.phases[name] = time.monotonic() - started
            log.info("   %s: %.1f s", name, self.phases[name])


@dataclass
class EventsOptions:
    """The events path of the stack test (and of `python -m bench.events`)."""

    hours: float = 12.0
    """World hours of comments (ending at the sandbox's `now`) the sandbox sends as webhooks:
    a few dozen comments on the demo clients at any time of day."""
    seconds: float = 10.0
    """…in this many real seconds (the sandbox's clock runs hours * 3600 / seconds times real
    time)."""
    poll_seconds: float = 1.0
    """The AssetWatcher trigger's poll interval (RUCHE_EVENTS_POLL_SECONDS)."""
    duplicate_rate: float = 0.1
    reorder_rate: float = 0.1
    results: dict[str, Any] = field(default_factory=dict)
    """Filled by the run: counts, timings and the alert latencies (seconds)."""


def restart_sandbox(processes: Processes, url: str, now: dt.datetime) -> None:
    """Stop the sandbox and start it again on the same port with its world's clock at `now`
    (the Airflow processes keep its URL)."""
    from ruche import demo

    old = next(p for p in reversed(processes.started) if p.name == "sandbox")
    old.killed = True  # stopped on purpose: not a component that died
    processes.stop([old], grace=10)
    start_sandbox(processes, now, demo.DEMO_CONFIG, port=int(url.rsplit(":", 1)[1]))
    log.info("sandbox restarted with its world at %s", now.isoformat())


def reconcile_night(api: Api, processes: Processes, conf: dict[str, Any], timeout: float) -> None:
    """One more `ruche_ingest` run through the scheduler (it is unpaused), and the
    `ruche_transform` run its loads' Assets then schedule; raises unless both succeed."""
    done = {r["dag_run_id"] for r in api.call("GET", "/dags/ruche_transform/dagRuns")["dag_runs"]}
    moment = dt.datetime.now(dt.UTC)
    run_id = f"stack_reconcile__{moment:%Y%m%dT%H%M%S}"
    api.call(
        "POST",
        "/dags/ruche_ingest/dagRuns",
        json={"dag_run_id": run_id, "logical_date": moment.isoformat(), "conf": conf},
    )
    log.info("ruche_ingest run %s (conf %s) triggered", run_id, conf)
    state, ingest = wait_for_run(api, processes, "ruche_ingest", run_id, timeout)
    if state != "success":
        failed = [label(ti) for ti in ingest if ti["state"] != "success"]
        raise StackError(f"ruche_ingest (reconcile) ended {state}; not successful: {failed}")
    transform_run = wait_for_asset_run(api, processes, "ruche_transform", skip=frozenset(done))
    state, transform = wait_for_run(api, processes, "ruche_transform", transform_run, timeout)
    if state != "success":
        failed = [label(ti) for ti in transform if ti["state"] != "success"]
        raise StackError(f"ruche_transform (reconcile) ended {state}; not successful: {failed}")


def run_events_path(
    api: Api,
    processes: Processes,
    timings: Timings,
    stack: AirflowStack,
    sandbox: str,
    now: dt.datetime,
    redis_url: str,
    inbox: Any,
    work: Path,
    timeout: float,
    options: EventsOptions,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The sandbox posts its world's comments of the last `options.hours` as signed webhooks to
    the real receiver; the doorbell's AssetWatcher schedules `ruche_events` through the
    scheduler; its runs land, load, refresh and alert (SMTP on loopback) until the stream is
    drained. Returns the webhook comments (`stack_events.sent_comments`) and the alerts the runs
    sent; raises
    `StackError` when a run failed or the alerts are not each delivered once."""
    from ruche import demo
    from ruche import stack_events as ev
    from ruche.sandbox import sandbox_world

    with timings.phase("events: sandbox webhooks -> receiver -> Redis -> ruche_events"):
        receiver = ev.start_receiver(processes, stack.env, redis_url, work / "webhooks-spool")
        since = dt.datetime.now(dt.UTC).isoformat()
        armed = ev.arm_watcher(api, processes, redis_url)
        log.info("ruche_events unpaused; its AssetWatcher listens after %.1f s", armed)
        start = now - dt.timedelta(hours=options.hours)
        speed = options.hours * 3600 / options.seconds
        mark = len(inbox.snapshot())  # the night's digests came before
        ev.subscribe(
            sandbox,
            receiver,
            start=start,
            end=now,
            speed=speed,
            duplicate_rate=options.duplicate_rate,
            reorder_rate=options.reorder_rate,
        )
        report = ev.wait_sent(sandbox, processes, timeout)
        log.info("sandbox webhook log: %s", ev.json_dumps(report["counts"]))
        ev.wait_events_done(api, processes, redis_url, since, timeout)
        # Paused for the night (its 15-minute fallback would only find nothing to do), then
        # whatever run the scheduler created meanwhile is let finish before the checks read.
        api.call("PATCH", f"/dags/{ev.EVENTS_DAG}", json={"is_paused": True})
        runs = ev.wait_events_done(api, processes, redis_url, since, timeout)
        heard = ev.asset_events(api)
        log.info(
            "doorbells: one per delivery (%d); heard by the AssetWatcher (Asset events): %d",
            report["counts"]["attempts"],
            heard,
        )
    with timings.phase("events: checks"):
        world = sandbox_world(demo.DEMO_CONFIG, now=now)
        created = ev.sent_comments(report, world)
        problems, sent = ev.check_event_runs(api, runs)
        mail_problems, latencies = ev.check_alert_mail(inbox, sent, report, since=mark)
        problems += mail_problems
        options.results.update(
            {
                "comments": len(created),
                "webhooks": report["counts"],
                "runs": len(runs),
                "alerts": len(sent),
                "alert_rules": dict(Counter(a["rule"] for a in sent)),
                "latencies": latencies,
                "poll_seconds": options.poll_seconds,
                "asset_events": heard,
                "watcher_armed_seconds": round(armed, 1),
                "speed": speed,
            }
        )
        if problems:
            raise StackError("events path:\n" + "\n".join(f"  - {p}" for p in problems))
    return created, sent


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def run(
    days: int,
    workers: int,
    keep: bool,
    timeout: float,
    kill_worker: bool = False,
    events: EventsOptions | None = None,
    baseline: bool = True,
) -> int:
    """Start the stack, run a night through it (with `baseline`: and through the single-process
    baseline, and compare), then the events path (unless `events` is None) and, with
    `baseline`, the next night that reconciles it; check, stop."""
    from ruche import demo
    from ruche import stack_events as ev
    from ruche.config import load_config
    from ruche.orchestration import WRITER_POOL

    timings = Timings()
    total = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="ruche-stack-"))
    pg_root = Path(tempfile.mkdtemp(prefix="ruche-stack-pg-"))
    logs = work / "logs"
    logs.mkdir()
    processes = Processes(logs)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    problems: list[str] = []
    code = 1
    smtp = None
    try:
        config_path = demo.DEMO_CONFIG
        if events:
            smtp_port = free_port()
            inbox, smtp = ev.start_smtp(smtp_port)
            # The agency's mail server is the loopback one, for both runs (same configuration).
            config_path = ev.events_config(demo.DEMO_CONFIG, work / "clients.yml", smtp_port)
        config = load_config(config_path)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        # Two days back in the agency's timezone: a day over everywhere, so neither run cuts a
        # platform's window short whatever the minutes between them.
        from zoneinfo import ZoneInfo

        end = now.astimezone(ZoneInfo(config.agency.timezone)).date() - dt.timedelta(days=2)
        log.info(
            "Ruche stack test: %d demo clients, %d day(s) ending %s; work directory %s",
            len(config.clients),
            days,
            end,
            work,
        )
        with timings.phase("start PostgreSQL, Redis, moto S3, sandbox"):
            postgres = start_postgres(processes, pg_root)
            broker = start_redis(processes, work / "redis")
            endpoint = start_moto(processes)
            # With the events path, the world's clock starts `events.hours` back: the night
            # sees the comments up to then, the webhooks bring the later ones (the first time
            # the warehouse hears of them), and the next night's sandbox shows them all.
            world_now = now - dt.timedelta(hours=events.hours) if events else now
            sandbox = start_sandbox(processes, world_now, demo.DEMO_CONFIG)
            os.environ.update(s3_env(endpoint))  # this driver reads the bucket too (checks)
            import s3fs

            s3fs.S3FileSystem().mkdir(BUCKET)
        common = {
            # the same pseudonym key in both runs: the marts hash commenters with it
            "RUCHE_AUTHOR_HASH_KEY": secrets.token_hex(32),
            "DBT_TARGET_PATH": str(work / "dbt" / "target"),
            "DBT_LOG_PATH": str(work / "dbt" / "logs"),
            **s3_env(endpoint),
        }
        single = demo.DemoPaths(work / "single")
        single_env = {**demo.airflow_env(single, config_path, sandbox, config), **common}
        stack_paths = demo.DemoPaths(work / "stack")
        base = {**demo.airflow_env(stack_paths, config_path, sandbox, config), **common}
        landing = f"s3://{BUCKET}/landing"
        stack = airflow_stack_env(base, work / "stack" / "airflow", postgres, broker, landing)
        events_redis = ev.events_redis_url(broker)
        if events:
            stack.env.update(ev.airflow_events_env(events_redis, events.poll_seconds))
        if kill_worker:
            # A dead worker's task stops heartbeating; the scheduler fails it after this many
            # seconds (default 300) and Airflow retries it (the DAG's retry_delay: 2 minutes).
            stack.env["AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT"] = "60"

        with timings.phase("airflow db migrate (PostgreSQL)"):
            run_airflow(["db", "migrate"], stack.env, logs / "migrate.log")
        with timings.phase("start the Airflow components and two Celery workers"):
            start_airflow(processes, stack, workers)
            api = Api(stack.api_url, stack.password)
            wanted = {"metadatabase", "scheduler", "triggerer", "dag_processor"}

            def all_healthy() -> bool:
                status = api.healthy()
                return bool(status) and all(status.get(n) == "healthy" for n in wanted)

            wait_until("Airflow components", all_healthy, processes, timeout=300, every=2)
            api.login()
            api.call(
                "POST",
                "/pools",
                json={"name": WRITER_POOL, "slots": 1, "description": "DuckDB has one writer"},
            )

            def parsed() -> bool:
                dags = api.call("GET", "/dags", params={"dag_id_pattern": "ruche_"})
                errors = api.call("GET", "/importErrors")
                if errors["total_entries"]:
                    raise StackError(f"DAG import errors: {errors['import_errors']}")
                return dags["total_entries"] == len(demo.DAG_IDS) + 1  # and ruche_events

            wait_until("the DAGs parsed by the dag-processor", parsed, processes, 300, every=2)

        with timings.phase("ruche_ingest through the scheduler (Celery workers)"):
            conf = {"days": days, "end": end.isoformat()}
            run_id, logical = trigger_night(api, conf)
            killed = None
            if kill_worker:
                killed = kill_worker_mid_extract(api, processes, run_id, timeout)
            state, ingest = wait_for_run(api, processes, "ruche_ingest", run_id, timeout)
            if state != "success":
                failed = [label(ti) for ti in ingest if ti["state"] != "success"]
                raise StackError(f"ruche_ingest ended {state}; tasks not successful: {failed}")
        with timings.phase("ruche_transform, scheduled by the loads' Assets"):
            transform_run = wait_for_asset_run(api, processes, "ruche_transform")
            state, transform = wait_for_run(
                api, processes, "ruche_transform", transform_run, timeout
            )
            if state != "success":
                failed = [label(ti) for ti in transform if ti["state"] != "success"]
                raise StackError(f"ruche_transform ended {state}; tasks not successful: {failed}")
        if baseline:
            with timings.phase("single-process baseline (airflow dags test, SQLite, local disk)"):
                demo.prepare_airflow(single_env, logs / "single.log")
                demo.run_dags(single_env, logs / "single.log", logical, days, end)
            with timings.phase("checks"):
                problems += check_placement(ingest, transform)
                if killed is not None:
                    problems += check_failover(api, run_id, killed, ingest)
                problems += check_landing(landing, str(single.landing), crashed=killed is not None)
                problems += compare_marts(stack_paths.published, single.published)

        if events:
            event_ids, sent_alerts = run_events_path(
                api,
                processes,
                timings,
                stack,
                sandbox,
                now,
                events_redis,
                inbox,
                work,
                timeout,
                events,
            )
            problems += ev.check_comments(
                stack_paths.warehouse, event_ids, "after ruche_events (warehouse marts)"
            )
        if events and baseline:
            with timings.phase("the next night reconciles (ruche_ingest, ruche_transform)"):
                # The sandbox's world moves on to the moment the webhooks end, as the platform's
                # would by the next night: its API now shows the comments the webhooks sent.
                restart_sandbox(processes, sandbox, now + dt.timedelta(hours=events.hours))
                reconcile_night(api, processes, {"days": 1, "end": end.isoformat()}, timeout)
            with timings.phase("events: checks after the next night"):
                problems += ev.check_comments(
                    stack_paths.published, event_ids, "after the next night (published marts)"
                )
                problems += ev.check_reconciled(stack_paths.warehouse, event_ids)
                problems += ev.check_alerts_after_night(inbox, sent_alerts)
        if problems:
            log.error("FAILED:\n%s", "\n".join(f"  - {p}" for p in problems))
        else:
            log.info(
                "OK: %s%s",
                "the stack ran the night as the single-process demo does" if baseline else "",
                "; the events path: comments in the marts once, each alert e-mailed once"
                + (", the next night reconciled" if baseline else "")
                if events
                else "",
            )
        code = 1 if problems else 0
    except (StackError, RuntimeError) as exc:  # RuntimeError: the single-process run's
        log.error("FAILED: %s", exc)
        code = 1
    except KeyboardInterrupt:
        log.error("interrupted: stopping everything")
        code = 130
    finally:
        with timings.phase("stop everything"):
            for line in processes.stop_all():
                log.warning("  %s", line)
            if smtp is not None:
                smtp.stop()
        signal.signal(signal.SIGTERM, previous)
        if keep:
            log.info("kept %s (logs in %s)", work, logs)
        else:
            if code != 0:
                for process in processes.started:
                    log.info("log of %s (end):\n%s", process.name, process.tail(15))
            shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(pg_root, ignore_errors=True)
        log.info(
            "timings: %s; total %.0f s",
            ", ".join(f"{k} {v:.0f} s" for k, v in timings.phases.items()),
            time.monotonic() - total,
        )
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ruche.stack", description=__doc__)
    parser.add_argument("--days", type=int, default=2, help="days to extract (default 2)")
    parser.add_argument(
        "--workers", type=int, default=4, help="task slots of each Celery worker (default 4)"
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds per DAG run")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs)")
    parser.add_argument(
        "--kill-worker",
        action="store_true",
        help="kill the extract-only worker mid-extract: the task is retried on the other one",
    )
    parser.add_argument(
        "--no-events",
        action="store_true",
        help="skip the events path (webhooks, receiver, ruche_events, SMTP alerts)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    for noisy in ("botocore", "aiobotocore", "s3fs", "urllib3", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    options = None if args.no_events else EventsOptions()
    return run(
        args.days,
        args.workers,
        args.keep,
        args.timeout,
        args.kill_worker,
        options,
    )


if __name__ == "__main__":
    sys.exit(main())
