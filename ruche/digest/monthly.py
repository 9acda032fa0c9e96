"""The monthly performance report per client ("rapport de performance"): each KPI against its
agreed target over the month, response figures per platform, daily charts, the month's best
posts; HTML under the reports folder, and PDF when a headless Chromium is installed."""

from __future__ import annotations

import calendar
import datetime as dt
import logging
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from ruche.config import Client
from ruche.digest import charts
from ruche.digest.data import _rows
from ruche.digest.i18n import MONTHS, TEXT, duration, number, percent
from ruche.digest.render import KPI_LABELS, _environment, kpi_value, platform_label

log = logging.getLogger(__name__)

PDF_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")

WORDS = {
    "fr": {
        "title": "Rapport de performance",
        "period": "{month} — données du {first} au {last}",
        "partial": "Mois incomplet : les données couvrent jusqu'au {last}.",
        "kpi": "Indicateur",
        "target": "Objectif",
        "actual": "Réalisé",
        "attainment": "Atteinte",
        "met": "atteint",
        "missed": "non atteint",
        "pending": "en cours",
        "chart_targets": "Atteinte de chaque objectif (trait noir = objectif)",
        "chart_engagements": "Interactions par jour",
        "chart_comments": "Commentaires reçus par jour (négatifs en rouge)",
        "responses": "Réponses aux commentaires",
        "platform": "Plateforme",
        "all": "Toutes",
        "received": "Reçus",
        "answered": "Répondus",
        "rate": "Taux de réponse",
        "median": "Délai médian (heures ouvrées)",
        "outside": "Reçus hors heures",
        "best_posts": "Meilleures publications du mois",
        "engagements": "interactions",
        "footer": "Préparé avec Ruche à partir des marts publiés.",
    },
    "en": {
        "title": "Performance report",
        "period": "{month} — data from {first} to {last}",
        "partial": "Month not complete: the data covers up to {last}.",
        "kpi": "KPI",
        "target": "Target",
        "actual": "Actual",
        "attainment": "Attainment",
        "met": "met",
        "missed": "missed",
        "pending": "in progress",
        "chart_targets": "Attainment of each target (black line = target)",
        "chart_engagements": "Engagements per day",
        "chart_comments": "Comments received per day (negative in red)",
        "responses": "Comment responses",
        "platform": "Platform",
        "all": "All",
        "received": "Received",
        "answered": "Answered",
        "rate": "Response rate",
        "median": "Median first response (business hours)",
        "outside": "Received outside hours",
        "best_posts": "Best posts of the month",
        "engagements": "engagements",
        "footer": "Prepared with Ruche from the published marts.",
    },
}


@dataclass
class MonthlyReport:
    client_id: str
    month_start: dt.date
    lang: str
    html: str
    charts: dict[str, bytes]

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"report-{self.month_start:%Y-%m}.{self.lang}"
        for name, png in self.charts.items():
            (folder / f"{stem}.{name}.png").write_bytes(png)
        page = folder / f"{stem}.html"
        page.write_text(self.html, encoding="utf-8")
        return page


def collect_month(
    con: duckdb.DuckDBPyConnection, client: Client, month_start: dt.date
) -> dict[str, Any]:
    last_day = month_start.replace(day=calendar.monthrange(month_start.year, month_start.month)[1])
    targets = _rows(
        con,
        "SELECT * FROM marts.rpt_targets_monthly WHERE client_id = ? AND month_start = ? "
        "ORDER BY kpi, platform_scope",
        [client.id, month_start],
    )
    for row in targets:
        if row["actual_value"] is None or not row["target_value"]:
            row["progress"] = None
        elif row["direction"] == "lower_is_better":
            row["progress"] = (
                row["target_value"] / row["actual_value"] if row["actual_value"] else 1.5
            )
        else:
            row["progress"] = row["actual_value"] / row["target_value"]
    responses = _rows(
        con,
        "SELECT * FROM marts.rpt_response_monthly WHERE client_id = ? AND month_start = ? "
        "ORDER BY platform_scope = 'all' DESC, platform_scope",
        [client.id, month_start],
    )
    days = [month_start + dt.timedelta(days=i) for i in range((last_day - month_start).days + 1)]
    engagements = {
        r["date_day"]: r["engagements"]
        for r in _rows(
            con,
            "SELECT date_day, sum(engagements) AS engagements FROM marts.fct_account_daily "
            "WHERE client_id = ? AND date_day BETWEEN ? AND ? GROUP BY 1",
            [client.id, month_start, last_day],
        )
    }
    comments = {
        r["day"]: r
        for r in _rows(
            con,
            "SELECT created_date_local AS day, count(*) AS received, "
            "count(*) FILTER (WHERE is_negative) AS negative FROM marts.fct_comments "
            "WHERE client_id = ? AND NOT is_brand_reply AND created_date_local BETWEEN ? AND ? "
            "GROUP BY 1",
            [client.id, month_start, last_day],
        )
    }
    best = _rows(
        con,
        """
        SELECT performance.platform, performance.published_date_local, performance.engagements,
               posts.permalink, posts.text
        FROM marts.rpt_post_performance AS performance
        LEFT JOIN marts.dim_posts AS posts ON performance.post_key = posts.post_key
        WHERE performance.client_id = ? AND performance.published_date_local BETWEEN ? AND ?
        ORDER BY performance.engagements DESC NULLS LAST, performance.post_key LIMIT 5
        """,
        [client.id, month_start, last_day],
    )
    # the days every source of the targets covers (rpt_targets_monthly), else the days with data
    froms = [r["data_covered_from"] for r in targets if r["data_covered_from"]]
    throughs = [r["data_covered_through"] for r in targets if r["data_covered_through"]]
    covered = [d for d in days if d in comments or d in engagements]
    if froms and throughs:
        covered = [max(max(froms), month_start), min(min(throughs), last_day)]
    return {
        "client": client,
        "month_start": month_start,
        "last_day": last_day,
        "first_covered": covered[0] if covered else None,
        "last_covered": covered[-1] if covered else None,
        "is_complete": bool(targets) and all(r["is_month_complete"] for r in targets),
        "targets": targets,
        "responses": responses,
        "days": days,
        "engagements": [engagements.get(d) or 0 for d in days],
        "received": [comments.get(d, {}).get("received", 0) for d in days],
        "negative": [comments.get(d, {}).get("negative", 0) for d in days],
        "best_posts": best,
    }


def render_month(data: dict[str, Any], lang: str) -> MonthlyReport:
    month_start: dt.date = data["month_start"]
    stem = f"report-{month_start:%Y-%m}.{lang}"
    pngs = {
        "engagements": charts.daily_bars(
            data["engagements"], [0] * len(data["days"]), highlight_last=False
        ),
        "comments": charts.daily_bars(data["received"], data["negative"], highlight_last=False),
    }
    if data["targets"]:
        pngs["targets"] = charts.attainment_bars(
            [r["progress"] for r in data["targets"]],
            [bool(r["progress"] and r["progress"] >= 1) for r in data["targets"]],
        )
    month_name = f"{MONTHS[lang][month_start.month - 1]} {month_start.year}"
    html = (
        _environment()
        .get_template("monthly.html.j2")
        .render(
            d=data,
            w=WORDS[lang],
            t=TEXT[lang],
            lang=lang,
            month_name=month_name.capitalize(),
            chart_src=lambda name: f"{stem}.{name}.png",
            num=lambda value, digits=0: number(value, lang, digits),
            pct=lambda value: percent(value, lang),
            dur=lambda value: duration(value, lang),
            platform_label=lambda name: (
                WORDS[lang]["all"] if name == "all" else platform_label(name)
            ),
            kpi_label=lambda kpi: KPI_LABELS[lang].get(kpi, kpi),
            kpi_value=lambda kpi, value: kpi_value(kpi, value, lang),
        )
    )
    return MonthlyReport(data["client"].id, month_start, lang, html, pngs)


def find_pdf_browser() -> str | None:
    for name in PDF_BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def print_pdf(page: Path, browser: str | None = None, timeout: float = 120) -> Path | None:
    """`page` printed to PDF beside it by a headless Chromium; None when none is installed."""
    browser = browser or find_pdf_browser()
    if browser is None:
        return None
    pdf = page.with_suffix(".pdf")
    proc = subprocess.run(  # noqa: S603 - a local browser printing a local file
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        timeout=timeout,
        check=False,
    )
    if proc.returncode != 0 or not pdf.is_file():
        log.warning(
            "%s could not print %s to PDF: %s",
            browser,
            page,
            proc.stderr.decode(errors="replace")[-500:],
        )
        return None
    return pdf
