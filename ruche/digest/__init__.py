"""The community manager's morning: a digest per client, read from the marts, written as HTML
pages under the reports folder and sent by e-mail (charts inline) and chat, once per day.

`ruche digest` (preview, `--send` to deliver) and the transform DAG's `digest` task call
`run_digests`; the task also prints each page to PDF when a headless Chromium is installed
(`scripts/install-chromium.sh`), and says so, keeping the HTML, when none is. Delivery
problems are recorded in `ops.notifications` and logged, never raised: the publish before it
stays green.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ruche.config import Client, RucheConfig

log = logging.getLogger(__name__)


@dataclass
class ClientDigest:
    client_id: str
    date: dt.date
    pages: list[Path] = field(default_factory=list)
    deliveries: list = field(default_factory=list)  # delivery.Outcome
    spikes: int = 0
    pdfs: list[Path] = field(default_factory=list)


NO_PDF_BROWSER = (
    "no headless Chromium found on PATH (chromium, chromium-browser, google-chrome or chrome): "
    "digests written as HTML only; run scripts/install-chromium.sh for the PDF"
)
"""What a run asked for PDFs says (log and the DAG task's result) when it cannot print them."""


def default_reports_dir(warehouse: str | Path) -> Path:
    """`RUCHE_REPORTS_DIR`, else `reports/` next to the warehouse."""
    from ruche.settings import settings

    return settings().REPORTS_DIR or Path(warehouse).parent / "reports"


def morning_of(client: Client, instant: dt.datetime) -> dt.date:
    """The client-local day of `instant`: the morning a digest built then is for."""
    return instant.astimezone(client.zone).date()


def run_digests(
    warehouse: str | Path,
    config: RucheConfig,
    *,
    date: dt.date | None = None,
    clients: list[str] | None = None,
    send: bool = False,
    force: bool = False,
    reports_dir: str | Path | None = None,
    now: dt.datetime | None = None,
    sleep=None,
    pdf: bool = False,
) -> list[ClientDigest]:
    """Write each client's digest pages (and send them when `send`) for the morning of `date`
    (default: today in each client's time zone). Reads the marts; with `send`, opens the
    warehouse for writing to keep the notifications ledger. With `pdf`, each page is also
    printed to PDF beside it when a headless Chromium is installed; without one, a warning
    (`NO_PDF_BROWSER`) says so once and the HTML pages are kept."""
    from ruche.digest import delivery
    from ruche.digest.data import collect
    from ruche.digest.i18n import languages_for
    from ruche.digest.monthly import find_pdf_browser, print_pdf
    from ruche.digest.render import platform_label, render

    now = now or dt.datetime.now(dt.UTC)
    browser = find_pdf_browser() if pdf else None
    if pdf and browser is None:
        log.warning("%s", NO_PDF_BROWSER)
    out_root = Path(reports_dir) if reports_dir else default_reports_dir(warehouse)
    selected = [c for c in config.clients if not clients or c.id in clients]
    con = duckdb.connect(str(warehouse), read_only=not send)
    results = []
    try:
        con.execute("SET TimeZone = 'UTC'")
        for client in selected:
            day = date or morning_of(client, now)
            data = collect(con, client, day)
            result = ClientDigest(client.id, day, spikes=len(data.spikes))
            chat = delivery.chat_urls(
                config.notifications.chat_urls_env, client.digest.chat_urls_env
            )
            attempts = config.notifications.attempts
            extra = {"sleep": sleep} if sleep else {}
            if send and chat:
                for spike in data.spikes:
                    where = spike.account_name or spike.account_id
                    body = (
                        f"{client.display_name}: {spike.count} "
                        f"{'negative comments' if spike.kind == 'negative' else 'comments'} on "
                        f"{'a post of ' if spike.scope == 'post' else ''}"
                        f"{platform_label(spike.platform)} "
                        f"{where} on {data.yesterday_date} (usually {spike.baseline_median:g})"
                        + (f"\n{spike.link}" if spike.link else "")
                    )
                    result.deliveries.append(
                        delivery.deliver_once(
                            con,
                            key=f"spike:{client.id}:{data.yesterday_date}:{spike.key}",
                            kind="spike_alert",
                            channel="chat",
                            client_id=client.id,
                            date=day,
                            subject="Ruche spike alert",
                            recipients=None,
                            send=delivery.chat_sender(chat, "Ruche: comment spike", body),
                            attempts=attempts,
                            force=force,
                            **extra,
                        )
                    )
            for lang in languages_for(list(client.languages), client.digest.languages):
                rendered = render(data, lang)
                page = rendered.write(out_root / client.id)
                result.pages.append(page)
                log.info("digest of %s for %s (%s): %s", client.id, day, lang, page)
                if browser is not None:
                    # a page that does not print is logged by print_pdf; its HTML stays
                    printed = print_pdf(page, browser)
                    if printed is not None:
                        result.pdfs.append(printed)
                        log.info("digest of %s for %s (%s): %s", client.id, day, lang, printed)
                if not send:
                    continue
                if client.digest.recipients:
                    settings = config.notifications
                    sender = settings.smtp.sender if settings.smtp else "ruche@localhost"
                    message = rendered.message(sender, client.digest.recipients)
                    try:
                        send_mail = delivery.smtp_sender(settings, message)
                    except delivery.DeliveryError as exc:
                        error = str(exc)

                        def send_mail(error: str = error) -> None:
                            raise delivery.DeliveryError(error)

                    result.deliveries.append(
                        delivery.deliver_once(
                            con,
                            key=f"digest:{client.id}:{day}:{lang}:email",
                            kind="digest",
                            channel="email",
                            client_id=client.id,
                            date=day,
                            subject=rendered.subject,
                            recipients=", ".join(client.digest.recipients),
                            send=send_mail,
                            attempts=attempts,
                            force=force,
                            **extra,
                        )
                    )
                if chat:
                    result.deliveries.append(
                        delivery.deliver_once(
                            con,
                            key=f"digest:{client.id}:{day}:{lang}:chat",
                            kind="digest",
                            channel="chat",
                            client_id=client.id,
                            date=day,
                            subject=rendered.subject,
                            recipients=None,
                            send=delivery.chat_sender(chat, rendered.subject, rendered.text),
                            attempts=attempts,
                            force=force,
                            **extra,
                        )
                    )
            results.append(result)
    finally:
        con.close()
    return results


def previous_month(day: dt.date) -> dt.date:
    """The first day of the month before `day`'s: the month a report is presented for."""
    return (day.replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def run_reports(
    warehouse: str | Path,
    config: RucheConfig,
    *,
    month: dt.date,
    clients: list[str] | None = None,
    reports_dir: str | Path | None = None,
    pdf: bool = True,
) -> dict[str, list[Path]]:
    """Write each client's monthly performance report (HTML, and PDF when a headless Chromium
    is installed and `pdf`) for the month starting `month`; returns the files per client."""
    from ruche.digest.i18n import languages_for
    from ruche.digest.monthly import collect_month, print_pdf, render_month

    out_root = Path(reports_dir) if reports_dir else default_reports_dir(warehouse)
    written: dict[str, list[Path]] = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute("SET TimeZone = 'UTC'")
        for client in config.clients:
            if clients and client.id not in clients:
                continue
            data = collect_month(con, client, month)
            files = written.setdefault(client.id, [])
            for lang in languages_for(list(client.languages), client.digest.languages):
                page = render_month(data, lang).write(out_root / client.id)
                files.append(page)
                if pdf:
                    printed = print_pdf(page)
                    if printed:
                        files.append(printed)
    finally:
        con.close()
    return written
