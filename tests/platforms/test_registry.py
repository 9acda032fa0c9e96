"""The platform registry: import-light, every entry well-formed, the API calendar's sunset
warnings, and the config schema derived from it."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from ruche import platforms as registry
from ruche.platforms import SUNSET_WARNING_DAYS, sunset_warnings

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "config" / "clients.demo.yml"
PLATFORMS = list(registry.REGISTRY.values())
HEAVY = ("requests", "duckdb", "dbt", "great_expectations", "pydantic", "yaml", "fsspec")


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_importing_the_registry_pulls_no_heavy_library():
    # The DAG files read the registry at parse time: it must stay standard-library only.
    out = _python(
        f"""
        import json, sys
        import ruche.platforms
        ruche.platforms.entities(); ruche.platforms.as_rows()
        heavy = {HEAVY!r}
        print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))
        """
    )
    assert json.loads(out) == []


@pytest.mark.parametrize("item", PLATFORMS, ids=lambda p: p.name)
def test_connector_class_matches_its_entry(item):
    cls = item.connector_class()
    assert cls.platform == item.name
    assert tuple(cls.entities) == item.extracted_entity_names
    assert cls.refetch_days == item.refetch_days
    assert cls.removed_metrics() == item.removed_metric_names
    assert cls.api_version == item.api.version


@pytest.mark.parametrize("item", PLATFORMS, ids=lambda p: p.name)
def test_entry_is_well_formed(item):
    names = item.entity_names
    assert len(set(names)) == len(names), "an entity is declared twice"
    for entity in item.entities:
        assert entity.parent is None or entity.parent in names, (entity.name, entity.parent)
        assert entity.key.strip()
        if entity.refetch_days is not None:
            assert entity.refetch_days >= 0
    assert item.family in ("organic", "ads")
    assert item.account_id_hint and item.label
    assert item.api.setting, "the sunset warning must name what to change"
    if item.reporting_day != registry.ACCOUNT_TIMEZONE:
        from zoneinfo import ZoneInfo

        ZoneInfo(item.reporting_day)
    # The format reads back what it writes (Graph's `…+0000`, X's `….000Z`); LinkedIn's epoch
    # milliseconds are numbers, not a strptime format.
    if item.timestamp_format != registry.EPOCH_MILLISECONDS:
        example = dt.datetime(2026, 11, 2, 14, 5, 33, tzinfo=dt.UTC)
        fmt = item.timestamp_format
        parsed = dt.datetime.strptime(example.strftime(fmt), fmt)
        assert parsed.replace(tzinfo=dt.UTC) == example
    removed = [m.name for m in item.removed_metrics]
    assert len(set(removed)) == len(removed)
    for metric in item.removed_metrics:
        assert metric.replacement is None or metric.replacement not in item.removed_metric_names


def test_demo_config_ids_match_the_patterns():
    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    seen = set()
    for client in data["clients"]:
        for name, accounts in client["accounts"].items():
            item = registry.platform(name)
            for account in accounts:
                stored = item.normalise_account_id(str(account["id"]))
                assert stored and not stored.startswith(item.account_id_prefix or "\0")
                seen.add(name)
    assert seen == set(registry.REGISTRY), "the demo config lacks a platform"


def test_wrong_ids_get_the_hint():
    for item in PLATFORMS:
        with pytest.raises(ValueError, match=r"^expected ") as info:
            item.normalise_account_id("not an id!")
        assert item.account_id_hint in str(info.value)


def test_sunset_warnings_start_thirty_days_before():
    dated = [p for p in PLATFORMS if p.api.sunset is not None]
    assert dated, "no platform has a sunset date to check"
    for item in dated:
        sunset = item.api.sunset
        before = sunset - dt.timedelta(days=SUNSET_WARNING_DAYS + 1)
        assert not sunset_warnings(before, only=(item.name,))
        first = sunset_warnings(sunset - dt.timedelta(days=SUNSET_WARNING_DAYS), only=(item.name,))
        assert [w["days_left"] for w in first] == [SUNSET_WARNING_DAYS]
        assert item.api.setting in first[0]["message"]
        after = sunset_warnings(sunset + dt.timedelta(days=2), only=(item.name,))
        assert after[0]["days_left"] == -2 and "was sunset" in after[0]["message"]


def test_graph_warning_names_the_real_setting():
    (warning,) = sunset_warnings(dt.date(2028, 7, 10), only=("facebook",))
    assert warning["message"] == (
        "Facebook Pages: API v25.0 is sunset on 2028-07-29 (in 19 days); move to a newer "
        "version (set the environment variable RUCHE_GRAPH_API_VERSION, e.g. to v26.0) and "
        "check DECISIONLOG.md for metric changes"
    )


# ---------------------------------------------------------------------- config schema
def test_config_schema_has_one_account_list_per_platform():
    from ruche.config import ACCOUNT_MODELS, PLATFORMS, Accounts

    assert registry.names() == PLATFORMS
    assert tuple(Accounts.model_fields) == registry.names()
    assert tuple(ACCOUNT_MODELS) == registry.names()


def test_every_platform_id_error_names_its_path_and_hint():
    from ruche.config import ConfigError, parse_config

    data = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for item in PLATFORMS:
        broken = json.loads(json.dumps(data, default=str))
        client = next(i for i, c in enumerate(broken["clients"]) if c["accounts"].get(item.name))
        broken["clients"][client]["accounts"][item.name][0]["id"] = "x12"
        with pytest.raises(ConfigError) as info:
            parse_config(broken)
        assert info.value.problems == [
            f"clients[{client}].accounts.{item.name}[0].id: expected {item.account_id_hint}"
        ]


def test_a_registered_platform_becomes_a_config_key():
    # A new registry entry is all the config schema needs: its accounts validate by its
    # pattern, appear in `by_platform()` and `iter_accounts`.
    out = _python(
        """
        import dataclasses, json
        import ruche.platforms as registry
        base = registry.platform("facebook")
        registry.REGISTRY["chirp"] = dataclasses.replace(
            base, name="chirp", label="Chirp", account_id_pattern=r"[a-z]{3}\\d+",
            account_id_hint="three letters then digits", account_id_prefix="@")
        from ruche.config import ConfigError, parse_config
        import yaml
        data = yaml.safe_load(open("config/clients.demo.yml"))
        data["clients"][0]["accounts"]["chirp"] = [{"id": "@abc12", "token_env": "CHIRP"}]
        config = parse_config(data)
        got = [(p, a.id) for _, p, a in config.iter_accounts(platforms=["chirp"])]
        data["clients"][1]["accounts"]["chirp"] = [{"id": "12", "token_env": "CHIRP"}]
        try:
            parse_config(data)
        except ConfigError as exc:
            problems = exc.problems
        print(json.dumps({"got": got, "problems": problems}))
        """
    )
    result = json.loads(out)
    assert result["got"] == [["chirp", "abc12"]]
    assert result["problems"] == [
        "clients[1].accounts.chirp[0].id: expected three letters then digits"
    ]
