"""The loader: selects the landed batches to load and runs, per entity and batch, the file
checks and staging (`files`), the audit (`audit`), then the merge and ledger (`merge`) in one
transaction."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

from connectors.landing import LandingZone, Manifest
from ruche.load import audit as gx_audit
from ruche.load import files, merge
from ruche.load.ddl import ensure_tables, set_memory_limit
from ruche.load.files import BAD_LINE_CHECK
from ruche.load.report import FileOutcome, LoadReport, check_name, sample
from ruche.load.specs import SPECS, EntitySpec, author_field

# How files of a remote landing zone (an object store) are read: "download" copies each batch's
# files to a temporary folder (concurrent GETs) and DuckDB reads them there; "fsspec" has DuckDB
# read them through the fsspec filesystem registered in it. Measured in bench (`remote_read`).
REMOTE_READS = ("download", "fsspec")
DEFAULT_REMOTE_READ = "download"


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
        remote_read: str | None = None,
    ) -> None:
        remote_read = remote_read or DEFAULT_REMOTE_READ
        if remote_read not in REMOTE_READS:
            raise ValueError(f"remote_read must be one of {REMOTE_READS}, not {remote_read!r}")
        self.remote_read = remote_read
        self.con = con
        self.memory_limit = set_memory_limit(con, memory_limit)
        self.landing = landing
        self.audit = audit
        self.docs_dir = docs_dir
        self.docs_keep_days = gx_audit.data_docs_keep_days() if docs_dir is not None else None
        self.on_progress = on_progress
        self._auditor: Any = None
        self._scratch: tempfile.TemporaryDirectory | None = None
        self.orphans: list[str] = []  # data files without a manifest, found by `pending`
        if not landing.is_local and remote_read == "fsspec":
            con.register_filesystem(landing.fs)
        ensure_tables(con)

    @property
    def auditor(self) -> Any:
        if self._auditor is None and self.audit:
            from expectations.runner import Auditor

            self._auditor = Auditor(docs_dir=self.docs_dir, keep_days=self.docs_keep_days)
        return self._auditor

    def _get_auditor(self) -> Any:
        return self.auditor

    def build_data_docs(self) -> bool:
        """Rebuild the Great Expectations Data Docs after an audited load (nothing when no
        batch was audited or no docs folder was given); True when they were built."""
        if self._auditor is None or self.docs_dir is None:
            return False
        self._auditor.build_data_docs()
        return True

    def _readable(self, batches: list[list[Manifest]]) -> Generator[LandingZone, None, None]:
        """The landing zone to read each batch from, in order: itself when local (or read
        through fsspec); else a temporary local copy of the batch's files, the next batch
        downloading while this one loads, each copy removed once its batch is loaded."""
        if self.landing.is_local or self.remote_read == "fsspec":
            for _batch in batches:
                yield self.landing
            return
        with (
            tempfile.TemporaryDirectory(prefix="ruche-load-") as root,
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="ruche-download") as pool,
        ):

            def fetch(index: int) -> Future[LandingZone]:
                folder = Path(root) / str(index)
                return pool.submit(files.download, self.landing, batches[index], folder)

            upcoming = fetch(0) if batches else None
            for index in range(len(batches)):
                assert upcoming is not None
                local = upcoming.result()
                upcoming = fetch(index + 1) if index + 1 < len(batches) else None
                try:
                    yield local
                finally:
                    shutil.rmtree(local.root, ignore_errors=True)

    def _scratch_dir(self) -> str:
        """A folder for salvaged copies of files, made when first needed (see `files.salvage`)."""
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix="ruche-salvage-")
        return self._scratch.name

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
        scan = self.landing.scan()
        self.orphans = scan.orphans
        for manifest in scan.manifests:
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
                    or files.changed_since(self.landing, manifest, seen_sha256)
                ):
                    skipped += 1
                    skipped_quarantined += whole
                    continue
            pending.append(manifest)
        return pending, skipped, skipped_quarantined

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
            report.problems.extend(orphan_lines(self.orphans))
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
            if self._scratch is not None:
                self._scratch.cleanup()
                self._scratch = None
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
        plan: list[tuple[tuple[str, str], EntitySpec, list[Manifest], bool]] = []
        for key in order:
            spec = SPECS.get(key)
            if spec is None:
                report.problems.append(
                    f"{key[0]}/{key[1]}: no loader for this entity; {len(groups[key])} file(s) "
                    "left in the landing zone"
                )
                continue
            batches = list(files.batches(groups[key]))
            plan += [(key, spec, batch, i == len(batches) - 1) for i, batch in enumerate(batches)]
        done = 0
        with contextlib.closing(self._readable([step[2] for step in plan])) as readable:
            for (key, spec, batch, last), landing in zip(plan, readable, strict=True):
                report.files.extend(self._load_entity(spec, batch, report, landing))
                if last:
                    done += len(groups[key])
                    if self.on_progress:
                        self.on_progress(f"{spec.platform}.{spec.entity}", done, len(manifests))

    def _load_entity(
        self, spec: EntitySpec, manifests: list[Manifest], report: LoadReport, landing: LandingZone
    ) -> list[FileOutcome]:
        con = self.con
        loaded_at = dt.datetime.now(dt.UTC)
        failures: list[Any] = []
        warnings: list[Any] = []
        good, bad = files.check_files(landing, manifests)
        if good:
            good, unstaged = files.stage_files(
                con, landing, spec, good, loaded_at, scratch=self._scratch_dir, mark=self.audit
            )
            if unstaged:
                position = {id(m): i for i, m in enumerate(manifests)}
                bad = sorted(bad + unstaged, key=lambda o: position[id(o.manifest)])
        if good:
            failures, warnings = (
                gx_audit.audit(con, spec, report, self._get_auditor) if self.audit else ([], [])
            )
            held = gx_audit.explain_orphans(con, spec, failures)
        else:
            held = {}
        flagged = gx_audit.flag_rows(con, failures, warnings)
        con.execute("BEGIN TRANSACTION")
        try:
            merge.supersede(con, good + bad, report.load_id)
            merge.quarantine_files(con, bad, report.load_id, loaded_at)
            if good:
                files.quarantine_bad_lines(con, spec, report.load_id, loaded_at)
                gx_audit.quarantine_and_warn(con, spec, report.load_id, loaded_at)
                counts = dict(
                    con.execute(
                        "SELECT _source_file, count(*) FROM _stage GROUP BY _source_file"
                    ).fetchall()
                )
                for outcome in good:
                    outcome.loaded = counts.get(outcome.manifest.data_file, 0)
                    outcome.quarantined = outcome.read - outcome.loaded
                merge.merge(con, spec)
            for outcome in good + bad:
                outcome.warnings = sum(
                    1
                    for w in warnings
                    if flagged.get(w.row, ("",))[0] == outcome.manifest.data_file
                )
            merge.write_ledger(con, good + bad, report.load_id, loaded_at)
            con.execute("COMMIT")
        except BaseException:
            # A COMMIT that failed (disk full) has already ended the transaction: keep its error.
            with contextlib.suppress(duckdb.Error):
                con.execute("ROLLBACK")
            raise
        for outcome in good + bad:
            describe_problems(outcome, failures, flagged, held, report)
        return good + bad


def orphan_lines(orphans: list[str], shown: int = 5) -> list[str]:
    """Report lines for data files without a manifest (not loaded: not a batch)."""
    if not orphans:
        return []
    names = ", ".join(orphans[:shown]) + (
        f" and {len(orphans) - shown} more" if len(orphans) > shown else ""
    )
    return [
        f"{len(orphans)} landed data file(s) without a manifest, not loaded: {names} — their "
        "extraction stopped between the data and its manifest; re-run that account's extraction "
        "for that date (it overwrites the file and writes the manifest), or delete the file"
    ]


def describe_problems(
    outcome: FileOutcome,
    failures: list[Any],
    flagged: dict[int, tuple[str, int]],
    held: dict[str, str],
    report: LoadReport,
) -> None:
    """Human lines in `report.problems` for a file: quarantined whole or in part (by check,
    with an example), held back with a parent, comments without author, fields missing."""
    m = outcome.manifest
    where = (
        f"client {m.client_id}, {m.platform} {m.entity}, account {m.account_id}, file {m.data_file}"
    )
    if outcome.error:
        report.problems.append(f"{where}: quarantined whole — {outcome.error}")
    elif outcome.quarantined:
        mine = [f for f in failures if flagged.get(f.row, ("",))[0] == m.data_file]
        by_exp: dict[str, list] = defaultdict(list)
        parents: dict[str, int] = defaultdict(int)
        for failure in mine:
            if check_name(failure).endswith(":orphan_parent_id") and failure.value in held:
                parents[failure.value] += 1
            else:
                by_exp[check_name(failure)].append(failure)
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
            f"{name} ({len(items)} rows: {items[0].reason}; e.g. {sample(items[0].value)})"
            for name, items in by_exp.items()
        ]
        report.problems.append(
            f"{where}: {outcome.quarantined} of {outcome.read} rows quarantined — "
            + "; ".join(details)
        )
    missing = [f for f in outcome.missing_fields if f != author_field(m.platform, m.entity)]
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
