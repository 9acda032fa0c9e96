"""Mistakes and accidents an operator meets get one line naming what, where and what to do, a
non-zero exit code and no traceback: through the real `ruche` command (typer's CliRunner, or a
subprocess where the operating system has to refuse the writes)."""

from __future__ import annotations

import os
import resource
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from ruche.cli import app

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "config" / "clients.demo.yml"
DAY = "2026-11-19"  # the sandbox world's last complete day


def _invoke(*args: str, env: dict[str, str] | None = None):
    result = CliRunner().invoke(app, list(args), env=env)
    output = result.output  # stdout and stderr, as a terminal shows them
    assert "Traceback" not in output, output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    return result.exit_code, output


def _config(tmp_path, edit) -> Path:
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "clients.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_an_impossible_holiday_is_a_config_problem_with_its_path(tmp_path):
    path = _config(tmp_path, lambda d: d["clients"][0].update(holidays=["2026-12-25"]))
    # YAML reads an unquoted 2026-02-30 as a timestamp and used to raise a bare ValueError.
    path.write_text(path.read_text().replace("- '2026-12-25'", "- 2026-02-30"))
    code, out = _invoke("config", "validate", str(path))
    assert code == 2
    assert "clients[0].holidays[0]: not a date: '2026-02-30'" in out
    assert "expected YYYY-MM-DD" in out


def test_markup_and_patterns_in_messages_are_printed_as_they_are(tmp_path):
    def edit(data):
        data["clients"][0]["timezone"] = "Europe/[/b]Paris"
        data["clients"][1]["id"] = "Stride[bold]"

    code, out = _invoke("config", "validate", str(_config(tmp_path, edit)))
    assert code == 2
    assert "unknown timezone 'Europe/[/b]Paris'" in out  # was a MarkupError traceback
    assert "pattern '^[a-z][a-z0-9_]{1,47}$'" in out  # rich used to swallow `[a-z]`


@pytest.fixture
def held_warehouse(tmp_path):
    """A warehouse file held open for writing by a second, real process."""
    path = tmp_path / "warehouse" / "ruche.duckdb"
    path.parent.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('ready', flush=True); time.sleep(120)",
            str(path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "ready"
    yield path, holder.pid
    holder.kill()
    holder.wait()


def test_a_second_load_says_which_process_holds_the_warehouse(held_warehouse, tmp_path):
    path, pid = held_warehouse
    code, out = _invoke(
        "load", "--landing", str(tmp_path / "landing"), "--warehouse", str(path), "--no-audit"
    )
    assert code == 1
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out  # was 33 lines of traceback
    assert f"{path} is in use by process {pid}" in lines[0]
    assert "RUCHE_LOCK_TIMEOUT" in lines[0]


def test_a_load_waits_for_the_warehouse_as_long_as_told(held_warehouse, tmp_path):
    path, pid = held_warehouse
    began = time.monotonic()
    code, out = _invoke(
        "load",
        "--landing",
        str(tmp_path / "landing"),
        "--warehouse",
        str(path),
        "--no-audit",
        env={"RUCHE_LOCK_TIMEOUT": "2"},
    )
    assert code == 1 and f"process {pid}" in out
    assert time.monotonic() - began >= 2


def test_transform_on_a_held_warehouse_is_one_line(held_warehouse):
    path, pid = held_warehouse
    code, out = _invoke("transform", "--warehouse", str(path), "--no-publish")
    assert code == 1
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out  # was 229 lines of failed dbt nodes
    assert f"is in use by process {pid}" in lines[0]


def _ruche(args: list[str], env: dict[str, str], max_file_bytes: int | None = None):
    """`python -m ruche.cli …` in its own process; optionally no file may grow past
    `max_file_bytes` (RLIMIT_FSIZE): the kernel then refuses writes with EFBIG, as a full disk
    refuses them with ENOSPC. (The tests may run as root, where chmod does not stop writes.)"""

    def limit() -> None:
        if max_file_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (max_file_bytes, max_file_bytes))

    proc = subprocess.run(
        [sys.executable, "-m", "ruche.cli", *args],
        env={**os.environ, "COLUMNS": "200", **env},
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=limit,
        cwd=ROOT,
    )
    output = proc.stdout + proc.stderr
    assert "Traceback" not in output, output
    return proc.returncode, output


def _sandbox_env(sandbox, demo_config) -> dict[str, str]:
    env = {"RUCHE_BASE_URL": sandbox.url}
    for _, _, account in demo_config.iter_accounts():
        env[account.token_env] = "sandbox-token"
    return env


def test_extract_and_load_on_a_full_disk_say_which_file(sandbox, demo_config, tmp_path):
    env = _sandbox_env(sandbox, demo_config)
    landing = tmp_path / "landing"
    extract = [
        "extract",
        "--config",
        str(DEMO),
        "--client",
        "cafe_lumiere",
        "--platform",
        "facebook",
    ]
    extract += ["--start", DAY, "--end", DAY, "--landing", str(landing)]
    code, out = _ruche(extract, env, max_file_bytes=4096)
    assert code == 1, out
    assert f"cannot write {landing}: the file is larger than this process may write" in out

    code, out = _ruche(extract, env)
    assert code == 0, out
    warehouse = tmp_path / "warehouse" / "ruche.duckdb"
    load = ["load", "--config", str(DEMO), "--landing", str(landing), "--warehouse", str(warehouse)]
    load.append("--no-audit")
    code, out = _ruche(load, env, max_file_bytes=64 * 1024)
    assert code == 1
    lines = [line for line in out.splitlines() if line.startswith("cannot write")]
    assert lines and str(warehouse) in lines[0], out


def test_publish_into_a_place_the_system_refuses_is_one_line(tmp_path):
    """Publish is reached through `ruche transform` after a dbt build; its disk error is the
    same `explain` the CLI prints, checked here on a real refusal by the kernel (/sys)."""
    import duckdb

    from ruche.errors import explain
    from ruche.publish import publish

    warehouse = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("CREATE SCHEMA marts; CREATE TABLE marts.fct_x AS SELECT 1 AS id")
    con.close()
    with pytest.raises(OSError) as info:
        publish(warehouse, "/sys/ruche-published/marts.duckdb")
    message = explain(info.value)
    assert message is not None and message.startswith("cannot write /sys/ruche-published")
    assert "\n" not in message


def test_the_command_line_creates_a_private_key_and_airflow_refuses_without_one(
    tmp_path, monkeypatch
):
    from ruche.errors import UserError
    from ruche.transform import build

    key_file = tmp_path / "secrets" / "author_hash_key"
    monkeypatch.delenv("RUCHE_AUTHOR_HASH_KEY", raising=False)
    monkeypatch.setenv("RUCHE_AUTHOR_HASH_KEY_FILE", str(key_file))
    warehouse = tmp_path / "wh.duckdb"
    # What the Airflow task runs: no key anywhere → a clear refusal before dbt starts.
    with pytest.raises(UserError, match="no commenter-pseudonym key: RUCHE_AUTHOR_HASH_KEY"):
        build(warehouse)
    assert not key_file.exists()
    # The command line creates a random key, readable by its owner only, and reuses it.
    _invoke("transform", "--warehouse", str(warehouse), "--no-publish")
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) == 64 and key != "ruche-demo-key-change-me"
    _invoke("transform", "--warehouse", str(warehouse), "--no-publish")
    assert key_file.read_text().strip() == key
    key_file.chmod(0o644)
    code, out = _invoke("transform", "--warehouse", str(warehouse), "--no-publish")
    assert code == 1 and f"chmod 600 {key_file}" in out


@pytest.mark.parametrize("command", ["digest", "alerts"])
def test_an_unknown_client_or_a_missing_warehouse_is_named(tmp_path, command):
    missing = tmp_path / "nowhere.duckdb"
    base = [command, "--config", str(DEMO), "--warehouse", str(missing)]
    code, out = _invoke(*base, "--client", "acme")
    assert code == 2
    assert "--client acme: no such client in the configuration (known: " in out
    first = yaml.safe_load(DEMO.read_text(encoding="utf-8"))["clients"][0]["id"]
    code, out = _invoke(*base, "--client", first)
    assert code == 2
    assert f"{missing}: no warehouse there" in out and not missing.exists()
