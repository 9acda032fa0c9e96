"""The sandbox's added latency: a seeded log-normal delay per API request, served concurrently
(each request sleeps in its own thread), configurable from `ruche sandbox` and
`python -m connectors.sandbox` and off unless asked for."""

from __future__ import annotations

import statistics
import threading
import time

import pytest
import requests
from typer.testing import CliRunner

from connectors.sandbox.latency import Latency, parse_latency
from connectors.sandbox.server import SandboxServer
from ruche.cli import app

PAGE = "104000000000003"
HEADERS = {"Authorization": "Bearer latency-test"}


def test_distribution_has_the_configured_median_and_tail_and_repeats_with_its_seed():
    latency = Latency(median_ms=150, p95_ratio=4.4, seed=3)
    draws = [latency.delay("GET", f"/v25.0/{n}", {}) * 1000 for n in range(4000)]
    draws.sort()
    assert 140 <= statistics.median(draws) <= 160
    assert 600 <= draws[int(0.95 * len(draws))] <= 730  # p95 ≈ 660 ms
    assert 1000 <= draws[int(0.99 * len(draws))] <= 1500  # p99 ≈ 1.2 s
    assert max(draws) <= latency.max_ms
    again = Latency(median_ms=150, p95_ratio=4.4, seed=3)
    assert [again.delay("GET", f"/v25.0/{n}", {}) * 1000 for n in range(4000)] != draws
    again.reset()
    assert sorted(again.delay("GET", f"/v25.0/{n}", {}) * 1000 for n in range(4000)) == draws
    other = Latency(median_ms=150, p95_ratio=4.4, seed=4)
    assert sorted(other.delay("GET", f"/v25.0/{n}", {}) * 1000 for n in range(4000)) != draws


def test_a_repeated_request_gets_its_own_draw_and_tokens_do_not_change_it():
    latency = Latency(seed=1)
    first = latency.delay("GET", "/v25.0/1", {"fields": "id", "access_token": "a"})
    second = latency.delay("GET", "/v25.0/1", {"fields": "id", "access_token": "b"})
    replay = Latency(seed=1)
    assert replay.delay("GET", "/v25.0/1", {"fields": "id"}) == first
    assert replay.delay("GET", "/v25.0/1", {"fields": "id", "access_token": "z"}) == second


def test_served_requests_wait_their_seeded_delay(world):
    """Through HTTP: each request takes at least its draw, and the median of the measured times
    is the median of the draws plus little more than loopback."""
    latency = Latency(median_ms=60, p95_ratio=3.0, seed=11)
    expected = Latency(median_ms=60, p95_ratio=3.0, seed=11)
    measured, drawn = [], []
    with SandboxServer(world, latency=latency) as server, requests.Session() as http:
        for n in range(25):
            params = {"fields": "id,name", "n": str(n)}
            drawn.append(expected.delay("GET", f"/v25.0/{PAGE}", params))
            started = time.monotonic()
            response = http.get(
                f"{server.url}/v25.0/{PAGE}", params=params, headers=HEADERS, timeout=10
            )
            measured.append(time.monotonic() - started)
            assert response.status_code == 200
        started = time.monotonic()
        assert http.get(f"{server.url}/__sandbox/health", timeout=10).json()["latency"]
        assert time.monotonic() - started < 0.5  # control endpoints are not delayed
    assert all(m >= d for m, d in zip(measured, drawn, strict=True))
    assert statistics.median(drawn) <= statistics.median(measured)
    assert statistics.median(measured) <= statistics.median(drawn) + 0.25


def test_concurrent_requests_overlap(world):
    """K requests in parallel take about one latency, not K: the server sleeps per thread."""
    k, delay = 8, 0.4
    latency = Latency(median_ms=delay * 1000, p95_ratio=1.01, seed=0)
    durations: list[float] = []
    with SandboxServer(world, latency=latency) as server:

        def one(n: int) -> None:
            response = requests.get(
                f"{server.url}/v25.0/{PAGE}",
                params={"fields": "id", "n": str(n)},
                headers=HEADERS,
                timeout=10,
            )
            assert response.status_code == 200

        threads = [threading.Thread(target=one, args=(n,)) for n in range(k)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        durations.append(time.monotonic() - started)
        assert len(server.requests) == k
    assert delay * 0.95 <= durations[0] < delay * k / 2  # serial would be 3.2 s


def test_no_latency_by_default(world):
    with SandboxServer(world) as server:
        assert server.latency is None
        health = requests.get(f"{server.url}/__sandbox/health", timeout=10).json()
        assert health["latency"] is None


@pytest.mark.parametrize(
    ("spec", "median", "p95"),
    [("150", 150, 660), ("150/600", 150, 600), ("80ms", 80, 352), ("200ms/500ms", 200, 500)],
)
def test_parse_latency(spec, median, p95):
    latency = parse_latency(spec, seed=5)
    assert latency is not None and latency.seed == 5
    assert latency.median_ms == median
    assert latency.quantile_ms(0.95) == pytest.approx(p95)


@pytest.mark.parametrize("spec", [None, "", "off", "0"])
def test_parse_latency_off(spec):
    assert parse_latency(spec) is None


@pytest.mark.parametrize(
    ("spec", "says"),
    [("fast", "expected a median in ms"), ("150/100", "p95 must be above"), ("-5", "median")],
)
def test_parse_latency_errors(spec, says):
    with pytest.raises(ValueError, match=says):
        parse_latency(spec)


def test_cli_rejects_a_bad_latency_in_one_line(monkeypatch):
    result = CliRunner().invoke(app, ["sandbox", "--latency", "150/100", "--port", "0"])
    assert result.exit_code == 2
    assert "--latency" in result.output and "p95 must be above the median" in result.output
    assert "Traceback" not in result.output
    monkeypatch.setenv("RUCHE_SANDBOX_LATENCY", "soon")
    result = CliRunner().invoke(app, ["sandbox", "--port", "0"])
    assert result.exit_code == 2
    assert "RUCHE_SANDBOX_LATENCY='soon' is not valid" in result.output
