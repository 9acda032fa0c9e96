"""The audit suites, kept as code: one `Suite` per registered (platform, entity).

The list of suites derives from the platform registry (`ruche.platforms`): for every platform
this package imports the module named after it (`expectations/suites/<platform>.py`), whose
`suites(platform)` returns one suite per entity the registry declares for that platform. A
platform registered without such a module, a missing or repeated suite, or a suite for an entity
the registry does not know stops the import with a message saying what to add. Shared code names
no platform:

* `builders.py`: `Check`, `Suite` and builders neutral of any platform's formats (a builder
  takes the timestamp format, the id field, an account-id prefix as arguments);
* `meta.py`: Graph-format pieces the Meta platforms share (Graph ids, comments, insight items);
* `facebook.py`, `instagram.py`, `meta_ads.py`: each platform's suites.

A suite is two things:

* `columns`: output column -> DuckDB SQL expression over the loader's `_stage` relation
  (`_row`, `_source_file`, `_account_id`, `_window_start`, `_window_end`, `_extracted_at`,
  `_parent_id`, `_parent_known`, `_since`, `_until`, `_day`, `record JSON`, ...). The SQL does
  the parsing (timestamps, decimals, JSON shapes, window functions for duplicates) so that
* `checks` can be simple Great Expectations column expectations that report every unexpected
  row by `_row`: mostly `ExpectColumnValuesToBeNull` on a "problem" column that is NULL for a
  good row and holds a short, readable description of what is wrong otherwise (for example
  `spend=N/A` or `created_time=(missing)`), plus not-null, in-set, regex and between checks on
  plain value columns.

Severity: **critical** when the row would be wrong or break a key in the warehouse (it is
quarantined with the check's reason); **warning** when the data is suspicious but is what the
platform said (recorded, loaded). Columns hold no personal data (no names, no comment text, no
commenter ids), because unexpected values end up in quarantine rows and in Data Docs.

Conventions shared by every suite:

* ids are present; an id is unique within one extraction (one `_source_file`): the first
  occurrence (lowest `_row`) passes, every later copy is reported, so quarantine keeps the key
  unique and loses nothing;
* timestamps parse with the platform's `Platform.timestamp_format` (Meta's
  `2026-11-22T01:46:47+0000`); the record's own creation time is not after `_extracted_at` +
  `FUTURE_TOLERANCE` and not before `EARLIEST_TIMESTAMP`;
* counts are non-negative integers written as digits (JSON numbers or Meta's numeric strings):
  `try_cast('3.5' AS BIGINT)` is 4 in DuckDB, so a cast alone would accept a decimal;
* money is a non-negative `DECIMAL(18,2)`, with an ISO-4217-shaped currency code.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping

from expectations.suites.builders import (
    EARLIEST_TIMESTAMP,
    FUTURE_TOLERANCE,
    Check,
    Severity,
    Suite,
)
from ruche.platforms import REGISTRY, Platform


def _platform_suites(platform: Platform) -> list[Suite]:
    """The suites `expectations/suites/<platform>.py` declares for `platform`."""
    module_name = f"{__name__}.{platform.name}"
    where = f"expectations/suites/{platform.name}.py"
    if importlib.util.find_spec(module_name) is None:
        raise ValueError(
            f"platform {platform.name!r} is registered but has no audit suites: add {where} "
            f"with `suites(platform)` returning one Suite per entity "
            f"({', '.join(platform.entity_names)}); see expectations/README.md"
        )
    build = getattr(importlib.import_module(module_name), "suites", None)
    if not callable(build):
        raise ValueError(
            f"{where} has no `suites(platform)` function returning the platform's suites"
        )
    return list(build(platform))


def build_suites(registry: Mapping[str, Platform] = REGISTRY) -> dict[tuple[str, str], Suite]:
    """One suite per registered (platform, entity), in registry order; ValueError naming the
    platform module to fix when a suite is missing, repeated or not a registered entity."""
    out: dict[tuple[str, str], Suite] = {}
    for platform in registry.values():
        where = f"expectations/suites/{platform.name}.py"
        declared = platform.entity_names
        found: dict[str, Suite] = {}
        for suite in _platform_suites(platform):
            if suite.platform != platform.name:
                raise ValueError(
                    f"{where}: suite {suite.name} is not for {platform.name!r}: build it with "
                    "platform.name"
                )
            if suite.entity not in declared:
                raise ValueError(
                    f"{where}: suite {suite.name} audits an entity the registry does not declare "
                    f"for {platform.name!r} (declared: {', '.join(declared)})"
                )
            if suite.entity in found:
                raise ValueError(f"{where}: two suites for {suite.name}; keep one")
            found[suite.entity] = suite
        missing = [entity for entity in declared if entity not in found]
        if missing:
            raise ValueError(
                f"{where}: no suite for {', '.join(f'{platform.name}.{e}' for e in missing)}: "
                "every registered entity is audited"
            )
        out.update({(platform.name, entity): found[entity] for entity in declared})
    return out


SUITES: dict[tuple[str, str], Suite] = build_suites()


def suite_for(platform: str, entity: str) -> Suite | None:
    """The suite auditing `platform`/`entity`, or None when there is none."""
    return SUITES.get((platform, entity))


__all__ = [
    "EARLIEST_TIMESTAMP",
    "FUTURE_TOLERANCE",
    "SUITES",
    "Check",
    "Severity",
    "Suite",
    "build_suites",
    "suite_for",
]
