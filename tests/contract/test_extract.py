"""The extraction contract, for every registered platform through its real connector against its
sandbox family (in the spirit of Airbyte's connector acceptance tests): it lands the world's
ground truth, pages to the end however small the pages, follows `next` past short pages,
survives every fault kind its family declares, and never requests a removed metric."""

from __future__ import annotations

import re

import pytest

from connectors.errors import PermanentError
from connectors.sandbox.families import family
from connectors.sandbox.faults import LIST_KINDS
from ruche import platforms as registry

from ..connectors.conftest import WINDOW, requested_tokens, run_extract
from .conftest import (
    ACCOUNT_CASES,
    PLATFORMS,
    SHORT,
    SHORT_PAGE_SIZE,
    account_of,
    demo_accounts,
    fresh_landing,
)
from .families import truth_of

PAGING_PAGE_SIZE = 3


def _first(name: str) -> tuple[str, str]:
    accounts = demo_accounts(name)
    assert accounts, f"the demo config has no {name} account: add one under `accounts: {name}:`"
    return accounts[0]


def _fault_cases():
    for item in PLATFORMS:
        for kind in family(item.sandbox_family).kinds:
            if kind not in LIST_KINDS:  # short pages have their own test below
                yield pytest.param(item.name, kind, id=f"{item.name}-{kind}")


FAULT_CASES = list(_fault_cases())


# ---------------------------------------------------------------- ground truth


@pytest.mark.parametrize(("name", "client_id", "account_id"), ACCOUNT_CASES)
def test_landed_records_equal_the_world(clean, world, demo_config, name, client_id, account_id):
    client, account = account_of(demo_config, client_id, name, account_id)
    run = clean.runs[(name, client_id, account_id)]
    assert {m.entity for m in run.result.manifests} == set(
        registry.platform(name).extracted_entity_names
    )
    truth_of(registry.platform(name).sandbox_family).check_landed(
        name, run, world, client, account, WINDOW
    )


# ---------------------------------------------------------------- paging


@pytest.mark.parametrize("item", PLATFORMS, ids=lambda p: p.name)
def test_small_pages_are_followed_to_the_end(item, sandbox, clean, world, demo_config, tmp_path):
    client_id, account_id = _first(item.name)
    client, account = account_of(demo_config, client_id, item.name, account_id)
    run = run_extract(
        sandbox.url,
        client,
        item.name,
        account,
        WINDOW,
        fresh_landing(tmp_path, "small_pages"),
        page_size=PAGING_PAGE_SIZE,
    )
    assert run.result.ok, run.result.error
    truth_of(item.sandbox_family).check_landed(item.name, run, world, client, account, WINDOW)
    reference = clean.runs[(item.name, client_id, account_id)]
    assert run.checksums() == reference.checksums()
    # Small pages really are many pages: more requests for the same records, and at least one
    # entity's listing took three times as many.
    assert run.result.requests > reference.result.requests
    pages = {m.entity: m.request_count for m in run.result.manifests}
    clean_pages = {m.entity: m.request_count for m in reference.result.manifests}
    assert any(pages[e] >= 3 * max(n, 1) for e, n in clean_pages.items()), (pages, clean_pages)


@pytest.mark.parametrize("item", PLATFORMS, ids=lambda p: p.name)
def test_short_pages_with_a_next_link_lose_nothing(
    item, sandbox, clean_short, demo_config, tmp_path
):
    client_id, account_id = _first(item.name)
    client, account = account_of(demo_config, client_id, item.name, account_id)
    [kind] = LIST_KINDS
    rule = sandbox.faults.add(kind, times=None, skip=1)
    run = run_extract(
        sandbox.url,
        client,
        item.name,
        account,
        SHORT,
        fresh_landing(tmp_path, "short_pages"),
        page_size=SHORT_PAGE_SIZE,
    )
    assert run.result.ok, run.result.error
    assert rule.fired >= 2, f"only {rule.fired} short pages were served"
    assert run.checksums() == clean_short[(item.name, account_id)].checksums()


# ---------------------------------------------------------------- faults


@pytest.mark.parametrize(("name", "kind"), FAULT_CASES)
def test_every_fault_kind_of_the_family_is_survived(
    name, kind, sandbox, clean, clean_short, demo_config, tmp_path
):
    item = registry.platform(name)
    dialect = family(item.sandbox_family)
    client_id, account_id = _first(name)
    client, account = account_of(demo_config, client_id, name, account_id)

    if kind in dialect.permanent_kinds:
        _permanent(item, kind, sandbox, clean_short, demo_config, tmp_path)
        return

    # Fire on several requests, spread over paths: objects, their children, insights.
    # A kind the short window never applies to (a report run, a rendered comment) gets the
    # long window; a kind none of the platform's requests take is said, not passed silently.
    for window, reference in (  # noqa: B007 (used after the loop)
        (SHORT, clean_short[(name, account_id)]),
        (WINDOW, clean.runs[(name, client_id, account_id)]),
    ):
        sandbox.faults.clear()
        rule = sandbox.faults.add(kind, times=3, skip=1)
        run = run_extract(
            sandbox.url,
            client,
            name,
            account,
            window,
            fresh_landing(tmp_path, f"{kind}_{window.days}"),
            page_size=SHORT_PAGE_SIZE,
        )
        if rule.fired:
            break
    else:
        pytest.skip(f"no request {name} makes takes the {dialect.name} fault {kind}")

    assert run.result.ok, run.result.error
    if kind in dialect.withholding_kinds:
        # Data left out of the answers, never records: as many of each as a clean run.
        assert _counts(run) == _counts(reference)
        assert run.checksums() != reference.checksums()  # and something was withheld
        return
    assert run.checksums() == reference.checksums()
    if kind in dialect.request_kinds and kind != "usage_high":
        # Each failed request was retried (or waited out) once, no more.
        assert run.result.retries + run.result.rate_limit_waits == rule.fired


def _counts(run) -> dict[str, int]:
    return {m.entity: m.record_count for m in run.result.manifests}


def _permanent(item, kind, sandbox, clean_short, demo_config, tmp_path) -> None:
    """A permanent fault fails the account it hits, with a classified error that says who and
    what to do, is not retried, and leaves the platform's other accounts alone."""
    accounts = demo_accounts(item.name)
    assert len(accounts) >= 2, f"{item.name} needs two demo accounts to show the others unharmed"
    (client_id, account_id), (other_client_id, other_id) = accounts[:2]
    # Every request about the failing account's own node and edges (not its children's).
    rule = sandbox.faults.add(kind, path=re.escape(account_id) + r"(/|$)", times=None)
    client, account = account_of(demo_config, client_id, item.name, account_id)
    run = run_extract(
        sandbox.url,
        client,
        item.name,
        account,
        SHORT,
        fresh_landing(tmp_path, "failed"),
        page_size=SHORT_PAGE_SIZE,
    )
    error = run.result.error
    assert isinstance(error, PermanentError), error
    text = str(error)
    assert f"{item.name} account {account_id} of client {client_id}" in text
    assert "What to do:" in text
    assert rule.fired == 1 and run.result.retries == 0  # a permanent error is not retried
    assert run.result.manifests == []

    other_client, other = account_of(demo_config, other_client_id, item.name, other_id)
    unharmed = run_extract(
        sandbox.url,
        other_client,
        item.name,
        other,
        SHORT,
        fresh_landing(tmp_path, "unharmed"),
        page_size=SHORT_PAGE_SIZE,
    )
    assert unharmed.result.ok, unharmed.result.error
    assert unharmed.checksums() == clean_short[(item.name, other_id)].checksums()
    assert rule.fired == 1


# ---------------------------------------------------------------- API calendar


@pytest.mark.parametrize("item", PLATFORMS, ids=lambda p: p.name)
def test_removed_metrics_asked_for_are_never_requested(item, sandbox, demo_config, tmp_path):
    assert item.removed_metric_names, f"{item.name}: nothing removed to check"
    client_id, account_id = _first(item.name)
    client, account = account_of(demo_config, client_id, item.name, account_id)
    account = account.model_copy(update={"fields": sorted(item.removed_metric_names)})
    run = run_extract(
        sandbox.url,
        client,
        item.name,
        account,
        SHORT,
        fresh_landing(tmp_path, "removed"),
        run_id="calendar",
        timeout=(2.0, 5.0),
    )
    assert run.result.ok, run.result.error
    assert run.result.records > 0
    assert sandbox.requests, "nothing was requested"
    assert not requested_tokens(sandbox) & item.removed_metric_names
