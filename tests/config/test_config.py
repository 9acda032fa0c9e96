"""The client configuration schema: valid files load, broken ones list every problem."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from connectors.meta_ads import act_id
from ruche.config import ConfigError, load_config, parse_config

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "config" / "clients.demo.yml"


@pytest.fixture
def demo_data() -> dict:
    return yaml.safe_load(DEMO.read_text(encoding="utf-8"))


def test_demo_config_has_three_clients_with_meta_accounts():
    config = load_config(DEMO)
    assert [c.id for c in config.clients] == ["cafe_lumiere", "stride_athletics", "maison_des_arts"]
    assert len({c.timezone for c in config.clients}) == 3
    assert len({c.reporting_currency for c in config.clients}) == 3
    for client in config.clients:
        assert len(client.accounts.facebook) == 1
        assert len(client.accounts.instagram) == 1
        assert len(client.accounts.meta_ads) == 1
    assert config.client("maison_des_arts").languages == ["fr", "en"]


def test_template_config_is_valid():
    config = load_config(ROOT / "config" / "clients.yml")
    assert config.clients


def test_every_problem_is_listed_with_its_path(demo_data):
    data = copy.deepcopy(demo_data)
    data["clients"][1]["accounts"]["instagram"][0]["id"] = "abc"
    data["clients"][0]["timezone"] = "Mars/Olympus"
    data["clients"][2]["business_hours"]["monday"] = ["9-5"]
    data["clients"][0]["reporting_currency"] = "euro"
    data["agency"]["nightly_schedule"] = "every night"
    with pytest.raises(ConfigError) as info:
        parse_config(data, "clients.yml")
    problems = info.value.problems
    assert len(problems) == 5
    assert any(
        p.startswith("clients[1].accounts.instagram[0].id: expected digits") for p in problems
    )
    assert any(
        p.startswith("clients[0].timezone: unknown timezone 'Mars/Olympus'") for p in problems
    )
    assert any(p.startswith("clients[2].business_hours.monday:") for p in problems)
    assert any(
        p.startswith("clients[0].reporting_currency: expected an ISO-4217") for p in problems
    )
    assert any(p.startswith("agency.nightly_schedule:") for p in problems)
    assert "nothing was run" in str(info.value)


def test_a_token_in_the_file_is_refused(demo_data):
    data = copy.deepcopy(demo_data)
    data["clients"][0]["accounts"]["facebook"][0]["access_token"] = "EAAB-secret"
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert "clients[0].accounts.facebook[0]: 'access_token' must not be" in str(info.value)
    assert "EAAB-secret" not in str(info.value)


def test_account_without_token_source_and_duplicates_are_refused(demo_data):
    data = copy.deepcopy(demo_data)
    account = data["clients"][0]["accounts"]["facebook"][0]
    del account["token_env"], account["airflow_conn_id"]
    data["clients"][1]["accounts"]["meta_ads"][0]["id"] = data["clients"][0]["accounts"][
        "meta_ads"
    ][0]["id"]
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    text = str(info.value)
    assert "clients[0].accounts.facebook[0]: name where the token is" in text
    assert "already listed under client 'cafe_lumiere'" in text


def test_unknown_keys_and_yaml_errors(tmp_path, demo_data):
    data = copy.deepcopy(demo_data)
    data["clients"][0]["acounts"] = {}
    with pytest.raises(ConfigError) as info:
        parse_config(data)
    assert "clients[0].acounts: unknown key" in str(info.value)
    broken = tmp_path / "broken.yml"
    broken.write_text("agency:\n  name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line \d+, column \d+: not valid YAML"):
        load_config(broken)
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "missing.yml")


def test_business_hours_parse_and_overlap(demo_data):
    config = parse_config(demo_data)
    maison = config.client("maison_des_arts")
    assert [r.minutes() for r in maison.business_hours.for_weekday(1)] == [(600, 750), (810, 1080)]
    assert maison.business_hours.for_weekday(0) == []  # closed on Mondays
    data = copy.deepcopy(demo_data)
    data["clients"][0]["business_hours"]["monday"] = ["08:00-12:00", "11:00-17:00"]
    with pytest.raises(ConfigError, match="overlap"):
        parse_config(data)


def test_meta_ads_ids_normalise_to_digits(demo_data):
    config = parse_config(demo_data)
    account = config.client("cafe_lumiere").accounts.meta_ads[0]
    assert account.id == "100000000000001"
    assert act_id(account.id) == "act_100000000000001"


def test_public_holidays_come_from_country_and_subdivision_beside_closures(demo_data):
    import datetime as dt

    cafe = load_config(DEMO).client("cafe_lumiere")
    assert (cafe.country, cafe.subdivision) == ("CA", "QC")
    days = cafe.closed_days(range(2026, 2027))
    # Québec's own holiday (not Ontario's), named in the client's language, from the package
    assert days[dt.date(2026, 6, 24)] == ("public", "Fête nationale du Québec")
    assert days[dt.date(2026, 10, 12)][0] == "public"  # Thanksgiving, no longer typed by hand
    assert dt.date(2026, 8, 3) not in days  # Ontario's Civic Holiday is not Québec's
    assert days[dt.date(2026, 12, 26)] == ("closure", None)  # the client's own closure
    assert cafe.is_closed(dt.date(2031, 12, 25)) and not cafe.is_closed(dt.date(2031, 12, 23))
    brussels = load_config(DEMO).client("maison_des_arts")
    assert brussels.closed_days([2026])[dt.date(2026, 11, 11)][0] == "public"


def test_a_wrong_country_or_subdivision_is_named_with_its_path(demo_data):
    data = copy.deepcopy(demo_data)
    data["clients"][0]["subdivision"] = "XX"
    data["clients"][1]["country"] = "ZZ"
    del data["clients"][2]["country"]
    data["clients"][2]["subdivision"] = "BRU"
    with pytest.raises(ConfigError) as info:
        parse_config(data, "clients.yml")
    problems = info.value.problems
    assert any(
        p.startswith("clients[0]: subdivision: 'XX' is not a subdivision of CA (one of AB,")
        for p in problems
    ), problems
    assert any(p.startswith("clients[1].country: 'ZZ' is not a country") for p in problems)
    assert any(p.startswith("clients[2]: subdivision: set `country` too") for p in problems)
