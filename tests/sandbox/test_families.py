"""The sandbox is a core plus one package per API family: a family registered in one place is
routed by path, speaks its own fault and usage dialect under the core's fault plan, and adds
its objects to a world built from plain data (no Ruche configuration)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from typer.testing import CliRunner

from connectors.sandbox import families as registry
from connectors.sandbox.families import ApiCall, Family, Response
from connectors.sandbox.faults import FaultRule
from connectors.sandbox.rand import rng

ROOT = Path(__file__).resolve().parents[2]
NOW = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)
PAGE = "104000000000001"


# ---------------------------------------------------------------- a toy family, as a new one is


class ToyWorld:
    """The toy family's part of the world: a few items per toy account."""

    def _init_family(self, **options: Any) -> None:
        super()._init_family(**options)  # type: ignore[misc]

    def toy_items(self, account_id: str) -> list[dict[str, Any]]:
        acct = self._account("toy", account_id)  # type: ignore[attr-defined]
        r = rng(self.seed, f"toy|{acct.id}")  # type: ignore[attr-defined]
        return [{"id": f"{acct.id}-{k}", "score": r.randint(1, 99)} for k in range(3)]


class ToyApi:
    """``GET /toy/{account}/items``; errors as ``{"errors": [{"code": …}]}``; usage as
    ``x-toy-remaining`` (percent of the budget left)."""

    def __init__(self, world: Any, base_url: Any, **options: Any) -> None:
        self.world = world

    def health(self) -> dict[str, Any]:
        return {"toy": True}

    def reset(self) -> None:
        pass

    def begin(self, call: ApiCall) -> ApiCall:
        return call

    def fault_response(self, call: ApiCall, rule: FaultRule, saturate: bool) -> Response:
        headers = {"x-toy-remaining": "0"} if saturate else {}
        body = json.dumps({"errors": [{"code": "RATE_LIMITED"}]}).encode()
        return Response(429, body, "application/json", headers)

    def respond(self, call: ApiCall, usage_pct: int | None) -> Response:
        account = call.path.strip("/").split("/")[1]
        body = json.dumps({"items": self.world.toy_items(account)}).encode()
        return Response(
            200, body, "application/json", {"x-toy-remaining": str(100 - (usage_pct or 0))}
        )


TOY = Family(
    name="toy",
    paths=r"^/toy/",
    platforms=("toy",),
    api=ToyApi,
    world=ToyWorld,
    error_kinds=("toy_throttle",),
    rate_limit_kinds=("toy_throttle",),
)


@pytest.fixture
def with_toy(monkeypatch):
    monkeypatch.setitem(registry.REGISTRY, "toy", f"{__name__}:TOY")
    registry.families.cache_clear()
    yield
    registry.families.cache_clear()


# ---------------------------------------------------------------- plain data, no ruche.config


@dataclass
class Range:
    start: int
    end: int

    def minutes(self) -> tuple[int, int]:
        return self.start, self.end


@dataclass
class Hours:
    def for_weekday(self, weekday: int) -> list[Range]:
        return [Range(9 * 60, 17 * 60)] if weekday < 5 else []


@dataclass
class Client:
    id: str
    display_name: str
    accounts: Any
    languages: tuple[str, ...] = ("fr", "en")
    timezone: str = "Europe/Paris"
    reporting_currency: str = "EUR"
    holidays: tuple[dt.date, ...] = ()
    business_hours: Hours = field(default_factory=Hours)

    @property
    def zone(self):
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.timezone)


def plain_agency() -> SimpleNamespace:
    accounts = SimpleNamespace(
        facebook=[SimpleNamespace(id=PAGE, name="Café Plain")],
        toy=[SimpleNamespace(id="t1", name=None)],
    )
    return SimpleNamespace(clients=[Client("cafe_plain", "Café Plain", accounts)])


def test_a_new_family_is_one_registry_entry(with_toy):
    from connectors.sandbox.server import SandboxServer
    from connectors.sandbox.world import compose_world

    assert "toy_throttle" in registry.all_fault_kinds()
    world = compose_world()(plain_agency(), seed=7, now=NOW)
    assert ("cafe_plain", "toy", "t1") in world.accounts()
    assert ("cafe_plain", "facebook", PAGE) in world.accounts()
    with SandboxServer(world) as server, requests.Session() as http:
        http.headers["Authorization"] = "Bearer x"
        toy = http.get(f"{server.url}/toy/t1/items", timeout=10)
        assert toy.status_code == 200 and toy.json() == {"items": world.toy_items("t1")}
        assert toy.headers["x-toy-remaining"] == "100"
        meta = http.get(f"{server.url}/v25.0/{PAGE}", params={"fields": "id,name"}, timeout=10)
        assert meta.json() == {"id": PAGE, "name": "Café Plain"}

        # The core applies the plan; each family words its own kinds in its own dialect.
        server.faults.add("toy_throttle")
        server.faults.add("http_429", path="/toy/")  # a Meta kind never fires on toy paths
        assert http.get(f"{server.url}/v25.0/{PAGE}", timeout=10).status_code == 200
        throttled = http.get(f"{server.url}/toy/t1/items", timeout=10)
        assert throttled.status_code == 429
        assert throttled.json() == {"errors": [{"code": "RATE_LIMITED"}]}
        assert throttled.headers["x-toy-remaining"] == "0"
        assert http.get(f"{server.url}/toy/t1/items", timeout=10).status_code == 200
        server.faults.add("usage_high", path="/toy/", pct=70)
        assert http.get(f"{server.url}/toy/t1/items", timeout=10).headers["x-toy-remaining"] == (
            "30"
        )
        unrouted = http.get(f"{server.url}/nowhere", timeout=10)
        assert unrouted.status_code == 404 and "toy" in unrouted.json()["error"]
        faults = [r["fault"] for r in server.requests if r["path"].startswith("/toy/")]
        assert faults == [None, "toy_throttle", None, "usage_high"]
        health = http.get(f"{server.url}/__sandbox/health", timeout=10).json()
        assert health["families"] == list(registry.REGISTRY) and health["toy"] is True


def test_the_sandbox_reads_plain_data_and_never_imports_ruche():
    script = f"""
import sys, datetime as dt, json, urllib.request
sys.path.insert(0, {str(ROOT)!r})
from tests.sandbox.test_families import plain_agency, NOW, PAGE
from connectors.sandbox import SandboxServer, World
world = World(plain_agency(), seed=7, now=NOW)
posts = world.posts("facebook", PAGE, NOW - dt.timedelta(days=7), NOW)
with SandboxServer(world) as server:
    url = f"{{server.url}}/v25.0/{{PAGE}}/published_posts?access_token=x&limit=100&since=" + str(
        int((NOW - dt.timedelta(days=7)).timestamp()))
    served = json.load(urllib.request.urlopen(url))["data"]
print(json.dumps({{"posts": len(posts), "served": [p["id"] for p in served],
                  "truth": [p["id"] for p in posts],
                  "ruche": sorted(m for m in sys.modules if m == "ruche" or m.startswith("ruche."))}}))
"""
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=ROOT
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["ruche"] == []
    assert result["posts"] > 0 and result["served"] == result["truth"]


def test_a_family_declares_what_each_fault_kind_ends_in():
    """The contract tests read these declarations: a permanent or withholding kind the family
    does not take is refused where the family is declared, not found missing in a test."""
    meta = registry.family("meta_graph")
    assert set(meta.permanent_kinds) | set(meta.withholding_kinds) | set(
        meta.transient_kinds
    ) == set(meta.kinds)
    assert "token_expired" in meta.permanent_kinds and "http_503" in meta.transient_kinds
    assert TOY.transient_kinds == TOY.kinds  # nothing declared permanent: all transient
    with pytest.raises(ValueError, match=r"toy: permanent_kinds not declared: \['toy_gone'\]"):
        Family(
            name="toy",
            paths=r"^/toy/",
            platforms=("toy",),
            api=ToyApi,
            world=ToyWorld,
            error_kinds=("toy_throttle",),
            permanent_kinds=("toy_gone",),
        )


def test_world_options_nobody_takes_are_an_error(demo_config):
    from connectors.sandbox import World

    with pytest.raises(TypeError, match="ig_since"):
        World(demo_config, now=NOW, ig_since={})


def test_ruche_sandbox_says_where_the_sandbox_lives_when_it_is_not_installed(monkeypatch):
    from ruche.cli import app

    # An installed wheel has no connectors.sandbox (pyproject excludes it).
    monkeypatch.setitem(sys.modules, "connectors.sandbox", None)
    result = CliRunner().invoke(app, ["sandbox", "--port", "0"])
    assert result.exit_code == 1
    assert "source tree" in result.output and "uv run ruche sandbox" in result.output
    assert "Traceback" not in result.output
