"""How big the sandbox world is: volumes per account, and synthetic agencies for benchmarks.

The demo uses ``config/clients.demo.yml`` with `Scale()` defaults. Benchmarks build a fictional
agency from `synthetic_agency(SCALES["agency"], seed)` — plain data in the shape of a clients
file, which Ruche parses into its configuration (`ruche.sandbox.synthetic_config`) — and pass
the same scale to `World`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .families import families
from .rand import rng


@dataclass(frozen=True)
class Scale:
    """Volumes of the generated world. `clients`, `accounts_per_client` and
    `ad_accounts_per_client` only shape `synthetic_config`; the others shape every world."""

    clients: int = 3
    accounts_per_client: int = 3
    """Organic accounts per client, split by each family over its organic platforms."""
    ad_accounts_per_client: int = 1
    posts_per_day: float = 1.2
    comments_per_post: float = 12.0
    ads_per_account: int = 6
    history_days: int = 400


SCALES: dict[str, Scale] = {
    "demo": Scale(),
    "agency": Scale(
        clients=25,
        accounts_per_client=6,
        ad_accounts_per_client=2,
        posts_per_day=2,
        comments_per_post=40,
        ads_per_account=20,
        history_days=730,
    ),
}

# (timezone, currency, languages, weekday hours, saturday hours, sunday hours)
_PROFILES: list[tuple[str, str, list[str], list[str], list[str], list[str]]] = [
    ("America/Toronto", "CAD", ["fr", "en"], ["09:00-17:00"], [], []),
    ("Europe/Paris", "EUR", ["fr"], ["09:00-12:30", "14:00-18:00"], ["10:00-13:00"], []),
    ("Europe/London", "GBP", ["en"], ["09:00-17:30"], [], []),
    ("Europe/Brussels", "EUR", ["fr", "en"], ["10:00-18:00"], ["11:00-17:00"], []),
    ("America/New_York", "USD", ["en"], ["08:00-20:00"], ["10:00-16:00"], ["12:00-16:00"]),
    ("America/Los_Angeles", "USD", ["en"], ["09:00-18:00"], [], []),
    ("Australia/Sydney", "AUD", ["en"], ["08:30-17:00"], [], []),
    ("Europe/Zurich", "CHF", ["fr", "en"], ["08:00-12:00", "13:30-17:30"], [], []),
    ("America/Montreal", "CAD", ["fr"], ["07:00-22:00"], ["07:00-22:00"], ["08:00-20:00"]),
    ("Pacific/Auckland", "NZD", ["en"], ["09:00-17:00"], ["09:00-12:00"], []),
]

_NAMES_A = [
    "Boulangerie", "Studio", "Maison", "North", "Atelier", "Urban", "Café", "Fjord", "Galerie",
    "Bright", "Verger", "Harbour", "Cordée", "Pixel", "Épicerie",
]  # fmt: skip
_NAMES_B = [
    "Soleil", "Peak", "Lumen", "Tide", "Brûlé", "Canopy", "Orchard", "Azur", "Ember", "Nord",
    "Comète", "Meadow", "Granit", "Saffron", "Velours",
]  # fmt: skip

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def slug(text: str) -> str:
    from .content import ascii_fold

    return "".join(c if c.isalnum() else "_" for c in ascii_fold(text).lower()).strip("_")


def synthetic_agency(scale: Scale, seed: int = 7) -> dict[str, Any]:
    """A clients file (as plain data) for a fictional agency with `scale.clients` clients, each with
    `accounts_per_client` organic accounts and `ad_accounts_per_client` ad accounts, spread over
    time zones, currencies, languages and opening hours. Deterministic in (scale, seed)."""
    r = rng(seed, "synthetic-config")
    clients: list[dict[str, Any]] = []
    used: set[str] = set()
    for k in range(scale.clients):
        tz, currency, languages, week, saturday, sunday = _PROFILES[k % len(_PROFILES)]
        while True:
            display = f"{r.choice(_NAMES_A)} {r.choice(_NAMES_B)}"
            client_id = f"{slug(display)}_{k + 1:02d}"
            if client_id not in used:
                used.add(client_id)
                break
        hours: dict[str, list[str]] = {day: list(week) for day in _WEEKDAYS}
        if saturday:
            hours["saturday"] = list(saturday)
        if sunday:
            hours["sunday"] = list(sunday)
        year = 2026
        holidays = [dt.date(y, 12, 25) for y in (year - 1, year, year + 1)]
        holidays += [dt.date(y, 1, 1) for y in (year, year + 1)]
        holidays.append(dt.date(year, 5, r.randint(1, 28)))
        env = client_id.upper()
        accounts: dict[str, list[dict[str, Any]]] = {}
        for fam in families().values():
            if fam.synthetic_accounts is None:
                continue
            for platform, items in fam.synthetic_accounts(scale, k, display).items():
                accounts[platform] = [
                    {**item, "token_env": f"RUCHE_TOKEN_{env}_{platform.upper()}"} for item in items
                ]
        clients.append(
            {
                "id": client_id,
                "display_name": display,
                "languages": languages,
                "timezone": tz,
                "reporting_currency": currency,
                "business_hours": hours,
                "holidays": sorted(holidays),
                "targets": [
                    {"kpi": "engagements", "target": float(r.randint(10, 200) * 100)},
                    {"kpi": "response_rate", "target": 0.9},
                ],
                "accounts": accounts,
            }
        )
    return {
        "agency": {"name": f"Synthetic agency ({scale.clients} clients)", "timezone": "UTC"},
        "clients": clients,
    }
