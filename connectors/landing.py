"""The landing zone: immutable gzip NDJSON files, one per account, entity and run.

Layout under the landing root (a local path or any fsspec URL such as ``s3://bucket/landing``)::

    <platform>/<entity>/date=<YYYY-MM-DD>/<account_id>__<run_id>.ndjson.gz
    <platform>/<entity>/date=<YYYY-MM-DD>/<account_id>__<run_id>.manifest.json

`date` is the run's logical date (the last day of the requested window). Each line is one item
exactly as the platform returned it. Edge items that do not name the object they were read from
(a comment does not say which post it is on, an insight total does not say its day) get one
added key, ``_ruche``, holding that context (``parent_id``, ``since``, ``until``).

Completeness contract, which loaders rely on: **a batch exists only when its manifest exists.**
The data file is written under a temporary name, then renamed; the manifest, holding the data
file's checksum and record count, is written the same way, last. A crash at any point leaves
either nothing or a temporary file that `list_batches` never returns.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
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
        folder, name = relpath.rsplit("/", 1)
        # Hidden and without the data suffix, so no glob for "*.ndjson.gz" can pick it up.
        self._tmp = zone.path(f"{folder}/.{name}{TMP_MARK}{uuid.uuid4().hex}")
        zone.fs.makedirs(self._final.rsplit("/", 1)[0], exist_ok=True)
        self._raw = zone.fs.open(self._tmp, "wb")
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
        """Close the data file, rename it into place, then write the manifest (last)."""
        self._gzip.close()
        self._raw.close()
        fields = {**self._fields, **manifest_updates}
        manifest = Manifest(
            **fields,
            record_count=self.count,
            sha256=self._hasher.sha.hexdigest(),
            content_sha256=self._content_sha.hexdigest(),
            bytes=self._hasher.size,
            data_file=self.relpath,
        )
        fs = self._zone.fs
        fs.mv(self._tmp, self._final)
        manifest_path = self._zone.path(manifest.manifest_file)
        tmp_manifest = f"{manifest_path}{TMP_MARK}{uuid.uuid4().hex}"
        with fs.open(tmp_manifest, "w", encoding="utf-8") as handle:
            handle.write(manifest.to_json())
        fs.mv(tmp_manifest, manifest_path)
        self._done = True
        log.debug("landed %s (%d records)", manifest.data_file, manifest.record_count)
        return manifest

    def abort(self) -> None:
        """Drop the temporary file; nothing of this batch becomes visible."""
        if self._done:
            return
        self._done = True
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


class LandingZone:
    """A landing root on any fsspec filesystem (local directory by default)."""

    def __init__(self, root: str, storage_options: dict[str, Any] | None = None) -> None:
        self.root_url = str(root)
        self.fs, self.root = fsspec.core.url_to_fs(self.root_url, **(storage_options or {}))
        self.root = self.root.rstrip("/")

    def __repr__(self) -> str:
        return f"LandingZone({self.root_url!r})"

    def path(self, relpath: str) -> str:
        return f"{self.root}/{relpath}"

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
        pattern = "/".join(
            [
                self.root,
                platform or "*",
                entity or "*",
                f"date={logical_date.isoformat()}" if logical_date else "date=*",
                f"*{MANIFEST_SUFFIX}",
            ]
        )
        manifests = []
        for path in self.fs.glob(pattern):
            if TMP_MARK in path.rsplit("/", 1)[-1]:
                continue
            with self.fs.open(path, "r", encoding="utf-8") as handle:
                manifests.append(Manifest.from_json(handle.read()))
        return sorted(manifests, key=lambda m: (m.extracted_at, m.data_file))

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
