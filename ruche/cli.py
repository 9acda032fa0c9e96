"""`ruche`: the command line for everything a user runs outside Airflow."""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, TypeVar
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ruche.config import ConfigError, RucheConfig, default_config_path, load_config
from ruche.settings import settings

app = typer.Typer(
    help="Ruche: nightly social-media and ads pipeline for community managers.",
    no_args_is_help=True,
    add_completion=False,
)
config_app = typer.Typer(help="Check client configuration files.", no_args_is_help=True)
app.add_typer(config_app, name="config")
fx_app = typer.Typer(
    help="The European Central Bank's exchange rates the campaign marts convert with.",
    no_args_is_help=True,
)
app.add_typer(fx_app, name="fx")
webhooks_app = typer.Typer(
    help="Meta's webhooks: the receiver that queues comment events within seconds.",
    no_args_is_help=True,
)
app.add_typer(webhooks_app, name="webhooks")
events_app = typer.Typer(
    help="Comment events from the webhook stream: landed, loaded, comment models refreshed.",
    no_args_is_help=True,
)
app.add_typer(events_app, name="events")

console = Console()
err_console = Console(stderr=True)

DEMO_CONFIG = Path(__file__).resolve().parent.parent / "config" / "clients.demo.yml"

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="Client configuration YAML (default: $RUCHE_CONFIG, "
        "config/clients.yml, or the demo file).",
    ),
]


F = TypeVar("F", bound=Callable[..., object])


def _error(message: str, style: str = "red") -> None:
    """Print a message that may hold user data as plain text: a `[/b]` in a client name or the
    `[a-z]` of a pattern is text, not rich markup; long lines are not wrapped."""
    err_console.print(Text(str(message), style=style), soft_wrap=True)


def _user_errors(command: F) -> F:
    """The one place that turns errors a user can fix into one line and exit code 1: a locked
    warehouse, a full or read-only disk, a missing key (`ruche.errors.explain`). Anything else
    is a bug and keeps its traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from ruche.errors import explain

        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            message = explain(exc)
            if message is None:
                raise
            _error(message)
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        console.print(f"ruche {version('ruche')}", markup=False, highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print Ruche's version and exit."
        ),
    ] = False,
) -> None:
    """Ruche: nightly social-media and ads pipeline for community managers.

    Settings come from RUCHE_* environment variables (README, "Settings"); a value Ruche cannot
    use stops every command with one line, before it starts."""
    from ruche.errors import SettingError

    try:
        settings()
    except SettingError as exc:
        _error(str(exc))
        raise typer.Exit(2) from None


def _use_demo_key() -> None:
    """The demo's fictional commenters are hashed with the public demo key, and it says so."""
    from ruche.keys import DEMO_KEY, KEY_ENV

    os.environ[KEY_ENV] = DEMO_KEY
    console.print(
        f"Commenter pseudonyms use the public demo key ({KEY_ENV}={DEMO_KEY}): anyone can "
        "reverse them, fine for these fictional clients, never for real ones.",
        markup=False,
        highlight=False,
    )


def _setup_logging(verbose: bool) -> None:
    from connectors.redact import install_log_redaction

    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    install_log_redaction()


def _load(path: Path | None) -> RucheConfig:
    try:
        return load_config(path or default_config_path())
    except ConfigError as exc:
        _error(str(exc))
        raise typer.Exit(2) from None


def _parse_date(value: str | None, default: dt.date) -> dt.date:
    if value is None:
        return default
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _error(f"not a date: {value!r} (expected YYYY-MM-DD)")
        raise typer.Exit(2) from None


def _date_range(
    start: str | None,
    end: str | None,
    config: RucheConfig,
    *,
    clients: list[str] | None = None,
    platforms: list[str] | None = None,
    now: dt.datetime | None = None,
) -> tuple[dt.date, dt.date]:
    """--start/--end as dates; both default to yesterday in the agency timezone (as the DAG's
    nightly window, whatever the machine's timezone), --end to --start's range end. A day that
    has not ended yet in any relevant timezone is refused (it would land as zeros)."""
    from ruche.orchestration import future_days_error, newest_complete_day

    now = now or dt.datetime.now(dt.UTC)
    zone = config.agency.timezone
    yesterday = now.astimezone(ZoneInfo(zone)).date() - dt.timedelta(days=1)
    first = _parse_date(start, yesterday)
    last = _parse_date(end, max(first, yesterday) if start else yesterday)
    if first > last:
        _error(f"--start {first} is after --end {last}")
        raise typer.Exit(2)
    newest = newest_complete_day(config, now, clients=clients, platforms=platforms)
    for flag, value, given in (("--start", first, start), ("--end", last, end or start)):
        refusal = future_days_error(flag, value, newest) if given else None
        if refusal:
            _error(refusal)
            raise typer.Exit(2)
    if start is None and end is None:
        console.print(f"extracting {first} (yesterday in {zone}, the agency timezone)")
    return first, last


def _build_and_publish(
    warehouse: Path,
    published: Path | None,
    run_id: str,
    *,
    full_refresh: bool = False,
    publish: bool = True,
) -> None:
    """dbt build, then (after a green build only) publish; exits 1 naming failed nodes."""
    from ruche import pipeline
    from ruche.publish import default_published
    from ruche.transform import TransformError

    with console.status("dbt build…"):
        try:
            report = pipeline.build(warehouse, full_refresh=full_refresh, create_key=True)
        except TransformError as exc:
            _error(str(exc))
            raise typer.Exit(1) from None
    console.print(f"dbt build: {report.counts()} in {report.seconds:.1f}s")
    if publish:
        result = pipeline.publish(warehouse, published or default_published(), run_id=run_id)
        console.print(
            f"published {len(result.tables)} marts to {result.path} in {result.seconds:.1f}s"
        )


@config_app.command("validate")
@_user_errors
def config_validate(
    path: Annotated[Path | None, typer.Argument(help="File to check.")] = None,
) -> None:
    """Validate a clients file and list every problem with its path."""
    config = _load(path)
    accounts = list(config.iter_accounts())
    console.print(
        f"[green]OK[/green] {path or default_config_path()}: {len(config.clients)} client(s), "
        f"{len(accounts)} account(s)"
    )


@app.command()
def sandbox(
    port: Annotated[int, typer.Option(help="Port on 127.0.0.1.")] = 8765,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    config: ConfigOption = None,
    seed: Annotated[int, typer.Option(help="World generator seed.")] = 7,
    now: Annotated[str | None, typer.Option(help="World clock, ISO UTC (default: now).")] = None,
    scale: Annotated[str, typer.Option(help="Scale preset: demo or agency.")] = "demo",
    latency: Annotated[
        str | None,
        typer.Option(
            help="Latency added to each API request: median ms (150) or median/p95 (150/600), "
            "log-normal, seeded; off: none. Default: RUCHE_SANDBOX_LATENCY, else off."
        ),
    ] = None,
) -> None:
    """Serve the platform sandbox (Facebook, Instagram, Meta Ads APIs) until Ctrl-C."""
    from ruche.sandbox import SandboxUnavailable, sandbox_world

    _setup_logging(False)
    try:
        from connectors.sandbox.latency import parse_latency

        added = parse_latency(latency or settings().SANDBOX_LATENCY, seed)
    except ImportError:
        added = None  # an installed Ruche has no sandbox: sandbox_world says so below
    except ValueError as exc:
        _error(f"--latency: {exc}")
        raise typer.Exit(2) from None
    try:
        world_now = dt.datetime.fromisoformat(now).astimezone(dt.UTC) if now else None
    except ValueError:
        _error(f"not a time: --now {now!r} (expected ISO 8601, e.g. 2026-11-20T06:00:00Z)")
        raise typer.Exit(2) from None
    try:
        world = sandbox_world(config, scale, seed, world_now)
    except SandboxUnavailable as exc:
        _error(str(exc))
        raise typer.Exit(1) from None
    except ConfigError as exc:
        _error(str(exc))
        raise typer.Exit(2) from None
    except ValueError as exc:  # an unknown scale
        _error(f"--scale: {exc}")
        raise typer.Exit(2) from None
    from connectors.sandbox.server import serve_forever
    from ruche.errors import PortBusy, check_port_free, port_busy

    try:
        # Checked before saying where it serves; the bind below can still lose a race.
        check_port_free(host, port, "the sandbox", "--port")
        console.print(
            f"Sandbox on http://{host}:{port} (seed {seed}, scale {scale}); Ctrl-C stops."
        )
        if added is not None:
            console.print(f"Each API request waits: {added.describe()}.")
        console.print(f"Point Ruche at it with: export RUCHE_BASE_URL=http://{host}:{port}")
        serve_forever(world, host=host, port=port, latency=added)
    except PortBusy as exc:
        _error(str(exc))
        raise typer.Exit(1) from None
    except OSError as exc:
        busy = port_busy(exc, host, port, "the sandbox", "--port")
        if busy is None:
            raise
        _error(str(busy))
        raise typer.Exit(1) from None


def run_extract(
    config: RucheConfig,
    *,
    clients: list[str] | None,
    platforms: list[str] | None,
    start: dt.date,
    end: dt.date,
    landing_root: str,
    run_id: str,
    workers: int,
    base_url: str | None = None,
    quiet: bool = False,
):
    """Extract with a progress bar (`ruche.pipeline.extract`: each account's failure or
    success is recorded for `ops.extract_failures`); returns the list of `AccountResult`."""
    from connectors.base import Window
    from connectors.landing import LandingZone
    from connectors.runner import CONNECTORS
    from ruche import pipeline
    from ruche.errors import UserError, disk_problem

    unknown = [p for p in platforms or [] if p not in CONNECTORS]
    if unknown:
        _error(f"unknown platform(s): {', '.join(unknown)} (known: {', '.join(CONNECTORS)})")
        raise typer.Exit(2)
    for client_id in clients or []:
        try:
            config.client(client_id)
        except KeyError as exc:
            _error(exc.args[0])
            raise typer.Exit(2) from None
    jobs = list(config.iter_accounts(clients, platforms))
    if not jobs:
        _error("no account matches; nothing to extract", "yellow")
        return []
    window = Window(start, end)
    landing = LandingZone(landing_root)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
    )
    with progress:
        overall = progress.add_task("accounts", total=len(jobs), detail="")
        tasks: dict[str, int] = {}

        def on_progress(label: str, entity: str, count: int) -> None:
            if label not in tasks:
                tasks[label] = progress.add_task(label, total=None, detail="")
            progress.update(tasks[label], detail=f"{entity}: {count} records")

        try:
            results = pipeline.extract(
                jobs,
                window=window,
                landing=landing,
                run_id=run_id,
                workers=workers,
                base_url=base_url,
                on_progress=on_progress,
            )
        except OSError as exc:  # the landing writer's errors rarely carry the file name
            message = disk_problem(exc, exc.filename or landing_root)
            if message is None:
                raise
            raise UserError(message) from None
        for result in results:
            progress.update(overall, advance=1)
            if result.label in tasks:
                progress.update(tasks[result.label], total=1, completed=1)
    return results


def _print_results(results, seconds: float) -> None:
    table = Table(title="Extract")
    for column in ("client", "platform", "account", "status", "records", "requests", "retries"):
        table.add_column(column)
    for r in results:
        status = "[green]ok[/green]" if r.ok else f"[red]{r.error.kind}[/red]"
        table.add_row(
            r.client_id,
            r.platform,
            r.account_id,
            status,
            str(r.records),
            str(r.requests),
            str(r.retries),
        )
    console.print(table)
    records = sum(r.records for r in results)
    requests = sum(r.requests for r in results)
    console.print(
        f"{records} records, {requests} requests in {seconds:.1f}s "
        f"({records / max(seconds, 1e-9):.0f} records/s, {requests / max(seconds, 1e-9):.0f} "
        "requests/s)"
    )
    for r in results:
        if r.error:
            _error(f"✗ {r.error}")


@app.command()
@_user_errors
def extract(
    config: ConfigOption = None,
    client: Annotated[list[str] | None, typer.Option(help="Client id (repeatable).")] = None,
    platform: Annotated[list[str] | None, typer.Option(help="Platform (repeatable).")] = None,
    start: Annotated[
        str | None, typer.Option(help="First day, YYYY-MM-DD (default: yesterday).")
    ] = None,
    end: Annotated[
        str | None, typer.Option(help="Last day, YYYY-MM-DD (default: yesterday).")
    ] = None,
    landing: Annotated[
        str | None,
        typer.Option(help="Landing root: a path or fsspec URL [default: $RUCHE_LANDING_ROOT]."),
    ] = None,
    run_id: Annotated[
        str | None, typer.Option(help="Run id (default: manual__<utc time>).")
    ] = None,
    workers: Annotated[int, typer.Option(help="Accounts extracted in parallel.")] = 4,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Debug logging on stderr.")
    ] = False,
) -> None:
    """Extract posts, comments, insights and ad statistics into the landing zone."""
    _setup_logging(verbose)
    landing = landing or settings().LANDING_ROOT
    cfg = _load(config)
    first, last = _date_range(start, end, cfg, clients=client, platforms=platform)
    run_id = run_id or f"manual__{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}"
    began = time.monotonic()
    results = run_extract(
        cfg,
        clients=client,
        platforms=platform,
        start=first,
        end=last,
        landing_root=landing,
        run_id=run_id,
        workers=workers,
    )
    _print_results(results, time.monotonic() - began)
    if any(not r.ok for r in results):
        raise typer.Exit(1)


def run_load(
    config: RucheConfig,
    *,
    landing_root: str,
    warehouse: Path,
    audit: bool = True,
    docs_dir: Path | None = None,
    quiet: bool = False,
    retry_quarantined: bool = False,
):
    """`ruche.pipeline.load` (config tables, extract failures, audit and load of every pending
    landed batch) with a progress bar; returns the LoadReport."""
    from ruche import pipeline
    from ruche.errors import wait_for_warehouse

    progress = Progress(
        TextColumn("[bold]load"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
    )
    wait_for_warehouse(warehouse)  # another writer: wait RUCHE_LOCK_TIMEOUT, then say who
    with progress:
        task = progress.add_task("load", total=None, detail="")

        def on_progress(label: str, done: int, total: int) -> None:
            progress.update(task, total=total, completed=done, detail=label)

        return pipeline.load(
            config,
            landing_root=landing_root,
            warehouse=warehouse,
            audit=audit,
            docs_dir=docs_dir,
            retry_quarantined=retry_quarantined,
            on_progress=on_progress,
        )


def _print_load(report, warehouse: Path) -> None:
    retried = f", {report.retried} quarantined earlier and read again" if report.retried else ""
    console.print(
        f"load {report.load_id}: {len(report.files)} file(s){retried}, {report.landed} landed = "
        f"{report.loaded} loaded + {report.quarantined} quarantined "
        f"({report.skipped} already loaded) in {report.seconds:.1f}s, of which "
        f"{report.audit_seconds:.1f}s auditing (Great Expectations starts in ~10 s) → {warehouse}"
    )
    if report.skipped_quarantined:
        err_console.print(
            f"! {report.skipped_quarantined} file(s) quarantined whole by an earlier load and "
            "unchanged since were not read again (see ops.quarantine); once the cause is fixed "
            "(e.g. a corrected manifest, or a Ruche upgrade), run: ruche load --retry-quarantined",
            style="yellow",
            markup=False,
            highlight=False,
        )
    for problem in report.problems:
        _error(f"! {problem}", "yellow")


def _data_docs_dir(warehouse: Path) -> Path:
    """The one Data Docs folder of `ruche load`, `ruche run` and the Airflow DAGs:
    `$RUCHE_DOCS_DIR/gx`, by default `docs/gx` next to the warehouse."""
    from ruche.settings import settings

    return settings().docs_dir(warehouse) / "gx"


@app.command()
@_user_errors
def load(
    config: ConfigOption = None,
    landing: Annotated[
        str | None,
        typer.Option(help="Landing root: a path or fsspec URL [default: $RUCHE_LANDING_ROOT]."),
    ] = None,
    warehouse: Annotated[
        Path | None, typer.Option(help="DuckDB warehouse file [default: $RUCHE_WAREHOUSE].")
    ] = None,
    audit: Annotated[bool, typer.Option(help="Audit each batch with Great Expectations.")] = True,
    retry_quarantined: Annotated[
        bool,
        typer.Option(
            help="Also read again the files quarantined whole by earlier loads (unreadable, "
            "unparseable, or not matching their manifest) that did not change since. Files "
            "restored or re-landed are read again without it."
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Debug logging on stderr.")
    ] = False,
) -> None:
    """Audit and load every landed batch not loaded yet into the DuckDB warehouse."""
    _setup_logging(verbose)
    landing = landing or settings().LANDING_ROOT
    warehouse = warehouse or settings().WAREHOUSE
    cfg = _load(config)
    report = run_load(
        cfg,
        landing_root=landing,
        warehouse=warehouse,
        audit=audit,
        docs_dir=_data_docs_dir(warehouse),
        retry_quarantined=retry_quarantined,
    )
    _print_load(report, warehouse)
    if report.quarantined:
        raise typer.Exit(1)


@app.command()
@_user_errors
def transform(
    warehouse: Annotated[
        Path | None, typer.Option(help="DuckDB warehouse file [default: $RUCHE_WAREHOUSE].")
    ] = None,
    published: Annotated[
        Path | None, typer.Option(help="Published BI file [default: $RUCHE_PUBLISHED].")
    ] = None,
    full_refresh: Annotated[bool, typer.Option(help="Rebuild incremental models.")] = False,
    publish: Annotated[bool, typer.Option(help="Publish the marts after a green build.")] = True,
) -> None:
    """dbt build (models and tests) over the warehouse, then publish the marts for BI."""
    _setup_logging(False)
    warehouse = warehouse or settings().WAREHOUSE
    run_id = f"cli__{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}"
    _build_and_publish(warehouse, published, run_id, full_refresh=full_refresh, publish=publish)


def _check_clients(cfg: RucheConfig, chosen: list[str] | None) -> None:
    """Exit 2 naming the first --client the configuration does not have."""
    known = {c.id for c in cfg.clients}
    unknown = [c for c in chosen or [] if c not in known]
    if unknown:
        _error(
            f"--client {unknown[0]}: no such client in the configuration "
            f"(known: {', '.join(sorted(known))})"
        )
        raise typer.Exit(2)


def _check_warehouse(warehouse: Path) -> None:
    """Exit 2 when there is no warehouse file to read yet."""
    if not warehouse.exists():
        _error(
            f"{warehouse}: no warehouse there; run `ruche run` (or `ruche transform`) first, "
            "or pass --warehouse"
        )
        raise typer.Exit(2)


@app.command()
@_user_errors
def digest(
    client: Annotated[
        list[str] | None, typer.Option(help="Client id (repeatable; default: all).")
    ] = None,
    date: Annotated[
        str | None,
        typer.Option(help="The morning, YYYY-MM-DD (default: today in each client's time zone)."),
    ] = None,
    send: Annotated[
        bool, typer.Option(help="Send it (e-mail, chat) unless the ledger says it was sent.")
    ] = False,
    resend: Annotated[
        bool, typer.Option(help="With --send: send again even if it was sent already.")
    ] = False,
    config: ConfigOption = None,
    warehouse: Annotated[
        Path | None, typer.Option(help="DuckDB warehouse file [default: $RUCHE_WAREHOUSE].")
    ] = None,
    reports: Annotated[
        Path | None,
        typer.Option(
            help="Folder of the pages [default: $RUCHE_REPORTS_DIR, else reports/ next "
            "to the warehouse]."
        ),
    ] = None,
) -> None:
    """The morning digest per client: write its HTML pages (preview), or --send it."""
    from ruche.digest import run_digests
    from ruche.errors import wait_for_warehouse

    _setup_logging(False)
    warehouse = warehouse or settings().WAREHOUSE
    cfg = _load(config)
    _check_clients(cfg, client)
    day = _parse_date(date, dt.date.today()) if date else None
    _check_warehouse(warehouse)
    if send:
        wait_for_warehouse(warehouse)  # the ledger is written in the warehouse: one writer
    results = run_digests(
        warehouse, cfg, date=day, clients=client, send=send, force=resend, reports_dir=reports
    )
    failed = 0
    for result in results:
        for page in result.pages:
            console.print(
                f"{result.client_id} {result.date}: {page}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        for outcome in result.deliveries:
            failed += outcome.status == "failed"
            detail = f" ({outcome.error})" if outcome.error else ""
            console.print(
                f"  {outcome.key}: {outcome.status}{detail}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
    if failed:
        raise typer.Exit(1)


@app.command()
@_user_errors
def alerts(
    now: Annotated[
        str | None,
        typer.Option(
            help="The instant to evaluate at, ISO 8601 with its offset "
            "(2026-11-19T22:00:00+00:00) [default: the current time]."
        ),
    ] = None,
    client: Annotated[
        list[str] | None, typer.Option(help="Client id (repeatable; default: all).")
    ] = None,
    send: Annotated[
        bool,
        typer.Option(
            "--send/--dry-run",
            help="Deliver the new alerts (e-mail, chat), once each; --dry-run only prints them.",
        ),
    ] = False,
    lookback_hours: Annotated[
        float, typer.Option(min=0.1, help="Comments written in the hours before --now.")
    ] = 24.0,
    config: ConfigOption = None,
    warehouse: Annotated[
        Path | None, typer.Option(help="DuckDB warehouse file [default: $RUCHE_WAREHOUSE].")
    ] = None,
) -> None:
    """Immediate alerts per client (negative comment, response deadline outside business
    hours, spike within the last hour): print what fires at --now, or --send it."""
    from ruche.digest.immediate import fire_immediate_alerts
    from ruche.errors import wait_for_warehouse

    _setup_logging(False)
    warehouse = warehouse or settings().WAREHOUSE
    cfg = _load(config)
    _check_clients(cfg, client)
    if now is None:
        instant = dt.datetime.now(dt.UTC)
    else:
        try:
            instant = dt.datetime.fromisoformat(now)
        except ValueError:
            instant = None
        if instant is None or instant.tzinfo is None:
            _error(
                f"--now {now!r}: expected an ISO 8601 instant with its offset, "
                "such as 2026-11-19T22:00:00+00:00"
            )
            raise typer.Exit(2)
    _check_warehouse(warehouse)
    if send:
        wait_for_warehouse(warehouse)  # the ledger is written in the warehouse: one writer
    results = fire_immediate_alerts(
        warehouse,
        cfg,
        instant,
        send=send,
        lookback=dt.timedelta(hours=lookback_hours),
        clients=client,
    )
    failed = 0
    for alert in results:
        if alert.already_sent:
            state = "already sent"
        elif not send:
            state = "would fire"
        else:
            state = ", ".join(f"{o.key.rsplit(':', 1)[1]} {o.status}" for o in alert.outcomes)
            state = state or "no channel"
        failed += alert.failed
        console.print(
            f"{alert.key}: {state} | {alert.subject}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        for outcome in alert.outcomes:
            if outcome.error:
                console.print(f"  {outcome.key}: {outcome.error}", markup=False, soft_wrap=True)
    console.print(f"{len(results)} alert(s) at {instant.isoformat()}", markup=False)
    if failed:
        raise typer.Exit(1)


@app.command()
@_user_errors
def report(
    client: Annotated[
        list[str] | None, typer.Option(help="Client id (repeatable; default: all).")
    ] = None,
    month: Annotated[
        str | None, typer.Option(help="The month, YYYY-MM (default: last month).")
    ] = None,
    pdf: Annotated[bool, typer.Option(help="Also print a PDF (needs headless Chromium).")] = True,
    config: ConfigOption = None,
    warehouse: Annotated[
        Path | None, typer.Option(help="DuckDB warehouse file [default: $RUCHE_WAREHOUSE].")
    ] = None,
    reports: Annotated[
        Path | None,
        typer.Option(
            help="Folder of the reports [default: $RUCHE_REPORTS_DIR, else reports/ next "
            "to the warehouse]."
        ),
    ] = None,
) -> None:
    """The monthly performance report per client: each KPI against its target, with charts."""
    from ruche.digest import previous_month, run_reports
    from ruche.digest.monthly import find_pdf_browser

    _setup_logging(False)
    warehouse = warehouse or settings().WAREHOUSE
    cfg = _load(config)
    if month is None:
        first = previous_month(dt.date.today())
    else:
        try:
            first = dt.date.fromisoformat(f"{month}-01")
        except ValueError:
            _error(f"--month {month!r}: expected YYYY-MM, e.g. 2026-11")
            raise typer.Exit(2) from None
    _check_warehouse(warehouse)
    if pdf and find_pdf_browser() is None:
        console.print("no headless Chromium found: HTML only (install chromium for PDF)")
    for client_id, files in run_reports(
        warehouse, cfg, month=first, clients=client, reports_dir=reports, pdf=pdf
    ).items():
        for path in files:
            console.print(
                f"{client_id} {first:%Y-%m}: {path}", markup=False, highlight=False, soft_wrap=True
            )


@app.command()
@_user_errors
def run(
    config: ConfigOption = None,
    start: Annotated[
        str | None, typer.Option(help="First day, YYYY-MM-DD (default: yesterday).")
    ] = None,
    end: Annotated[
        str | None, typer.Option(help="Last day, YYYY-MM-DD (default: yesterday).")
    ] = None,
    client: Annotated[list[str] | None, typer.Option(help="Client id (repeatable).")] = None,
    platform: Annotated[list[str] | None, typer.Option(help="Platform (repeatable).")] = None,
    landing: Annotated[
        str | None,
        typer.Option(help="Landing root: a path or fsspec URL [default: $RUCHE_LANDING_ROOT]."),
    ] = None,
    warehouse: Annotated[
        Path | None, typer.Option(help="DuckDB warehouse file [default: $RUCHE_WAREHOUSE].")
    ] = None,
    published: Annotated[
        Path | None, typer.Option(help="Published BI file [default: $RUCHE_PUBLISHED].")
    ] = None,
    workers: Annotated[int, typer.Option(help="Accounts extracted in parallel.")] = 4,
) -> None:
    """Extract → audit → load → dbt build → publish for a date range, without Airflow."""
    _setup_logging(False)
    landing = landing or settings().LANDING_ROOT
    warehouse = warehouse or settings().WAREHOUSE
    cfg = _load(config)
    first, last = _date_range(start, end, cfg, clients=client, platforms=platform)
    run_id = f"run__{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}"
    began = time.monotonic()
    results = run_extract(
        cfg,
        clients=client,
        platforms=platform,
        start=first,
        end=last,
        landing_root=landing,
        run_id=run_id,
        workers=workers,
    )
    _print_results(results, time.monotonic() - began)
    report = run_load(
        cfg, landing_root=landing, warehouse=warehouse, docs_dir=_data_docs_dir(warehouse)
    )
    _print_load(report, warehouse)
    _build_and_publish(warehouse, published, run_id)
    console.print(f"[green]done[/green] in {time.monotonic() - began:.0f}s")
    if any(not r.ok for r in results) or report.quarantined:
        raise typer.Exit(1)


@app.command()
@_user_errors
def demo(
    days: Annotated[int, typer.Option(help="Days of data to extract.")] = 30,
    out: Annotated[Path, typer.Option(help="Where the demo writes everything.")] = Path(
        "demo_output"
    ),
    seed: Annotated[int, typer.Option(help="Sandbox world seed.")] = 7,
) -> None:
    """Run the real Airflow DAGs against the sandbox for the demo clients, then summarise."""
    from ruche import demo as demo_mod
    from ruche.orchestration import plan_accounts

    _setup_logging(False)
    config = _load(DEMO_CONFIG)
    _use_demo_key()
    began = time.monotonic()
    console.print(
        f"[bold]Ruche demo[/bold]: {len(config.clients)} clients, last {days} days, real Airflow "
        f"DAGs against the local sandbox (log: {out / 'demo.log'})"
    )

    def done(step: str, seconds: float) -> None:
        if step == "dbt build":
            models = demo_mod.built_models(since=build_started)
            step += f" ({models} models)" if models is not None else ""
        console.print(f"  ✓ {step}: {seconds:.1f}s", markup=False, highlight=False)

    with console.status("set-up: sandbox, Airflow metadata DB, duckdb_writer pool…") as status:
        with demo_mod.sandboxed_airflow(out, config, seed=seed) as (paths, env, log_path):
            done("set-up (sandbox, Airflow)", time.monotonic() - began)
            build_started = time.time()
            status.update(f"airflow dags test ruche_ingest: {days} days…")
            tracker = demo_mod.StepTracker(
                plan_accounts(config), on_change=status.update, on_done=done
            )
            try:
                demo_mod.run_dags(env, log_path, dt.datetime.now(dt.UTC), days, tracker=tracker)
            except RuntimeError as exc:
                _error(str(exc))
                raise typer.Exit(1) from None
        status.update("docs: dbt docs generate --static…")
        step = time.monotonic()
        try:
            docs_page = demo_mod.dbt_docs(paths.warehouse, paths.docs / "dbt")
        except RuntimeError as exc:
            _error(str(exc))
            raise typer.Exit(1) from None
        done("docs (dbt docs generate --static)", time.monotonic() - step)
    with console.status("monthly performance reports…"):
        from ruche.digest import previous_month, run_reports
        from ruche.digest.monthly import find_pdf_browser, print_pdf

        step = time.monotonic()
        month = previous_month(dt.date.today())
        reports = run_reports(paths.warehouse, config, month=month, reports_dir=paths.reports)
        done("monthly reports", time.monotonic() - step)
    rows = demo_mod.client_summary(paths.published, days)
    table = demo_mod.summary_table(rows, days, dt.datetime.now(dt.UTC))
    Console(width=max(console.width, 160)).print(table)
    Console(width=max(console.width, 120)).print(
        demo_mod.platform_table(demo_mod.platform_summary(paths.published))
    )
    Console(width=max(console.width, 120)).print(
        demo_mod.paid_table(demo_mod.paid_summary(paths.published, days), days)
    )
    console.print(
        f"Spike days: days with a comment or negative-comment spike. Targets on pace: this "
        f"month's targets the month to date meets (sums prorated to the days elapsed). Data "
        f"extracted: the client's oldest account; STALE past "
        f"{settings().STALE_AFTER_HOURS:g} h (RUCHE_STALE_AFTER_HOURS). Conversions, CPA "
        f"and ROAS are counted in each platform's attribution window and never added across "
        f"windows.",
        markup=False,
        highlight=False,
    )
    console.print("\nMorning digests (written by the transform DAG's digest task) and reports:")
    for client in config.clients:
        files = []
        for page in sorted((paths.reports / client.id).glob("digest-*.html")):
            # the digest task printed its PDF already where Chromium is installed
            pdf = page.with_suffix(".pdf")
            files += [page, *filter(None, [pdf if pdf.is_file() else print_pdf(page)])]
        files += reports.get(client.id, [])
        for path in files:
            console.print(f"  {client.id}: {path}", markup=False, highlight=False, soft_wrap=True)
    if find_pdf_browser() is None:
        console.print(
            "  (no headless Chromium found: reports in HTML only; install chromium for PDF)"
        )
    console.print(
        f"\n[green]Done in {time.monotonic() - began:.0f}s.[/green]\n"
        f"  Published marts (open read-only in any BI tool): {paths.published}\n"
        f"  Warehouse (raw, ops, staging, marts): {paths.warehouse}\n"
        f"  dbt docs (one file, opens from disk): {docs_page}\n"
        f"  Audit report (one file, opens from disk): {paths.docs / 'gx' / 'report.html'}\n"
        f"  Landing zone: {paths.landing}\n"
        f"  Airflow home (SQLite metadata, task logs): {paths.airflow_home}"
    )


@fx_app.command("update")
@_user_errors
def fx_update(
    file: Annotated[
        Path,
        typer.Argument(
            help="A newer ECB euro reference-rate file: eurofxref-hist.zip / .csv (history) or "
            "eurofxref.zip / .csv (one day), as downloaded from the ECB."
        ),
    ],
    warehouse: Annotated[
        Path | None, typer.Option(help="DuckDB warehouse file [default: $RUCHE_WAREHOUSE].")
    ] = None,
) -> None:
    """Merge a newer ECB rates file into the warehouse (a bad or older file changes nothing);
    the next `ruche transform` converts with it."""
    from ruche.fx import parse_ecb, update_rates
    from ruche.load import connect

    _setup_logging(False)
    warehouse = warehouse or settings().WAREHOUSE
    parse_ecb(file)  # a bad file is told before the warehouse is opened (and locked)
    con = connect(warehouse)
    try:
        rates, before = update_rates(con, file)
    finally:
        con.close()
    console.print(
        f"ECB rates from {file}: {len(rates.rows)} rates of {len(rates.currencies)} currencies, "
        f"{rates.first_date} to {rates.last_date} (the warehouse had rates through {before}); "
        "run `ruche transform` to convert with them",
        markup=False,
        highlight=False,
    )


@app.command("airflow")
@_user_errors
def airflow_ui(
    out: Annotated[Path, typer.Option(help="Airflow home, landing and warehouse root.")] = Path(
        "demo_output"
    ),
    port: Annotated[int, typer.Option(help="Port of the Airflow UI and API.")] = 8080,
    host: Annotated[
        str, typer.Option(help="Interface of the UI (0.0.0.0 to reach it from other machines).")
    ] = "127.0.0.1",
    sandbox_port: Annotated[int, typer.Option(help="Port of the sandbox on 127.0.0.1.")] = 8765,
) -> None:
    """Start `airflow standalone` with Ruche's DAGs (unpaused), the sandbox and the demo clients;
    one Ctrl-C stops everything it started."""
    from ruche import demo as demo_mod
    from ruche.errors import check_port_free

    _setup_logging(False)
    config = _load(DEMO_CONFIG)
    # Before any set-up: the UI is started by Airflow, whose busy-port error is a traceback.
    check_port_free(host, port, "the Airflow UI", "--port")
    _use_demo_key()
    console.print("preparing Airflow (metadata DB, pool, Ruche's DAGs unpaused)…")
    with demo_mod.sandboxed_airflow(
        out, config, port=sandbox_port, log_name="airflow.log", unpause=True
    ) as (paths, env, _):
        env = demo_mod.ui_env(env, paths, port=port, host=host)
        shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104
        console.print(
            f"Sandbox on {env['RUCHE_BASE_URL']}. Starting `airflow standalone`: UI on "
            f"http://{shown}:{port}, user admin, password in {paths.passwords_file} (written on "
            "the first start). Ctrl-C stops everything.",
            markup=False,
            highlight=False,
        )
        code = demo_mod.run_process_group([sys.executable, "-m", "airflow", "standalone"], env)
    if code not in (0, 130):
        _error(f"airflow standalone exited with code {code}; see its output above")
        raise typer.Exit(1)


@webhooks_app.command("serve")
@_user_errors
def webhooks_serve(
    port: Annotated[int, typer.Option(help="Port of the receiver.")] = 8770,
    host: Annotated[
        str,
        typer.Option(help="Interface (127.0.0.1 behind the HTTPS reverse proxy Meta posts to)."),
    ] = "127.0.0.1",
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Debug logging.")] = False,
) -> None:
    """Serve the webhook receiver (README, "Comments in minutes (webhooks)"): Meta's handshake
    and signed POSTs on /webhooks/meta, each event added to the Redis stream
    (RUCHE_WEBHOOK_STREAM) or spooled while Redis is down."""
    from ruche.errors import check_port_free
    from ruche.webhooks.app import ReceiverSettingError, make_server

    _setup_logging(verbose)
    logging.getLogger("ruche.webhooks").setLevel(logging.DEBUG if verbose else logging.INFO)
    check_port_free(host, port, "the webhook receiver", "--port")
    try:
        server = make_server(host, port)
    except ReceiverSettingError as exc:
        _error(str(exc))
        raise typer.Exit(2) from None
    console.print(
        f"Webhook receiver on http://{host}:{port}/webhooks/meta (Ctrl-C stops it).",
        markup=False,
        highlight=False,
    )
    server.run()


@webhooks_app.command("replay")
@_user_errors
def webhooks_replay() -> None:
    """Move the deliveries spooled while Redis was down onto the stream, in order, once each
    (a running receiver also does it every RUCHE_WEBHOOK_REPLAY_SECONDS)."""
    import redis

    from ruche.webhooks.queue import EventQueue

    _setup_logging(False)
    current = settings()
    queue = EventQueue.from_url(
        current.WEBHOOK_REDIS_URL, current.WEBHOOK_STREAM, current.webhook_spool()
    )
    waiting = queue.spooled()
    try:
        moved = queue.replay()
    except redis.RedisError as exc:
        _error(
            f"Redis is unreachable ({type(exc).__name__}): {waiting} spooled deliveries stay in "
            f"{queue.spool}; check RUCHE_WEBHOOK_REDIS_URL and run this again"
        )
        raise typer.Exit(1) from None
    console.print(
        f"{moved} spooled deliveries added to {current.WEBHOOK_STREAM}.",
        markup=False,
        highlight=False,
    )


@events_app.command("run")
@_user_errors
def events_run(
    config: ConfigOption = None,
    audit: Annotated[bool, typer.Option(help="Audit each batch with Great Expectations.")] = True,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Debug logging on stderr.")
    ] = False,
) -> None:
    """Land the comment events the receiver queued (RUCHE_WEBHOOK_STREAM on
    RUCHE_WEBHOOK_REDIS_URL), audit and load them, and refresh the comment models (a dbt
    selection); entries are acknowledged only once landed."""
    import redis

    from ruche.events import run_events
    from ruche.orchestration import Paths

    _setup_logging(verbose)
    cfg = _load(config)
    paths = Paths.from_env()
    current = settings()
    try:
        report = run_events(
            paths,
            cfg,
            redis_url=current.WEBHOOK_REDIS_URL,
            stream=current.WEBHOOK_STREAM,
            audit=audit,
        )
    except redis.RedisError as exc:
        _error(
            f"Redis is unreachable ({type(exc).__name__}): no event was read or acknowledged; "
            "check RUCHE_WEBHOOK_REDIS_URL and run this again"
        )
        raise typer.Exit(1) from None
    land = report.land
    console.print(
        f"{land.entries} stream entries: {land.events} comment events, {land.landed} landed in "
        f"{len(land.manifests)} batches ({land.duplicates} duplicates, {land.unknown_accounts} "
        f"of unconfigured accounts, {land.dead} unreadable to {current.WEBHOOK_STREAM}:dead); "
        f"{report.load.get('loaded', 0)} loaded, {report.load.get('quarantined', 0)} "
        f"quarantined; comment models "
        + (f"refreshed in {report.refresh['seconds']:.1f} s" if report.refresh else "unchanged")
        + f" ({report.seconds:.1f} s in all).",
        markup=False,
        highlight=False,
    )
    if report.load.get("quarantined"):
        raise typer.Exit(1)


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
