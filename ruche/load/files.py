"""Staging and file checks: which landed files are read, whether each matches its manifest
(checksum, record count), and how they are staged with DuckDB's NDJSON reader; a file with
lines that are not JSON is salvaged line by line (the bad lines go to ops.quarantine by line).
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import uuid
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb

from connectors.landing import LandingZone, Manifest
from ruche.load.ddl import QUARANTINE_COLUMNS
from ruche.load.report import FileOutcome, sample
from ruche.load.specs import SPECS, EntitySpec

# A remote landing zone's files are downloaded (many GETs at once) in chunks of this many bytes
# held in memory before they are written to the load's temporary folder.
DOWNLOAD_CHUNK_BYTES = 64 << 20
# Records staged and merged at once per entity (a batch of whole files; see `batches`).
LOAD_BATCH_RECORDS = 1_000_000
# A line that is not JSON is staged as this placeholder object (see `salvage`), so the lines
# after it keep their numbers; the loader moves it to ops.quarantine before the audit.
BAD_LINE_KEY = "_ruche_invalid_line"
BAD_LINE_CHECK = "line_is_json"
# The 1-based line in its file of a staged row `s` (with `_file_rows AS r` joined).
LINE = "s._row - r.first_row + 1"


def batches(manifests: list[Manifest]) -> Iterator[list[Manifest]]:
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


def file_sha256(zone: LandingZone, manifest: Manifest) -> str:
    """SHA-256 of the file as stored, read in large chunks (a local file without fsspec)."""
    path = zone.path(manifest.data_file)
    if is_local(zone):
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    digest = hashlib.sha256()
    with zone.fs.open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(4 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def is_local(zone: LandingZone) -> bool:
    return zone.is_local


def local_path(zone: LandingZone, manifest: Manifest) -> str:
    """A path DuckDB can read; remote roots are read through fsspec registered in DuckDB."""
    return zone.url(manifest.data_file)


def download(zone: LandingZone, manifests: list[Manifest], folder: str | Path) -> LandingZone:
    """The batches' data files copied from a remote landing zone into `folder`, under the same
    relative paths, as a local landing zone: many GETs at once (fsspec's concurrent `cat`), in
    chunks of `DOWNLOAD_CHUNK_BYTES`. A file that is not there is left out, so `check_files`
    reports it as missing; any other error (the store unreachable) stops the load."""
    local = LandingZone(str(folder))
    chunk: list[Manifest] = []
    size = 0
    for manifest in manifests:
        chunk.append(manifest)
        size += manifest.bytes
        if size >= DOWNLOAD_CHUNK_BYTES:
            _download_chunk(zone, chunk, local)
            chunk, size = [], 0
    if chunk:
        _download_chunk(zone, chunk, local)
    return local


def _download_chunk(zone: LandingZone, manifests: list[Manifest], local: LandingZone) -> None:
    names = {zone.path(m.data_file): m.data_file for m in manifests}
    got = zone.fs.cat(list(names), on_error="return")
    for path, content in got.items():
        if isinstance(content, FileNotFoundError):
            continue
        if isinstance(content, BaseException):
            raise content
        target = Path(local.path(names[path]))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)


def changed_since(landing: LandingZone, manifest: Manifest, seen_sha256: str | None) -> bool:
    """The file now matches its manifest and is not the file a whole quarantine saw."""
    try:
        actual = file_sha256(landing, manifest)
    except OSError:
        return False  # still missing or unreadable: nothing new to read
    return actual == manifest.sha256 and actual != seen_sha256


def check_files(
    landing: LandingZone, manifests: list[Manifest]
) -> tuple[list[FileOutcome], list[FileOutcome]]:
    """Files whose checksum matches their manifest, and files quarantined whole (with the
    reason). Whether a file parses and holds its manifest's record count is checked while
    it is staged (`stage_files`), so that each file is parsed once."""
    good, bad = [], []
    for manifest in manifests:
        outcome = FileOutcome(manifest)
        try:
            actual = file_sha256(landing, manifest)
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


def unparseable(
    con: duckdb.DuckDBPyConnection,
    landing: LandingZone,
    outcomes: list[FileOutcome],
    scratch: Callable[[], str],
) -> list[FileOutcome]:
    """Files DuckDB cannot read, one by one (only after staging them all together failed).

    A file whose gzip stream is whole but some lines are not JSON is salvaged (`salvage`):
    its other lines load, the bad ones are quarantined by line. The rest (not gzip, cut
    short, not UTF-8 text) are quarantined whole; they are returned."""
    bad = []
    for outcome in outcomes:
        path = local_path(landing, outcome.manifest)
        try:
            con.execute(
                "SELECT count(*) FROM read_ndjson_objects(?, compression='gzip')", [path]
            ).fetchone()
        except duckdb.Error as exc:
            if not salvage(landing, outcome, scratch):
                outcome.error = f"unparseable file: {str(exc).splitlines()[0][:300]}"
                bad.append(outcome)
    return bad


def salvage(landing: LandingZone, outcome: FileOutcome, scratch: Callable[[], str]) -> bool:
    """Copy a file with each line that is not a JSON object replaced by a placeholder
    (`BAD_LINE_KEY`: line number, parser message, the start of the line), and stage the
    copy instead. Only after DuckDB failed to read the file: the nightly path is unchanged.
    False when the file itself is broken (not gzip, truncated). `scratch()` is the folder for
    the copy (made when first needed, removed after the load)."""
    target = Path(scratch()) / f"{uuid.uuid4().hex}.ndjson.gz"
    bad: list[int] = []
    try:
        with (
            landing.fs.open(landing.path(outcome.manifest.data_file), "rb") as raw,
            gzip.open(raw, "rb") as lines,
            gzip.open(target, "wb", compresslevel=1) as out,
        ):
            for number, line in enumerate(lines, start=1):
                problem = json_object_problem(line)
                if problem is None:
                    out.write(line if line.endswith(b"\n") else line + b"\n")
                    continue
                bad.append(number)
                text = line.decode("utf-8", errors="replace").rstrip("\n")
                placeholder = {BAD_LINE_KEY: {"line": number, "error": problem}}
                placeholder[BAD_LINE_KEY]["text"] = sample(text)
                out.write(json.dumps(placeholder, ensure_ascii=False).encode() + b"\n")
    except (OSError, EOFError, zlib.error):
        target.unlink(missing_ok=True)
        return False
    outcome.stage_path = str(target)
    outcome.bad_lines = bad
    return True


def stage_files(
    con: duckdb.DuckDBPyConnection,
    landing: LandingZone,
    spec: EntitySpec,
    outcomes: list[FileOutcome],
    loaded_at: dt.datetime,
    *,
    scratch: Callable[[], str],
    mark: bool = True,
) -> tuple[list[FileOutcome], list[FileOutcome]]:
    """Stage the files in one query; return the files staged and those quarantined whole.

    A file that does not parse, or whose record count differs from its manifest's, is
    quarantined whole: it is not in `_stage` afterwards, and the other files are. With `mark`
    (an audited load), children are marked with whether their parent is known.
    """
    bad: list[FileOutcome] = []
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _bad_lines (_source_file VARCHAR, line BIGINT, "
        "error VARCHAR, text VARCHAR)"
    )
    try:
        stage(con, landing, spec, outcomes, loaded_at)
    except duckdb.Error:
        # One bad file fails the query for all: find it file by file, stage the others.
        bad = unparseable(con, landing, outcomes, scratch)
        if not bad and not any(o.stage_path for o in outcomes):
            raise
        outcomes = [o for o in outcomes if o.error is None]
        if not outcomes:
            return [], bad
        stage(con, landing, spec, outcomes, loaded_at)
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
        con.execute("DELETE FROM _stage WHERE list_contains(?::VARCHAR[], _source_file)", [files])
        con.execute(
            "DELETE FROM _bad_lines WHERE list_contains(?::VARCHAR[], _source_file)", [files]
        )
    if salvaged:
        con.execute(f"DELETE FROM _stage WHERE {is_bad}")
    if staged and spec.parent_entity and mark:
        mark_parents(con, spec)
    return staged, bad + mismatched


def stage(
    con: duckdb.DuckDBPyConnection,
    landing: LandingZone,
    spec: EntitySpec,
    outcomes: list[FileOutcome],
    loaded_at: dt.datetime,
) -> None:
    """Read the files into the temp table `_stage` (one query, DuckDB's NDJSON reader), each
    record with its file's context and its key."""
    con.execute("DROP TABLE IF EXISTS _files")
    con.execute(
        "CREATE TEMP TABLE _files (path VARCHAR, data_file VARCHAR, client_id VARCHAR, "
        "account_id VARCHAR, run_id VARCHAR, logical_date DATE, extracted_at TIMESTAMPTZ, "
        "window_start DATE, window_end DATE)"
    )
    rows = [
        (
            o.stage_path or local_path(landing, o.manifest),
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


def mark_parents(con: duckdb.DuckDBPyConnection, spec: EntitySpec) -> None:
    """`_parent_known`: the parent post/media is in the warehouse (read by the audit only)."""
    parent = SPECS[(spec.platform, spec.parent_entity or "")]
    con.execute(
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


def quarantine_bad_lines(
    con: duckdb.DuckDBPyConnection, spec: EntitySpec, load_id: str, at: dt.datetime
) -> None:
    """Lines that are not JSON objects, by line, with the parser's message."""
    con.execute(
        f"""
        INSERT INTO ops.quarantine ({QUARANTINE_COLUMNS})
        SELECT ?, ?, ?, f.client_id, f.account_id, b._source_file, b.line, ?,
               'line is ' || b.error, b.text, NULL, ?
        FROM _bad_lines AS b JOIN _files AS f ON f.data_file = b._source_file
        """,
        [load_id, spec.platform, spec.entity, BAD_LINE_CHECK, at],
    )


def json_object_problem(line: bytes) -> str | None:
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
