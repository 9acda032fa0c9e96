"""Documented rate limits enforced by the sandbox under parallel load: counted per token (X's
users, LinkedIn's members), per app, or per developer token (Google Ads), answered in each
platform's dialect with its wait; the real connectors, extracting accounts in parallel, wait
for the reset and land what a clean run lands, or defer to midnight UTC when a daily limit is
spent."""

from __future__ import annotations

import collections
import datetime as dt
import threading
import time

import pytest
import requests

from connectors.base import Window
from connectors.errors import DeferredError
from connectors.landing import LandingZone
from connectors.runner import extract_many
from connectors.sandbox import SandboxServer
from connectors.sandbox.families import family
from connectors.sandbox.ratelimit import ROLLING, UTC_DAY, Limit

from .conftest import END

USER = r"^/2/users/\d+$"
X_WINDOW = Window(END - dt.timedelta(days=6), END)


def _reset(wait: float) -> dict[str, float]:
    return {"reset_seconds": wait}


def _x_user(world) -> str:
    return next(a for _, platform, a in world.accounts() if platform == "x")


def _parallel_gets(url: str, tokens: list[str]) -> list[tuple[str, requests.Response]]:
    out: list[tuple[str, requests.Response]] = []
    lock = threading.Lock()

    def one(token: str) -> None:
        response = requests.get(
            url,
            params={"user.fields": "public_metrics"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        with lock:
            out.append((token, response))

    threads = [threading.Thread(target=one, args=(t,)) for t in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return out


def test_limits_are_per_token_and_per_app_whatever_the_concurrency(world):
    limits = {
        "x": (
            Limit("user lookup, per user", 3, 60, "token", "http_429", USER, options=_reset),
            Limit("user lookup, per app", 8, 60, "app", "http_429", USER, options=_reset),
        )
    }
    url_path = f"/2/users/{_x_user(world)}"
    # Four users, three calls each, all at once: every user is within its own limit, the app
    # is not (8 of 12).
    with SandboxServer(world, limits=limits) as server:
        answers = _parallel_gets(server.url + url_path, [f"user{n % 4}" for n in range(12)])
        statuses = collections.Counter(r.status_code for _, r in answers)
        assert statuses == {200: 8, 429: 4}
        refused = [r for r in server.requests if r["status"] == 429]
        assert {r["fault"] for r in refused} == {"limit:user lookup, per app"}
        assert server.stats()["limits_refused"]["user lookup, per app"]["refused"] == 4
        throttled = next(r for _, r in answers if r.status_code == 429)
        assert throttled.headers["x-rate-limit-remaining"] == "0"
        reset = int(throttled.headers["x-rate-limit-reset"])
        assert time.time() + 50 <= reset <= time.time() + 61  # the window's end, as X says
        assert throttled.json()["title"] == "Too Many Requests"
    # Two users, five calls each, all at once: each user's fourth and fifth are refused, by
    # their own per-user limit; the app's is not reached.
    with SandboxServer(world, limits=limits) as server:
        answers = _parallel_gets(server.url + url_path, ["alice"] * 5 + ["bob"] * 5)
        by_user = collections.Counter((t, r.status_code) for t, r in answers)
        assert by_user == {("alice", 200): 3, ("alice", 429): 2, ("bob", 200): 3, ("bob", 429): 2}
        assert {r["fault"] for r in server.requests if r["status"] == 429} == {
            "limit:user lookup, per user"
        }


def test_documented_limits_are_off_unless_asked_for(world):
    with SandboxServer(world) as server:
        answers = _parallel_gets(server.url + f"/2/users/{_x_user(world)}", ["same"] * 12)
        assert {r.status_code for _, r in answers} == {200}
        assert server.stats()["limits_refused"] == {}


def test_the_families_declare_their_documented_limits():
    x = {limit.name: limit for limit in family("x").rate_limits}
    assert x["x search, per user"].calls == 300 and x["x search, per app"].calls == 450
    assert x["x timeline, per user"].calls == 900 and x["x timeline, per app"].calls == 10_000
    assert {limit.window_seconds for limit in x.values()} == {900}
    [google] = family("google_ads").rate_limits
    assert (google.calls, google.window, google.per) == (15_000, ROLLING, "header:developer-token")
    linkedin = family("linkedin").rate_limits
    assert {limit.per for limit in linkedin} == {"app", "token"}
    assert {limit.window for limit in linkedin} == {UTC_DAY}
    assert family("meta_graph").rate_limits == ()


def test_google_ads_daily_operations_per_developer_token(world):
    limits = {
        "google_ads": (
            Limit(
                "operations, per developer token",
                2,
                30,
                "header:developer-token",
                "resource_exhausted",
                window=ROLLING,
                options=lambda wait: {"retry_delay": f"{int(wait + 0.999)}s"},
            ),
        )
    }
    customer = next(a for _, p, a in world.accounts() if p == "google_ads")
    url_path = f"/v26/customers/{customer}/googleAds:searchStream"
    body = {"query": "SELECT customer.id FROM customer"}
    with SandboxServer(world, limits=limits) as server:

        def post(token: str) -> requests.Response:
            return requests.post(
                server.url + url_path,
                json=body,
                headers={"Authorization": "Bearer t", "developer-token": token},
                timeout=10,
            )

        assert [post("dev-a").status_code for _ in range(2)] == [200, 200]
        refused = post("dev-a")
        assert refused.status_code == 429
        [failure] = refused.json()
        assert failure["error"]["status"] == "RESOURCE_EXHAUSTED"
        delay = failure["error"]["details"][0]["errors"][0]["details"]["quotaErrorDetails"]
        assert 28 <= int(delay["retryDelay"].removesuffix("s")) <= 30
        assert post("dev-b").status_code == 200  # another developer token: its own quota


@pytest.fixture
def x_tokens(monkeypatch, demo_config):
    """One user token per X account, as in production (each account authorises the app)."""
    jobs = []
    for client in demo_config.clients:
        for account in getattr(client.accounts, "x", []) or []:
            monkeypatch.setenv(account.token_env, f"x-user-token-{client.id}")
            jobs.append((client, "x", account))
    assert len(jobs) >= 2
    return jobs


def _extract(server: SandboxServer, jobs, landing: LandingZone, window: Window = X_WINDOW):
    results = extract_many(
        jobs,
        window=window,
        landing=landing,
        run_id="limits",
        workers=len(jobs),
        base_url=server.url,
    )
    return {r.label: r for r in results}


def test_parallel_x_accounts_wait_for_the_app_window_and_land_a_clean_runs_records(
    world, x_tokens, tmp_path
):
    with SandboxServer(world) as server:
        clean = _extract(server, x_tokens, LandingZone(str(tmp_path / "clean")))
    assert all(r.ok for r in clean.values())
    # Every X call of the app in 2-second windows, 5 calls per window, two accounts at once.
    limits = {"x": (Limit("x, per app", 5, 2, "app", "http_429", r"^/2/", options=_reset),)}
    with SandboxServer(world, limits=limits) as server:
        started = time.monotonic()
        limited = _extract(server, x_tokens, LandingZone(str(tmp_path / "limited")))
        seconds = time.monotonic() - started
        refused = server.stats()["limits_refused"]
    assert refused["x, per app"]["refused"] >= 1
    assert all(r.ok for r in limited.values()), [str(r.error) for r in limited.values()]
    assert sum(r.rate_limit_waits for r in limited.values()) >= 1
    assert seconds >= 2  # the connectors waited for the reset instead of hammering
    for label, result in limited.items():
        assert {m.entity: m.content_sha256 for m in result.manifests} == {
            m.entity: m.content_sha256 for m in clean[label].manifests
        }


def test_a_spent_daily_member_limit_defers_that_member_only(
    world, demo_config, monkeypatch, tmp_path
):
    monkeypatch.setenv("RUCHE_EXTRACT_DEADLINE", "1")  # one minute: midnight UTC is beyond it
    jobs = []
    for client in demo_config.clients:
        for account in getattr(client.accounts, "linkedin_pages", []) or []:
            monkeypatch.setenv(account.token_env, f"member-{client.id}")
            jobs.append((client, "linkedin_pages", account))
    assert len(jobs) == 2
    window = Window(END - dt.timedelta(days=2), END)
    # The first member may make 2 calls a day, the second as many as it needs.
    limits = {
        "linkedin": (
            Limit(
                "linkedin, per member, daily",
                2,
                86_400,
                "token",
                "http_429",
                r"^/rest/",
                window=UTC_DAY,
                options=lambda wait: {"scope": "MEMBER"},
            ),
        )
    }
    first_token = f"member-{jobs[0][0].id}"
    with SandboxServer(world, limits=limits) as server:
        # Spend the first member's two calls before the run.
        for _ in range(2):
            requests.get(
                f"{server.url}/rest/organizations",
                headers={"Authorization": f"Bearer {first_token}"},
                timeout=10,
            )
        results = _extract(server, jobs, LandingZone(str(tmp_path / "limited")), window)
        refused = server.stats()["limits_refused"]
    first, second = (results[f"{c.id}/linkedin_pages/{a.id}"] for c, _, a in jobs)
    assert isinstance(first.error, DeferredError), first.error
    assert "daily MEMBER limit" in str(first.error)
    assert first.requests == 1  # refused at once: no hammering of a spent daily limit
    midnight = dt.datetime.combine(
        dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC
    )
    resume = dt.datetime.fromisoformat(first.resume_at)
    assert 0 <= (resume - midnight).total_seconds() <= 120
    assert refused["linkedin, per member, daily"]["refused"] >= 1
    # The second member has its own daily budget of 2: it is deferred too, but only after its
    # own two calls (the first member's spent budget did not count against it).
    assert isinstance(second.error, DeferredError)
    assert second.requests == 3
