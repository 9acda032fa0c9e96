"""Extract one account into the landing zone: the piece the CLI and the Airflow tasks share.

`extract_account` never raises a `ConnectorError`: it lands every entity that completed, drops
the one that failed (its temporary file never becomes visible), and returns an `AccountResult`
holding the error, so the caller decides (the CLI reports, an Airflow task re-raises with
`raise_for_error`). Only programming errors propagate.

Throttling past the run's deadline is not a failure of the data already fetched: when the
platform asks for a wait that does not fit (`DeferredError`), the entity being extracted lands
what it fetched so far, marked `partial` with the resume time in its manifest's `extra`, and
the account's result is "deferred" with `resume_at`. The deadline is `RUCHE_EXTRACT_DEADLINE`:
minutes after the extraction starts (default `DEFAULT_DEADLINE_MINUTES`), an ISO-8601 time with
an offset, or `off` (then a wait longer than `RetryPolicy.max_single_wait` defers).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from connectors.base import AccountRef, Connector, Window, make_http, resolve_base_url
from connectors.errors import ConnectorError, DeferredError, PermanentError
from connectors.http import RetryPolicy
from connectors.landing import LandingZone, Manifest
from ruche import platforms as registry
from ruche.api_calendar import check_api_versions

log = logging.getLogger(__name__)


class _Connectors(Mapping[str, type[Connector]]):
    """Every registered platform's connector class, by platform name, imported on first use
    (`Platform.connector_class`): a run that extracts one platform imports one module."""

    def __getitem__(self, name: str) -> type[Connector]:
        return registry.platform(name).connector_class()

    def __iter__(self) -> Iterator[str]:
        return iter(registry.REGISTRY)

    def __len__(self) -> int:
        return len(registry.REGISTRY)

    def __repr__(self) -> str:
        return f"CONNECTORS({', '.join(self)})"


CONNECTORS: Mapping[str, type[Connector]] = _Connectors()

ProgressFn = Callable[[str, str, int], None]  # (account label, entity, records so far)

DEADLINE_ENV = "RUCHE_EXTRACT_DEADLINE"
DEFAULT_DEADLINE_MINUTES = 120.0
"""A nightly run starting at 02:00 has its marts built by 06:00: two hours of extraction leave
room to load and transform, and cover Meta's usual regain times (minutes to an hour)."""


def extract_deadline(started: float, env: Mapping[str, str] | None = None) -> float | None:
    """The run's deadline in epoch seconds, from `RUCHE_EXTRACT_DEADLINE` (see module doc)."""
    from ruche.settings import settings

    raw = settings(env).EXTRACT_DEADLINE or ""
    if not raw:
        return started + DEFAULT_DEADLINE_MINUTES * 60
    if raw.lower() in ("off", "none"):
        return None
    try:
        return started + float(raw) * 60
    except ValueError:
        pass
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError(
            f"{DEADLINE_ENV}={raw!r}: expected minutes after the start (e.g. 120), an ISO time "
            "with an offset (e.g. 2026-11-20T05:30:00+00:00) or 'off'"
        )
    return moment.timestamp()


@dataclass
class AccountResult:
    client_id: str
    platform: str
    account_id: str
    run_id: str
    window: Window
    manifests: list[Manifest] = field(default_factory=list)
    error: ConnectorError | None = None
    requests: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    waited_seconds: float = 0.0
    seconds: float = 0.0
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def resume_at(self) -> str | None:
        """When a deferred account can be extracted again (ISO-8601 UTC), else None."""
        if isinstance(self.error, DeferredError):
            return self.error.details.get("resume_at")  # type: ignore[return-value]
        return None

    @property
    def records(self) -> int:
        return sum(m.record_count for m in self.manifests)

    @property
    def label(self) -> str:
        return f"{self.client_id}/{self.platform}/{self.account_id}"

    def raise_for_error(self) -> None:
        if self.error is not None:
            raise self.error

    def summary(self) -> dict[str, Any]:
        """A JSON-able summary (safe for logs and XCom: no token, no records)."""
        return {
            "client_id": self.client_id,
            "platform": self.platform,
            "account_id": self.account_id,
            "run_id": self.run_id,
            "window": [self.window.start.isoformat(), self.window.end.isoformat()],
            "status": "success" if self.ok else self.error.kind,
            "error": str(self.error) if self.error else None,
            "resume_at": self.resume_at,
            "records": {m.entity: m.record_count for m in self.manifests},
            "files": [m.data_file for m in self.manifests],
            "requests": self.requests,
            "retries": self.retries,
            "rate_limit_waits": self.rate_limit_waits,
            "seconds": round(self.seconds, 3),
            "notes": self.notes,
        }


def token_source(account: Any) -> str:
    parts = []
    if getattr(account, "token_env", None):
        parts.append(f"environment variable {account.token_env}")
    if getattr(account, "airflow_conn_id", None):
        parts.append(f"Airflow connection {account.airflow_conn_id}")
    return " or ".join(parts) or "no token source configured"


def resolve_token(account: Any, env: Mapping[str, str] | None = None) -> str | None:
    """The token from the account's environment variable, if set."""
    env = os.environ if env is None else env
    name = getattr(account, "token_env", None)
    value = env.get(name) if name else None
    return value.strip() if value and value.strip() else None


def extract_account(
    *,
    client: Any,
    platform: str,
    account: Any,
    window: Window,
    landing: LandingZone,
    run_id: str,
    token: str | None = None,
    base_url: str | None = None,
    retry: RetryPolicy | None = None,
    timeout: tuple[float, float] = (5.0, 60.0),
    sleep: Callable[[float], None] | None = None,
    on_progress: ProgressFn | None = None,
    logical_date: dt.date | None = None,
    connector_options: Mapping[str, Any] | None = None,
    deadline: float | None = None,
    now: dt.datetime | None = None,
) -> AccountResult:
    """Extract every entity of one account for `window` into `landing`.

    `deadline` (epoch seconds) overrides `RUCHE_EXTRACT_DEADLINE`. Days of `window` that have
    not ended at `now` (default: the clock) in the platform's reporting timezone are never
    requested: the platform would count them as zeros or partial days. The window is cut at the
    last complete day, and the result's notes say so."""
    connector_cls = CONNECTORS[platform]
    ref = AccountRef(
        client_id=client.id,
        platform=platform,
        account_id=account.id,
        timezone=client.timezone,
        name=account.name,
        refetch_days=account.refetch_days,
        fields=tuple(account.fields) if account.fields else None,
        token_source=token_source(account),
        store_comment_text=getattr(account, "store_comment_text", None),
    )
    result = AccountResult(client.id, platform, account.id, run_id, window)
    started = time.monotonic()
    token = token or resolve_token(account)
    if not token:
        result.error = PermanentError(
            "no access token found",
            ref.error_context(),
            hint=f"set the {token_source(account)} to this account's token",
        )
        return result
    if deadline is None:
        try:
            deadline = extract_deadline(time.time())
        except ValueError as exc:
            result.error = PermanentError(str(exc), ref.error_context(), hint="fix the setting")
            return result
    try:
        api_version = connector_cls.configured_api_version()
    except ValueError as exc:
        result.error = PermanentError(str(exc), ref.error_context(), hint="fix the setting")
        return result
    today = (now or dt.datetime.now(dt.UTC)).date()
    for warning in check_api_versions(
        {platform: api_version}, today, run_id=run_id, landing=landing
    ):
        result.notes["api_sunset"] = warning["message"]
    http = make_http(
        connector_cls,
        ref,
        token=token,
        base_url=base_url or resolve_base_url(connector_cls, account.base_url),
        retry=retry,
        timeout=timeout,
        sleep=sleep,
        deadline=deadline,
    )
    connector = connector_cls(http, ref)
    connector.api_version = api_version
    for key, value in (connector_options or {}).items():
        setattr(connector, key, value)
    logical_date = logical_date or window.end
    try:
        with http:
            window = _complete_days_only(connector, window, now, result)
            for stream in connector.streams(window):
                before = http.stats.requests
                batch = landing.batch(
                    platform=platform,
                    entity=stream.entity,
                    client_id=client.id,
                    account_id=account.id,
                    run_id=run_id,
                    logical_date=logical_date,
                    window=(stream.window.start, stream.window.end),
                    requested=(window.start, window.end),
                    api_version=api_version,
                )
                with batch:
                    try:
                        for record in stream.records:
                            batch.write(record)
                            if on_progress and batch.count % 200 == 0:
                                on_progress(result.label, stream.entity, batch.count)
                    except DeferredError as exc:
                        # Never lose fetched pages: land them, marked partial.
                        extra = {"partial": True, "resume_at": exc.details.get("resume_at")}
                        result.manifests.append(
                            batch.commit(request_count=http.stats.requests - before, extra=extra)
                        )
                        raise
                    result.manifests.append(
                        batch.commit(request_count=http.stats.requests - before)
                    )
                if on_progress:
                    on_progress(result.label, stream.entity, batch.count)
    except ConnectorError as exc:
        result.error = exc
        log.error("%s", exc)
    finally:
        result.requests = http.stats.requests
        result.retries = http.stats.retries
        result.rate_limit_waits = http.stats.rate_limit_waits
        result.waited_seconds = http.stats.waited_seconds
        result.notes = {**result.notes, **connector.notes}
        result.seconds = time.monotonic() - started
    return result


def _complete_days_only(
    connector: Connector, window: Window, now: dt.datetime | None, result: AccountResult
) -> Window:
    """`window` without the days not over yet in the platform's reporting timezone."""
    now = now or dt.datetime.now(dt.UTC)
    last = connector.last_complete_day(now)
    if window.end <= last:
        return window
    complete = window.up_to(last)
    zone = connector.account_reporting_timezone()
    connector.notes["days_not_over"] = {
        "requested": [window.start.isoformat(), window.end.isoformat()],
        "extracted": [complete.start.isoformat(), complete.end.isoformat()],
        "reporting_timezone": zone,
    }
    log.warning(
        "%s: %s has not ended yet in %s (the platform's reporting day); extracted %s instead, "
        "the next run fetches the rest",
        result.label,
        window.end if window.days == 1 else f"{last + dt.timedelta(days=1)}..{window.end}",
        zone,
        complete,
    )
    result.window = complete
    return complete


def extract_many(
    jobs: Iterable[tuple[Any, str, Any]],
    *,
    window: Window,
    landing: LandingZone,
    run_id: str,
    workers: int = 4,
    **options: Any,
) -> list[AccountResult]:
    """Extract several (client, platform, account) jobs in parallel threads (HTTP-bound)."""
    job_list = list(jobs)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = [
            pool.submit(
                extract_account,
                client=client,
                platform=platform,
                account=account,
                window=window,
                landing=landing,
                run_id=run_id,
                **options,
            )
            for client, platform, account in job_list
        ]
        return [f.result() for f in futures]
