"""The morning digest sent for real: `ruche digest --send` (typer's CliRunner) through a real
SMTP server on loopback (aiosmtpd), on a warehouse built by dbt from sandbox data. The test
parses the MIME message, finds the inline charts and checks the numbers against the marts."""

from __future__ import annotations

import datetime as dt
import re
import statistics
from pathlib import Path

import pytest
import yaml

from ..conftest import DEMO_CONFIG
from ..warehouse.test_dbt import query

MORNING = dt.date(2026, 11, 20)
YESTERDAY = MORNING - dt.timedelta(days=1)
RECIPIENT = "cm@agency.test"


def write_config(tmp_path: Path, port: int, attempts: int = 3) -> Path:
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["notifications"] = {
        "smtp": {
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "sender": "Ruche <ruche@agency.test>",
            "timeout_seconds": 5,
        },
        "attempts": attempts,
    }
    for client in data["clients"]:
        if client["id"] == "cafe_lumiere":
            client["digest"] = {"recipients": [RECIPIENT]}
    path = tmp_path / "clients.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def cli(*args: str):
    from typer.testing import CliRunner

    from ruche.cli import app

    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def send(config: Path, warehouse: Path, reports: Path):
    return cli(
        "digest",
        "--client",
        "cafe_lumiere",
        "--date",
        MORNING.isoformat(),
        "--send",
        "--config",
        str(config),
        "--warehouse",
        str(warehouse),
        "--reports",
        str(reports),
    )


def metrics(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-metric="([a-z_]+)" data-value="([^"]*)"', html))


def expected_figures(warehouse: Path) -> dict[str, float]:
    """Yesterday's figures computed here from fct_comments (client-local days)."""
    rows = query(
        warehouse,
        "SELECT created_date_local, is_hidden, is_answered, response_business_minutes "
        "FROM marts.fct_comments WHERE client_id = 'cafe_lumiere' AND NOT is_brand_reply",
    )
    day = [r for r in rows if r["created_date_local"] == YESTERDAY]
    visible = [r for r in day if not r["is_hidden"]]
    previous = [
        r for r in rows if YESTERDAY - dt.timedelta(days=28) <= r["created_date_local"] < YESTERDAY
    ]
    return {
        "received_yesterday": len(day),
        "answered_yesterday": sum(r["is_answered"] for r in day),
        "response_rate_yesterday": sum(r["is_answered"] for r in visible) / len(visible),
        "median_response_yesterday": statistics.median(
            r["response_business_minutes"] for r in day if r["is_answered"]
        ),
        "received_per_day_previous": len(previous) / 28,
    }


def test_the_digest_reaches_an_smtp_server_once_with_inline_charts_and_the_marts_numbers(
    warehouse_copy, smtp_server, tmp_path
):
    inbox, port = smtp_server()
    config = write_config(tmp_path, port)
    result = send(config, warehouse_copy, tmp_path / "reports")
    assert result.exit_code == 0, result.output
    assert "digest:cafe_lumiere:2026-11-20:fr:email: sent" in result.output

    [message] = inbox.messages
    assert inbox.envelopes[0][1] == [RECIPIENT]
    assert message["To"] == RECIPIENT
    assert "Café Lumière" in message["Subject"]
    html_part = message.get_body(preferencelist=("html",))
    html = html_part.get_content()
    assert message.get_body(preferencelist=("plain",)) is not None
    # every chart the HTML shows is an inline PNG of the message, found by its Content-ID
    cids = set(re.findall(r'src="cid:([^"]+)"', html))
    assert len(cids) == 2
    images = {
        str(part["Content-ID"]).strip().strip("<>"): part.get_content()
        for part in message.walk()
        if part.get_content_type() == "image/png"
    }
    assert set(images) == cids
    for png in images.values():
        assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 100
    for part in message.walk():
        if part.get_content_type() == "image/png":
            assert part.get_content_disposition() == "inline"

    # the numbers are the marts'
    shown = metrics(html)
    expected = expected_figures(warehouse_copy)
    assert expected["received_yesterday"] > 0
    for name, value in expected.items():
        assert float(shown[name]) == pytest.approx(value), name
    waiting = query(
        warehouse_copy,
        "SELECT comment_key FROM marts.rpt_comments_to_answer "
        "WHERE client_id = 'cafe_lumiere' ORDER BY priority_rank",
    )
    assert int(shown["to_answer_total"]) == len(waiting)
    listed = re.findall(r'data-comment="([0-9a-f]+)"', html)
    assert listed == [r["comment_key"] for r in waiting[:10]]
    targets = query(
        warehouse_copy,
        "SELECT kpi, platform_scope, actual_value FROM marts.rpt_targets_monthly "
        "WHERE client_id = 'cafe_lumiere' AND month_start = DATE '2026-11-01'",
    )
    shown_targets = dict(
        re.findall(
            r'data-target="([^"]+)">\s*<td[^>]*>.*?</td>\s*<td[^>]*data-value="([^"]*)"',
            html,
            flags=re.S,
        )
    )
    assert len(shown_targets) == len(targets) > 0
    for row in targets:
        assert float(shown_targets[f"{row['kpi']}:{row['platform_scope']}"]) == pytest.approx(
            row["actual_value"]
        )

    # the page under the reports folder has the same content, charts as files beside it
    page = tmp_path / "reports" / "cafe_lumiere" / "digest-2026-11-20.fr.html"
    assert metrics(page.read_text(encoding="utf-8")) == shown
    assert len(list(page.parent.glob("digest-2026-11-20.fr.*.png"))) == 2

    [ledger] = query(warehouse_copy, "SELECT * FROM ops.notifications")
    assert (ledger["status"], ledger["attempts"], ledger["channel"]) == ("sent", 1, "email")

    # a rerun of the same night sends nothing more
    again = send(config, warehouse_copy, tmp_path / "reports")
    assert again.exit_code == 0, again.output
    assert "digest:cafe_lumiere:2026-11-20:fr:email: skipped" in again.output
    assert len(inbox.messages) == 1
    # a person can resend on purpose
    resent = cli(
        "digest",
        "--client",
        "cafe_lumiere",
        "--date",
        "2026-11-20",
        "--send",
        "--resend",
        "--config",
        str(config),
        "--warehouse",
        str(warehouse_copy),
        "--reports",
        str(tmp_path / "reports"),
    )
    assert resent.exit_code == 0, resent.output
    assert len(inbox.messages) == 2


def test_a_failing_smtp_server_is_retried_and_recorded_failed_with_its_reason(
    warehouse_copy, smtp_server, tmp_path, monkeypatch
):
    from ruche.digest import delivery

    monkeypatch.setattr(delivery, "BACKOFF_SECONDS", 0.01)
    inbox, port = smtp_server(fail_with="554 5.7.1 Message rejected: relay denied")
    config = write_config(tmp_path, port, attempts=3)
    result = send(config, warehouse_copy, tmp_path / "reports")
    assert result.exit_code == 1  # the person running it sees it failed
    assert "failed" in result.output and "relay denied" in result.output
    assert inbox.attempts == 3
    [ledger] = query(warehouse_copy, "SELECT * FROM ops.notifications")
    assert ledger["status"] == "failed" and ledger["attempts"] == 3
    assert "554" in ledger["error"] and "relay denied" in ledger["error"]
    # the page was written all the same
    assert (tmp_path / "reports" / "cafe_lumiere" / "digest-2026-11-20.fr.html").is_file()

    # the next run retries it: the server is back, the digest goes out once
    inbox.fail_with = None
    again = send(config, warehouse_copy, tmp_path / "reports")
    assert again.exit_code == 0, again.output
    assert len(inbox.messages) == 1
    [ledger] = query(warehouse_copy, "SELECT * FROM ops.notifications")
    assert ledger["status"] == "sent" and ledger["attempts"] == 4 and ledger["error"] is None
