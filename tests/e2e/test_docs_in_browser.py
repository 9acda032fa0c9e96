"""The dbt docs and the audit report, opened from disk in a real headless Chromium with no
network: they render, and show the models and the latest load's validations.

Chromium comes from the system's packages (`scripts/install-chromium.sh`, run by `make
browser-check` and CI); without it the test skips and says how to get it. Network is cut in the
browser itself: every host name resolves to nothing and any proxy use fails, so a page that
needed a CDN would show it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ruche.cli import app

from ..conftest import DEMO_CONFIG

DAY = "2026-11-19"
pytestmark = pytest.mark.slow


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.skip("no chromium on PATH: run scripts/install-chromium.sh (Debian's package)")
    return found


def dump_dom(page: Path, profile: Path) -> str:
    """The DOM of `page` after its scripts ran, from headless Chromium without network."""
    result = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",  # as root in a container
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # no name resolves: no CDN, no network
            "--proxy-server=127.0.0.1:9",
            "--virtual-time-budget=10000",  # let the page's scripts finish before the dump
            "--dump-dom",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory, sandbox_session):
    """One real `ruche run` (a day of the café's Facebook and Instagram, audited and loaded,
    dbt build, publish), then `dbt docs generate --static`, as the demo does."""
    from ruche.demo import dbt_docs

    work = tmp_path_factory.mktemp("docs_browser")
    warehouse = work / "warehouse" / "ruche.duckdb"
    env = {
        "RUCHE_BASE_URL": sandbox_session.url,
        "RUCHE_TOKEN_CAFE_LUMIERE_FACEBOOK": "EAAGsandbox-facebook",
        "RUCHE_TOKEN_CAFE_LUMIERE_INSTAGRAM": "EAAGsandbox-instagram",
        "RUCHE_PUBLISHED": str(work / "published" / "marts.duckdb"),
        "RUCHE_DOCS_DIR": str(work / "docs"),
    }
    args = ["run", "--config", str(DEMO_CONFIG), "--landing", str(work / "landing")]
    args += ["--warehouse", str(warehouse), "--client", "cafe_lumiere"]
    args += ["--platform", "facebook", "--platform", "instagram", "--start", DAY, "--end", DAY]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 0, result.output
    docs_page = dbt_docs(warehouse, work / "docs" / "dbt")
    return work, docs_page


def test_the_dbt_docs_render_from_disk_offline(built, tmp_path):
    _, docs_page = built
    dom = dump_dom(docs_page, tmp_path / "profile")
    # The sidebar tree is built by the page's script from the inlined manifest: model names in
    # the DOM mean it ran (an unrendered page has only the Angular templates).
    for model in ("rpt_community_daily", "fct_comments", "dim_clients", "rpt_targets_monthly"):
        assert model in dom, f"{model} not rendered in {docs_page}"
    assert "{{" not in re.sub(r"<script.*?</script>", "", dom, flags=re.S)[:20000]


def test_the_audit_report_renders_from_disk_offline_with_the_latest_load(built, tmp_path):
    work, _ = built
    report = work / "docs" / "gx" / "report.html"
    assert report.exists(), sorted(p.name for p in (work / "docs" / "gx").iterdir())
    dom = dump_dom(report, tmp_path / "profile")
    stored = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in (work / "docs" / "gx" / "results").rglob("*.json")
    ]
    newest: dict[str, dict] = {}
    for result in stored:
        suite = result["suite_name"]
        if (
            suite not in newest
            or result["meta"]["validation_time"] > (newest[suite]["meta"]["validation_time"])
        ):
            newest[suite] = result
    assert len(newest) >= 4
    assert f"{len(newest)} entities, last validated" in dom and "all passed" in dom
    # each entity's row names the load its latest validation came from, with its row count
    for suite, result in newest.items():
        load = result["meta"]["ruche"]["label"].rsplit(":", 1)[0]
        rows = f"{result['meta']['ruche']['rows']:,}"
        assert re.search(
            rf"<td>{re.escape(suite)}</td><td><code>{re.escape(load)}</code></td>"
            rf"<td>[^<]+</td><td class=\"n\">{re.escape(rows)}</td>",
            dom,
        ), suite
    for suite in ("facebook.posts", "facebook.comments", "instagram.media", "instagram.user"):
        assert suite in newest
    assert "http://" not in dom and "https://" not in dom  # nothing to fetch
