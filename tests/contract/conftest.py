"""What every registered platform is run through, once for the whole contract suite.

The parametrisation comes from the platform registry (`ruche.platforms.REGISTRY`) and the demo
configuration's accounts; the fault kinds from each platform's sandbox family
(`connectors.sandbox.families`); the ground truth from the family's module in
`tests/contract/families/`. A new platform is covered by adding its registry entry, its demo
accounts and (for a new API family) its sandbox family and its `families/<family>.py`.

Expensive things are session-scoped: one clean extraction of every demo account over the
30-day window (it serves the landed-records, paging and fault comparisons) and one warehouse
built from it (the mart reconciliation). Backoff and polling waits are recorded, not slept.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

from connectors.base import Window
from connectors.landing import LandingZone
from ruche import platforms as registry
from ruche.config import load_config

from ..conftest import DEMO_CONFIG, NOW
from ..connectors.conftest import END, WINDOW, Run, run_extract

SHORT = Window(END - dt.timedelta(days=2), END)  # 3 days + re-fetch: quick but multi-page
SHORT_PAGE_SIZE = 7  # small enough that SHORT needs several pages of every list
CLEAN_TIMEOUT = (2.0, 5.0)

# Read at collection time, for the parametrisation only (the fixtures use `demo_config`).
_DEMO = load_config(DEMO_CONFIG)
PLATFORMS = list(registry.REGISTRY.values())


def demo_accounts(name: str) -> list[tuple[str, str]]:
    """(client id, account id) of every enabled demo account of platform `name`."""
    return [(c.id, a.id) for c, _p, a in _DEMO.iter_accounts(platforms=[name])]


ACCOUNT_CASES = [
    pytest.param(p.name, client_id, account_id, id=f"{p.name}-{client_id}")
    for p in PLATFORMS
    for client_id, account_id in demo_accounts(p.name)
]
CLIENT_CASES = [
    pytest.param(p.name, client_id, id=f"{p.name}-{client_id}")
    for p in PLATFORMS
    for client_id in dict.fromkeys(c for c, _ in demo_accounts(p.name))
]


def account_of(config, client_id: str, platform: str, account_id: str):
    client = config.client(client_id)
    account = next(a for a in client.accounts.by_platform()[platform] if a.id == account_id)
    return client, account


@dataclass
class Clean:
    """Every demo account extracted once over `WINDOW`, into one landing zone."""

    landing: LandingZone
    runs: dict[tuple[str, str, str], Run]  # (platform, client id, account id) -> run


@pytest.fixture(scope="session")
def clean(sandbox_session, demo_config, tmp_path_factory) -> Clean:
    from ..warehouse.test_dbt import WorldClockLanding

    # Stamped with the world's clock: the warehouse built from it sees the extraction happen
    # when the sandbox answered.
    landing = WorldClockLanding(str(tmp_path_factory.mktemp("contract") / "landing"), NOW)
    sandbox_session.faults.clear()  # the references are clean whichever test asks first
    runs = {}
    for client, platform, account in demo_config.iter_accounts():
        run = run_extract(
            sandbox_session.url,
            client,
            platform,
            account,
            WINDOW,
            landing,
            run_id="contract_clean",
            timeout=CLEAN_TIMEOUT,
        )
        assert run.result.ok, f"{run.result.label}: {run.result.error}"
        runs[(platform, client.id, account.id)] = run
    assert {p for p, _c, _a in runs} == set(registry.names()), "a platform has no demo account"
    return Clean(landing, runs)


@pytest.fixture(scope="session")
def clean_short(sandbox_session, demo_config, tmp_path_factory) -> dict[tuple[str, str], Run]:
    """A clean SHORT run with small pages, per (platform, account id)."""
    sandbox_session.faults.clear()
    out = {}
    for client, platform, account in demo_config.iter_accounts():
        run = run_extract(
            sandbox_session.url,
            client,
            platform,
            account,
            SHORT,
            LandingZone(str(tmp_path_factory.mktemp(f"short_{platform}"))),
            run_id="clean",
            page_size=SHORT_PAGE_SIZE,
        )
        assert run.result.ok, f"{run.result.label}: {run.result.error}"
        out[(platform, account.id)] = run
    return out


def fresh_landing(tmp_path: Path, name: str) -> LandingZone:
    return LandingZone(str(tmp_path / name))
