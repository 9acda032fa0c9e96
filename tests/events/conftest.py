"""Fixtures of the event tests: the webhook tests' real redis-server and receiver, and a night-1
warehouse (the Meta demo accounts extracted from the sandbox world as of `NIGHT_1`, loaded and
built by dbt), copied for each test."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from connectors.base import Window

from ..conftest import NOW
from ..warehouse.test_dbt import WorldClockLanding, assert_success, dbt, extract_all, load_warehouse
from ..webhooks.conftest import receiver, receiver_env, redis_server  # noqa: F401 - fixtures

# The first night ran a day before the world's NOW: the comments of the day after it are the
# ones the webhooks announce, and the second night (the world at NOW) extracts.
NIGHT_1 = NOW - dt.timedelta(days=1)
NIGHT_1_DAY = NIGHT_1.date() - dt.timedelta(days=1)
NIGHT_2_DAY = NOW.date() - dt.timedelta(days=1)


@pytest.fixture(scope="session")
def meta_only(demo_config):
    """The demo configuration with only the Meta family's accounts (the webhooks' family)."""
    from ruche import platforms

    others = {p.name: [] for p in platforms.REGISTRY.values() if p.sandbox_family != "meta_graph"}
    clients = [
        c.model_copy(update={"accounts": c.accounts.model_copy(update=others)})
        for c in demo_config.clients
    ]
    return demo_config.model_copy(update={"clients": clients})


@pytest.fixture(scope="session")
def night_1(tmp_path_factory, demo_config, meta_only) -> Path:
    """A work folder holding `landing/` and `ruche.duckdb` after night 1: extracted from the
    world as of NIGHT_1 (a week of days; the connectors re-read 28 days of posts and all their
    comments), loaded, `dbt build`."""
    from connectors.sandbox.server import SandboxServer
    from connectors.sandbox.world import World

    work = tmp_path_factory.mktemp("night1")
    landing = WorldClockLanding(str(work / "landing"), NIGHT_1)
    earlier = World(demo_config, seed=7, now=NIGHT_1)
    with SandboxServer(earlier) as server:
        window = Window(NIGHT_1_DAY - dt.timedelta(days=6), NIGHT_1_DAY)
        extract_all(meta_only, server.url, landing, window, "run_night1")
    load_warehouse(work / "ruche.duckdb", meta_only, landing)
    result, _ = dbt(work / "ruche.duckdb", "build", work_dir=work)
    assert_success(result)
    return work


@pytest.fixture
def warehouse_copy(night_1, tmp_path) -> Path:
    """This test's own copy of night 1 (landing and warehouse)."""
    target = tmp_path / "work"
    shutil.copytree(night_1, target, ignore=shutil.ignore_patterns("target", "logs"))
    return target
