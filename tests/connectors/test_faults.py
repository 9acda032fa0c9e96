"""The Meta Graph faults' quirks through the connectors: the waits Meta asks for are honoured,
endless faults give up with the right error, each permanent error says Meta's words and what to
do, and the token never leaks. That every fault kind of the family is survived, by every
platform, is the contract's (tests/contract/test_extract.py)."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from connectors.base import Window
from connectors.errors import PermanentError, RateLimitedError, TransientError

from .conftest import END, TOKEN

SHORT = Window(END - dt.timedelta(days=2), END)  # 3 days + re-fetch: quick but multi-page


def test_retry_after_is_honoured(extract, sandbox):
    sandbox.faults.add("http_429", times=1, retry_after=7)
    run = extract("cafe_lumiere", "facebook", SHORT)
    assert run.result.ok
    assert 7 in run.sleeps.calls


def test_buc_regain_time_is_honoured(extract, sandbox):
    sandbox.faults.add("throttle_80001", times=1, regain_minutes=2)
    run = extract("cafe_lumiere", "facebook", SHORT)
    assert run.result.ok
    assert 120 in run.sleeps.calls


def test_high_usage_slows_down_before_the_limit(extract, sandbox):
    sandbox.faults.add("usage_high", times=2, pct=85)
    run = extract("cafe_lumiere", "meta_ads", SHORT)
    assert run.result.ok
    assert sum(1 for s in run.sleeps.calls if 0 < s <= 30) >= 2  # paced, not throttled


def test_persistent_5xx_gives_up_with_a_transient_error(extract, sandbox):
    sandbox.faults.add("http_503", times=None)
    run = extract("cafe_lumiere", "instagram", SHORT)
    assert isinstance(run.result.error, TransientError)
    assert "gave up after 6 attempts" in str(run.result.error)
    assert run.result.manifests == []


def test_endless_throttling_becomes_a_rate_limited_error(extract, sandbox):
    sandbox.faults.add("throttle_17", times=None)
    run = extract("cafe_lumiere", "facebook", SHORT)
    assert isinstance(run.result.error, RateLimitedError)


PERMANENT = {
    "token_expired": ("190/463", "expired"),
    "token_invalid": ("190/467", "invalid"),
    "permission": ("platform error 10", "pages_read_engagement"),
    "permission_200": ("platform error 200", "pages_read_engagement"),
    "removed_metric": ("platform error 100", "metric"),
}


@pytest.mark.parametrize("kind", sorted(PERMANENT))
def test_permanent_faults_fail_with_a_clear_message(extract, sandbox, kind):
    code, words = PERMANENT[kind]
    rule = sandbox.faults.add(kind, path=r"/insights", times=None)
    run = extract("maison_des_arts", "facebook", SHORT)
    error = run.result.error
    assert isinstance(error, PermanentError)
    text = str(error)
    assert "facebook account 104000000000003 of client maison_des_arts" in text
    assert code in text and words in text
    assert "What to do:" in text
    assert rule.fired == 1  # a permanent error is not retried
    # What completed before the failure is landed; the failed entity is not.
    landed = {m.entity for m in run.result.manifests}
    assert {"page", "posts", "comments"} <= landed
    assert "post_insights" not in landed


def test_unknown_account_names_the_fix(extract, demo_config):
    account = (
        demo_config.client("cafe_lumiere")
        .accounts.instagram[0]
        .model_copy(update={"id": "17849999999999999"})
    )
    run = extract("cafe_lumiere", "instagram", SHORT, account=account)
    assert isinstance(run.result.error, PermanentError)
    assert "does not exist or this token cannot see it" in str(run.result.error)
    assert "check the account id" in str(run.result.error)


def test_missing_token_is_a_clear_permanent_error(demo_config, tmp_path, monkeypatch):
    from connectors.landing import LandingZone
    from connectors.runner import extract_account

    client = demo_config.client("cafe_lumiere")
    account = client.accounts.facebook[0]
    monkeypatch.delenv(account.token_env, raising=False)
    result = extract_account(
        client=client,
        platform="facebook",
        account=account,
        window=SHORT,
        landing=LandingZone(str(tmp_path)),
        run_id="r",
        base_url="http://127.0.0.1:9",
    )
    assert isinstance(result.error, PermanentError)
    assert account.token_env in str(result.error) and account.airflow_conn_id in str(result.error)


def test_token_never_reaches_logs_errors_or_urls(extract, sandbox, caplog):
    caplog.set_level(logging.DEBUG)  # urllib3 and requests log every URL at DEBUG
    sandbox.faults.add("http_500", times=2)
    sandbox.faults.add("truncated", times=1, skip=3)
    sandbox.faults.add("token_expired", path=r"/insights", times=None)
    run = extract("cafe_lumiere", "facebook", SHORT, page_size=5)
    assert isinstance(run.result.error, PermanentError)
    for text in (
        caplog.text,
        str(run.result.error),
        repr(run.result.error),
        str(run.result.summary()),
    ):
        assert TOKEN not in text
    # The sandbox puts the token in `paging.next`, as Meta does; we never send it back in a URL.
    assert all("access_token" not in r["params"] for r in sandbox.requests)
    assert any(r["status"] == 200 for r in sandbox.requests)


def test_request_cap_stops_a_runaway_run(extract, monkeypatch):
    monkeypatch.setenv("RUCHE_MAX_REQUESTS", "5")
    run = extract("cafe_lumiere", "facebook", SHORT)
    assert isinstance(run.result.error, PermanentError)
    assert "per-run request cap" in str(run.result.error)
    assert run.result.requests == 5
