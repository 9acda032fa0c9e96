"""One warehouse for the morning tests: the 9 demo accounts' 30 days ending 2026-11-19,
extracted from the sandbox by the real connectors, loaded, built by `dbt build` and published,
exactly as tests/warehouse/test_dbt.py builds it (its helpers are reused)."""

from __future__ import annotations

import email
import email.policy
import shutil
import socket
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

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


class Inbox:
    """An aiosmtpd handler keeping every message; `fail_with` makes it refuse the data."""

    def __init__(self, fail_with: str | None = None) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.fail_with = fail_with
        self.attempts = 0

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd calls it by this name
        self.attempts += 1
        if self.fail_with:
            return self.fail_with
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    servers = []

    def start(fail_with: str | None = None) -> tuple[Inbox, int]:
        inbox = Inbox(fail_with)
        port = free_port()
        controller = Controller(inbox, hostname="127.0.0.1", port=port)
        controller.start()
        servers.append(controller)
        return inbox, port

    yield start
    for controller in servers:
        controller.stop()
