"""Every `RUCHE_*` environment variable, read in one place: typed, with its default, documented.

`settings()` reads the environment when called (nothing is cached: the demo, the tests and
Airflow tasks set variables at run time) and raises `SettingError`, one line naming the
variable, its value and what it expects, for a value Ruche cannot use. The CLI checks them all
before any command runs, so `RUCHE_MAX_REQUESTS=50k ruche extract` stops at once, not after the
first account.

The README's settings table is generated from this module (`python -m ruche.settings`) and a
test keeps them equal.

**Adding a variable.** A setting of the whole pipeline: one field in `Settings` (type, default,
`description`, and `expects` saying in a few words what a good value looks like), then read it
as `settings().<field>`; regenerate the README table. A per-platform one (an API version, a base
URL) needs nothing here: the connector names it (`api_version_env = "RUCHE_LINKEDIN_API_VERSION"`)
and reads it with `platform_env(name)`; the table lists every platform's variables from the
registry.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ruche.errors import SettingError

PREFIX = "RUCHE_"


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _timezone(value: str | None) -> str | None:
    if value is not None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError("not an IANA timezone") from None
    return value


def _deadline(value: str | None) -> str | None:
    """Minutes after the start, an ISO time with an offset, or off/none (see connectors.runner)."""
    if value is None or value.lower() in ("off", "none"):
        return value
    try:
        float(value)
        return value
    except ValueError:
        pass
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError("not minutes, an ISO time with offset, or off")
    return value


def _queue(value: str | None) -> str | None:
    # A worker takes its queues as one comma-separated list (`-q default,warehouse`).
    if value is not None and not re.fullmatch(r"[A-Za-z0-9_.:-]+", value):
        raise ValueError("not a queue name")
    return value


_LATENCY = re.compile(r"(off|none|0|(\d+(\.\d+)?)(ms)?(/(\d+(\.\d+)?)(ms)?)?)", re.IGNORECASE)


def _latency(value: str | None) -> str | None:
    """`off`, a median in ms (`150`), or median/p95 in ms (`150/600`) with p95 above the median
    (parsed by `connectors.sandbox.latency.parse_latency`, which is not shipped in the wheel)."""
    if value is None:
        return value
    match = _LATENCY.fullmatch(value.strip())
    if match is None:
        raise ValueError("not a latency")
    median, p95 = match.group(2), match.group(6)
    if median is not None and float(median) <= 0:
        raise ValueError("the median must be above 0")
    if p95 is not None and float(p95) <= float(median):
        raise ValueError("the p95 must be above the median")
    return value


def _json_object(value: Any) -> Any:
    """A JSON object given as text (an environment variable); blank is no options."""
    if not isinstance(value, str):
        return value
    if not value.strip():
        return {}
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        raise ValueError("not JSON") from None
    if not isinstance(parsed, dict):
        raise ValueError("not a JSON object")
    return parsed


# NoDecode: the JSON is parsed (and a bad value named) by `_json_object`, not by the env source.
JsonObject = Annotated[dict[str, Any], NoDecode, BeforeValidator(_json_object)]
OptionalInt = Annotated[int | None, BeforeValidator(_blank_is_none)]
OptionalPath = Annotated[Path | None, BeforeValidator(_blank_is_none)]
OptionalStr = Annotated[str | None, BeforeValidator(_blank_is_none)]


def _field(default: Any, description: str, expects: str, **kwargs: Any) -> Any:
    return Field(default, description=description, json_schema_extra={"expects": expects}, **kwargs)


class Settings(BaseSettings):
    """Ruche's environment variables (each field is `RUCHE_<FIELD NAME>`)."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, case_sensitive=True, extra="ignore", frozen=True
    )

    # --- where things are
    CONFIG: OptionalPath = _field(
        None,
        "Client configuration YAML. Unset: `config/clients.yml` if present, else the demo file.",
        "a file path",
    )
    LANDING_ROOT: str = _field(
        "landing", "Landing zone root: a path or an fsspec URL (`s3://…`).", "a path or URL"
    )
    LANDING_STORAGE_OPTIONS: JsonObject = _field(
        {},
        "Options of an fsspec landing root's filesystem, as JSON (an S3-compatible store: "
        '`{"endpoint_url": "http://minio:9000"}`). Credentials stay in the store\'s own chain '
        "(`AWS_ACCESS_KEY_ID`…, a profile, an instance role), not here.",
        'a JSON object (e.g. {"endpoint_url": "http://127.0.0.1:9000"})',
    )
    WAREHOUSE: Path = _field(
        Path("warehouse/ruche.duckdb"),
        "The DuckDB warehouse file (dbt's profile reads it too).",
        "a file path",
    )
    PUBLISHED: OptionalPath = _field(
        None,
        "The published BI file. Unset: `published/marts.duckdb` beside the warehouse.",
        "a file path",
    )
    DOCS_DIR: OptionalPath = _field(
        None, "Audit reports and dbt docs. Unset: `docs/` beside the warehouse.", "a folder path"
    )
    REPORTS_DIR: OptionalPath = _field(
        None,
        "Morning digests and monthly reports. Unset: `reports/` beside the warehouse.",
        "a folder path",
    )
    # --- delivery
    SMTP_HOST: OptionalStr = _field(
        None,
        "The SMTP server's host, over the config's `notifications.smtp.host`.",
        "a host name (e.g. smtp.example.com)",
    )
    SMTP_PORT: OptionalInt = _field(
        None,
        "The SMTP server's port, over the config's `notifications.smtp.port`.",
        "a port number, 1 to 65535 (e.g. 587)",
        ge=1,
        le=65535,
    )
    # --- the platforms
    BASE_URL: OptionalStr = _field(
        None,
        "Base URL of every platform API (the sandbox: `http://127.0.0.1:8765`). Unset: the "
        "real hosts. `RUCHE_<PLATFORM>_BASE_URL` overrides it for one platform.",
        "a URL",
    )
    MAX_REQUESTS: int = _field(
        50_000,
        "Cap on the HTTP requests of one account's extraction (a runaway pagination guard).",
        "a whole number of requests, at least 1 (e.g. 50000)",
        ge=1,
    )
    EXTRACT_DEADLINE: Annotated[OptionalStr, AfterValidator(_deadline)] = _field(
        None,
        "When an extraction stops asking and defers what is left: minutes after the start, an "
        "ISO time with offset, or `off`. Unset: 120 minutes.",
        "minutes (e.g. 120), an ISO time with offset (2026-11-20T05:30:00+00:00) or off",
    )
    # --- the schedule
    NIGHTLY_SCHEDULE: OptionalStr = _field(
        None,
        "Cron of the nightly ingest (with `RUCHE_TIMEZONE`). Unset: the config's agency block.",
        "a cron expression (e.g. 0 2 * * *)",
    )
    TIMEZONE: Annotated[OptionalStr, AfterValidator(_timezone)] = _field(
        None,
        "Timezone of the nightly schedule. Unset: the config's `agency.timezone`.",
        "an IANA timezone (e.g. America/Toronto)",
    )
    # --- the warehouse
    LOCK_TIMEOUT: float = _field(
        0.0,
        "Seconds to wait for another process to release the warehouse (0: fail at once).",
        "a number of seconds, 0 or more (e.g. 600)",
        ge=0,
    )
    LOAD_MEMORY_LIMIT: str = _field(
        "1GB",
        "DuckDB's memory limit while loading; empty: DuckDB's default (80 % of RAM).",
        "a memory size (e.g. 1GB, 512MB) or empty",
    )
    WAREHOUSE_QUEUE: Annotated[OptionalStr, AfterValidator(_queue)] = _field(
        None,
        "Celery queue of the tasks that write the warehouse (loads, dbt build, publish, "
        "digest), read when the DAGs are parsed: only the worker on the machine holding the "
        "DuckDB file serves it (`airflow celery worker -q default,<queue>`). Unset: Airflow's "
        "default queue (one machine, any worker).",
        "a Celery queue name: letters, digits, _ . : - (e.g. warehouse)",
    )
    DATA_DOCS_KEEP_DAYS: OptionalInt = _field(
        30,
        "Days of audit results the audit reports keep; empty: keep all.",
        "a whole number of days, at least 1, e.g. 30, or empty to keep every load's results",
        ge=1,
    )
    STALE_AFTER_HOURS: float = _field(
        36.0,
        "An account whose last loaded extraction is older than this when the BI file is "
        "published is flagged stale (`data_freshness.is_stale`, the demo's summary).",
        "a number of hours, more than 0 (e.g. 36)",
        gt=0,
    )
    FX_MAX_CARRY_DAYS: int = _field(
        7,
        "Days the last ECB rate may be carried forward before the build fails for a missing "
        "rate (weekends and holidays need 4; `ruche fx update` brings newer rates).",
        "a whole number of days, 0 or more (e.g. 7)",
        ge=0,
    )
    SENTIMENT_SCORER: str = _field(
        "lexicon",
        "The comment sentiment scorer: a built-in name (`lexicon`, `lexicon-upstream`, "
        "`legacy`), an entry point of `ruche.sentiment_scorers`, or `module:Class`.",
        "a scorer name (e.g. lexicon) or module:Class",
    )
    # --- the sandbox
    SANDBOX_LATENCY: Annotated[OptionalStr, AfterValidator(_latency)] = _field(
        None,
        "Latency `ruche sandbox` adds to each API request: a median in ms (`150`) or "
        'median/p95 (`150/600`), log-normal, seeded (sandbox README, "Latency"). Unset or '
        "`off`: none (the tests and the demo).",
        "a median in ms (e.g. 150), median/p95 in ms (e.g. 150/600), or off",
    )
    # --- webhooks (`ruche webhooks serve`)
    WEBHOOK_REDIS_URL: str = _field(
        "redis://127.0.0.1:6379/0",
        "The Redis the webhook receiver queues events on (secret when it holds a password).",
        "a redis:// URL (e.g. redis://:password@127.0.0.1:6379/0)",
        repr=False,
    )
    WEBHOOK_STREAM: str = _field(
        "ruche:webhooks:meta",
        "The Redis stream the receiver adds each accepted delivery to (`XADD`).",
        "a stream name (e.g. ruche:webhooks:meta)",
        min_length=1,
    )
    WEBHOOK_CHANNEL: OptionalStr = _field(
        "ruche:webhooks:doorbell",
        "The Redis pub/sub channel the receiver publishes a doorbell on after each `XADD` "
        "(and each spool replay); `ruche_events`' AssetWatcher listens there. The stream stays "
        "the mailbox: a missed doorbell only delays events to the next run. Blank: no doorbell "
        "(the DAG's time fallback alone).",
        "a channel name (e.g. ruche:webhooks:doorbell), or blank",
    )
    EVENTS_REDIS_CONN_ID: str = _field(
        "ruche_redis",
        "The Airflow connection id of the Redis the `ruche_events` AssetWatcher subscribes to "
        "(the receiver's Redis: `AIRFLOW_CONN_RUCHE_REDIS` set to the `RUCHE_WEBHOOK_REDIS_URL` "
        "URL). Read when the DAG file is parsed.",
        "an Airflow connection id (e.g. ruche_redis)",
        pattern=r"^[A-Za-z0-9_.-]+$",
    )
    EVENTS_POLL_SECONDS: float = _field(
        1.0,
        "Seconds the AssetWatcher's trigger sleeps between two reads of the doorbell channel "
        "(the trigger's `poll_interval`): the longest it adds to a comment's way to its alert. "
        "Idle, it costs 0.07 % of a core at 1 s (`python -m bench.events --trigger-only`). Read "
        "when the DAG file is parsed.",
        "a number of seconds, more than 0 (e.g. 1)",
        gt=0,
    )
    WEBHOOK_SPOOL: OptionalPath = _field(
        None,
        "Folder of the receiver's local spool, where deliveries wait while Redis is "
        "unreachable. Unset: `webhooks-spool/` beside the warehouse.",
        "a folder path",
    )
    WEBHOOK_MAX_BODY: int = _field(
        4_194_304,
        "Largest webhook body accepted, in bytes (413 beyond it, read no further). Meta batches "
        "up to 1,000 changes in one delivery, about 1 MB of comments.",
        "a whole number of bytes, at least 1024 (e.g. 4194304)",
        ge=1024,
    )
    WEBHOOK_REPLAY_SECONDS: float = _field(
        10.0,
        "Seconds between the receiver's attempts to move spooled deliveries to the stream.",
        "a number of seconds, more than 0 (e.g. 10)",
        gt=0,
    )
    WEBHOOK_CONN_ID: str = _field(
        "ruche_meta_webhook",
        "Airflow connection the receiver reads the app secret (password) and verify token "
        "(extra `verify_token`) from when `RUCHE_META_APP_SECRET` / `RUCHE_WEBHOOK_VERIFY_TOKEN` "
        "are unset (any Airflow secrets backend: `AIRFLOW_CONN_RUCHE_META_WEBHOOK`, Vault, ...).",
        "an Airflow connection id (e.g. ruche_meta_webhook)",
        min_length=1,
    )
    # --- secrets
    META_APP_SECRET: OptionalStr = _field(
        None,
        "The Meta app's secret (secret): every webhook POST must carry its "
        "`X-Hub-Signature-256` HMAC of the body.",
        "the app secret from the Meta app dashboard (Settings > Basic)",
        repr=False,
    )
    WEBHOOK_VERIFY_TOKEN: OptionalStr = _field(
        None,
        "The token (secret) Meta's subscription handshake must present "
        "(`hub.verify_token`); unset: every handshake is refused.",
        "a secret string you also enter in the app's webhook settings",
        repr=False,
    )
    AUTHOR_HASH_KEY: OptionalStr = _field(
        None,
        "The commenter-pseudonym key (secret). Unset: read from `RUCHE_AUTHOR_HASH_KEY_FILE`.",
        "a secret string (e.g. from openssl rand -hex 32)",
        repr=False,
    )
    AUTHOR_HASH_KEY_FILE: OptionalPath = _field(
        None,
        "The key file. Unset: `$XDG_CONFIG_HOME/ruche/author_hash_key` (`~/.config/…`).",
        "a file path",
    )
    # --- internals
    GX_EAGER_IMPORTS: bool = _field(
        False,
        "Import all of Great Expectations at once (skips the deferred scipy/altair imports).",
        "true or false (1/0)",
    )

    def published_path(self) -> Path:
        return self.PUBLISHED or self.WAREHOUSE.parent / "published" / "marts.duckdb"

    def webhook_spool(self) -> Path:
        return self.WEBHOOK_SPOOL or self.WAREHOUSE.parent / "webhooks-spool"

    def docs_dir(self, warehouse: Path | None = None) -> Path:
        return self.DOCS_DIR or (warehouse or self.WAREHOUSE).parent / "docs"


def settings(env: Mapping[str, str] | None = None) -> Settings:
    """The settings from `env` (default: the process environment, read now); `SettingError`
    (one line: variable, value, what it expects) for the first value that is wrong."""
    source = os.environ if env is None else env
    values = {
        name: source[PREFIX + name] for name in Settings.model_fields if PREFIX + name in source
    }
    try:
        # Values passed in by name: the fields' own env lookup would read os.environ again.
        return Settings.model_validate({k: v.strip() for k, v in values.items()})
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0])
        extra = Settings.model_fields[name].json_schema_extra or {}
        raise SettingError(
            f"{PREFIX}{name}={values.get(name, '')!r} is not valid: expected "
            f"{extra.get('expects', error['msg'])} (or unset it for the default)"
        ) from None


def platform_env(name: str | None, env: Mapping[str, str] | None = None) -> str | None:
    """A per-platform variable (`RUCHE_<PLATFORM>_BASE_URL`, a connector's `api_version_env`):
    its stripped value, None when unset or blank. The connector validates it, because only it
    knows what a version of its API looks like."""
    if not name:
        return None
    value = (os.environ if env is None else env).get(name, "").strip()
    return value or None


def platform_variables() -> list[tuple[str, str]]:
    """(variable, description) of every registered platform's own variables."""
    from ruche import platforms

    def connector_for(name: str) -> type:
        return platforms.platform(name).connector_class()

    rows: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name in platforms.names():
        connector = connector_for(name)
        rows.append(
            (
                f"{PREFIX}{name.upper()}_BASE_URL",
                f"Base URL of the {name} API only (over `RUCHE_BASE_URL`).",
            )
        )
        version_env = getattr(connector, "api_version_env", None)
        if version_env and version_env not in seen:
            seen.add(version_env)
            users = [
                n
                for n in platforms.names()
                if getattr(connector_for(n), "api_version_env", None) == version_env
            ]
            rows.append(
                (
                    version_env,
                    f"API version for {', '.join(users)}. Unset: `{connector.api_version}`.",
                )
            )
    for name in platforms.names():
        for variable, description in getattr(connector_for(name), "settings_envs", ()):
            if variable not in seen:
                seen.add(variable)
                rows.append((variable, description))
        for variable in platforms.platform(name).credential_envs:
            if variable not in seen:
                seen.add(variable)
                rows.append((variable, f"A deployment-wide credential of {name} (secret)."))
    return rows


def markdown_table() -> str:
    """The README's settings table."""
    lines = ["| variable | default | what |", "|---|---|---|"]
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "unset" if default is None else f"`{default}`"
        lines.append(f"| `{PREFIX}{name}` | {shown} | {field.description} |")
    for name, description in platform_variables():
        lines.append(f"| `{name}` | unset | {description} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markdown_table(), end="")
