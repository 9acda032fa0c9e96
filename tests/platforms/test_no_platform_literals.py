"""A platform is one registry entry plus its own files: shared Python code never names one.

Shared code gets platform names from `ruche.platforms`. A platform's name may appear as a
literal only in the registry, in files of its own (named after the platform, its sandbox
family or its vendor: `connectors/facebook.py`, `connectors/meta_graph.py`,
`connectors/sandbox/meta_graph/`, `expectations/suites/meta.py`, …) and in tests. Docstrings
and comments may name platforms as examples. The dbt side has the same check in
`tests/warehouse/test_dbt.py::test_shared_sql_names_no_platform`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from connectors.sandbox import families as sandbox_families
from ruche import platforms

ROOT = Path(__file__).resolve().parents[2]
FAMILY_REGISTRY = ROOT / "connectors" / "sandbox" / "families.py"
SHARED_ROOTS = ("ruche", "connectors", "expectations", "dags", "bench")
# The two registries name what they register: the platforms, and the sandbox's API families
# (a family may be named like its one platform: `google_ads`).
REGISTRIES = (("platforms", "__init__.py"), ("sandbox", "families.py"))


def _docstrings(tree: ast.AST) -> set[int]:
    """Ids of string constants that are docstrings (a module, class or function's first
    statement, or a bare string statement documenting an attribute)."""
    out: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        for stmt in body:
            value = stmt.value if isinstance(stmt, ast.Expr) else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                out.add(id(value))
    return out


def _own(path: Path, home: tuple[str, ...]) -> bool:
    """Whether `path` is one of the platform's own files (a part named after one of its home
    names, alone or as a prefix: `meta_graph.py`, `meta/`, `facebook.py`)."""
    for part in path.relative_to(ROOT).with_suffix("").parts:
        for name in home:
            if part == name or part.startswith(name + "_"):
                return True
    return False


NOT_A_PLATFORM = "# not a platform name"
"""A line ending in this comment holds a literal that only looks like a platform name (French's
plural ending `x`, say); the reviewer sees the claim."""


def _offences(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    tree = ast.parse(text)
    docs = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        if id(node) in docs or lines[node.lineno - 1].rstrip().endswith(NOT_A_PLATFORM):
            continue
        for item in platforms.REGISTRY.values():
            if _own(path, item.home_names) or path.parts[-2:] in REGISTRIES:
                continue
            if path == FAMILY_REGISTRY and node.value in sandbox_families.REGISTRY:
                continue  # the family registry names families (X's shares its platform's name)
            if len(item.name) < 3:
                # A one- or two-letter name (X's `x`) is a word in too much SQL and text
                # (`x->>'value'`, `for x in`): only a literal that is the name itself counts.
                named = node.value == item.name
            else:
                named = bool(
                    re.search(rf"(?<![a-z0-9_]){re.escape(item.name)}(?![a-z0-9_])", node.value)
                )
            if named:
                rel = path.relative_to(ROOT)
                found.append(f"{rel}:{node.lineno}: {item.name!r} in {node.value[:60]!r}")
    return found


def test_shared_python_names_no_platform():
    offences = []
    for root in SHARED_ROOTS:
        for path in sorted((ROOT / root).rglob("*.py")):
            if "platforms" in path.relative_to(ROOT).parts[:2]:
                continue  # the registry and its entries
            offences += _offences(path)
    assert offences == [], "platform names in shared code:\n" + "\n".join(offences)


def test_the_check_finds_a_platform_named_in_shared_code(tmp_path, monkeypatch):
    """The check is not vacuous: a shared module naming a platform is caught, its own module
    and a docstring are not."""
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    name = next(iter(platforms.REGISTRY))
    shared = tmp_path / "ruche" / "runner.py"
    own = tmp_path / "connectors" / f"{name}.py"
    for path in (shared, own):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'"""Extracts {name} pages."""\nPLATFORMS = ("{name}",)\n')
    assert len(_offences(shared)) == 1
    assert _offences(own) == []


def test_dbt_knows_the_models_of_every_registered_platform():
    """dbt resolves `ref()` while parsing, so `dbt_project.yml` mirrors the registry in the var
    `ruche_platform_models` (platform → family): it must say exactly what the registry says."""
    project = yaml.safe_load((ROOT / "dbt_project" / "dbt_project.yml").read_text())
    declared = project["vars"]["ruche_platform_models"]
    assert declared == {p.name: p.family for p in platforms.REGISTRY.values()}
