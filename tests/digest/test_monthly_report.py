"""`ruche report`: the monthly performance report per client, from the marts, HTML (and PDF
where a headless Chromium is installed)."""

from __future__ import annotations

import re

import pytest

from ..conftest import DEMO_CONFIG
from ..warehouse.test_dbt import query
from .test_delivery import cli


def test_the_monthly_report_shows_each_target_with_the_marts_figures(morning_build, tmp_path):
    from ruche.digest.monthly import find_pdf_browser

    result = cli(
        "report",
        "--month",
        "2026-11",
        "--config",
        str(DEMO_CONFIG),
        "--warehouse",
        str(morning_build),
        "--reports",
        str(tmp_path),
    )
    assert result.exit_code == 0, result.output
    pages = sorted(tmp_path.rglob("report-2026-11.*.html"))
    # one per client language: cafe (fr), stride (en), maison (fr and en)
    assert [p.relative_to(tmp_path).as_posix() for p in pages] == [
        "cafe_lumiere/report-2026-11.fr.html",
        "maison_des_arts/report-2026-11.en.html",
        "maison_des_arts/report-2026-11.fr.html",
        "stride_athletics/report-2026-11.en.html",
    ]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        client_id = page.parent.name
        targets = query(
            morning_build,
            "SELECT kpi, platform_scope, actual_value FROM marts.rpt_targets_monthly "
            "WHERE client_id = ? AND month_start = DATE '2026-11-01'",
            [client_id],
        )
        shown = dict(
            re.findall(
                r'data-target="([^"]+)">(?:\s*<td>.*?</td>){2}\s*<td data-value="([^"]*)"',
                html,
                flags=re.S,
            )
        )
        assert len(shown) == len(targets) > 0
        for row in targets:
            value = shown[f"{row['kpi']}:{row['platform_scope']}"]
            if row["actual_value"] is None:
                assert value == ""
            else:
                assert float(value) == pytest.approx(row["actual_value"])
        for chart in re.findall(r'<img src="([^"]+)"', html):
            assert (page.parent / chart).read_bytes().startswith(b"\x89PNG")
    if find_pdf_browser():
        pdfs = sorted(tmp_path.rglob("report-2026-11.*.pdf"))
        assert len(pdfs) == 4
        assert all(p.read_bytes().startswith(b"%PDF") for p in pdfs)
    else:
        assert "no headless Chromium found" in result.output


def test_a_bad_month_is_one_line(morning_build):
    result = cli("report", "--month", "2026-13", "--warehouse", str(morning_build))
    assert result.exit_code == 2
    assert "--month '2026-13': expected YYYY-MM" in result.output
