"""Running the real connectors against the sandbox, fast: backoff waits are recorded instead of
slept (the policy under test is what we ask to wait, not the wall clock)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pytest

from connectors.base import Window
from connectors.http import RetryPolicy
from connectors.landing import CONTEXT_KEY, LandingZone
from connectors.runner import AccountResult, extract_account

END = dt.date(2026, 11, 19)
START = END - dt.timedelta(days=29)
WINDOW = Window(START, END)
TOKEN = "EAAGsandboxTOKEN-7f3c9d1e2b"  # distinctive, so tests can look for leaks

FAST_RETRY = RetryPolicy(
    max_attempts=6,
    max_rate_limit_waits=8,
    backoff_base=0.001,
    backoff_max=0.01,
    max_single_wait=900.0,
)


@dataclass
class Sleeps:
    """Records requested waits instead of sleeping."""

    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@dataclass
class Run:
    result: AccountResult
    landing: LandingZone
    sleeps: Sleeps

    def records(self, entity: str, keep_context: bool = False) -> list[dict]:
        out = []
        for manifest in self.result.manifests:
            if manifest.entity == entity:
                for record in self.landing.read_records(manifest):
                    if not keep_context:
                        record.pop(CONTEXT_KEY, None)
                    out.append(record)
        return out

    def checksums(self) -> dict[str, str]:
        return {m.entity: m.content_sha256 for m in self.result.manifests}


def run_extract(
    base_url: str,
    client,
    platform: str,
    account,
    window: Window,
    landing: LandingZone,
    *,
    token: str = TOKEN,
    run_id: str = "test_run",
    timeout: tuple[float, float] = (2.0, 1.0),
    retry: RetryPolicy = FAST_RETRY,
    **connector_options,
) -> Run:
    """One account through its real connector against the sandbox at `base_url`, waits faked."""
    sleeps = Sleeps()
    result = extract_account(
        client=client,
        platform=platform,
        account=account,
        window=window,
        landing=landing,
        run_id=run_id,
        token=token,
        base_url=base_url,
        retry=retry,
        timeout=timeout,
        sleep=sleeps,
        connector_options=connector_options,
    )
    return Run(result, landing, sleeps)


_TOKEN_RE = re.compile(r"[A-Za-z0-9_]+")


def requested_tokens(sandbox) -> set[str]:
    """Every name-like token in every parameter of every request the sandbox served."""
    return {t for r in sandbox.requests for v in r["params"].values() for t in _TOKEN_RE.findall(v)}


@pytest.fixture
def extract(sandbox, demo_config, tmp_path):
    """extract(client_id, platform, window=WINDOW, **options) -> Run, against the sandbox."""
    counter = iter(range(10_000))

    def run(
        client_id: str,
        platform: str,
        window: Window = WINDOW,
        *,
        account=None,
        landing: LandingZone | None = None,
        run_id: str | None = None,
        **options,
    ) -> Run:
        client = demo_config.client(client_id)
        account = account or getattr(client.accounts, platform)[0]
        landing = landing or LandingZone(str(tmp_path / f"landing{next(counter)}"))
        return run_extract(
            sandbox.url,
            client,
            platform,
            account,
            window,
            landing,
            run_id=run_id or "test_run",
            **options,
        )

    return run
