"""Fault soak: the nightly extract of every demo account, run again and again while the sandbox
faults a random 25 % of requests and shortens pages, lands exactly the records of a clean run.

Bounded in runs and in time (about a minute). Backoff waits are recorded, not slept. The figures
(runs, requests, faults per kind) are printed even without `-s`.
"""

from __future__ import annotations

import collections
import time

from connectors.base import Window
from connectors.landing import LandingZone
from connectors.runner import extract_many

from .conftest import END, FAST_RETRY, TOKEN, Sleeps

NIGHTLY = Window(END, END)  # one new day; each connector adds its re-fetch windows
FAULT_SHARE = 0.25
# Every transient fault the sandbox has, except `slow`: only a delay longer than the read
# timeout makes it a fault, and each one would cost that delay in wall time.
KINDS = (
    "http_429",
    "throttle_4",
    "throttle_17",
    "throttle_32",
    "throttle_613",
    "throttle_80000",
    "throttle_80001",
    "throttle_80002",
    "throttle_80004",
    "http_500",
    "http_502",
    "http_503",
    "drop",
    "truncated",
    "usage_high",
)
MAX_RUNS = 12
TIME_BUDGET = 60.0  # seconds of faulted runs; the soak stops at whichever bound comes first
PAGE_SIZE = 7


def _nightly(sandbox, demo_config, root, run_id: str):
    """One nightly extract of every enabled demo account; (landed records, results, waits)."""
    landing = LandingZone(str(root))
    sleeps = Sleeps()
    results = extract_many(
        list(demo_config.iter_accounts()),
        window=NIGHTLY,
        landing=landing,
        run_id=run_id,
        workers=4,
        token=TOKEN,
        base_url=sandbox.url,
        retry=FAST_RETRY,
        timeout=(2.0, 1.0),
        sleep=sleeps,
        connector_options={"page_size": PAGE_SIZE},
    )
    landed = {
        (r.client_id, r.platform, m.entity): (m.record_count, m.content_sha256)
        for r in results
        for m in r.manifests
    }
    return landed, results, sleeps


def test_nightly_extract_under_random_faults_lands_the_clean_records(
    sandbox, demo_config, tmp_path, capsys
):
    clean, clean_results, _ = _nightly(sandbox, demo_config, tmp_path / "clean", "clean")
    assert all(r.ok for r in clean_results), [str(r.error) for r in clean_results if r.error]
    assert len(clean) >= 9 * 3 and sum(count for count, _ in clean.values()) > 1000

    # k rules consulted in order at rate p fault 1 - (1 - p)**k of the requests.
    rate = 1 - (1 - FAULT_SHARE) ** (1 / len(KINDS))
    fired: collections.Counter[str] = collections.Counter()
    requests = faulted = runs = 0
    waits: list[float] = []
    began = time.monotonic()
    while runs < MAX_RUNS and time.monotonic() - began < TIME_BUDGET:
        sandbox.faults.clear()
        sandbox.reset_stats()
        rules = [sandbox.faults.add(k, times=None, rate=rate, seed=runs) for k in KINDS]
        rules.append(sandbox.faults.add("short_page", times=None, rate=0.5, seed=runs))
        landed, results, sleeps = _nightly(sandbox, demo_config, tmp_path / f"r{runs}", f"r{runs}")
        runs += 1
        failed = [str(r.error) for r in results if r.error]
        assert not failed, f"run {runs}: {failed}"
        assert landed == clean, f"run {runs} landed other records than the clean run"
        fired.update({rule.kind: rule.fired for rule in rules})
        log = sandbox.requests
        requests += len(log)
        faulted += sum(1 for item in log if item.get("fault") and item["fault"] != "short_page")
        waits += sleeps.calls
    seconds = time.monotonic() - began
    request_faults = sum(n for kind, n in fired.items() if kind != "short_page")
    share = faulted / max(requests, 1)
    with capsys.disabled():
        print(
            f"\nfault soak: {runs} nightly runs of {len(clean_results)} accounts in {seconds:.1f}s, "
            f"{requests} requests, {request_faults} request faults ({share:.1%}), "
            f"{fired['short_page']} short pages, {len(waits)} backoff waits recorded "
            f"({sum(waits):.0f}s not slept); every run landed the clean run's "
            f"{sum(count for count, _ in clean.values())} records"
        )
        print("  faults by kind: " + ", ".join(f"{k} {n}" for k, n in sorted(fired.items())))
    assert runs >= 3
    assert request_faults >= 300 and fired["short_page"] >= 100
    assert 0.18 < share < 0.32  # the 25 % asked for, measured on the sandbox's request log
