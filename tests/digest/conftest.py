"""One warehouse for the morning tests: the 9 demo accounts' 30 days ending 2026-11-19,
extracted from the sandbox by the real connectors, loaded, built by `dbt build` and published,
exactly as tests/warehouse/test_dbt.py builds it (its helpers are reused)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from connectors.base import Window

from ..conftest import NOW
from ..warehouse.test_dbt import (
    END,
    START,
    WorldClockLanding,
    assert_success,
    dbt,
    extract_all,
    load_warehouse,
)


@pytest.fixture(scope="session")
def morning_build(tmp_path_factory, sandbox_session, demo_config) -> Path:
    """The built warehouse (read it; copy it to write)."""
    work = tmp_path_factory.mktemp("morning")
    landing = WorldClockLanding(str(work / "landing"), NOW)
    warehouse = work / "ruche.duckdb"
    extract_all(demo_config, sandbox_session.url, landing, Window(START, END), "run_20261119")
    load_warehouse(warehouse, demo_config, landing)
    result, _seconds = dbt(warehouse, "build", work_dir=work)
    assert_success(result)
    return warehouse


@pytest.fixture
def warehouse_copy(morning_build, tmp_path) -> Path:
    """A copy of the built warehouse a test may write (ops tables, ledger)."""
    target = tmp_path / "ruche.duckdb"
    shutil.copy(morning_build, target)
    return target
