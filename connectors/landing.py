"""The landing zone: immutable gzip NDJSON files, one per account, entity and run.

Layout under the landing root (a local path or any fsspec URL such as ``s3://bucket/landing``)::

    <platform>/<entity>/date=<YYYY-MM-DD>/<account_id>__<run_id>.ndjson.gz
    <platform>/<entity>/date=<YYYY-MM-DD>/<account_id>__<run_id>.manifest.json

`date` is the run's logical date (the last day of the requested window). Each line is one item
exactly as the platform returned it. Edge items that do not name the object they were read from
(a comment does not say which post it is on, an insight total does not say its day) get one
added key, ``_ruche``, holding that context (``parent_id``, ``since``, ``until``).

Completeness contract, which loaders rely on: **a batch exists only when its manifest exists.**
The data file is written first, the manifest (holding the data file's checksum and record
count) last, so a batch appears whole or not at all. How each is made whole depends on the
filesystem:

* **Local directory**: written under a hidden temporary name, then renamed (a rename is atomic
  on one filesystem; a file written in place is readable half-written).
* **Object store** (``s3://``, any other fsspec URL): written directly under its final name. An
  object store has no rename (s3fs's ``mv`` is a copy and a delete), but one PUT, or a
  multipart upload's completion, is atomic: the object appears whole or not at all.

A re-run of the same batch (an Airflow retry lands the same names) first withdraws the earlier
manifest, then overwrites the data, then writes the new manifest, so a visible manifest never
describes the other run's data. A crash between the data and the manifest leaves an orphan data
file: `list_batches` never returns it, `orphans` reports it, and the re-run overwrites it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import io
import itertools
import json
import logging
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import fsspec

log = logging.getLogger(__name__)

DATA_SUFFIX = ".ndjson.gz"
MANIFEST_SUFFIX = ".manifest.json"
TMP_MARK = ".tmp-"
# An orphan younger than this may be a batch whose manifest is being written right now.
ORPHAN_GRACE = dt.timedelta(hours=1)
CONTEXT_KEY = "_ruche"
MANIFEST_VERSION = 1
_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_name(value: str) -> str:
    """A run id or account id as a file-name part (Airflow run ids contain ':' and '+')."""
    return _SAFE.sub("_", value).strip("_") or "run"


@dataclass(frozen=True)
class Manifest:
    """What a landed batch holds; written next to the data file, last."""

    platform: str
    entity: str
    client_id: str
    account_id: str
    run_id: str
    logical_date: str
    window_start: str
    window_end: str
    requested_start: str
    requested_end: str
    api_version: str
    record_count: int
    sha256: str  # of the gzip file as stored
    content_sha256: str  # of the uncompressed NDJSON (stable across gzip settings)
    bytes: int
    extracted_at: str
    data_file: str  # path relative to the landing root
    request_count: int = 0
    manifest_version: int = MANIFEST_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def manifest_file(self) -> str:
        return self.data_file[: -len(DATA_SUFFIX)] + MANIFEST_SUFFIX

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        data = json.loads(text)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


class _HashingWriter(io.RawIOBase):
    """Pass-through file object that hashes and counts what is written."""

    def __init__(self, target: Any) -> None:
        self._target = target
        self.sha = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        view = memoryview(b).cast("B")
        self.sha.update(view)
        self.size += len(view)
        self._target.write(view)
        return len(view)


class LandingBatch:
    """One file being written. Use as a context manager; `commit()` publishes it atomically."""

    def __init__(self, zone: LandingZone, manifest_fields: dict[str, Any], relpath: str) -> None:
        self._zone = zone
        self._fields = manifest_fields
        self.relpath = relpath
        self._final = zone.path(relpath)
        self._tmp: str | None = None
        if zone.is_local:
            folder, name = relpath.rsplit("/", 1)
            # Hidden and without the data suffix, so no glob for "*.ndjson.gz" can pick it up.
            self._tmp = zone.path(f"{folder}/.{name}{TMP_MARK}{uuid.uuid4().hex}")
            zone.fs.makedirs(self._final.rsplit("/", 1)[0], exist_ok=True)
        # On an object store the file is buffered (or uploaded in parts) and only becomes an
        # object when it is closed: nothing under the final name is ever half-written.
        self._raw = zone.fs.open(self._tmp or self._final, "wb")
        self._hasher = _HashingWriter(self._raw)
        self._gzip = gzip.GzipFile(fileobj=self._hasher, mode="wb", mtime=0, compresslevel=6)
        self._content_sha = hashlib.sha256()
        self.count = 0
        self._done = False

    def write(self, record: dict[str, Any]) -> None:
        line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        self._content_sha.update(line)
        self._gzip.write(line)
        self.count += 1

    def write_many(self, records: Iterable[dict[str, Any]]) -> int:
        for record in records:
            self.write(record)
        return self.count

    def commit(self, **manifest_updates: Any) -> Manifest:
        """Publish the data file, then write the manifest (last)."""
        self._gzip.close()
        fields = {**self._fields, **manifest_updates}
        manifest = Manifest(
            **fields,
            record_count=self.count,
            sha256=self._hasher.sha.hexdigest(),
            content_sha256=self._content_sha.hexdigest(),
            bytes=self._hasher.size,
            data_file=self.relpath,
        )
        # A re-run of this batch: its earlier manifest goes first, so that from here until the
        # new manifest is written no manifest describes data that is being replaced.
        self._zone.remove(manifest.manifest_file)
        self._raw.close()  # the object store's PUT (or the upload's completion)
        if self._tmp is not None:
            self._zone.fs.mv(self._tmp, self._final)
        self._done = True
        self._zone.write_text(manifest.manifest_file, manifest.to_json())
        log.debug("landed %s (%d records)", manifest.data_file, manifest.record_count)
        return manifest

    def abort(self) -> None:
        """Drop what was written; nothing of this batch becomes visible."""
        if self._done:
            return
        self._done = True
        if self._tmp is None:
            # Closing would upload the partial file: throw the buffer (and any uploaded parts)
            # away, and mark the file closed so that garbage collection does not upload it.
            discard = getattr(self._raw, "discard", None)
            if discard is not None:
                discard()
            with contextlib.suppress(AttributeError):
                self._raw.closed = True
            return
        try:
            self._gzip.close()
            self._raw.close()
        finally:
            if self._zone.fs.exists(self._tmp):
                self._zone.fs.rm(self._tmp)

    def __enter__(self) -> LandingBatch:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is not None or not self._done:
            self.abort()


@dataclass
class Scan:
    """What one listing of the landing zone found: the complete batches, and the data files
    without a manifest older than the grace period (relative paths)."""

    manifests: list[Manifest]
    orphans: list[str]


class LandingZone:
    """A landing root on any fsspec filesystem (local directory by default)."""

    def __init__(self, root: str, storage_options: dict[str, Any] | None = None) -> None:
        """`storage_options` go to the fsspec filesystem of a URL root; by default
        `RUCHE_LANDING_STORAGE_OPTIONS` (credentials come from the store's own chain, e.g. the
        `AWS_*` variables, a profile or an instance role)."""
        self.root_url = str(root)
        if storage_options is None and not _is_local_url(self.root_url):
            from ruche.settings import settings

            storage_options = settings().LANDING_STORAGE_OPTIONS
        self.fs, self.root = fsspec.core.url_to_fs(self.root_url, **(storage_options or {}))
        self.root = self.root.rstrip("/")
        protocol = self.fs.protocol if isinstance(self.fs.protocol, str) else self.fs.protocol[0]
        self.protocol = protocol
        # Only a local directory renames atomically; every other filesystem is treated as an
        # object store (one PUT per file, no rename).
        self.is_local = protocol in ("file", "local")

    def __repr__(self) -> str:
        return f"LandingZone({self.root_url!r})"

    def path(self, relpath: str) -> str:
        return f"{self.root}/{relpath}"

    def url(self, relpath: str) -> str:
        """A path fsspec (and DuckDB with the filesystem registered) opens from anywhere."""
        path = self.path(relpath)
        return path if self.is_local else f"{self.protocol}://{path}"

    def glob(self, pattern: str) -> list[str]:
        """Paths matching `pattern` (relative to the root), sorted, temporary files left out; on
        an object store that cannot be reached, one line saying what to check."""
        try:
            found = self.fs.glob(self.path(pattern))
        except Exception as exc:
            if self.is_local:
                raise
            raise self.unreachable(exc) from None
        return sorted(path for path in found if TMP_MARK not in path.rsplit("/", 1)[-1])

    def unreachable(self, exc: BaseException) -> Exception:
        """A user's error (a bucket that does not exist, credentials missing or refused, an
        endpoint that does not answer) as one line saying what to check."""
        from ruche.errors import UserError

        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return UserError(
            f"landing zone {self.root_url}: {reason} — check RUCHE_LANDING_ROOT (the bucket "
            "must exist), the store's credentials (AWS_ACCESS_KEY_ID… or a profile) and its "
            "endpoint (AWS_ENDPOINT_URL_S3, or endpoint_url in RUCHE_LANDING_STORAGE_OPTIONS)"
        )

    def write_text(self, relpath: str, text: str) -> None:
        """A small file, whole or not at all: one PUT on an object store, a temporary file
        renamed into place on a local disk."""
        path = self.path(relpath)
        if not self.is_local:
            self.fs.pipe_file(path, text.encode("utf-8"))
            return
        self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        folder, name = path.rsplit("/", 1)
        tmp = f"{folder}/.{name}{TMP_MARK}{uuid.uuid4().hex}"
        with self.fs.open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        self.fs.mv(tmp, path)

    def remove(self, relpath: str) -> None:
        """Remove a file if it is there (one DELETE on an object store, no listing)."""
        with contextlib.suppress(FileNotFoundError):
            self.fs.rm_file(self.path(relpath))

    def batch(
        self,
        *,
        platform: str,
        entity: str,
        client_id: str,
        account_id: str,
        run_id: str,
        logical_date: dt.date,
        window: tuple[dt.date, dt.date],
        requested: tuple[dt.date, dt.date],
        api_version: str,
        extracted_at: dt.datetime | None = None,
    ) -> LandingBatch:
        relpath = (
            f"{platform}/{entity}/date={logical_date.isoformat()}/"
            f"{safe_name(account_id)}__{safe_name(run_id)}{DATA_SUFFIX}"
        )
        extracted_at = extracted_at or dt.datetime.now(dt.UTC)
        fields = {
            "platform": platform,
            "entity": entity,
            "client_id": client_id,
            "account_id": account_id,
            "run_id": run_id,
            "logical_date": logical_date.isoformat(),
            "window_start": window[0].isoformat(),
            "window_end": window[1].isoformat(),
            "requested_start": requested[0].isoformat(),
            "requested_end": requested[1].isoformat(),
            "api_version": api_version,
            "extracted_at": extracted_at.isoformat(timespec="seconds"),
        }
        return LandingBatch(self, fields, relpath)

    def list_batches(
        self,
        platform: str | None = None,
        entity: str | None = None,
        logical_date: dt.date | None = None,
    ) -> list[Manifest]:
        """Complete batches only (those with a manifest), oldest extraction first."""
        return self.scan(platform, entity, logical_date).manifests

    def scan(
        self,
        platform: str | None = None,
        entity: str | None = None,
        logical_date: dt.date | None = None,
        *,
        orphan_grace: dt.timedelta = ORPHAN_GRACE,
        now: dt.datetime | None = None,
    ) -> Scan:
        """The complete batches (oldest extraction first) and the orphan data files, from one
        listing; the manifests are read concurrently on an object store (one GET each)."""
        parts = [
            platform or "*",
            entity or "*",
            f"date={logical_date.isoformat()}" if logical_date else "date=*",
            "*",
        ]
        # Other processes (workers on other machines) land batches: s3fs would otherwise answer
        # from the listing this filesystem instance cached when it last looked.
        self.fs.invalidate_cache()
        if self.is_local:
            found = self.fs.glob("/".join([self.root, *parts]), detail=True)
        else:
            # One flat listing under the longest fixed prefix (1,000 keys a request), not a
            # glob's listing per folder (one request per platform, entity and date).
            fixed = [self.root, *itertools.takewhile(lambda part: "*" not in part, parts)]
            wanted = re.compile(
                "/".join(re.escape(part).replace(r"\*", "[^/]*") for part in [self.root, *parts])
                + "$"
            )
            try:
                listed = self.fs.find("/".join(fixed), detail=True)
            except Exception as exc:  # botocore's errors are not all OSErrors
                raise self.unreachable(exc) from None
            found = {path: info for path, info in listed.items() if wanted.match(path)}
        names = {path for path in found if TMP_MARK not in path.rsplit("/", 1)[-1]}
        manifest_paths = sorted(p for p in names if p.endswith(MANIFEST_SUFFIX))
        # A manifest removed since the listing (a re-run withdrawing it) is left out.
        texts = self.fs.cat(manifest_paths, on_error="omit") if manifest_paths else {}
        manifests = [
            Manifest.from_json(texts[p].decode("utf-8")) for p in manifest_paths if p in texts
        ]
        cutoff = (now or dt.datetime.now(dt.UTC)) - orphan_grace
        orphans = [
            path[len(self.root) + 1 :]
            for path in sorted(names)
            if path.endswith(DATA_SUFFIX)
            and path[: -len(DATA_SUFFIX)] + MANIFEST_SUFFIX not in names
            and _modified(found[path]) <= cutoff
        ]
        return Scan(sorted(manifests, key=lambda m: (m.extracted_at, m.data_file)), orphans)

    def read_records(self, manifest: Manifest, verify: bool = True) -> Iterator[dict[str, Any]]:
        """Records of a batch; with `verify`, fail if the file does not match its manifest."""
        with self.fs.open(self.path(manifest.data_file), "rb") as handle:
            raw = handle.read()
        if verify and hashlib.sha256(raw).hexdigest() != manifest.sha256:
            raise ValueError(
                f"{manifest.data_file}: checksum does not match its manifest; the file was "
                "changed after landing. Re-extract this account and date."
            )
        for line in gzip.decompress(raw).splitlines():
            if line.strip():
                yield json.loads(line)


def _is_local_url(url: str) -> bool:
    return "://" not in url or url.startswith(("file://", "local://"))


def _modified(info: dict[str, Any]) -> dt.datetime:
    """When a listed file was last written (object stores and local disks name it apart)."""
    value = info.get("LastModified") or info.get("mtime") or info.get("created")
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, int | float):
        return dt.datetime.fromtimestamp(value, dt.UTC)
    return dt.datetime.min.replace(tzinfo=dt.UTC)  # unknown: old enough to report
