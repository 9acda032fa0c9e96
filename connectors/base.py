"""What every platform connector shares: date windows, the account it extracts, the streams it
yields, and how its base URL and token are found."""

from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from connectors.errors import ErrorContext, PermanentError
from connectors.http import HttpClient, RetryPolicy
from connectors.landing import CONTEXT_KEY
from ruche.platforms import platform as platform_entry


@dataclass(frozen=True)
class Window:
    """An inclusive range of calendar days."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValueError(f"window start {self.start} is after its end {self.end}")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def extended(self, refetch_days: int) -> Window:
        """The window plus the `refetch_days` days before it (data the platform restates)."""
        return Window(self.start - dt.timedelta(days=refetch_days), self.end)

    def chunks(self, max_days: int) -> Iterator[Window]:
        """Consecutive sub-windows of at most `max_days` days, oldest first."""
        start = self.start
        while start <= self.end:
            end = min(self.end, start + dt.timedelta(days=max_days - 1))
            yield Window(start, end)
            start = end + dt.timedelta(days=1)

    def local_bounds(self, tz: str) -> tuple[dt.datetime, dt.datetime]:
        """[start 00:00, end+1 00:00) in timezone `tz`, as aware UTC datetimes.

        Returned in UTC because Python subtracts two datetimes sharing one tzinfo as wall
        time, which is wrong across a DST change.
        """
        zone = ZoneInfo(tz)
        since = dt.datetime.combine(self.start, dt.time(), zone)
        until = dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time(), zone)
        return since.astimezone(dt.UTC), until.astimezone(dt.UTC)

    def up_to(self, last: dt.date) -> Window:
        """The window without its days after `last`; a window wholly after `last` becomes the
        single day `last` (so a night run early still extracts, and re-fetches, what is over)."""
        end = min(self.end, last)
        return Window(min(self.start, end), end)

    def __str__(self) -> str:
        return f"{self.start}..{self.end}"


def last_complete_day(now: dt.datetime, timezone: str) -> dt.date:
    """The last calendar day of `timezone` that has ended at `now` (an aware datetime)."""
    return now.astimezone(ZoneInfo(timezone)).date() - dt.timedelta(days=1)


@dataclass(frozen=True)
class AccountRef:
    """The account a connector extracts, with the client context its errors name."""

    client_id: str
    platform: str
    account_id: str
    timezone: str = "UTC"
    name: str | None = None
    refetch_days: int | None = None
    fields: tuple[str, ...] | None = None
    token_source: str | None = None
    store_comment_text: bool | None = None
    """The account's override of the platform's `store_comment_text` (None: the default)."""

    def error_context(self) -> ErrorContext:
        return ErrorContext(
            platform=self.platform,
            client_id=self.client_id,
            account_id=self.account_id,
            token_source=self.token_source,
        )


@dataclass
class Stream:
    """One entity's records for one account and run, produced lazily."""

    entity: str
    window: Window
    records: Iterable[dict[str, Any]]
    notes: dict[str, Any] = field(default_factory=dict)


def with_context(record: dict[str, Any], **context: Any) -> dict[str, Any]:
    """The record unchanged plus Ruche's one added key (see connectors.landing)."""
    return {**record, CONTEXT_KEY: {k: v for k, v in context.items() if v is not None}}


class Connector(ABC):
    """A platform module. Subclasses set the class constants and implement `streams`."""

    platform: ClassVar[str]
    api_version: str
    """The API version requested; the class value is the default, `configured_api_version`
    the one a run uses (an instance attribute once the runner has resolved it)."""
    api_version_env: ClassVar[str | None] = None
    """Environment variable that overrides `api_version` (None: not configurable)."""
    api_version_pattern: ClassVar[str] = r"[A-Za-z0-9._-]+"
    default_base_url: ClassVar[str]
    entities: ClassVar[tuple[str, ...]]
    refetch_days: ClassVar[int]
    """Days before the requested window that are re-fetched because the platform restates them."""
    page_size: int = 100
    """Items asked per page (the platforms' maximum for these edges)."""
    days_timezone: ClassVar[str | None] = None
    """The fixed timezone of the platform's days (Meta organic insights: Pacific), or None when
    its days are the account's own (see `reporting_timezone`)."""

    def __init__(self, http: HttpClient, account: AccountRef) -> None:
        self.http = http
        self.account = account
        self.notes: dict[str, Any] = {}

    @property
    def effective_refetch_days(self) -> int:
        override = self.account.refetch_days
        return self.refetch_days if override is None else override

    @classmethod
    def removed_metrics(cls) -> frozenset[str]:
        """What the platform removed (the registry's API calendar), read when a run asks: a
        name listed there is never requested, whatever the defaults or an account's `fields`."""
        return platform_entry(cls.platform).removed_metric_names

    @classmethod
    def configured_api_version(cls, env: Mapping[str, str] | None = None) -> str:
        """`api_version`, or the value of `api_version_env` when set; ValueError (one line,
        naming the setting) when that value is not a version of this API."""
        from ruche.settings import platform_env

        raw = platform_env(cls.api_version_env, env)
        if not raw:
            return cls.api_version
        if not re.fullmatch(cls.api_version_pattern, raw):
            raise ValueError(
                f"{cls.api_version_env}={raw!r} is not an API version of {cls.platform}; "
                f"expected one like {cls.api_version!r} (or unset it for the default)"
            )
        return raw

    @classmethod
    def http_hooks(cls) -> dict[str, Any]:
        """Platform error classifier and usage reader for `HttpClient`."""
        return {}

    @classmethod
    def reporting_timezone(cls, account: AccountRef) -> str:
        """The timezone whose calendar days the platform's daily figures are counted in, as far
        as the configuration tells (no request). Platforms whose days are not the client's
        set `days_timezone` or override this; a day is requested only once it has ended here."""
        return cls.days_timezone or account.timezone

    def account_reporting_timezone(self) -> str:
        """`reporting_timezone` for this account once the platform is reachable: a connector
        whose day depends on the platform's own account settings (an ad account's timezone)
        overrides this and may ask the platform."""
        return type(self).reporting_timezone(self.account)

    def last_complete_day(self, now: dt.datetime) -> dt.date:
        """The newest day this account's platform has finished counting at `now`."""
        return last_complete_day(now, self.account_reporting_timezone())

    @abstractmethod
    def streams(self, window: Window) -> Iterator[Stream]:
        """Yield one `Stream` per entity, in dependency order (posts before their comments).

        The caller consumes each stream completely before asking for the next, so a later
        stream may use ids collected while an earlier one was consumed.
        """

    def permanent(self, summary: str, hint: str | None = None, **codes: Any) -> PermanentError:
        return PermanentError(summary, self.account.error_context(), hint=hint, **codes)


def resolve_base_url(connector: type[Connector], account_override: str | None = None) -> str:
    """Account `base_url` > `RUCHE_<PLATFORM>_BASE_URL` > `RUCHE_BASE_URL` > the real host."""
    from ruche.settings import platform_env, settings

    return (
        account_override
        or platform_env(f"RUCHE_{connector.platform.upper()}_BASE_URL")
        or settings().BASE_URL
        or connector.default_base_url
    )


def make_http(
    connector: type[Connector],
    account: AccountRef,
    *,
    token: str | None,
    base_url: str,
    retry: RetryPolicy | None = None,
    timeout: tuple[float, float] = (5.0, 60.0),
    max_requests: int | None = None,
    sleep: Any = None,
    deadline: float | None = None,
) -> HttpClient:
    kwargs: dict[str, Any] = dict(connector.http_hooks())
    if sleep is not None:
        kwargs["sleep"] = sleep
    if not max_requests:
        from ruche.settings import settings

        max_requests = settings().MAX_REQUESTS
    cap = max_requests
    return HttpClient(
        base_url=base_url,
        token=token,
        context=account.error_context(),
        retry=retry,
        timeout=timeout,
        max_requests=cap,
        deadline=deadline,
        **kwargs,
    )
