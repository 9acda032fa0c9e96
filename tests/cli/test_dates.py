"""The CLI's date options: "yesterday" is the agency's, and days not over yet are refused."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from ruche.cli import app

ROOT = Path(__file__).resolve().parents[2]
DEMO_CONFIG = ROOT / "config" / "clients.demo.yml"
AGENCY = ZoneInfo("America/Toronto")  # the demo agency's timezone


def _landed_dates(landing: Path) -> set[str]:
    return {p.name.removeprefix("date=") for p in landing.rglob("date=*") if p.is_dir()}


def test_yesterday_is_the_agency_day_whatever_the_machine_timezone(sandbox, tmp_path):
    # UTC+14 and UTC-11 are at least one calendar day apart at every instant, so a "yesterday"
    # taken from the machine's clock differs between them; the agency's yesterday does not.
    landed = {}
    for machine_tz in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
        landing = tmp_path / machine_tz.replace("/", "_")
        env = os.environ | {
            "TZ": machine_tz,
            "RUCHE_BASE_URL": sandbox.url,
            "RUCHE_TOKEN_CAFE_LUMIERE_FACEBOOK": "sandbox-token",
        }
        proc = subprocess.run(
            [
                *(sys.executable, "-m", "ruche.cli", "extract", "--config", str(DEMO_CONFIG)),
                *("--client", "cafe_lumiere", "--platform", "facebook", "--landing", str(landing)),
            ],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        landed[machine_tz] = (_landed_dates(landing), proc.stdout)
    expected = (dt.datetime.now(AGENCY).date() - dt.timedelta(days=1)).isoformat()
    for machine_tz, (dates, stdout) in landed.items():
        assert dates == {expected}, machine_tz
        assert f"extracting {expected} (yesterday in America/Toronto" in stdout


@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["--start", "2027-01-01"], "--start 2027-01-01"),
        (["--start", "2026-11-01", "--end", "2027-01-31"], "--end 2027-01-31"),
        (["--end", "2999-12-31", "--start", "2999-12-01"], "--start 2999-12-01"),
    ],
)
def test_days_not_over_yet_are_refused_in_one_line(args, flag, tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    monkeypatch.delenv("RUCHE_BASE_URL", raising=False)  # nothing may be requested anyway
    result = CliRunner().invoke(
        app, ["extract", "--config", str(DEMO_CONFIG), "--landing", str(landing), *args]
    )
    assert result.exit_code == 2, result.output
    # One message (rich wraps it at the test terminal's 80 columns), no traceback.
    text = " ".join(line.strip() for line in result.output.splitlines() if line.strip())
    assert re.fullmatch(
        rf"{flag} has not ended yet: the last complete day is (\S+) \(\S+\); choose \1 or "
        "earlier",
        text,
    ), result.output
    assert isinstance(result.exception, SystemExit)
    assert not landing.exists()  # nothing was extracted


def test_a_day_over_for_some_platforms_only_is_accepted(tmp_path):
    # The newest day accepted is the latest that has ended in the agency's or a platform's
    # reporting timezone; older days are never refused.
    from ruche.config import load_config
    from ruche.orchestration import future_days_error, newest_complete_day

    config = load_config(DEMO_CONFIG)
    night = dt.datetime(2026, 11, 20, 7, 0, tzinfo=dt.UTC)  # 02:00 Toronto, 07:00 London
    newest = newest_complete_day(config, night)
    assert newest == (dt.date(2026, 11, 19), "America/Toronto")
    assert future_days_error("--end", dt.date(2026, 11, 19), newest) is None
    assert future_days_error("--end", dt.date(2026, 11, 20), newest)
    organic_only = newest_complete_day(
        config.model_copy(update={"agency": config.agency.model_copy(update={"timezone": "UTC"})}),
        night,
        clients=["cafe_lumiere"],
        platforms=["facebook"],
    )
    assert organic_only == (dt.date(2026, 11, 19), "UTC")
