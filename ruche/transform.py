"""Run the dbt project (build = run + tests) against the warehouse, in-process.

One `dbt build` of the whole project: measured here at a fraction of what one dbt process per
model costs (see DECISIONLOG.md). Telemetry is off. The warehouse path reaches dbt through
`RUCHE_WAREHOUSE`, which `dbt_project/profiles.yml` reads.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruche.errors import warehouse_locked

log = logging.getLogger(__name__)

PROJECT_DIR = Path(__file__).resolve().parent.parent / "dbt_project"


@dataclass
class NodeResult:
    name: str
    resource_type: str
    status: str
    seconds: float
    message: str | None = None


@dataclass
class TransformReport:
    success: bool
    seconds: float
    nodes: list[NodeResult] = field(default_factory=list)
    args: list[str] = field(default_factory=list)

    @property
    def failures(self) -> list[NodeResult]:
        return [n for n in self.nodes if n.status in ("error", "fail", "runtime error")]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for node in self.nodes:
            out[node.status] = out.get(node.status, 0) + 1
        return out

    def describe_failures(self) -> str:
        return "\n".join(
            f"  - {n.resource_type} {n.name}: {n.status} — {(n.message or '').strip()[:300]}"
            for n in self.failures
        )


class TransformError(RuntimeError):
    def __init__(self, report: TransformReport) -> None:
        self.report = report
        super().__init__(
            f"dbt build failed ({len(report.failures)} node(s)); the marts were not published:\n"
            f"{report.describe_failures()}\nRun `ruche transform` to see dbt's full log."
        )


@contextmanager
def _env(**values: str):
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def dbt(
    command: Sequence[str],
    *,
    warehouse: str | Path,
    project_dir: Path = PROJECT_DIR,
    extra_args: Sequence[str] = (),
    quiet: bool = True,
    create_key: bool = False,
) -> TransformReport:
    """Run one dbt command (e.g. ["build"]) in-process and collect per-node results.

    The pseudonym key is `ruche.keys.author_hash_key(create=create_key)`: the command line
    creates the key file on first use, Airflow tasks refuse to run without a key.
    """
    from dbt.cli.main import dbtRunner

    from ruche.keys import KEY_ENV, author_hash_key

    key = author_hash_key(create=create_key)

    args = [
        *command,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        *(["--quiet"] if quiet else []),
        *extra_args,
    ]
    started = time.monotonic()
    with _env(
        RUCHE_WAREHOUSE=str(Path(warehouse).resolve()),
        **{KEY_ENV: key},
        DBT_SEND_ANONYMOUS_USAGE_STATS="False",
        DO_NOT_TRACK="1",
    ):
        result = dbtRunner().invoke(args)
    report = TransformReport(success=bool(result.success), seconds=0.0, args=args)
    report.seconds = time.monotonic() - started
    res: Any = result.result
    for item in getattr(res, "results", None) or []:
        node = getattr(item, "node", None)
        report.nodes.append(
            NodeResult(
                name=getattr(node, "name", "?"),
                resource_type=str(getattr(node, "resource_type", "?")),
                status=str(getattr(item, "status", "?")),
                seconds=float(getattr(item, "execution_time", 0.0) or 0.0),
                message=getattr(item, "message", None),
            )
        )
    if result.exception is not None and not report.nodes:
        report.nodes.append(
            NodeResult("dbt", "invocation", "error", report.seconds, str(result.exception))
        )
    return report


def build(
    warehouse: str | Path,
    *,
    full_refresh: bool = False,
    select: str | None = None,
    raise_on_failure: bool = True,
    create_key: bool = False,
) -> TransformReport:
    """`dbt build` over the warehouse; raises `TransformError` naming the failed nodes, or
    `WarehouseLocked` when another process holds the warehouse (waiting `RUCHE_LOCK_TIMEOUT`)."""
    from ruche.errors import wait_for_warehouse

    extra = ["--full-refresh"] if full_refresh else []
    if select:
        extra += ["--select", select]
    wait_for_warehouse(warehouse)
    report = dbt(["build"], warehouse=warehouse, extra_args=extra, create_key=create_key)
    if raise_on_failure and not report.success:
        # A writer that took the file after the check fails every node with the same lock
        # error: one line naming the holder says more than a page of failed models.
        for node in report.failures:
            locked = warehouse_locked(Exception(node.message or ""))
            if locked is not None:
                raise locked
        raise TransformError(report)
    return report
