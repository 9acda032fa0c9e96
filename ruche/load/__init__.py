"""Load landed batches into DuckDB raw tables: audited, idempotent, one transaction per load.

For each (platform, entity), every batch landed since the last load is staged with DuckDB's
own NDJSON reader (`read_ndjson_objects`, never a Python loop of inserts), audited with the
entity's Great Expectations suite, and merged into `raw_<platform>.<entity>`:

* rows failing a critical expectation go to `ops.quarantine` with the expectation and reason;
* a file that cannot be read, or whose checksum or record count disagrees with its manifest, is
  quarantined whole, and the other files still load;
* the merge keeps, per record key, the latest extraction: re-loading the same files or an
  overlapping re-fetch window never duplicates, and an older file loaded late never wins;
* the ledger (`ops.load_ledger`) says for every file: landed = loaded + quarantined.

Raw tables keep the whole API item (`record JSON`), so a new API field never breaks a load.

The package is split by job: `specs` (the entity specs, derived from the platform registry),
`ddl` (connection, raw and ops tables), `files` (file checks, staging, bad-line salvage),
`audit` (the Great Expectations glue), `merge` (merge, quarantine of whole files, ledger),
`report` (what a load did) and `loader` (the `Loader` that runs them in order). Import the
public names from here; tests tune `files.LOAD_BATCH_RECORDS` and `audit.AUDIT_SLICE_ROWS` in
their own modules, where they are read.
"""

from ruche.load.audit import AUDIT_SLICE_ROWS, DEFAULT_DATA_DOCS_KEEP_DAYS, data_docs_keep_days
from ruche.load.ddl import (
    DEFAULT_LOAD_MEMORY_LIMIT,
    LEDGER_COLUMNS,
    OPS_DDL,
    OPS_MIGRATIONS,
    QUARANTINE_COLUMNS,
    RAW_COLUMNS,
    RAW_NAMES,
    connect,
    default_warehouse,
    ensure_tables,
    set_memory_limit,
)
from ruche.load.files import BAD_LINE_CHECK, BAD_LINE_KEY, LOAD_BATCH_RECORDS
from ruche.load.loader import Loader
from ruche.load.report import FileOutcome, LoadReport
from ruche.load.specs import SPECS, EntitySpec

__all__ = [
    "AUDIT_SLICE_ROWS",
    "BAD_LINE_CHECK",
    "BAD_LINE_KEY",
    "DEFAULT_DATA_DOCS_KEEP_DAYS",
    "DEFAULT_LOAD_MEMORY_LIMIT",
    "LEDGER_COLUMNS",
    "LOAD_BATCH_RECORDS",
    "OPS_DDL",
    "OPS_MIGRATIONS",
    "QUARANTINE_COLUMNS",
    "RAW_COLUMNS",
    "RAW_NAMES",
    "SPECS",
    "EntitySpec",
    "FileOutcome",
    "LoadReport",
    "Loader",
    "connect",
    "data_docs_keep_days",
    "default_warehouse",
    "ensure_tables",
    "set_memory_limit",
]
