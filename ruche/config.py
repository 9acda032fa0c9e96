"""Client configuration: the agency, its clients and their platform accounts.

`config/clients.yml` is validated by the pydantic models below. A file with problems raises one
`ConfigError` listing every problem with its path (``clients[1].accounts.instagram[0].id: expected
digits``); nothing runs on a half-valid file.

No secret lives in the file: each account names the environment variable and/or the Airflow
connection that holds its token.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from ruche import platforms as registry
from ruche.platforms import Platform

PLATFORMS: tuple[str, ...] = registry.names()
"""Platforms with a connector, from the platform registry (`ruche.platforms`)."""

WEEKDAYS: tuple[str, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)

KPIS: tuple[str, ...] = (
    "posts",
    "views",
    "reach",
    "engagements",
    "engagement_rate",
    "follower_growth",
    "comments_received",
    "response_rate",
    "median_first_response_business_minutes",
    "spend",
    "clicks",
    "conversions",
    "cpa",
    "roas",
)

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,47}$")]
EnvVarName = Annotated[str, StringConstraints(pattern=r"^[A-Z_][A-Z0-9_]*$")]
ConnId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]+$")]

_HOURS_RE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_CRON_RE = re.compile(r"^(\S+\s+){4}\S+$|^@(daily|hourly|weekly|midnight)$")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ConfigError(ValueError):
    """A configuration file with one or more problems; `problems` lists `path: message`."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"{source}: {len(problems)} problem(s) in the client configuration; nothing was run.\n"
            f"{lines}\nFix them and run again (`ruche config validate {source}` checks the file)."
        )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {value!r}; use an IANA name such as 'America/Toronto'"
        ) from None
    return value


class TimeRange(_Strict):
    """One opening span in local time, e.g. 09:00-17:30; ``24:00`` closes at midnight."""

    start: dt.time
    end: dt.time | None  # None means midnight (24:00)

    @classmethod
    def parse(cls, text: str) -> TimeRange:
        match = _HOURS_RE.match(text.strip())
        if not match:
            raise ValueError(f"expected 'HH:MM-HH:MM' (e.g. '09:00-17:30'), got {text!r}")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h2 == 24 and m2 != 0:
            raise ValueError(f"{text!r}: 24:MM is not a time; use 24:00 for midnight")
        start = dt.time(h1, m1)
        end = None if h2 == 24 else dt.time(h2, m2)
        if end is not None and end <= start:
            raise ValueError(f"{text!r}: the end must be after the start")
        return cls(start=start, end=end)

    def minutes(self) -> tuple[int, int]:
        """(start, end) as minutes since local midnight."""
        end = 24 * 60 if self.end is None else self.end.hour * 60 + self.end.minute
        return self.start.hour * 60 + self.start.minute, end


class BusinessHours(_Strict):
    """Weekly opening hours in the client's timezone; a missing or empty day is closed."""

    monday: list[TimeRange] = Field(default_factory=list)
    tuesday: list[TimeRange] = Field(default_factory=list)
    wednesday: list[TimeRange] = Field(default_factory=list)
    thursday: list[TimeRange] = Field(default_factory=list)
    friday: list[TimeRange] = Field(default_factory=list)
    saturday: list[TimeRange] = Field(default_factory=list)
    sunday: list[TimeRange] = Field(default_factory=list)

    @field_validator(*WEEKDAYS, mode="before")
    @classmethod
    def _parse_ranges(cls, value: Any) -> Any:
        if value is None:
            return []
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list):
            return [TimeRange.parse(v) if isinstance(v, str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _no_overlap(self) -> BusinessHours:
        for day in WEEKDAYS:
            spans = sorted(r.minutes() for r in getattr(self, day))
            for (_, end), (start, _) in itertools.pairwise(spans):
                if start < end:
                    raise ValueError(f"{day}: opening spans overlap")
        return self

    def for_weekday(self, weekday: int) -> list[TimeRange]:
        """Spans for a Python weekday number (Monday is 0)."""
        return list(getattr(self, WEEKDAYS[weekday]))


class KpiTarget(_Strict):
    """A monthly target agreed with the client. `month` absent means every month."""

    kpi: Literal[KPIS]  # type: ignore[valid-type]
    target: float = Field(ge=0)
    month: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = None
    platform: Literal[PLATFORMS] | None = None  # type: ignore[valid-type]


class SpikeThresholds(_Strict):
    """When a day's comments on an account or a post are a spike: at least `min_comments` (or
    `min_negative` negative ones) and more than `mad_factor` robust deviations (MAD × 1.4826)
    above the median of the previous 28 days (same weekday when `per_weekday`)."""

    min_comments: int = Field(default=10, ge=1)
    min_negative: int = Field(default=3, ge=1)
    mad_factor: float = Field(default=3.5, gt=0)
    per_weekday: bool = False


class ImmediateAlerts(_Strict):
    """The alerts sent minutes after a comment lands (`ruche alerts`, the event DAG's `alert`
    task), each at most once: a negative comment, an unanswered comment that will breach the
    response target while nobody is at work, a spike of comments within the last hour."""

    negative_comments: bool = True
    response_deadline: bool = True
    response_target_business_minutes: float | None = Field(default=None, gt=0)
    """The deadline of a comment, in business minutes after it arrives; None: the client's
    `median_first_response_business_minutes` target (its platform's, its month's first)."""
    response_deadline_sentiments: list[Literal["negative", "neutral", "positive"]] = Field(
        default_factory=lambda: ["neutral"]
    )
    """The sentiments `response_deadline` alerts: a negative comment's alert already names its
    deadline (`negative_comments`); a positive one waits for the morning; a comment without
    text counts as neutral."""
    hourly_spikes: SpikeThresholds | None = Field(
        default_factory=lambda: SpikeThresholds(min_comments=10, min_negative=3)
    )
    """The last 60 minutes against the same 60 minutes of the previous 28 days (same weekday
    with `per_weekday`); None turns the rule off."""


class ClientDigest(_Strict):
    """Who receives the client's morning digest and alerts, and in which language."""

    recipients: list[str] = Field(default_factory=list)
    languages: list[Literal["fr", "en"]] | None = None
    """None: every digest language among the client's `languages` (French, else English)."""
    chat_urls_env: EnvVarName | None = None
    """An environment variable holding apprise URLs (space-separated) for this client's chat."""
    spikes: SpikeThresholds = Field(default_factory=SpikeThresholds)
    alerts: ImmediateAlerts = Field(default_factory=ImmediateAlerts)

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if not _EMAIL_RE.match(address):
                raise ValueError(
                    f"expected e-mail addresses such as 'cm@agency.example', got {address!r}"
                )
        return value


class Smtp(_Strict):
    """The mail server the digests go through. Secrets come from the environment."""

    host: str = "localhost"
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["none", "starttls", "tls"] = "starttls"
    sender: str = Field(min_length=3)
    username_env: EnvVarName | None = None
    password_env: EnvVarName | None = None
    timeout_seconds: float = Field(default=30, gt=0)


class Notifications(_Strict):
    """Delivery of digests and alerts (`ruche digest --send`, the transform DAG's last task)."""

    smtp: Smtp | None = None
    chat_urls_env: EnvVarName | None = None
    """An environment variable holding the agency's apprise URLs (space-separated)."""
    attempts: int = Field(default=3, ge=1, le=10)


class Account(_Strict):
    """One platform account of a client.

    The token is never in this file: `token_env` names an environment variable and/or
    `airflow_conn_id` names an Airflow connection (its password field holds the token).
    """

    id: str
    name: str | None = None
    token_env: EnvVarName | None = None
    airflow_conn_id: ConnId | None = None
    refetch_days: int | None = Field(default=None, ge=0, le=90)
    fields: list[str] | None = None
    base_url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$")] | None = None
    enabled: bool = True
    store_comment_text: bool | None = None
    """Land comment text (True) or only its metadata (False); None: the platform's default
    (`Platform.store_comment_text`: off for LinkedIn, whose terms restrict storing it)."""

    @model_validator(mode="before")
    @classmethod
    def _no_secrets(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in ("token", "access_token", "secret", "password", "app_secret"):
                if key in data:
                    raise ValueError(
                        f"'{key}' must not be in the configuration file; put the token in an "
                        "environment variable or an Airflow connection and name it with "
                        "'token_env' or 'airflow_conn_id'"
                    )
        return data

    @model_validator(mode="after")
    def _has_token_source(self) -> Account:
        if not self.token_env and not self.airflow_conn_id:
            raise ValueError(
                "name where the token is: 'token_env' (an environment variable) and/or "
                "'airflow_conn_id' (an Airflow connection)"
            )
        return self


def _account_model(item: Platform) -> type[Account]:
    """The account model of one platform: `Account` whose `id` is checked (and normalised, a
    typed prefix removed) by the registry entry."""

    def _check_id(cls: type[Account], value: str) -> str:
        return item.normalise_account_id(value)

    name = "".join(part.capitalize() for part in item.name.split("_")) + "Account"
    model = create_model(
        name,
        __base__=Account,
        __module__=__name__,
        __validators__={"_check_id": field_validator("id")(classmethod(_check_id))},
    )
    model.__doc__ = f"A {item.label} account; `id` is {item.account_id_hint}."
    return model


ACCOUNT_MODELS: dict[str, type[Account]] = {
    item.name: _account_model(item) for item in registry.REGISTRY.values()
}
"""The account model of each registered platform, by platform name."""


class _AccountsBase(_Strict):
    def by_platform(self) -> dict[str, list[Account]]:
        return {p: list(getattr(self, p)) for p in PLATFORMS}


Accounts: type[_AccountsBase] = create_model(
    "Accounts",
    __base__=_AccountsBase,
    __module__=__name__,
    **{
        name: (list[model], Field(default_factory=list))  # type: ignore[valid-type]
        for name, model in ACCOUNT_MODELS.items()
    },
)
"""A client's accounts: one list per registered platform (`accounts.<platform>` in the YAML)."""


class Client(_Strict):
    id: Slug
    display_name: str = Field(min_length=1)
    languages: list[Literal["fr", "en", "es", "de", "it", "nl", "pt"]] = Field(min_length=1)
    timezone: str
    reporting_currency: str
    business_hours: BusinessHours
    country: str | None = None
    """ISO 3166 code whose public holidays close the client (the `holidays` package)."""
    subdivision: str | None = None
    """The country's subdivision (province, state, nation: `QC`, `ENG`) for regional holidays."""
    holidays: list[dt.date] = Field(default_factory=list)
    """Closures of the client's own, on top of the public holidays."""
    targets: list[KpiTarget] = Field(default_factory=list)
    digest: ClientDigest = Field(default_factory=ClientDigest)
    accounts: Accounts  # type: ignore[valid-type]

    _tz = field_validator("timezone")(classmethod(lambda cls, v: _check_timezone(v)))

    @field_validator("country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is None:
            return None
        import holidays

        value = value.upper()
        if value not in holidays.list_supported_countries():
            raise ValueError(
                f"{value!r} is not a country the holidays package knows; use an ISO 3166 "
                "alpha-2 code such as 'CA', 'GB' or 'BE'"
            )
        return value

    @model_validator(mode="after")
    def _subdivision(self) -> Client:
        if self.subdivision is None:
            return self
        if self.country is None:
            raise ValueError("subdivision: set `country` too (e.g. country: CA, subdivision: QC)")
        import holidays

        known = holidays.list_supported_countries()[self.country]
        if self.subdivision not in known:
            raise ValueError(
                f"subdivision: {self.subdivision!r} is not a subdivision of {self.country} "
                f"(one of {', '.join(known)})"
            )
        return self

    def public_holidays(self) -> Mapping[dt.date, str]:
        """The public holidays of `country`/`subdivision` (any year, computed when asked; names
        in the client's first language where the package has it); empty without a country."""
        if self.country is None:
            return {}
        return _public_holidays(self.country, self.subdivision, self.languages[0])

    def closed_days(self, years: Iterable[int]) -> dict[dt.date, tuple[str, str | None]]:
        """The dates the client is closed: {date: (kind, name)}, kind `public` (a public holiday
        of `years`) or `closure` (every date of the `holidays` list, which wins on a shared
        date)."""
        wanted = set(years)
        public = self.public_holidays()
        days: dict[dt.date, tuple[str, str | None]] = {}
        if self.country is not None:
            for year in sorted(wanted):
                for day in _public_holidays_of_year(self.country, self.subdivision, year):
                    days[day] = ("public", public.get(day))
        for day in self.holidays:
            days[day] = ("closure", None)
        return days

    def is_closed(self, day: dt.date) -> bool:
        return day in self.holidays or day in self.public_holidays()

    @field_validator("reporting_currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        if not _CURRENCY_RE.match(value):
            raise ValueError("expected an ISO-4217 code such as 'EUR' or 'CAD'")
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@functools.lru_cache(maxsize=64)
def _public_holidays(country: str, subdivision: str | None, language: str) -> Mapping[dt.date, str]:
    import holidays

    calendar = holidays.country_holidays(country, subdiv=subdivision)
    if language in calendar.supported_languages:
        calendar = holidays.country_holidays(country, subdiv=subdivision, language=language)
    return calendar  # expands to any year asked, lazily


@functools.lru_cache(maxsize=1024)
def _public_holidays_of_year(
    country: str, subdivision: str | None, year: int
) -> tuple[dt.date, ...]:
    import holidays

    return tuple(sorted(holidays.country_holidays(country, subdiv=subdivision, years=year)))


class Agency(_Strict):
    name: str = Field(min_length=1)
    timezone: str = "UTC"
    nightly_schedule: str = "0 2 * * *"
    """Cron expression in the agency timezone for the nightly ingest."""

    _tz = field_validator("timezone")(classmethod(lambda cls, v: _check_timezone(v)))

    @field_validator("nightly_schedule")
    @classmethod
    def _cron(cls, value: str) -> str:
        if not _CRON_RE.match(value):
            raise ValueError(
                f"expected a 5-field cron expression such as '0 2 * * *', got {value!r}"
            )
        return value


class RucheConfig(_Strict):
    agency: Agency
    notifications: Notifications = Field(default_factory=Notifications)
    clients: list[Client] = Field(min_length=1)

    def client(self, client_id: str) -> Client:
        for client in self.clients:
            if client.id == client_id:
                return client
        known = ", ".join(c.id for c in self.clients)
        raise KeyError(f"no client {client_id!r} in the configuration (known: {known})")

    def iter_accounts(
        self, clients: list[str] | None = None, platforms: list[str] | None = None
    ) -> Iterator[tuple[Client, str, Account]]:
        """Every enabled (client, platform, account), optionally filtered."""
        for client in self.clients:
            if clients and client.id not in clients:
                continue
            for platform, accounts in client.accounts.by_platform().items():
                if platforms and platform not in platforms:
                    continue
                for account in accounts:
                    if account.enabled:
                        yield client, platform, account


def _loc_to_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif isinstance(part, str) and part.startswith(("function-", "literal[")):
            continue
        else:
            path += f".{part}" if path else str(part)
    return path or "(top level)"


class _Loader(yaml.SafeLoader):
    """YAML's safe loader, except that a date YAML cannot build (`2026-02-30`) stays text, so
    the schema reports it with its path instead of YAML raising a bare ValueError."""


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def _message(error: dict[str, Any]) -> str:
    msg = str(error["msg"])
    if error["type"].startswith("date_"):
        return f"not a date: {error.get('input')!r} ({msg.lower()}); expected YYYY-MM-DD"
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    if error["type"] == "extra_forbidden":
        msg = "unknown key (check its spelling and indentation)"
    return msg


def _duplicate_problems(data: dict[str, Any]) -> list[str]:
    """Duplicate client ids and accounts listed twice, checked on the raw data so they are
    reported together with every other problem."""
    problems: list[str] = []
    seen_clients: set[str] = set()
    seen_accounts: dict[tuple[str, str], str] = {}
    clients = data.get("clients") if isinstance(data.get("clients"), list) else []
    for index, client in enumerate(clients):
        if not isinstance(client, dict):
            continue
        client_id = str(client.get("id"))
        if client_id in seen_clients:
            problems.append(f"clients[{index}].id: duplicate client id {client_id!r}")
        seen_clients.add(client_id)
        accounts = client.get("accounts") if isinstance(client.get("accounts"), dict) else {}
        for platform, items in accounts.items():
            for a_index, account in enumerate(items if isinstance(items, list) else []):
                if not isinstance(account, dict) or "id" not in account:
                    continue
                account_id = _comparable_id(str(platform), str(account["id"]))
                key = (str(platform), account_id)
                if key in seen_accounts:
                    problems.append(
                        f"clients[{index}].accounts.{platform}[{a_index}].id: account "
                        f"{account_id} is already listed under client {seen_accounts[key]!r}"
                    )
                seen_accounts.setdefault(key, client_id)
    return problems


def _comparable_id(platform: str, value: str) -> str:
    """The id as stored, to spot the same account typed twice (with and without a prefix)."""
    item = registry.REGISTRY.get(platform)
    return value.removeprefix(item.account_id_prefix) if item and item.account_id_prefix else value


def parse_config(data: Any, source: str = "<config>") -> RucheConfig:
    """Validate already-loaded YAML/JSON data; raise `ConfigError` listing every problem."""
    if not isinstance(data, dict):
        raise ConfigError(source, ["(top level): expected a mapping with 'agency' and 'clients'"])
    problems = _duplicate_problems(data)
    try:
        config = RucheConfig.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_loc_to_path(e['loc'])}: {_message(e)}" for e in exc.errors()] + problems
        raise ConfigError(source, problems) from None
    if problems:
        raise ConfigError(source, problems)
    return config


def load_config(path: str | os.PathLike[str]) -> RucheConfig:
    """Read and validate a clients YAML file."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(str(path), ["file not found; copy config/clients.demo.yml to start"])
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 - safe
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown place"
        problem = getattr(exc, "problem", None) or exc.__class__.__name__
        raise ConfigError(str(path), [f"{where}: not valid YAML ({problem})"]) from None
    return parse_config(data, str(path))


DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config" / "clients.demo.yml"


def default_config_path() -> Path:
    """`RUCHE_CONFIG` if set, else `config/clients.yml` if present, else the demo config."""
    from ruche.settings import settings

    configured = settings().CONFIG
    if configured:
        return configured
    real = DEFAULT_CONFIG_PATH.parent / "clients.yml"
    return real if real.exists() else DEFAULT_CONFIG_PATH
