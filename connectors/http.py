"""The HTTP client every connector uses.

One place for the concerns no platform module should re-implement: a `requests.Session`, connect
and read timeouts, retries with exponential backoff and full jitter that honour `Retry-After`,
slowing down before a platform's usage headers reach their limit, a cap on total requests per
run, a User-Agent, token redaction, and turning every failure into a classified
`ConnectorError`.

A platform plugs in two small functions:

* `classify(response, body) -> Failure | None` — reads the platform's error envelope;
* `read_usage(headers) -> Usage | None` — reads its usage/throttle headers.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests

from connectors import __version__
from connectors.errors import (
    ConnectorError,
    DataTooLargeError,
    DeferredError,
    ErrorContext,
    PermanentError,
    RateLimitedError,
    TransientError,
)
from connectors.paginators import PaginationError, Paginator
from connectors.redact import Redactor

log = logging.getLogger(__name__)

USER_AGENT = f"Ruche/{__version__} (+https://github.com/ruche-data/ruche)"


@dataclass(frozen=True)
class Failure:
    """What a platform's error means for us."""

    kind: str  # "transient" | "rate_limited" | "permanent" | "too_large"
    summary: str
    code: int | None = None
    subcode: int | None = None
    trace_id: str | None = None
    hint: str | None = None
    wait_seconds: float | None = None  # the platform's own suggestion, if any
    reason: str | None = None  # a platform tag a connector can act on (`details["reason"]`)


@dataclass(frozen=True)
class Usage:
    """How much of a platform quota is used (0–100+) and how long until it is regained."""

    percent: float
    regain_seconds: float | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the client tries. Defaults suit a nightly batch: patient, but bounded."""

    max_attempts: int = 6  # per request, for transient faults
    max_rate_limit_waits: int = 8  # per request, for throttling
    backoff_base: float = 1.0  # seconds; attempt n waits up to base * 2**n
    backoff_max: float = 60.0
    max_single_wait: float = 900.0  # without a run deadline, a longer throttle wait defers
    slow_down_at: float = 75.0  # usage percent where we start pacing requests
    pause_at: float = 95.0  # usage percent where we pause like a throttle
    pace_max: float = 30.0  # longest pacing delay before pause_at


@dataclass
class RequestStats:
    requests: int = 0
    retries: int = 0
    rate_limit_waits: int = 0
    waited_seconds: float = 0.0
    by_status: dict[int, int] = field(default_factory=dict)


def default_classify(response: requests.Response, body: Any) -> Failure | None:
    """Status-code semantics for platforms whose HTTP status carries the meaning."""
    status = response.status_code
    if status < 400:
        return None
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if status == 429:
        return Failure("rate_limited", "rate limited", wait_seconds=retry_after)
    if status >= 500:
        return Failure("transient", f"server error {status}", wait_seconds=retry_after)
    if status in (401, 403):
        return Failure(
            "permanent",
            "the token was refused",
            hint="check that the token is valid and has the permissions this connector needs",
        )
    return Failure("permanent", f"request refused with HTTP {status}")


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def strip_params(url: str, names: tuple[str, ...]) -> str:
    """Remove query parameters (tokens) from a URL a platform handed back."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in names]
    return urlunsplit(parts._replace(query=urlencode(query)))


class HttpClient:
    """A platform's HTTP client for one account and one run."""

    def __init__(
        self,
        *,
        base_url: str,
        token: str | None,
        context: ErrorContext,
        classify: Callable[[requests.Response, Any], Failure | None] = default_classify,
        read_usage: Callable[[Mapping[str, str]], Usage | None] | None = None,
        auth_header: Callable[[str], dict[str, str]] = lambda t: {"Authorization": f"Bearer {t}"},
        timeout: tuple[float, float] = (5.0, 60.0),
        retry: RetryPolicy | None = None,
        max_requests: int = 50_000,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        rng: random.Random | None = None,
        deadline: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`deadline` (epoch seconds) is when this run must be done: a throttle wait that
        ends before it is waited out, whatever its length; one that ends after it defers the
        account (`DeferredError` with the resume time). Without a deadline, waits up to
        `retry.max_single_wait` are waited and longer ones defer."""
        self.base_url = base_url.rstrip("/") + "/"
        self.deadline = deadline
        self._clock = clock
        self.context = context
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.max_requests = max_requests
        self.stats = RequestStats()
        self._classify = classify
        self._read_usage = read_usage
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._redactor = Redactor([token] if token else [])
        self._session = session or requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        self._session.headers["Accept"] = "application/json"
        if token:
            self._session.headers.update(auth_header(token))
        self._pending_pace = 0.0

    def __repr__(self) -> str:
        return f"HttpClient(base_url={self.base_url!r}, account={self.context.describe()!r})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ requests
    def url(self, path_or_url: str) -> str:
        if path_or_url.startswith(("http://", "https://")):
            return path_or_url
        return urljoin(self.base_url, path_or_url.lstrip("/"))

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, data: Mapping[str, Any] | None = None) -> Any:
        return self.request("POST", path, data=data)

    def post_json(self, path: str, body: Any, headers: Mapping[str, str] | None = None) -> Any:
        """POST a JSON body (APIs such as Google Ads' searchStream take no form fields)."""
        return self.request("POST", path, json_body=body, headers=headers)

    def request(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | None = None,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """Send one logical request; return the decoded JSON body or raise `ConnectorError`.

        `json_body` is sent as JSON instead of `data`; `headers` are added to this request's
        (a platform's per-request headers, e.g. Google Ads' `login-customer-id`)."""
        url = self.url(path)
        attempt = 0
        rate_waits = 0
        while True:
            self._pace()
            self._count_request()
            failure, body, response = self._attempt(
                method, url, params, data, json_body=json_body, headers=headers
            )
            if failure is None:
                self._observe_usage(response)
                return body
            if failure.kind == "transient":
                attempt += 1
                if attempt >= self.retry.max_attempts:
                    raise self._error(TransientError, failure, response, attempts=attempt)
                delay = self._backoff(attempt, failure.wait_seconds)
                self.stats.retries += 1
                log.warning(
                    "%s: %s; retry %d/%d in %.1fs",
                    self.context.describe(),
                    self._redactor.redact(failure.summary),
                    attempt,
                    self.retry.max_attempts - 1,
                    delay,
                )
                self.wait(delay)
            elif failure.kind == "rate_limited":
                rate_waits += 1
                wait = self._rate_limit_wait(failure, response, rate_waits)
                if not self._may_wait(wait):
                    raise self._deferred(wait, failure, response)
                if rate_waits > self.retry.max_rate_limit_waits:
                    raise self._error(
                        RateLimitedError,
                        failure,
                        response,
                        hint=(
                            f"the platform asked us to wait {wait:.0f}s after {rate_waits} "
                            "throttled attempts; the task can be retried later, or the run "
                            "spread over more time"
                        ),
                    )
                self.stats.rate_limit_waits += 1
                log.warning(
                    "%s: throttled (%s); waiting %.1fs before trying again",
                    self.context.describe(),
                    self._redactor.redact(failure.summary),
                    wait,
                )
                self.wait(wait)
            elif failure.kind == "too_large":
                raise self._error(DataTooLargeError, failure, response)
            else:
                raise self._error(PermanentError, failure, response)

    def paginate(
        self,
        path: str,
        params: Mapping[str, Any] | None,
        paginator: Paginator,
        items: Callable[[Any], list[Any]] = lambda body: body.get("data") or [],
    ) -> Iterator[Any]:
        """Yield every item of a paged collection, page by page."""
        url, query = self.url(path), dict(params or {})
        query = paginator.init_request(query)
        pages = 0
        while True:
            body = self.get(url, query)
            pages += 1
            yield from items(body)
            try:
                nxt = paginator.next_request(body, url, query)
            except PaginationError as exc:
                # Stopping here would silently keep only the pages so far.
                raise PermanentError(
                    self._redactor.redact(f"paging stopped after page {pages}: {exc}"),
                    self.context,
                    hint="the platform answered with a paging shape Ruche cannot follow; "
                    "report this as a Ruche bug (with this message)",
                ) from exc
            if nxt is None:
                return
            if pages > self.max_requests:  # defensive: a platform returning the same cursor
                raise PermanentError(
                    "pagination did not end", self.context, hint="report this as a Ruche bug"
                )
            url, query = nxt

    # ------------------------------------------------------------------ internals
    def _count_request(self) -> None:
        if self.stats.requests >= self.max_requests:
            raise PermanentError(
                f"stopped after {self.max_requests} requests (the per-run request cap)",
                self.context,
                hint=(
                    "raise the cap (RUCHE_MAX_REQUESTS or the connector's max_requests) if "
                    "this account really needs more, or extract a shorter window"
                ),
            )
        self.stats.requests += 1

    def _attempt(
        self,
        method: str,
        url: str,
        params: Mapping[str, Any] | None,
        data: Mapping[str, Any] | None,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[Failure | None, Any, requests.Response | None]:
        try:
            response = self._session.request(
                method,
                url,
                params=params,
                data=data,
                json=json_body,
                headers=dict(headers) if headers else None,
                timeout=self.timeout,
            )
        except requests.Timeout:
            return Failure("transient", "the request timed out"), None, None
        except requests.ConnectionError as exc:
            reason = type(exc).__name__
            return Failure("transient", f"connection failed ({reason})"), None, None
        except requests.RequestException as exc:
            return Failure("transient", f"request failed ({type(exc).__name__})"), None, None
        status = response.status_code
        self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
        body: Any = None
        decode_error = False
        try:
            text = response.text
        except requests.RequestException:  # body cut mid-stream
            return Failure("transient", "the response body was cut off"), None, response
        if text:
            try:
                body = json.loads(text)
            except ValueError:
                decode_error = True
        if decode_error and "json" in response.headers.get("Content-Type", "").lower():
            # A JSON body cut short hides the platform's error code whatever the status says
            # (a 400 Meta would explain may be retryable): ask again rather than fail the account.
            return (
                Failure("transient", f"the response was not complete JSON (HTTP {status})"),
                None,
                response,
            )
        failure = self._classify(response, body)
        if failure is not None:
            return failure, body, response
        if decode_error or (status == 200 and body is None):
            return (
                Failure("transient", f"the response was not complete JSON (HTTP {status})"),
                None,
                response,
            )
        return None, body, response

    def _backoff(self, attempt: int, suggested: float | None) -> float:
        if suggested is not None:
            return min(suggested, self.retry.max_single_wait)
        ceiling = min(self.retry.backoff_max, self.retry.backoff_base * 2 ** (attempt - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)  # "equal jitter"

    def _rate_limit_wait(
        self, failure: Failure, response: requests.Response | None, n: int
    ) -> float:
        if failure.wait_seconds is not None:
            return failure.wait_seconds
        if response is not None and self._read_usage:
            usage = self._read_usage(response.headers)
            if usage and usage.regain_seconds:
                return usage.regain_seconds
        return self._backoff(n + 2, None)  # no hint: start around 4–8 × base

    def _observe_usage(self, response: requests.Response | None) -> None:
        """Pace the next request when the platform says we are near its limit."""
        if response is None or self._read_usage is None:
            return
        usage = self._read_usage(response.headers)
        if usage is None or usage.percent < self.retry.slow_down_at:
            return
        if usage.percent >= self.retry.pause_at:
            delay = usage.regain_seconds or self.retry.backoff_max
        else:
            span = self.retry.pause_at - self.retry.slow_down_at
            delay = self.retry.pace_max * (usage.percent - self.retry.slow_down_at) / span
        log.info(
            "%s: platform usage at %.0f%%; pacing next request by %.1fs",
            self.context.describe(),
            usage.percent,
            delay,
        )
        self._pending_pace = delay

    def _pace(self) -> None:
        if self._pending_pace:
            pending, self._pending_pace = self._pending_pace, 0.0
            if not self._may_wait(pending):
                usage = Failure(
                    "rate_limited", "the platform's usage headers say its limit is reached"
                )
                raise self._deferred(pending, usage, None)
            self.wait(pending)

    def _may_wait(self, seconds: float) -> bool:
        """Whether a throttle wait fits: before the run's deadline, or under the cap."""
        if self.deadline is not None:
            return self._clock() + seconds <= self.deadline
        return seconds <= self.retry.max_single_wait

    def _deferred(
        self, wait: float, failure: Failure, response: requests.Response | None
    ) -> DeferredError:
        now = self._clock()
        resume = dt.datetime.fromtimestamp(now + wait, dt.UTC).replace(microsecond=0)
        if self.deadline is not None:
            end = dt.datetime.fromtimestamp(self.deadline, dt.UTC).strftime("%H:%M UTC")
            beyond = f"past this run's deadline ({end}, RUCHE_EXTRACT_DEADLINE)"
        else:
            beyond = f"longer than the single-wait cap ({self.retry.max_single_wait:.0f}s)"
        summary = (
            f"{self._redactor.redact(failure.summary)}; deferred: the platform asks to wait "
            f"{wait / 60:.1f} min, until {resume:%Y-%m-%d %H:%M} UTC, {beyond}"
        )
        log.warning("%s: %s", self.context.describe(), summary)
        return self._error(
            DeferredError,
            replace(failure, summary=summary),
            response,
            hint=(
                "nothing fetched is lost (it is landed); extract this account again after "
                f"{resume:%H:%M} UTC (the next nightly run does), or give the run more time "
                "with RUCHE_EXTRACT_DEADLINE"
            ),
            details={"resume_at": resume.isoformat(), "wait_seconds": round(wait, 1)},
        )

    def wait(self, seconds: float) -> None:
        """Sleep through the client's sleeper, so waits are counted (and faked in tests)."""
        if seconds > 0:
            self.stats.waited_seconds += seconds
            self._sleep(seconds)

    def _error(
        self,
        cls: type[ConnectorError],
        failure: Failure,
        response: requests.Response | None,
        hint: str | None = None,
        attempts: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> ConnectorError:
        summary = self._redactor.redact(failure.summary)
        if attempts:
            summary += f" (gave up after {attempts} attempts)"
        return cls(
            summary=summary,
            context=self.context,
            code=failure.code,
            subcode=failure.subcode,
            http_status=response.status_code if response is not None else None,
            trace_id=failure.trace_id,
            hint=self._redactor.redact(hint or failure.hint) if (hint or failure.hint) else None,
            details={**({"reason": failure.reason} if failure.reason else {}), **(details or {})},
        )
