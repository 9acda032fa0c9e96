"""Error classes every connector raises.

A connector error is one of three kinds, because the orchestrator treats each differently:

* `TransientError` — a network fault or a 5xx; the HTTP core already retried it with backoff and
  gave up only after its attempts ran out. Retrying the task later may work.
* `RateLimitedError` — the platform throttled us for longer than we are willing to wait.
* `DeferredError` — the platform asked for a wait longer than this run can afford (beyond its
  deadline, or beyond the single-wait cap when there is no deadline). What was fetched is
  landed, and `resume_at` says when the account can be extracted again.
* `PermanentError` — retrying cannot help (expired token, missing permission, removed metric,
  unknown account). The message says what to do.

Every message names client, platform and account, and carries the platform's error code, so the
person reading an Airflow log at 7 a.m. knows which brand needs attention and how to fix it.
Messages are redacted before they are built: no token can reach an exception.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ErrorContext:
    """Who was being extracted when the error happened."""

    platform: str
    client_id: str | None = None
    account_id: str | None = None
    token_source: str | None = None  # e.g. "env RUCHE_TOKEN_X or Airflow connection y"

    def describe(self) -> str:
        who = f"{self.platform} account {self.account_id or '?'}"
        return f"{who} of client {self.client_id}" if self.client_id else who


@dataclass
class ConnectorError(Exception):
    """Base class; `str()` is a complete, redacted, human-readable message."""

    summary: str
    context: ErrorContext
    code: int | None = None
    subcode: int | None = None
    http_status: int | None = None
    trace_id: str | None = None
    hint: str | None = None
    details: dict[str, object] = field(default_factory=dict)

    kind = "error"

    def __post_init__(self) -> None:
        super().__init__(self.message)

    @property
    def message(self) -> str:
        parts = [f"{self.context.describe()}: {self.summary}"]
        codes = []
        if self.http_status is not None:
            codes.append(f"HTTP {self.http_status}")
        if self.code is not None:
            codes.append(
                f"platform error {self.code}" + (f"/{self.subcode}" if self.subcode else "")
            )
        if self.trace_id:
            codes.append(f"trace id {self.trace_id}")
        if codes:
            parts.append(f"({', '.join(codes)})")
        if self.hint:
            parts.append(f"What to do: {self.hint}")
        return " ".join(parts)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):  # picklable for multiprocessing / Airflow
        return (
            _rebuild,
            (
                type(self),
                self.summary,
                self.context,
                self.code,
                self.subcode,
                self.http_status,
                self.trace_id,
                self.hint,
                self.details,
            ),
        )


def _rebuild(cls, *args):  # pragma: no cover - used by pickle only
    return cls(*args)


class TransientError(ConnectorError):
    kind = "transient"


class RateLimitedError(ConnectorError):
    kind = "rate_limited"


class DeferredError(RateLimitedError):
    """Throttled past this run's deadline: land what was fetched, resume at `resume_at`.

    A `RateLimitedError`, so callers that retry throttled tasks later keep doing so."""

    kind = "deferred"

    @property
    def resume_at(self) -> dt.datetime | None:
        value = self.details.get("resume_at")
        return dt.datetime.fromisoformat(str(value)) if value else None


class PermanentError(ConnectorError):
    kind = "permanent"


class DataTooLargeError(ConnectorError):
    """The platform refused the request's volume (Meta 1504018); ask for less or go async."""

    kind = "too_large"
