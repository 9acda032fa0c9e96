"""`ruche airflow` (`make airflow`) as a user starts it: the UI port moves the Execution API URL
with it, both DAGs are unpaused, one Ctrl-C stops every process it started, and a busy port is
one line. A full `airflow standalone` takes minutes; the README has the command that shows the
rest (log in, trigger `ruche_ingest`, watch `ruche_transform` follow)."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ruche import demo
from ruche.cli import app
from ruche.keys import KEY_ENV

ROOT = Path(__file__).resolve().parents[2]


def _airflow_env(tmp_path: Path) -> tuple[demo.DemoPaths, dict[str, str]]:
    from ruche.config import load_config

    paths = demo.DemoPaths(tmp_path / "out")
    env = demo.airflow_env(
        paths, demo.DEMO_CONFIG, "http://127.0.0.1:9", load_config(demo.DEMO_CONFIG)
    )
    for name in [n for n in env if n.startswith("AIRFLOW__") and n not in _OURS]:
        del env[name]  # a developer's own Airflow settings must not decide the test
    return paths, env


_OURS = {
    "AIRFLOW__CORE__DAGS_FOLDER",
    "AIRFLOW__CORE__LOAD_EXAMPLES",
    "AIRFLOW__LOGGING__LOGGING_LEVEL",
}


def test_the_ui_port_moves_the_execution_api_url_as_airflow_reads_it(tmp_path):
    paths, env = _airflow_env(tmp_path)
    env = demo.ui_env(env, paths, port=8091)
    probe = textwrap.dedent(
        """
        import json
        from airflow.configuration import conf
        from airflow.executors.base_executor import get_execution_api_server_url
        print(json.dumps({
            "execution": get_execution_api_server_url(),
            "host": conf.get("api", "host"),
            "port": conf.getint("api", "port"),
            "paused_at_creation": conf.getboolean("core", "dags_are_paused_at_creation"),
            "passwords": conf.get("core", "simple_auth_manager_passwords_file"),
        }))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    ).stdout
    seen = json.loads(out.strip().splitlines()[-1])
    # Airflow's own default was http://localhost:8080/execution/ whatever the UI port.
    assert seen["execution"] == "http://127.0.0.1:8091/execution/"
    assert (seen["host"], seen["port"]) == ("127.0.0.1", 8091)
    assert seen["paused_at_creation"] is False
    assert seen["passwords"] == str(paths.passwords_file.resolve())


def test_set_up_for_the_ui_unpauses_both_dags_in_the_metadata_db(tmp_path):
    paths, env = _airflow_env(tmp_path)
    demo.prepare_airflow(env, tmp_path / "airflow.log", unpause=True)
    db = sqlite3.connect(paths.airflow_home / "airflow.db")
    try:
        paused = dict(db.execute("select dag_id, is_paused from dag").fetchall())
    finally:
        db.close()
    # Airflow creates DAGs paused (`dags_are_paused_at_creation`): the transform stayed paused
    # and the marts never refreshed after an ingest triggered from the UI. `ruche_events` stays
    # paused: it needs the webhook receiver's Redis, which the local UI does not start.
    assert paused == {"ruche_ingest": 0, "ruche_transform": 0, "ruche_events": 1}


_TREE = """
import os, subprocess, sys, time
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
open(sys.argv[1], "w").write(str(grandchild.pid))
{ignore}
time.sleep(300)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead but still listed until reaped.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))


@pytest.mark.parametrize("stubborn", [False, True], ids=["obeys-sigint", "ignores-sigint"])
def test_one_ctrl_c_stops_every_process_it_started(tmp_path, stubborn):
    """A stand-in for `airflow standalone`: a process that starts a grandchild (the scheduler,
    API server, task processes) and, for `stubborn`, ignores SIGINT."""
    pid_file = tmp_path / "grandchild.pid"
    tree = tmp_path / "tree.py"
    ignore = "import signal; signal.signal(signal.SIGINT, signal.SIG_IGN)" if stubborn else ""
    tree.write_text(_TREE.format(ignore=ignore))
    runner = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from ruche.demo import run_process_group; "
            f"sys.exit(run_process_group([sys.executable, {str(tree)!r}, {str(pid_file)!r}], "
            "dict(__import__('os').environ), grace=2))",
        ],
        cwd=ROOT,
    )
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    try:
        runner.send_signal(signal.SIGINT)  # Ctrl-C reaches `ruche`; Airflow has its own group
        assert runner.wait(timeout=20) == 130
        deadline = time.monotonic() + 5
        while _alive(grandchild) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(grandchild), "a process started under `ruche airflow` outlived Ctrl-C"
    finally:
        if _alive(grandchild):
            os.kill(grandchild, signal.SIGKILL)
        if runner.poll() is None:
            runner.kill()


@pytest.fixture
def busy_port():
    """A port some other program is listening on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def _one_line_error(result, port: int, option: str) -> None:
    output = result.output
    assert "Traceback" not in output, output
    assert result.exit_code == 1, output
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, result.stderr
    assert f"port {port} on 127.0.0.1" in errors[0]
    assert f"{option} <port>" in errors[0]


def test_a_busy_sandbox_port_is_one_line(busy_port):
    result = CliRunner().invoke(app, ["sandbox", "--port", str(busy_port)])
    _one_line_error(result, busy_port, "--port")
    assert "Sandbox on" not in result.output  # it did not claim to serve there


def test_a_busy_ui_port_is_one_line_before_any_set_up(busy_port, tmp_path):
    result = CliRunner().invoke(
        app, ["airflow", "--port", str(busy_port), "--out", str(tmp_path / "out")]
    )
    _one_line_error(result, busy_port, "--port")
    assert "the Airflow UI" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_busy_sandbox_port_under_airflow_is_one_line(busy_port, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, os.environ.get(KEY_ENV, ""))  # the demo key is set; restore it
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as free:
        free.bind(("127.0.0.1", 0))
        ui_port = free.getsockname()[1]
    result = CliRunner().invoke(
        app,
        [
            "airflow",
            "--port",
            str(ui_port),
            "--sandbox-port",
            str(busy_port),
            "--out",
            str(tmp_path / "out"),
        ],
    )
    _one_line_error(result, busy_port, "--sandbox-port")
    assert "the sandbox" in result.stderr
