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
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import json
import logging
import os
import tempfile
import time
import uuid
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from connectors.landing import LandingZone, Manifest
from ruche.errors import SettingError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EntitySpec:
    """How one landed entity becomes a raw table."""

    platform: str
    entity: str
    key: str  # SQL over the staged columns; made unique per account (and snapshot date)
    snapshot: bool = False  # one row per record per run date (daily snapshots of counters)
    expected: tuple[str, ...] = ()  # top-level fields reported when missing
    parent_entity: str | None = None  # comments/insights: the entity `_parent_id` refers to
    author_field: str | None = None  # comments: the field naming the author, counted when absent

    @property
    def table(self) -> str:
        return f"raw_{self.platform}.{self.entity}"


def _spec(platform: str, entity: str, key: str, **kw: Any) -> tuple[tuple[str, str], EntitySpec]:
    return (platform, entity), EntitySpec(platform, entity, key, **kw)


# Records staged and merged at once per entity (a batch of whole files; see `_batches`).
LOAD_BATCH_RECORDS = 1_000_000
# Rows per Great Expectations validation (the expectations are row by row).
AUDIT_SLICE_ROWS = 200_000
# DuckDB's memory limit while loading (`RUCHE_LOAD_MEMORY_LIMIT`; empty = DuckDB's default, 80 %
# of RAM). The merge joins the new keys with the whole raw table: without a limit DuckDB's
# buffer pool keeps what it read, so the load's memory grew with the history; with one, DuckDB
# evicts it (and spills to `<warehouse>.tmp/` the rare join that does not fit).
DEFAULT_LOAD_MEMORY_LIMIT = "1GB"
# Days of audit results the Great Expectations Data Docs keep (`RUCHE_DATA_DOCS_KEEP_DAYS`;
# empty: all). Each load adds a page and a result per entity; older ones are deleted.
DEFAULT_DATA_DOCS_KEEP_DAYS = 30

_ID = "record->>'id'"
_INSIGHT = "_parent_id || '|' || (record->>'name')"
_DAILY = (
    "(record->>'name') || '|' || coalesce(record->>'period', '') || '|' || "
    "coalesce(_since, '') || '|' || coalesce(_until, '') || '|' || "
    "(case when (record->'total_value') is null then 'series' else 'total' end)"
)

SPECS: dict[tuple[str, str], EntitySpec] = dict(
    [
        _spec("facebook", "page", _ID, snapshot=True, expected=("id", "name", "followers_count")),
        _spec(
            "facebook",
            "posts",
            _ID,
            snapshot=True,
            expected=("id", "created_time", "permalink_url", "reactions", "comments"),
        ),
        _spec(
            "facebook",
            "comments",
            _ID,
            expected=("id", "created_time", "from", "is_hidden"),
            parent_entity="posts",
            # Meta leaves `from` out when the token may not see user information on the Page
            # (no MODERATE task) or the user does not share it: kept, author unknown.
            author_field="from",
        ),
        _spec(
            "facebook",
            "post_insights",
            _INSIGHT,
            snapshot=True,
            expected=("name", "values"),
            parent_entity="posts",
        ),
        _spec("facebook", "page_insights", _DAILY, expected=("name", "period", "values")),
        _spec(
            "instagram", "user", _ID, snapshot=True, expected=("id", "username", "followers_count")
        ),
        _spec(
            "instagram",
            "media",
            _ID,
            snapshot=True,
            expected=("id", "timestamp", "media_type", "permalink", "like_count", "comments_count"),
        ),
        _spec(
            "instagram",
            "comments",
            _ID,
            expected=("id", "timestamp", "from", "hidden"),
            parent_entity="media",
        ),
        _spec(
            "instagram",
            "media_insights",
            _INSIGHT,
            snapshot=True,
            expected=("name", "values"),
            parent_entity="media",
        ),
        _spec("instagram", "user_insights", _DAILY, expected=("name", "period")),
        _spec(
            "meta_ads",
            "account",
            _ID,
            snapshot=True,
            expected=("id", "currency", "timezone_name"),
        ),
        _spec("meta_ads", "campaigns", _ID, expected=("id", "name", "status")),
        _spec("meta_ads", "adsets", _ID, expected=("id", "name", "campaign_id")),
        _spec("meta_ads", "ads", _ID, expected=("id", "name", "adset_id", "campaign_id")),
        _spec(
            "meta_ads",
            "ad_insights",
            "(record->>'ad_id') || '|' || (record->>'date_start')",
            expected=("ad_id", "date_start", "spend", "impressions", "clicks", "account_currency"),
        ),
    ]
)

RAW_COLUMNS = """
    _key VARCHAR NOT NULL,
    _client_id VARCHAR NOT NULL,
    _account_id VARCHAR NOT NULL,
    _snapshot_date DATE NOT NULL,
    _run_id VARCHAR NOT NULL,
    _source_file VARCHAR NOT NULL,
    _extracted_at TIMESTAMPTZ NOT NULL,
    _loaded_at TIMESTAMPTZ NOT NULL,
    _window_start DATE,
    _window_end DATE,
    _parent_id VARCHAR,
    _since VARCHAR,
    _until VARCHAR,
    _day DATE,
    record JSON NOT NULL
"""
RAW_NAMES = [line.split()[0] for line in RAW_COLUMNS.strip().splitlines()]

OPS_DDL = """
CREATE SCHEMA IF NOT EXISTS ops;
CREATE TABLE IF NOT EXISTS ops.load_ledger (
    load_id VARCHAR NOT NULL,
    data_file VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    client_id VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    logical_date DATE NOT NULL,
    extracted_at TIMESTAMPTZ NOT NULL,
    records_in_manifest BIGINT NOT NULL,
    records_read BIGINT NOT NULL,
    records_loaded BIGINT NOT NULL,
    records_quarantined BIGINT NOT NULL,
    status VARCHAR NOT NULL,          -- loaded | partial | quarantined
    missing_fields VARCHAR[],
    warnings BIGINT NOT NULL DEFAULT 0,
    error VARCHAR,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    file_sha256 VARCHAR,              -- the file's SHA-256 as read (NULL: unreadable)
    superseded_by VARCHAR,            -- the load that read this file again (NULL: current)
    authors_unknown BIGINT DEFAULT 0  -- comments kept without their author (`from` absent)
);
CREATE TABLE IF NOT EXISTS ops.quarantine (
    load_id VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    client_id VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    data_file VARCHAR NOT NULL,
    row_number BIGINT,                -- line in the file (1-based); NULL when the file failed whole
    expectation VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    sample_values VARCHAR,
    record JSON,
    quarantined_at TIMESTAMPTZ NOT NULL,
    superseded_by VARCHAR             -- the load that read this file again (NULL: current)
);
CREATE TABLE IF NOT EXISTS ops.audit_warnings (
    load_id VARCHAR NOT NULL,
    platform VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    data_file VARCHAR NOT NULL,
    row_number BIGINT,
    expectation VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    sample_values VARCHAR,
    recorded_at TIMESTAMPTZ NOT NULL
);
"""
# Columns added since the first release, for warehouses created before them (appended, so the
# order matches OPS_DDL's).
OPS_MIGRATIONS = """
ALTER TABLE ops.load_ledger ADD COLUMN IF NOT EXISTS file_sha256 VARCHAR;
ALTER TABLE ops.load_ledger ADD COLUMN IF NOT EXISTS superseded_by VARCHAR;
ALTER TABLE ops.load_ledger ADD COLUMN IF NOT EXISTS authors_unknown BIGINT DEFAULT 0;
ALTER TABLE ops.quarantine ADD COLUMN IF NOT EXISTS superseded_by VARCHAR;
"""
LEDGER_COLUMNS = (
    "load_id, data_file, sha256, platform, entity, client_id, account_id, run_id, logical_date, "
    "extracted_at, records_in_manifest, records_read, records_loaded, records_quarantined, "
    "status, missing_fields, warnings, error, started_at, finished_at, file_sha256, "
    "authors_unknown"
)
QUARANTINE_COLUMNS = (
    "load_id, platform, entity, client_id, account_id, data_file, row_number, expectation, "
    "reason, sample_values, record, quarantined_at"
)
# A line that is not JSON is staged as this placeholder object (see `_salvage`), so the lines
# after it keep their numbers; the loader moves it to ops.quarantine before the audit.
BAD_LINE_KEY = "_ruche_invalid_line"
BAD_LINE_CHECK = "line_is_json"


@dataclass
class FileOutcome:
    manifest: Manifest
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    warnings: int = 0
    missing_fields: list[str] = field(default_factory=list)
    error: str | None = None
    file_sha256: str | None = None  # as read; differs from the manifest's when changed
    stage_path: str | None = None  # a copy with its invalid lines replaced (see `_salvage`)
    bad_lines: list[int] = field(default_factory=list)  # lines that are not JSON objects
    authors_unknown: int = 0
    retried: bool = False  # quarantined whole by an earlier load, read again

    @property
    def status(self) -> str:
        if self.error is not None or (self.quarantined and not self.loaded and self.read == 0):
            return "quarantined"
        if self.quarantined:
            return "partial" if self.loaded else "quarantined"
        return "loaded"


@dataclass
class LoadReport:
    load_id: str
    files: list[FileOutcome] = field(default_factory=list)
    skipped: int = 0
    skipped_quarantined: int = 0  # of `skipped`: quarantined whole earlier, unchanged since
    seconds: float = 0.0
    audit_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)  # human lines: client, platform, file, why

    @property
    def landed(self) -> int:
        return sum(f.manifest.record_count for f in self.files)

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)

    @property
    def retried(self) -> int:
        return sum(f.retried for f in self.files)

    @property
    def authors_unknown(self) -> int:
        return sum(f.authors_unknown for f in self.files)

    @property
    def ok(self) -> bool:
        return self.quarantined == 0


def default_warehouse() -> Path:
    import os

    return Path(os.environ.get("RUCHE_WAREHOUSE", "warehouse/ruche.duckdb"))


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    con.execute("SET enable_progress_bar = false")  # output goes to task logs, not a terminal
    return con


def set_memory_limit(con: duckdb.DuckDBPyConnection, limit: str | None = None) -> str:
    """Apply `limit` (else `RUCHE_LOAD_MEMORY_LIMIT`, else 1GB) to DuckDB; return it ("": none)."""
    source = "memory_limit"
    if limit is None:
        source = "RUCHE_LOAD_MEMORY_LIMIT"
        limit = os.environ.get(source, DEFAULT_LOAD_MEMORY_LIMIT)
    limit = limit.strip()
    if not limit:
        return ""
    try:
        con.execute(f"SET memory_limit = '{limit.replace(chr(39), '')}'")
    except duckdb.Error as exc:
        raise SettingError(
            f"{source}={limit!r} is not a memory size DuckDB understands "
            f"({str(exc).splitlines()[0]}); use e.g. 1GB or 512MB, or empty for DuckDB's default"
        ) from exc
    return limit


def data_docs_keep_days() -> int | None:
    """`RUCHE_DATA_DOCS_KEEP_DAYS` (default 30); None (keep everything) when set empty."""
    name = "RUCHE_DATA_DOCS_KEEP_DAYS"
    raw = os.environ.get(name, str(DEFAULT_DATA_DOCS_KEEP_DAYS)).strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise SettingError(
            f"{name}={raw!r} is not a number of days; use e.g. 30 (the default), or empty to "
            "keep the Data Docs of every load"
        )
    return int(raw)


def ensure_tables(
    con: duckdb.DuckDBPyConnection, specs: Iterable[EntitySpec] | None = None
) -> None:
    con.execute(OPS_DDL)
    con.execute(OPS_MIGRATIONS)
    for spec in specs or SPECS.values():
        con.execute(f"CREATE SCHEMA IF NOT EXISTS raw_{spec.platform}")
        con.execute(f"CREATE TABLE IF NOT EXISTS {spec.table} ({RAW_COLUMNS})")


def _batches(manifests: list[Manifest]) -> Iterator[list[Manifest]]:
    """An entity's files in batches of at most `LOAD_BATCH_RECORDS` records (a file is never
    split), so a two-year backfill is staged, audited and merged in bounded memory like a night.
    Each batch is its own transaction with its ledger rows. Batches follow extraction order, so
    across batches, as within one, the latest extraction (then the last file) wins."""
    if sum(m.record_count for m in manifests) <= LOAD_BATCH_RECORDS:
        yield manifests
        return
    batch: list[Manifest] = []
    size = 0
    for manifest in sorted(manifests, key=lambda m: (m.extracted_at, m.data_file)):
        if batch and size + manifest.record_count > LOAD_BATCH_RECORDS:
            yield batch
            batch, size = [], 0
        batch.append(manifest)
        size += manifest.record_count
    if batch:
        yield batch


def _file_sha256(zone: LandingZone, manifest: Manifest) -> str:
    """SHA-256 of the file as stored, read in large chunks (a local file without fsspec)."""
    path = zone.path(manifest.data_file)
    if _is_local(zone):
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    digest = hashlib.sha256()
    with zone.fs.open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(4 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _is_local(zone: LandingZone) -> bool:
    protocol = zone.fs.protocol if isinstance(zone.fs.protocol, str) else zone.fs.protocol[0]
    return protocol in ("file", "local")


def _local_path(zone: LandingZone, manifest: Manifest) -> str:
    """A path DuckDB can read; remote roots are read through fsspec registered in DuckDB."""
    path = zone.path(manifest.data_file)
    if _is_local(zone):
        return path
    protocol = zone.fs.protocol if isinstance(zone.fs.protocol, str) else zone.fs.protocol[0]
    return f"{protocol}://{path}"


# The 1-based line in its file of a staged row `s` (with `_file_rows AS r` joined).
_LINE = "s._row - r.first_row + 1"


class Loader:
    """Loads landed batches into one DuckDB warehouse (one writer at a time)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        landing: LandingZone,
        *,
        audit: bool = True,
        docs_dir: str | Path | None = None,
        on_progress: Callable[[str, int, int], None] | None = None,
        memory_limit: str | None = None,
    ) -> None:
        self.con = con
        self.memory_limit = set_memory_limit(con, memory_limit)
        self.landing = landing
        self.audit = audit
        self.docs_dir = docs_dir
        self.docs_keep_days = data_docs_keep_days() if docs_dir is not None else None
        self.on_progress = on_progress
        self._auditor: Any = None
        self._salvage_dir: tempfile.TemporaryDirectory | None = None
        if not _is_local(landing):
            con.register_filesystem(landing.fs)
        ensure_tables(con)

    @property
    def auditor(self) -> Any:
        if self._auditor is None and self.audit:
            from expectations.runner import Auditor

            self._auditor = Auditor(docs_dir=self.docs_dir, keep_days=self.docs_keep_days)
        return self._auditor

    def build_data_docs(self) -> bool:
        """Rebuild the Great Expectations Data Docs after an audited load (nothing when no
        batch was audited or no docs folder was given); True when they were built."""
        if self._auditor is None or self.docs_dir is None:
            return False
        self._auditor.build_data_docs()
        return True

    # ------------------------------------------------------------------ selection
    def pending(
        self,
        platforms: Iterable[str] | None = None,
        logical_dates: Iterable[dt.date] | None = None,
        *,
        retry_quarantined: bool = False,
    ) -> tuple[list[Manifest], int, int]:
        """Complete batches to load; how many were skipped; how many of those were quarantined
        whole earlier and are unchanged since.

        The ledger keys on content: a batch is done when its file (by name and the manifest's
        checksum) was loaded. A batch quarantined whole (unreadable, checksum or count not
        matching the manifest, or unparseable) is read again when its file is not the one the
        loader saw (restored, re-landed, or arrived after its manifest) or its manifest's record
        count changed (corrected by hand), or always with
        `retry_quarantined` (e.g. after a loader upgrade that reads what it could not).
        """
        platforms = set(platforms or [])
        dates = set(logical_dates or [])
        # The current (not superseded) ledger row of each file and manifest checksum.
        current = {
            (row[0], row[1]): (row[2], row[3], row[4])
            for row in self.con.execute(
                """
                SELECT data_file, sha256, error IS NOT NULL, file_sha256, records_in_manifest
                FROM ops.load_ledger
                WHERE superseded_by IS NULL
                QUALIFY row_number() OVER (
                    PARTITION BY data_file, sha256 ORDER BY finished_at DESC
                ) = 1
                """
            ).fetchall()
        }
        pending, skipped, skipped_quarantined = [], 0, 0
        for manifest in self.landing.list_batches():
            if platforms and manifest.platform not in platforms:
                continue
            if dates and dt.date.fromisoformat(manifest.logical_date) not in dates:
                continue
            seen = current.get((manifest.data_file, manifest.sha256))
            if seen is not None:
                whole, seen_sha256, seen_count = seen
                if not whole or not (
                    retry_quarantined
                    or manifest.record_count != seen_count  # a corrected manifest
                    or self._changed_since(manifest, seen_sha256)
                ):
                    skipped += 1
                    skipped_quarantined += whole
                    continue
            pending.append(manifest)
        return pending, skipped, skipped_quarantined

    def _changed_since(self, manifest: Manifest, seen_sha256: str | None) -> bool:
        """The file now matches its manifest and is not the file a whole quarantine saw."""
        try:
            actual = _file_sha256(self.landing, manifest)
        except OSError:
            return False  # still missing or unreadable: nothing new to read
        return actual == manifest.sha256 and actual != seen_sha256

    # ------------------------------------------------------------------ load
    def load(
        self,
        manifests: list[Manifest] | None = None,
        platforms: Iterable[str] | None = None,
        logical_dates: Iterable[dt.date] | None = None,
        *,
        retry_quarantined: bool = False,
    ) -> LoadReport:
        """Load `manifests` (default: the pending batches, see `pending`)."""
        started = time.monotonic()
        report = LoadReport(
            load_id=f"load_{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}_{uuid.uuid4().hex[:6]}"
        )
        if manifests is None:
            manifests, report.skipped, report.skipped_quarantined = self.pending(
                platforms, logical_dates, retry_quarantined=retry_quarantined
            )
        groups: dict[tuple[str, str], list[Manifest]] = defaultdict(list)
        for manifest in manifests:
            groups[(manifest.platform, manifest.entity)].append(manifest)
        # Parents first, so comments can be checked against posts of the same load.
        order = sorted(
            groups, key=lambda k: (k[0], bool(k in SPECS and SPECS[k].parent_entity), k[1])
        )
        try:
            self._load_groups(order, groups, manifests, report)
        finally:
            if self._salvage_dir is not None:
                self._salvage_dir.cleanup()
                self._salvage_dir = None
        for temp in ("_files", "_stage", "_file_rows", "_findings", "_bad_lines"):
            self.con.execute(f"DROP TABLE IF EXISTS {temp}")
        report.seconds = time.monotonic() - started
        return report

    def _load_groups(
        self,
        order: list[tuple[str, str]],
        groups: dict[tuple[str, str], list[Manifest]],
        manifests: list[Manifest],
        report: LoadReport,
    ) -> None:
        done = 0
        for key in order:
            spec = SPECS.get(key)
            if spec is None:
                report.problems.append(
                    f"{key[0]}/{key[1]}: no loader for this entity; {len(groups[key])} file(s) "
                    "left in the landing zone"
                )
                continue
            for batch in _batches(groups[key]):
                report.files.extend(self._load_entity(spec, batch, report))
            done += len(groups[key])
            if self.on_progress:
                self.on_progress(f"{spec.platform}.{spec.entity}", done, len(manifests))

    def _check_files(
        self, spec: EntitySpec, manifests: list[Manifest]
    ) -> tuple[list[FileOutcome], list[FileOutcome]]:
        """Files whose checksum matches their manifest, and files quarantined whole (with the
        reason). Whether a file parses and holds its manifest's record count is checked while
        it is staged (`_stage_files`), so that each file is parsed once."""
        good, bad = [], []
        for manifest in manifests:
            outcome = FileOutcome(manifest)
            try:
                actual = _file_sha256(self.landing, manifest)
            except OSError as exc:
                outcome.error = f"file unreadable: {exc}"
                if isinstance(exc, FileNotFoundError):
                    outcome.error = (
                        "data file missing (its manifest arrived first, or the file was "
                        "removed); it is loaded by the next load that finds it"
                    )
                bad.append(outcome)
                continue
            outcome.file_sha256 = actual
            if actual != manifest.sha256:
                outcome.error = "checksum does not match the manifest (file changed after landing)"
                bad.append(outcome)
                continue
            good.append(outcome)
        return good, bad

    def _unparseable(self, outcomes: list[FileOutcome]) -> list[FileOutcome]:
        """Files DuckDB cannot read, one by one (only after staging them all together failed).

        A file whose gzip stream is whole but some lines are not JSON is salvaged (`_salvage`):
        its other lines load, the bad ones are quarantined by line. The rest (not gzip, cut
        short, not UTF-8 text) are quarantined whole; they are returned."""
        bad = []
        for outcome in outcomes:
            path = _local_path(self.landing, outcome.manifest)
            try:
                self.con.execute(
                    "SELECT count(*) FROM read_ndjson_objects(?, compression='gzip')", [path]
                ).fetchone()
            except duckdb.Error as exc:
                if not self._salvage(outcome):
                    outcome.error = f"unparseable file: {str(exc).splitlines()[0][:300]}"
                    bad.append(outcome)
        return bad

    def _salvage(self, outcome: FileOutcome) -> bool:
        """Copy a file with each line that is not a JSON object replaced by a placeholder
        (`BAD_LINE_KEY`: line number, parser message, the start of the line), and stage the
        copy instead. Only after DuckDB failed to read the file: the nightly path is unchanged.
        False when the file itself is broken (not gzip, truncated)."""
        if self._salvage_dir is None:
            self._salvage_dir = tempfile.TemporaryDirectory(prefix="ruche-salvage-")
        target = Path(self._salvage_dir.name) / f"{uuid.uuid4().hex}.ndjson.gz"
        bad: list[int] = []
        try:
            with (
                self.landing.fs.open(self.landing.path(outcome.manifest.data_file), "rb") as raw,
                gzip.open(raw, "rb") as lines,
                gzip.open(target, "wb", compresslevel=1) as out,
            ):
                for number, line in enumerate(lines, start=1):
                    problem = _json_object_problem(line)
                    if problem is None:
                        out.write(line if line.endswith(b"\n") else line + b"\n")
                        continue
                    bad.append(number)
                    text = line.decode("utf-8", errors="replace").rstrip("\n")
                    placeholder = {BAD_LINE_KEY: {"line": number, "error": problem}}
                    placeholder[BAD_LINE_KEY]["text"] = _sample(text)
                    out.write(json.dumps(placeholder, ensure_ascii=False).encode() + b"\n")
        except (OSError, EOFError, zlib.error):
            target.unlink(missing_ok=True)
            return False
        outcome.stage_path = str(target)
        outcome.bad_lines = bad
        return True

    def _stage_files(
        self, spec: EntitySpec, outcomes: list[FileOutcome], loaded_at: dt.datetime
    ) -> tuple[list[FileOutcome], list[FileOutcome]]:
        """Stage the files in one query; return the files staged and those quarantined whole.

        A file that does not parse, or whose record count differs from its manifest's, is
        quarantined whole: it is not in `_stage` afterwards, and the other files are.
        """
        bad: list[FileOutcome] = []
        con = self.con
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _bad_lines (_source_file VARCHAR, line BIGINT, "
            "error VARCHAR, text VARCHAR)"
        )
        try:
            self._stage(spec, outcomes, loaded_at)
        except duckdb.Error:
            # One bad file fails the query for all: find it file by file, stage the others.
            bad = self._unparseable(outcomes)
            if not bad and not any(o.stage_path for o in outcomes):
                raise
            outcomes = [o for o in outcomes if o.error is None]
            if not outcomes:
                return [], bad
            self._stage(spec, outcomes, loaded_at)
        salvaged = [o.manifest.data_file for o in outcomes if o.stage_path]
        is_bad = "false"
        if salvaged:
            # The placeholders of invalid lines: to ops.quarantine (in the load's transaction),
            # out of `_stage` once `_file_rows` has counted them as lines of their file.
            is_bad = f"json_exists(record, '$.{BAD_LINE_KEY}')"
            con.execute(
                f"""
                INSERT INTO _bad_lines
                SELECT _source_file, (record->'$.{BAD_LINE_KEY}'->>'line')::BIGINT,
                       record->'$.{BAD_LINE_KEY}'->>'error', record->'$.{BAD_LINE_KEY}'->>'text'
                FROM _stage
                WHERE list_contains(?::VARCHAR[], _source_file) AND {is_bad}
                """,
                [salvaged],
            )
        # Per file: records read, the `_row` of its first line (to report lines), and how many
        # records lack each expected field (one JSON parse per record for all of them).
        missing = "".join(
            f', count(*) FILTER (WHERE _m[{i}] IS NULL AND NOT _bad) AS "missing_{name}"'
            for i, name in enumerate(spec.expected, start=1)
        )
        paths = ", ".join(f"'$.\"{name}\"'" for name in spec.expected)
        extract = f", json_extract(record, [{paths}]) AS _m" if spec.expected else ""
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE _file_rows AS
            SELECT _source_file, count(*) AS records, min(_row) AS first_row{missing}
            FROM (SELECT _source_file, _row, {is_bad} AS _bad{extract} FROM _stage)
            GROUP BY _source_file
            """
        )
        stats = {row[0]: row[1:] for row in con.execute("SELECT * FROM _file_rows").fetchall()}
        staged, mismatched = [], []
        for outcome in outcomes:
            m = outcome.manifest
            count, _first, *lacking = stats.get(m.data_file, (0, None))
            if count != m.record_count:
                outcome.error = f"record count {count} differs from the manifest's {m.record_count}"
                mismatched.append(outcome)
                continue
            outcome.read = count
            missing_counts = dict(zip(spec.expected, lacking, strict=False))
            outcome.missing_fields = [name for name, n in missing_counts.items() if n]
            if spec.author_field:
                outcome.authors_unknown = missing_counts.get(spec.author_field, 0)
            staged.append(outcome)
        if mismatched:
            files = [o.manifest.data_file for o in mismatched]
            con.execute(
                "DELETE FROM _stage WHERE list_contains(?::VARCHAR[], _source_file)", [files]
            )
            con.execute(
                "DELETE FROM _bad_lines WHERE list_contains(?::VARCHAR[], _source_file)", [files]
            )
        if salvaged:
            con.execute(f"DELETE FROM _stage WHERE {is_bad}")
        if staged and spec.parent_entity and self.audit:
            self._mark_parents(spec)
        return staged, bad + mismatched

    def _stage(self, spec: EntitySpec, outcomes: list[FileOutcome], loaded_at: dt.datetime) -> None:
        con = self.con
        con.execute("DROP TABLE IF EXISTS _files")
        con.execute(
            "CREATE TEMP TABLE _files (path VARCHAR, data_file VARCHAR, client_id VARCHAR, "
            "account_id VARCHAR, run_id VARCHAR, logical_date DATE, extracted_at TIMESTAMPTZ, "
            "window_start DATE, window_end DATE)"
        )
        rows = [
            (
                o.stage_path or _local_path(self.landing, o.manifest),
                o.manifest.data_file,
                o.manifest.client_id,
                o.manifest.account_id,
                o.manifest.run_id,
                o.manifest.logical_date,
                o.manifest.extracted_at,
                o.manifest.window_start,
                o.manifest.window_end,
            )
            for o in outcomes
        ]
        # One statement for all files (a row-by-row INSERT costs milliseconds per file).
        con.execute(
            f"INSERT INTO _files SELECT {', '.join(['unnest(?::VARCHAR[])'] * 9)}",
            [list(column) for column in zip(*rows, strict=True)],
        )
        paths = [r[0] for r in rows]
        con.execute("DROP TABLE IF EXISTS _stage")
        snapshot_key = " || '|' || _snapshot_date::VARCHAR" if spec.snapshot else ""
        # `_row` numbers the records in read order, where DuckDB keeps the order of the files
        # and of the lines in each file: a line is `_row - first_row + 1` (see `_file_rows`).
        # The `_ruche` context comes from one JSON parse per record (one multi-path extract).
        con.execute(
            f"""
            CREATE TEMP TABLE _stage AS
            WITH src AS (
                SELECT json AS record, filename, row_number() OVER () AS _row
                FROM read_ndjson_objects(?, compression='gzip', filename=true)
            ),
            ctx AS (
                SELECT *, json_extract_string(record, [
                    '$._ruche.parent_id', '$._ruche.since', '$._ruche.until', '$._ruche.day'
                ]) AS _ctx
                FROM src
            ),
            typed AS (
                SELECT
                    ctx._row AS _row,
                    f.data_file AS _source_file,
                    f.client_id AS _client_id,
                    f.account_id AS _account_id,
                    f.logical_date AS _snapshot_date,
                    f.run_id AS _run_id,
                    f.extracted_at AS _extracted_at,
                    f.window_start AS _window_start,
                    f.window_end AS _window_end,
                    ctx._ctx[1] AS _parent_id,
                    ctx._ctx[2] AS _since,
                    ctx._ctx[3] AS _until,
                    try_cast(ctx._ctx[4] AS DATE) AS _day,
                    ctx.record AS record
                FROM ctx JOIN _files AS f ON f.path = ctx.filename
            )
            SELECT *,
                   _account_id || '|' || ({spec.key}){snapshot_key} AS _key,
                   CAST(NULL AS BOOLEAN) AS _parent_known,
                   ?::TIMESTAMPTZ AS _loaded_at
            FROM typed
            """,
            [paths, loaded_at],
        )

    def _mark_parents(self, spec: EntitySpec) -> None:
        """`_parent_known`: the parent post/media is in the warehouse (read by the audit only)."""
        parent = SPECS[(spec.platform, spec.parent_entity or "")]
        self.con.execute(
            f"""
            UPDATE _stage SET _parent_known = (
                _parent_id IS NOT NULL AND EXISTS (
                    SELECT 1 FROM {parent.table} AS p
                    WHERE p._account_id = _stage._account_id
                      AND (p.record->>'id') = _stage._parent_id
                )
            )
            """
        )

    def _audit(self, spec: EntitySpec, report: LoadReport) -> tuple[list, list]:
        if not self.audit:
            return [], []
        began = time.monotonic()
        failures: list[Any] = []
        warnings: list[Any] = []
        try:
            # The first call imports Great Expectations: most of an audited load's extra time,
            # so it is counted in `audit_seconds`.
            from expectations.suites import suite_for

            suite = suite_for(spec.platform, spec.entity)
            if suite is None:
                return [], []
            auditor = self.auditor
            columns = ", ".join(f'{expr} AS "{name}"' for name, expr in suite.columns.items())
            # Every expectation is row by row, so the batch is audited in slices of `_row`: the
            # pandas frames stay small whatever the batch (a two-year backfill included).
            last = self.con.execute("SELECT coalesce(max(_row), 0) FROM _stage").fetchone()[0]
            for first in range(0, max(last, 1), AUDIT_SLICE_ROWS):
                frame = self.con.execute(
                    f"SELECT _row, {columns} FROM _stage "
                    "WHERE _row > ? AND _row <= ? ORDER BY _row",
                    [first, first + AUDIT_SLICE_ROWS],
                ).df()
                label = f"{report.load_id}:{suite.name}"
                if last > AUDIT_SLICE_ROWS:
                    label += f":rows{first + 1}-{min(first + AUDIT_SLICE_ROWS, last)}"
                result = auditor.audit(suite, frame, label=label)
                failures.extend(result.failures)
                warnings.extend(result.warnings)
        finally:
            report.audit_seconds += time.monotonic() - began
        return failures, warnings

    def _load_entity(
        self, spec: EntitySpec, manifests: list[Manifest], report: LoadReport
    ) -> list[FileOutcome]:
        loaded_at = dt.datetime.now(dt.UTC)
        good, bad = self._check_files(spec, manifests)
        failures: list[Any] = []
        warnings: list[Any] = []
        if good:
            good, unstaged = self._stage_files(spec, good, loaded_at)
            if unstaged:
                position = {id(m): i for i, m in enumerate(manifests)}
                bad = sorted(bad + unstaged, key=lambda o: position[id(o.manifest)])
        if good:
            failures, warnings = self._audit(spec, report)
            held = self._explain_orphans(spec, failures)
        else:
            held = {}
        flagged = self._flag_rows(failures, warnings)
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            self._supersede(good + bad, report.load_id)
            for outcome in bad:
                m = outcome.manifest
                con.execute(
                    f"INSERT INTO ops.quarantine ({QUARANTINE_COLUMNS}) "
                    "VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, NULL, NULL, ?)",
                    [
                        report.load_id,
                        m.platform,
                        m.entity,
                        m.client_id,
                        m.account_id,
                        m.data_file,
                        "file_readable_and_matches_manifest",
                        outcome.error,
                        loaded_at,
                    ],
                )
                outcome.quarantined = m.record_count
            if good:
                self._quarantine_bad_lines(spec, report.load_id, loaded_at)
                self._quarantine_and_warn(spec, report.load_id, loaded_at)
                counts = dict(
                    con.execute(
                        "SELECT _source_file, count(*) FROM _stage GROUP BY _source_file"
                    ).fetchall()
                )
                for outcome in good:
                    outcome.loaded = counts.get(outcome.manifest.data_file, 0)
                    outcome.quarantined = outcome.read - outcome.loaded
                self._merge(spec)
            for outcome in good + bad:
                outcome.warnings = sum(
                    1
                    for w in warnings
                    if flagged.get(w.row, ("",))[0] == outcome.manifest.data_file
                )
            self._ledger(good + bad, report.load_id, loaded_at)
            con.execute("COMMIT")
        except BaseException:
            # A COMMIT that failed (disk full) has already ended the transaction: keep its error.
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        for outcome in good + bad:
            self._report_problems(outcome, failures, flagged, held, report)
        return good + bad

    def _supersede(self, outcomes: list[FileOutcome], load_id: str) -> None:
        """Mark the earlier ledger and quarantine rows of files read again by this load, so
        the current rows (`superseded_by IS NULL`) say once per file: landed = loaded +
        quarantined, and a quarantined record counts once."""
        files = [o.manifest.data_file for o in outcomes]
        earlier = self.con.execute(
            "UPDATE ops.load_ledger SET superseded_by = ? "
            "WHERE superseded_by IS NULL AND list_contains(?::VARCHAR[], data_file) "
            "RETURNING data_file, error IS NOT NULL",
            [load_id, files],
        ).fetchall()
        if not earlier:
            return
        self.con.execute(
            "UPDATE ops.quarantine SET superseded_by = ? "
            "WHERE superseded_by IS NULL AND list_contains(?::VARCHAR[], data_file)",
            [load_id, files],
        )
        whole = {data_file for data_file, was_whole in earlier if was_whole}
        for outcome in outcomes:
            outcome.retried = outcome.manifest.data_file in whole

    def _quarantine_bad_lines(self, spec: EntitySpec, load_id: str, at: dt.datetime) -> None:
        """Lines that are not JSON objects, by line, with the parser's message."""
        self.con.execute(
            f"""
            INSERT INTO ops.quarantine ({QUARANTINE_COLUMNS})
            SELECT ?, ?, ?, f.client_id, f.account_id, b._source_file, b.line, ?,
                   'line is ' || b.error, b.text, NULL, ?
            FROM _bad_lines AS b JOIN _files AS f ON f.data_file = b._source_file
            """,
            [load_id, spec.platform, spec.entity, BAD_LINE_CHECK, at],
        )

    def _explain_orphans(self, spec: EntitySpec, failures: list[Any]) -> dict[str, str]:
        """Children held back because their parent (post/media) was quarantined: their
        failure names the parent and why it was held, instead of "not a post of this account".
        Returns parent id → the parent's reasons.

        The children are not loaded without their parent: every comment and insight mart joins
        or tests against the post (fct_comments.post_key → dim_posts), so a comment on an
        unknown post would fail the build. The re-fetch window reads them again with their post
        each night, and they load with it once the post passes."""
        if not spec.parent_entity:
            return {}
        orphans = {f.value for f in failures if getattr(f, "column", None) == "orphan_parent_id"}
        orphans.discard(None)
        if not orphans:
            return {}
        parent = SPECS[(spec.platform, spec.parent_entity)]
        held = dict(
            self.con.execute(
                """
                SELECT record->>'id', string_agg(DISTINCT reason, '; ' ORDER BY reason)
                FROM ops.quarantine
                WHERE platform = ? AND entity = ? AND superseded_by IS NULL
                  AND list_contains(?::VARCHAR[], record->>'id')
                GROUP BY ALL
                """,
                [parent.platform, parent.entity, sorted(orphans)],
            ).fetchall()
        )
        what = {"posts": "post", "media": "media"}.get(parent.entity, parent.entity)
        for failure in failures:
            if getattr(failure, "column", None) == "orphan_parent_id" and failure.value in held:
                failure.reason = (
                    f"held back with its {what}, quarantined for: {held[failure.value]} "
                    f"(loads with the {what} once it passes)"
                )
        return held

    def _flag_rows(self, failures: list[Any], warnings: list[Any]) -> dict[int, tuple[str, int]]:
        """Put audit findings in `_findings`; return _row → (file, line) for those rows."""
        con = self.con
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _findings (_row BIGINT, critical BOOLEAN, "
            "expectation VARCHAR, reason VARCHAR, sample VARCHAR)"
        )
        rows = [(f.row, True, _check_name(f), f.reason, _sample(f.value)) for f in failures]
        rows += [(w.row, False, _check_name(w), w.reason, _sample(w.value)) for w in warnings]
        if not rows:
            return {}
        con.execute(
            "INSERT INTO _findings SELECT unnest(?::BIGINT[]), unnest(?::BOOLEAN[]), "
            "unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::VARCHAR[])",
            [list(column) for column in zip(*rows, strict=True)],
        )
        found = con.execute(
            f"SELECT s._row, s._source_file, {_LINE} FROM _stage AS s "
            "JOIN _file_rows AS r USING (_source_file) "
            "WHERE s._row IN (SELECT _row FROM _findings)"
        ).fetchall()
        return {row: (data_file, line) for row, data_file, line in found}

    def _quarantine_and_warn(self, spec: EntitySpec, load_id: str, at: dt.datetime) -> None:
        """Critical findings: rows move to ops.quarantine. Warnings: recorded, rows stay."""
        con = self.con
        params = [load_id, spec.platform, spec.entity, at]
        con.execute(
            f"""
            INSERT INTO ops.quarantine ({QUARANTINE_COLUMNS})
            SELECT ?, ?, ?, s._client_id, s._account_id, s._source_file, {_LINE},
                   f.expectation, f.reason, f.sample, s.record, ?
            FROM _findings AS f JOIN _stage AS s USING (_row)
                 JOIN _file_rows AS r USING (_source_file)
            WHERE f.critical
            """,
            params,
        )
        con.execute(
            f"""
            INSERT INTO ops.audit_warnings
            SELECT ?, ?, ?, s._source_file, {_LINE}, f.expectation, f.reason, f.sample, ?
            FROM _findings AS f JOIN _stage AS s USING (_row)
                 JOIN _file_rows AS r USING (_source_file)
            WHERE NOT f.critical
            """,
            params,
        )
        con.execute("DELETE FROM _stage WHERE _row IN (SELECT _row FROM _findings WHERE critical)")

    def _merge(self, spec: EntitySpec) -> None:
        """Latest extraction wins per key; an unchanged record is left untouched."""
        con = self.con
        cols = ", ".join(RAW_NAMES)
        # Within this load: one row per key, the latest extraction (then the last line; `_row`
        # follows the lines of a file). Only keys staged more than once are ranked.
        con.execute(
            """
            DELETE FROM _stage WHERE _row IN (
                SELECT _row FROM _stage
                WHERE _key IN (SELECT _key FROM _stage GROUP BY _key HAVING count(*) > 1)
                QUALIFY row_number() OVER (
                    PARTITION BY _key ORDER BY _extracted_at DESC, _source_file DESC, _row DESC
                ) > 1
            )
            """
        )
        # Keys already in raw: a join on the key column alone (the staged side is hashed, not
        # the raw table, whose memory would grow with the history). New keys only (a backfill)
        # skip the comparison below, which has to read the raw records' JSON.
        known = con.execute(
            f"SELECT EXISTS (SELECT 1 FROM _stage AS n JOIN {spec.table} AS t ON t._key = n._key)"
        ).fetchone()[0]
        if known:
            # An identical record stays as it was (with its first run, file and load time), so
            # re-running a date whose data did not change leaves raw, and the marts, unchanged.
            con.execute(
                f"""
                DELETE FROM {spec.table} AS t USING _stage AS n
                WHERE t._key = n._key AND t._extracted_at <= n._extracted_at
                  AND t.record::VARCHAR IS DISTINCT FROM n.record::VARCHAR
                """
            )
            # A key still in raw (unchanged, or a newer extraction there) is not inserted.
            con.execute(f"DELETE FROM _stage AS n USING {spec.table} AS t WHERE t._key = n._key")
        con.execute(f"INSERT INTO {spec.table} ({cols}) SELECT {cols} FROM _stage")

    def _ledger(self, outcomes: list[FileOutcome], load_id: str, at: dt.datetime) -> None:
        """One ledger row per file, in one statement."""
        if not outcomes:
            return
        finished = dt.datetime.now(dt.UTC)
        rows = [
            (
                load_id,
                o.manifest.data_file,
                o.manifest.sha256,
                o.manifest.platform,
                o.manifest.entity,
                o.manifest.client_id,
                o.manifest.account_id,
                o.manifest.run_id,
                o.manifest.logical_date,
                o.manifest.extracted_at,
                o.manifest.record_count,
                o.read,
                o.loaded,
                o.quarantined,
                o.status,
                o.missing_fields,
                o.warnings,
                o.error,
                at,
                finished,
                o.file_sha256,
                o.authors_unknown,
            )
            for o in outcomes
        ]
        types = ["VARCHAR"] * 10 + ["BIGINT"] * 4 + ["VARCHAR", "VARCHAR[]", "BIGINT", "VARCHAR"]
        types += ["TIMESTAMPTZ"] * 2 + ["VARCHAR", "BIGINT"]
        self.con.execute(
            f"INSERT INTO ops.load_ledger ({LEDGER_COLUMNS}) SELECT "
            + ", ".join(f"unnest(?::{t}[])" for t in types),
            [list(column) for column in zip(*rows, strict=True)],
        )

    def _report_problems(
        self,
        outcome: FileOutcome,
        failures: list[Any],
        flagged: dict[int, tuple[str, int]],
        held: dict[str, str],
        report: LoadReport,
    ) -> None:
        m = outcome.manifest
        where = (
            f"client {m.client_id}, {m.platform} {m.entity}, account {m.account_id}, "
            f"file {m.data_file}"
        )
        if outcome.error:
            report.problems.append(f"{where}: quarantined whole — {outcome.error}")
        elif outcome.quarantined:
            mine = [f for f in failures if flagged.get(f.row, ("",))[0] == m.data_file]
            by_exp: dict[str, list] = defaultdict(list)
            parents: dict[str, int] = defaultdict(int)
            for failure in mine:
                if _check_name(failure).endswith(":orphan_parent_id") and failure.value in held:
                    parents[failure.value] += 1
                else:
                    by_exp[_check_name(failure)].append(failure)
            details = []
            if outcome.bad_lines:
                lines = ", ".join(str(n) for n in outcome.bad_lines[:10])
                more = "…" if len(outcome.bad_lines) > 10 else ""
                count = len(outcome.bad_lines)
                what = "line not a JSON object" if count == 1 else "lines not JSON objects"
                details.append(
                    f"{BAD_LINE_CHECK} ({count} {what}: line {lines}{more}; the other lines loaded)"
                )
            if parents:
                details.append(
                    f"held back with their quarantined parent ({sum(parents.values())} rows of "
                    + ", ".join(f"{parent}: {held[parent]}" for parent in sorted(parents)[:5])
                    + ("…" if len(parents) > 5 else "")
                    + "; they load with it once it passes)"
                )
            details += [
                f"{name} ({len(items)} rows: {items[0].reason}; e.g. {_sample(items[0].value)})"
                for name, items in by_exp.items()
            ]
            report.problems.append(
                f"{where}: {outcome.quarantined} of {outcome.read} rows quarantined — "
                + "; ".join(details)
            )
        missing = [f for f in outcome.missing_fields if f != _author(m)]
        if outcome.authors_unknown:
            report.problems.append(
                f"{where}: {outcome.authors_unknown} of {outcome.read} comments loaded with "
                "their author unknown (Meta leaves `from` out when the token's user lacks the "
                "Page's MODERATE task, or for users who do not share it)"
            )
        if missing:
            report.problems.append(
                f"{where}: expected field(s) missing in some records, loaded as null: "
                + ", ".join(missing)
            )


def _check_name(finding: Any) -> str:
    """`expectation:column`: most checks share one GX type, the column tells them apart."""
    column = getattr(finding, "column", None)
    return f"{finding.expectation}:{column}" if column else str(finding.expectation)


def _sample(value: Any, limit: int = 200) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _json_object_problem(line: bytes) -> str | None:
    """Why a landed line is not a JSON object (None when it is one, or is blank)."""
    if not line.strip():
        return None
    try:
        value = json.loads(line)
    except UnicodeDecodeError as exc:
        return f"not UTF-8 text ({exc.reason} at byte {exc.start + 1})"
    except json.JSONDecodeError as exc:
        return f"not valid JSON ({exc.msg} at character {exc.pos + 1})"
    return None if isinstance(value, dict) else f"a JSON {type(value).__name__}, not an object"


def _author(manifest: Manifest) -> str | None:
    spec = SPECS.get((manifest.platform, manifest.entity))
    return spec.author_field if spec else None
