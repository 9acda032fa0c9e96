"""The one pipeline behind `ruche run`, `ruche extract` + `ruche load` and the Airflow tasks:
an account that fails on the command line is recorded in `ops` exactly as on Airflow, and a
later successful run resolves it. The real CLI (typer's CliRunner), the real connectors over
HTTP against the sandbox, a real DuckDB warehouse and dbt build."""

from __future__ import annotations

import duckdb
import pytest
from typer.testing import CliRunner

from ruche.cli import app

from .conftest import DEMO_CONFIG

DAY = "2026-11-19"


@pytest.fixture
def cli_env(tmp_path, sandbox, monkeypatch):
    monkeypatch.setenv("RUCHE_BASE_URL", sandbox.url)
    for platform in ("FACEBOOK", "INSTAGRAM"):
        monkeypatch.setenv(f"RUCHE_TOKEN_CAFE_LUMIERE_{platform}", f"EAAGsandbox-{platform}")
    monkeypatch.setenv("RUCHE_PUBLISHED", str(tmp_path / "published" / "marts.duckdb"))
    monkeypatch.delenv("RUCHE_DOCS_DIR", raising=False)
    warehouse = tmp_path / "warehouse" / "ruche.duckdb"
    common = [
        "--config",
        str(DEMO_CONFIG),
        "--landing",
        str(tmp_path / "landing"),
        "--warehouse",
        str(warehouse),
    ]
    only = ["--client", "cafe_lumiere", "--platform", "facebook", "--platform", "instagram"]
    return warehouse, common, only


def _failures(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        every = con.execute(
            "SELECT platform, kind, logical_date::VARCHAR, run_id, resolved_by_run_id "
            "FROM ops.extract_failures ORDER BY recorded_at"
        ).fetchall()
        still_open = con.execute(
            "SELECT client_id, platform, error FROM ops.open_extract_failures"
        ).fetchall()
    finally:
        con.close()
    return every, still_open


def test_a_cli_run_records_a_failed_account_and_a_later_run_resolves_it(
    cli_env, sandbox, demo_config
):
    warehouse, common, only = cli_env
    page = demo_config.client("cafe_lumiere").accounts.facebook[0].id
    sandbox.faults.add("token_expired", path=page, times=None)  # the Page token expired

    night = CliRunner().invoke(app, ["run", *common, *only, "--start", DAY, "--end", DAY])
    assert night.exit_code == 1, night.output  # the failed account fails the run...
    assert "published" in night.output  # ...after the other account was loaded and published
    every, still_open = _failures(warehouse)
    assert [row[:3] for row in every] == [("facebook", "permanent", DAY)]
    assert every[0][3].startswith("run__") and every[0][4] is None
    assert [row[:2] for row in still_open] == [("cafe_lumiere", "facebook")]
    assert "What to do: the token expired" in still_open[0][2]

    # The token is renewed; the same date is extracted and loaded again, step by step.
    sandbox.faults.clear()
    extracted = CliRunner().invoke(
        app,
        ["extract", *common[:4], *only, "--start", DAY, "--end", DAY, "--run-id", "manual__fix"],
    )
    assert extracted.exit_code == 0, extracted.output
    loaded = CliRunner().invoke(app, ["load", *common])
    assert loaded.exit_code == 0, loaded.output
    every, still_open = _failures(warehouse)
    assert [(row[0], row[4]) for row in every] == [("facebook", "manual__fix")]
    assert still_open == []


def test_cli_extract_then_load_records_the_failure_in_ops(cli_env, sandbox, demo_config):
    warehouse, common, only = cli_env
    media = demo_config.client("cafe_lumiere").accounts.instagram[0].id
    sandbox.faults.add("token_expired", path=media, times=None)
    extracted = CliRunner().invoke(
        app, ["extract", *common[:4], *only, "--start", DAY, "--end", DAY]
    )
    assert extracted.exit_code == 1, extracted.output
    loaded = CliRunner().invoke(app, ["load", *common])
    assert loaded.exit_code == 0, loaded.output
    every, still_open = _failures(warehouse)
    assert [row[:3] for row in every] == [("instagram", "permanent", DAY)]
    assert [row[:2] for row in still_open] == [("cafe_lumiere", "instagram")]
