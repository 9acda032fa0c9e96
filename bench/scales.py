"""The benchmark scales, in one place: the sandbox's scale knob plus the histories to measure.

`demo` is the three demo clients of `config/clients.demo.yml`; `agency` is the sandbox's synthetic
25-client agency (6 organic + 2 ad accounts per client, 2 posts/day/account, 40 comments/post on
average with a heavy tail, 20 active ads per ad account). Each is measured at 30 and/or 730 days
of history (`--history 30,730`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from connectors.sandbox.scale import SCALES, Scale
from ruche.config import RucheConfig, load_config
from ruche.demo import DEMO_CONFIG
from ruche.sandbox import synthetic_config

HISTORIES = (30, 730)
SEED = 7
# A fixed "now" so every run of the benchmark sees the same world.
NOW = dt.datetime(2026, 11, 20, 6, 0, tzinfo=dt.UTC)
REFETCH_MARGIN_DAYS = 60  # the world must hold history + the connectors' re-fetch windows


def base_scale(name: str) -> Scale:
    """`demo`, `agency`, or `agency:N`: the agency's shape with N clients (for quick profiling
    at long histories; the targets are stated for the full agency)."""
    base, _, clients = name.partition(":")
    if base not in SCALES or (clients and (base == "demo" or not clients.isdigit())):
        raise ValueError(f"unknown scale {name!r}: use demo, agency or agency:N (N clients)")
    scale = SCALES[base]
    return dataclasses.replace(scale, clients=int(clients)) if clients else scale


def label(name: str) -> str:
    """A file-name-safe label: `agency:3` → `agency-3c`."""
    base, _, clients = name.partition(":")
    return f"{base}-{clients}c" if clients else base


def scale_for(name: str, history_days: int) -> Scale:
    base = base_scale(name)
    return dataclasses.replace(
        base, history_days=max(base.history_days, history_days + REFETCH_MARGIN_DAYS)
    )


def config_for(name: str, seed: int = SEED) -> RucheConfig:
    if name == "demo":
        return load_config(DEMO_CONFIG)
    return synthetic_config(base_scale(name), seed)


def describe(name: str) -> dict:
    return dataclasses.asdict(base_scale(name))
