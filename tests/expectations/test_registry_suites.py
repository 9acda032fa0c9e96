"""The suites derive from the platform registry: every registered (platform, entity) has exactly
one suite, found in the module named after the platform, and every suite names a registered
entity; shared suite code names no platform and assumes no platform's formats.

GX is imported lazily (6-10 s) so collecting other test modules stays fast.
"""

from __future__ import annotations

import ast
import dataclasses
import importlib.machinery
import json
import re
import sys
import types
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from ruche import platforms
from ruche.platforms import REGISTRY, Entity, Platform

SUITES_DIR = Path(__file__).resolve().parents[2] / "expectations" / "suites"
SHARED_MODULES = ("__init__.py", "builders.py")
SAMPLE_FORMAT = "%d/%m/%Y %H:%M"  # nothing like Graph's '%Y-%m-%dT%H:%M:%S%z'


def sample_platform(name: str, *entities: str) -> Platform:
    """A platform that is not Meta-shaped: its own name, timestamp format and entities."""
    template = next(iter(REGISTRY.values()))
    return dataclasses.replace(
        template,
        name=name,
        label=name,
        timestamp_format=SAMPLE_FORMAT,
        entities=tuple(Entity(e, "record->>'uid'") for e in entities),
    )


def install_suite_module(monkeypatch, name: str, suites: Callable | None) -> None:
    """`expectations.suites.<name>` as if it were a file of that package."""
    module_name = f"expectations.suites.{name}"
    module = types.ModuleType(module_name)
    module.__spec__ = importlib.machinery.ModuleSpec(module_name, None)
    if suites is not None:
        module.suites = suites
    monkeypatch.setitem(sys.modules, module_name, module)


def things_suite(platform: Platform, entity: str = "things", *, name: str | None = None):
    """A suite built only from the shared builders, with the platform's own id field and
    timestamp format."""
    from expectations.suites import builders as b

    return b.entity_suite(
        name or platform.name,
        entity,
        b.id_checks("thing", id_path="$.uid"),
        b.created_checks("thing", "$.made", "made", fmt=platform.timestamp_format),
    )


# --- the real registry --------------------------------------------------------------------------


def test_every_registered_entity_has_exactly_one_suite_and_every_suite_a_registered_entity():
    from expectations.suites import SUITES, suite_for

    registered = [(p.name, e.name) for p, e in platforms.entities()]
    assert list(SUITES) == registered  # same pairs, same order, no extra suite
    for (platform, entity), suite in SUITES.items():
        assert (suite.platform, suite.entity) == (platform, entity)
        assert suite_for(platform, entity) is suite
        assert (SUITES_DIR / f"{platform}.py").is_file(), f"{platform} has no suite module"


def test_shared_suite_code_names_no_platform_and_no_platform_format():
    """String literals of the shared modules (docstrings aside) hold no registered platform name
    and no platform's timestamp format or account-id prefix."""
    banned = {p.name for p in REGISTRY.values()}
    banned |= {p.timestamp_format for p in REGISTRY.values()}
    banned |= {p.account_id_prefix for p in REGISTRY.values() if p.account_id_prefix}
    for filename in SHARED_MODULES:
        tree = ast.parse((SUITES_DIR / filename).read_text())
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
            and isinstance(node.body[0].value, ast.Constant)
        }
        literals = [
            node.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ]
        found = sorted(
            word
            for word in banned
            # Not inside a longer word: `json_extract_string` does not name the `act_` prefix.
            if any(re.search(rf"(?<![A-Za-z0-9]){re.escape(word)}", text) for text in literals)
        )
        assert not found, f"expectations/suites/{filename} names {found}"


# --- a platform added to the registry -----------------------------------------------------------


def test_a_new_platform_gets_its_suites_from_its_own_module_with_its_own_format(
    monkeypatch, tmp_path
):
    from expectations.runner import Auditor
    from expectations.suites import build_suites

    sample = sample_platform("zz_sample", "things")
    install_suite_module(monkeypatch, "zz_sample", lambda platform: [things_suite(platform)])

    suites = build_suites({**REGISTRY, "zz_sample": sample})

    assert list(suites)[-1] == ("zz_sample", "things")
    assert list(suites)[:-1] == [(p.name, e.name) for p, e in platforms.entities()]
    suite = suites["zz_sample", "things"]
    reasons = [c.reason for c in suite.checks]
    assert "made missing or not a timestamp like 22/11/2026 01:46" in reasons

    # Audited for real: DuckDB parses the platform's own format, GX names the bad rows.
    con = duckdb.connect()
    records = [
        {"uid": "a", "made": "02/11/2026 14:05"},
        {"uid": "b", "made": "2026-11-02T14:05:33+0000"},  # a Graph timestamp: not this format
        {"uid": "a", "made": "03/11/2026 09:00"},  # repeated id
        {"uid": "c", "made": "01/01/1999 00:00"},  # before 2004
    ]
    con.execute(
        "CREATE TEMP TABLE _stage (_row BIGINT, _source_file VARCHAR, "
        "_extracted_at TIMESTAMPTZ, record JSON)"
    )
    con.executemany(
        "INSERT INTO _stage VALUES (?, 'f.ndjson', TIMESTAMPTZ '2026-11-20 00:00:00+00', ?)",
        [(row, json.dumps(record)) for row, record in enumerate(records, 1)],
    )
    result = Auditor(suites={}).audit(suite, con.execute(suite.select_sql()).df(), "sample")
    by_reason = {f.reason: f.row for f in result.failures}
    assert by_reason == {
        "made missing or not a timestamp like 22/11/2026 01:46": 2,
        "thing id repeated in the same extraction file": 3,
        "thing made is more than 1 hour after the extraction, or before 2004": 4,
    }


def test_a_registered_platform_without_a_suite_module_is_a_clear_error():
    from expectations.suites import build_suites

    sample = sample_platform("zz_nosuites", "things", "others")
    with pytest.raises(ValueError) as error:
        build_suites({"zz_nosuites": sample})
    assert str(error.value) == (
        "platform 'zz_nosuites' is registered but has no audit suites: add "
        "expectations/suites/zz_nosuites.py with `suites(platform)` returning one Suite per "
        "entity (things, others); see expectations/README.md"
    )


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda p: [things_suite(p)],
            "expectations/suites/zz_bad.py: no suite for zz_bad.others: every registered "
            "entity is audited",
        ),
        (
            lambda p: [things_suite(p), things_suite(p, "others"), things_suite(p, "extra")],
            "expectations/suites/zz_bad.py: suite zz_bad.extra audits an entity the registry "
            "does not declare for 'zz_bad' (declared: things, others)",
        ),
        (
            lambda p: [things_suite(p), things_suite(p), things_suite(p, "others")],
            "expectations/suites/zz_bad.py: two suites for zz_bad.things; keep one",
        ),
        (
            lambda p: [things_suite(p, name="zz_other"), things_suite(p, "others")],
            "expectations/suites/zz_bad.py: suite zz_other.things is not for 'zz_bad': build it "
            "with platform.name",
        ),
        (
            None,
            "expectations/suites/zz_bad.py has no `suites(platform)` function returning the "
            "platform's suites",
        ),
    ],
    ids=["missing", "unregistered", "repeated", "other_platform", "no_function"],
)
def test_a_suite_module_that_disagrees_with_the_registry_is_refused(monkeypatch, build, message):
    from expectations.suites import build_suites

    install_suite_module(monkeypatch, "zz_bad", build)
    with pytest.raises(ValueError) as error:
        build_suites({"zz_bad": sample_platform("zz_bad", "things", "others")})
    assert str(error.value) == message
