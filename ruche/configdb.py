"""The client configuration as warehouse tables (schema `config`), which dbt reads as a source.

Business hours, holidays, timezones, currencies and targets live in `config/clients.yml`; dbt
needs them in SQL to compute business-time response minutes, local dates and targets vs
actuals. The platform registry (`ruche.platforms`) is written beside them: `config.platforms`
(family, reporting-day rule, default re-fetch window: the list dbt's unions are generated from)
and `config.platform_entities` (each entity's re-fetch window), so dbt reads them as data
instead of per-platform vars. Written in one transaction, replacing the previous copy, on
every load. The ECB exchange rates (`config.fx_rates`, `ruche.fx`) are not replaced: they are
written from the bundled history when missing or older, and extended by `ruche fx update`.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from ruche import platforms
from ruche.config import WEEKDAYS, RucheConfig
from ruche.fx import ensure_rates

PUBLIC_HOLIDAY_YEARS_BACK = 10
"""Public holidays are written for the last ten years and the next one: more than any backfill
reaches (the platforms keep two years), and the calendar models only join the dates they need."""

DDL = """
CREATE SCHEMA IF NOT EXISTS config;
CREATE OR REPLACE TABLE config.agency (
    agency_name VARCHAR NOT NULL, timezone VARCHAR NOT NULL, nightly_schedule VARCHAR NOT NULL
);
CREATE OR REPLACE TABLE config.clients (
    client_id VARCHAR PRIMARY KEY,
    display_name VARCHAR NOT NULL,
    languages VARCHAR[] NOT NULL,
    timezone VARCHAR NOT NULL,
    reporting_currency VARCHAR NOT NULL
);
CREATE OR REPLACE TABLE config.accounts (
    client_id VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    account_name VARCHAR,
    refetch_days INTEGER,
    PRIMARY KEY (platform, account_id)
);
CREATE OR REPLACE TABLE config.platforms (
    platform VARCHAR PRIMARY KEY,
    platform_order INTEGER NOT NULL,  -- registry order: the order of the unions' branches
    label VARCHAR NOT NULL,
    family VARCHAR NOT NULL,          -- organic | ads
    reporting_day VARCHAR NOT NULL,   -- an IANA time zone, or 'account' (the account's own)
    refetch_days INTEGER NOT NULL,    -- default re-fetch window; an account may override it
    api_version VARCHAR NOT NULL,
    api_sunset DATE
);
CREATE OR REPLACE TABLE config.platform_entities (
    platform VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    is_snapshot BOOLEAN NOT NULL,
    parent_entity VARCHAR,
    refetch_days INTEGER NOT NULL,    -- days re-read before the window (platform default if unset)
    PRIMARY KEY (platform, entity)
);
CREATE OR REPLACE TABLE config.business_hours (
    client_id VARCHAR NOT NULL,
    iso_weekday INTEGER NOT NULL,   -- 1 = Monday … 7 = Sunday
    open_minute INTEGER NOT NULL,   -- minutes after local midnight
    close_minute INTEGER NOT NULL   -- 1440 = midnight at the end of the day
);
CREATE OR REPLACE TABLE config.holidays (
    client_id VARCHAR NOT NULL,
    holiday DATE NOT NULL,
    kind VARCHAR NOT NULL,      -- public (country/subdivision) or closure (the client's list)
    name VARCHAR,               -- the public holiday's name
    PRIMARY KEY (client_id, holiday)
);
CREATE OR REPLACE TABLE config.kpi_targets (
    client_id VARCHAR NOT NULL,
    kpi VARCHAR NOT NULL,
    target DOUBLE NOT NULL,
    month VARCHAR,      -- YYYY-MM, NULL = every month
    platform VARCHAR    -- NULL = all platforms
);
"""


def write_config(con: duckdb.DuckDBPyConnection, config: RucheConfig) -> None:
    """Replace the `config` schema's tables with `config` (one transaction)."""
    this_year = dt.date.today().year
    years = range(this_year - PUBLIC_HOLIDAY_YEARS_BACK, this_year + 2)
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(DDL)
        agency = config.agency
        con.execute(
            "INSERT INTO config.agency VALUES (?, ?, ?)",
            [agency.name, agency.timezone, agency.nightly_schedule],
        )
        _write_platforms(con)
        for client in config.clients:
            con.execute(
                "INSERT INTO config.clients VALUES (?, ?, ?, ?, ?)",
                [
                    client.id,
                    client.display_name,
                    list(client.languages),
                    client.timezone,
                    client.reporting_currency,
                ],
            )
            for platform, accounts in client.accounts.by_platform().items():
                for account in accounts:
                    con.execute(
                        "INSERT INTO config.accounts VALUES (?, ?, ?, ?, ?)",
                        [client.id, platform, account.id, account.name, account.refetch_days],
                    )
            for weekday, name in enumerate(WEEKDAYS, start=1):
                for span in getattr(client.business_hours, name):
                    start, end = span.minutes()
                    con.execute(
                        "INSERT INTO config.business_hours VALUES (?, ?, ?, ?)",
                        [client.id, weekday, start, end],
                    )
            for holiday, (kind, name) in sorted(client.closed_days(years).items()):
                con.execute(
                    "INSERT INTO config.holidays VALUES (?, ?, ?, ?)",
                    [client.id, holiday, kind, name],
                )
            for target in client.targets:
                con.execute(
                    "INSERT INTO config.kpi_targets VALUES (?, ?, ?, ?, ?)",
                    [client.id, target.kpi, target.target, target.month, target.platform],
                )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    ensure_rates(con)


def _write_platforms(con: duckdb.DuckDBPyConnection) -> None:
    """`config.platforms` and `config.platform_entities` from the registry (every registered
    platform, with or without configured accounts: dbt builds empty models for the latter)."""
    for order, row in enumerate(platforms.as_rows(), start=1):
        con.execute(
            "INSERT INTO config.platforms VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                row["platform"],
                order,
                row["label"],
                row["family"],
                row["reporting_day"],
                row["refetch_days"],
                row["api_version"],
                row["api_sunset"],
            ],
        )
    for item, entity in platforms.entities():
        con.execute(
            "INSERT INTO config.platform_entities VALUES (?, ?, ?, ?, ?)",
            [
                item.name,
                entity.name,
                entity.snapshot,
                entity.parent,
                item.entity_refetch_days(entity.name),
            ],
        )
