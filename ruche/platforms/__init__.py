"""The platform registry: what Ruche knows about every platform, in one import-light place.

Every shared layer derives its per-platform behaviour from here instead of keeping its own
list: the config schema (accounts per platform, id validation), the extract runner (connector
classes, imported lazily by dotted path), the loader's entity specs and key SQL, the audit
suites, the DAGs' load tasks and Assets, the `config.*` tables dbt reads, the demo and the
contract tests. A new platform is its own files (connector, sandbox family, suites, dbt models,
tests) plus one `Platform` entry in `REGISTRY` below — see docs/adding-a-platform.md.

It is also Ruche's API calendar: each platform's API version, its published sunset date, and
the metrics the platform removed (when, and what replaced them). A run warns from
`SUNSET_WARNING_DAYS` before a sunset; a removed metric is never requested.

Import-light on purpose: the DAG files read it at parse time, so it imports only the standard
library (no requests, DuckDB, dbt or Great Expectations), and nothing here does I/O.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

Family = Literal["organic", "ads"]

SUNSET_WARNING_DAYS = 30
"""A run warns (log and `ops`) from this many days before the API version in use is sunset."""

ACCOUNT_TIMEZONE = "account"
"""`Platform.reporting_day` value: days are the account's own timezone (ad accounts)."""

EPOCH_MILLISECONDS = "epoch_ms"
"""`Platform.timestamp_format` value: timestamps are integers, milliseconds since the Unix
epoch (LinkedIn), not text a strptime format parses."""


@dataclass(frozen=True)
class Entity:
    """One landed entity of a platform, and how it becomes a raw table.

    `key` is SQL over the staged columns (`record` JSON and the `_`-prefixed columns); it is made
    unique per account (and per snapshot date for snapshots). A snapshot entity keeps one row
    per record per run date (counters that grow: posts, insights, followers); any other entity
    keeps one row per key, the latest extraction winning. `parent` is the entity that
    `_parent_id` refers to (comments and insights of a post); `expected` are the top-level
    fields reported when missing; `author_field` names the field that identifies a comment's
    author (counted when a platform leaves it out); `refetch_days` is how far back before the
    run's window this entity is re-read because the platform restates it (None: the
    platform's `refetch_days`, which an account's config may override). `extracted` is False
    for an entity the connector never requests: it is landed by another path (Meta's comment
    webhooks, `ruche.events`), loaded and audited like the others.
    """

    name: str
    key: str
    snapshot: bool = False
    parent: str | None = None
    expected: tuple[str, ...] = ()
    author_field: str | None = None
    refetch_days: int | None = None
    extracted: bool = True


@dataclass(frozen=True)
class ApiVersion:
    """The API version Ruche uses and when the platform says it stops answering."""

    version: str
    released: dt.date | None = None
    sunset: dt.date | None = None  # None: the platform has published none
    setting: str = ""  # what a user changes to move to a newer version
    source: str = ""  # where the dates are published


@dataclass(frozen=True)
class RemovedMetric:
    """A metric the platform removed: never requested, and what replaced it."""

    name: str
    removed_on: dt.date
    replacement: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Platform:
    """Everything shared code needs to know about one platform."""

    name: str  # the key in clients.yml `accounts:`, landing paths, raw schemas (`raw_<name>`)
    label: str  # for people: "Facebook Pages"
    family: Family
    connector: str  # "module:Class", imported only when used
    sandbox_family: str  # the sandbox API family that imitates it
    account_id_pattern: str  # a full-match regular expression on the configured id
    account_id_hint: str  # shown when an id does not match: what the id looks like
    reporting_day: str  # an IANA timezone, or ACCOUNT_TIMEZONE
    timestamp_format: str  # strptime format of the platform's timestamps, or EPOCH_MILLISECONDS
    api: ApiVersion
    entities: tuple[Entity, ...]
    refetch_days: int = 0  # default re-fetch window (days); an account may override it
    account_id_prefix: str = ""  # a prefix users may type and Ruche strips (Meta's `act_`)
    account_id_separators: str = ""  # characters users may type between digit groups, removed
    credential_envs: tuple[str, ...] = ()
    """Environment variables of deployment-wide credentials the platform needs besides each
    account's token (Google Ads' developer token); the demo and the bench set sandbox values."""
    removed_metrics: tuple[RemovedMetric, ...] = ()
    docs: str = ""  # the platform's reference section or docs page
    vendor: str = ""  # names the files its vendor's platforms share (Meta: meta_graph.py, meta.py)
    store_comment_text: bool = True
    """Whether comment text is landed at all (an account's `store_comment_text` overrides it):
    off where the platform's terms restrict storing member content (LinkedIn)."""

    @property
    def home_names(self) -> tuple[str, ...]:
        """Names a file of this platform's own carries (its name, its sandbox family, its
        vendor): only such files, the registry and tests may name the platform literally."""
        return tuple(n for n in (self.name, self.sandbox_family, self.vendor) if n)

    # ------------------------------------------------------------------ derived
    def connector_class(self) -> type:
        """The connector class (imports the connector module; not for DAG parse time)."""
        module, _, attr = self.connector.partition(":")
        return getattr(importlib.import_module(module), attr)

    def entity(self, name: str) -> Entity:
        for entity in self.entities:
            if entity.name == name:
                return entity
        known = ", ".join(e.name for e in self.entities)
        raise KeyError(f"{self.name} has no entity {name!r} (known: {known})")

    @property
    def entity_names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.entities)

    @property
    def extracted_entity_names(self) -> tuple[str, ...]:
        """The entities the connector extracts (those landed by another path left out)."""
        return tuple(e.name for e in self.entities if e.extracted)

    @property
    def removed_metric_names(self) -> frozenset[str]:
        return frozenset(m.name for m in self.removed_metrics)

    def entity_refetch_days(self, entity: str, account_override: int | None = None) -> int:
        """Days re-read before the window for `entity` (the account's override applies to the
        entities that follow the platform's default)."""
        declared = self.entity(entity).refetch_days
        if declared is not None:
            return declared
        return self.refetch_days if account_override is None else account_override

    def normalise_account_id(self, value: str) -> str:
        """The id as Ruche stores it (prefix removed), or ValueError with the hint."""
        text = str(value).strip()
        if self.account_id_prefix:
            text = text.removeprefix(self.account_id_prefix)
        for separator in self.account_id_separators:  # Google's `123-456-7890`
            text = text.replace(separator, "")
        if not re.fullmatch(self.account_id_pattern, text):
            raise ValueError(f"expected {self.account_id_hint}")
        return text

    def reporting_timezone(self, account_timezone: str | None = None) -> str:
        """The timezone whose calendar days this platform reports in."""
        if self.reporting_day == ACCOUNT_TIMEZONE:
            return account_timezone or "UTC"
        return self.reporting_day

    def sunset_in(self, today: dt.date) -> int | None:
        """Days until the API version in use is sunset (negative: already), None if unknown."""
        return None if self.api.sunset is None else (self.api.sunset - today).days


# ---------------------------------------------------------------------- the registry
def _entries() -> tuple[Platform, ...]:
    # One import per family module; a new family adds its module here.
    from ruche.platforms import google, linkedin, meta, x

    return (*meta.PLATFORMS, *google.PLATFORMS, *x.PLATFORMS, *linkedin.PLATFORMS)


REGISTRY: dict[str, Platform] = {p.name: p for p in _entries()}
"""Every platform Ruche supports, by name, in a stable order."""


def platform(name: str) -> Platform:
    """The registered platform `name`, or KeyError naming the known ones."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no platform {name!r} (known: {', '.join(REGISTRY)})") from None


def names(family: Family | None = None) -> tuple[str, ...]:
    """Registered platform names (of one family), in registry order."""
    return tuple(p.name for p in REGISTRY.values() if family is None or p.family == family)


def entities() -> Iterator[tuple[Platform, Entity]]:
    """Every (platform, entity) pair, in registry order."""
    for item in REGISTRY.values():
        for entity in item.entities:
            yield item, entity


def sunset_warnings(
    today: dt.date, within_days: int = SUNSET_WARNING_DAYS, only: tuple[str, ...] | None = None
) -> list[dict[str, Any]]:
    """The platforms whose API version is sunset within `within_days` of `today` (or already),
    each with a message that names the setting to change."""
    out: list[dict[str, Any]] = []
    for item in REGISTRY.values():
        if only is not None and item.name not in only:
            continue
        days = item.sunset_in(today)
        if days is None or days > within_days:
            continue
        when = (
            f"was sunset on {item.api.sunset}"
            if days < 0
            else f"is sunset on {item.api.sunset} (in {days} days)"
        )
        out.append(
            {
                "platform": item.name,
                "api_version": item.api.version,
                "sunset": item.api.sunset,
                "days_left": days,
                "message": (
                    f"{item.label}: API {item.api.version} {when}; move to a newer version "
                    f"({item.api.setting}) and check DECISIONLOG.md for metric changes"
                ),
            }
        )
    return out


def sandbox_credential_env() -> dict[str, str]:
    """A stand-in value for every registered `credential_envs` variable (the sandbox accepts any
    non-empty credential): for the demo and the bench, never for real platforms."""
    return {
        name: "sandbox-credential" for item in REGISTRY.values() for name in item.credential_envs
    }


def as_rows() -> list[dict[str, Any]]:
    """One plain row per platform (for the `config.platforms` table dbt reads)."""
    return [
        {
            "platform": p.name,
            "label": p.label,
            "family": p.family,
            "reporting_day": p.reporting_day,
            "refetch_days": p.refetch_days,
            "api_version": p.api.version,
            "api_sunset": p.api.sunset,
        }
        for p in REGISTRY.values()
    ]


__all__ = [
    "ACCOUNT_TIMEZONE",
    "EPOCH_MILLISECONDS",
    "REGISTRY",
    "SUNSET_WARNING_DAYS",
    "ApiVersion",
    "Entity",
    "Family",
    "Platform",
    "RemovedMetric",
    "as_rows",
    "entities",
    "names",
    "platform",
    "sandbox_credential_env",
    "sunset_warnings",
]
