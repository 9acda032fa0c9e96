"""The dbt SQL is linted by sqlfluff's dbt templater (`make lint-sql`), which compiles every
model and test with dbt against an empty in-memory DuckDB: no warehouse, no `config` tables, no
built marts. The macros that read the warehouse at compile time must cope with that.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .test_dbt import ROOT, assert_success, dbt


def test_every_node_compiles_against_an_empty_warehouse(tmp_path: Path) -> None:
    """`config.platforms` absent: the unions span the platforms declared in dbt_project.yml;
    `fct_comments` absent: the privacy test's watermark is none (the full-history branch)."""
    result, _seconds = dbt(Path(":memory:"), "compile", work_dir=tmp_path)
    assert_success(result)
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    nodes = {node["name"]: node for node in manifest["nodes"].values()}
    declared = ("facebook", "instagram", "meta_ads")
    for platform in declared:
        assert f"int_{platform}__accounts" in nodes["int_accounts"]["compiled_code"]
    privacy = nodes["assert_no_commenter_identity_in_marts"]["compiled_code"]
    assert "raw_facebook" in privacy and "raw_instagram" in privacy


@pytest.mark.timeout(600)
def test_make_lint_sql_fails_on_a_file_dbt_cannot_compile(tmp_path: Path) -> None:
    """sqlfluff only warns when dbt cannot compile a file (and skips it); `make lint-sql` fails."""
    model = ROOT / "dbt_project" / "models" / "zz_lint_probe_tmp.sql"
    model.write_text(
        "{% if execute %}{% do run_query('select * from nowhere.missing') %}{% endif %}\n"
        "select 1 as one\n"
    )
    try:
        out = subprocess.run(
            ["make", "--no-print-directory", "lint-sql", f"SQL={model.relative_to(ROOT)}"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=500,
            check=False,
        )
    finally:
        model.unlink()
    assert out.returncode != 0, out.stdout
    assert "dbt could not compile a file above, so it was not linted" in out.stdout
