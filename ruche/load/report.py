"""What a load did, file by file (`FileOutcome`) and in total (`LoadReport`), and how audit
findings are named and sampled in `ops` and in the problems a load reports."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from connectors.landing import Manifest


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
    stage_path: str | None = None  # a copy with its invalid lines replaced (see `files.salvage`)
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


def check_name(finding: Any) -> str:
    """`expectation:column`: most checks share one GX type, the column tells them apart."""
    column = getattr(finding, "column", None)
    return f"{finding.expectation}:{column}" if column else str(finding.expectation)


def sample(value: Any, limit: int = 200) -> str | None:
    if value is None:
        return None
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"
