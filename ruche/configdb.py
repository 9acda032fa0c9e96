"""The client configuration as warehouse tables (schema `config`), which dbt reads as a source.

Business hours, holidays, timezones, currencies and targets live in `config/clients.yml`; dbt
needs them in SQL to compute business-time response minutes, local dates and targets vs
actuals. Written in one transaction, replacing the previous copy, on every load.
"""

from __future__ import annotations

import duckdb

from ruche.config import WEEKDAYS, RucheConfig

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
CREATE OR REPLACE TABLE config.business_hours (
    client_id VARCHAR NOT NULL,
    iso_weekday INTEGER NOT NULL,   -- 1 = Monday … 7 = Sunday
    open_minute INTEGER NOT NULL,   -- minutes after local midnight
    close_minute INTEGER NOT NULL   -- 1440 = midnight at the end of the day
);
CREATE OR REPLACE TABLE config.holidays (
    client_id VARCHAR NOT NULL, holiday DATE NOT NULL
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
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(DDL)
        agency = config.agency
        con.execute(
            "INSERT INTO config.agency VALUES (?, ?, ?)",
            [agency.name, agency.timezone, agency.nightly_schedule],
        )
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
            for holiday in client.holidays:
                con.execute("INSERT INTO config.holidays VALUES (?, ?)", [client.id, holiday])
            for target in client.targets:
                con.execute(
                    "INSERT INTO config.kpi_targets VALUES (?, ?, ?, ?, ?)",
                    [client.id, target.kpi, target.target, target.month, target.platform],
                )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
