"""The digest as HTML (Jinja2), with its charts as PNG: an e-mail (charts inline, by Content-ID)
and a page under the output folder (charts as files beside it)."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from ruche import platforms
from ruche.digest import charts
from ruche.digest.data import DigestData
from ruche.digest.i18n import TEXT, duration, long_date, number, percent

KPI_LABELS = {
    "fr": {
        "posts": "Publications",
        "views": "Vues",
        "reach": "Couverture",
        "engagements": "Interactions",
        "engagement_rate": "Taux d'interaction",
        "follower_growth": "Nouveaux abonnés",
        "comments_received": "Commentaires reçus",
        "response_rate": "Taux de réponse",
        "median_first_response_business_minutes": "Délai médian de réponse (heures ouvrées)",
        "spend": "Dépenses",
        "clicks": "Clics",
        "conversions": "Conversions",
        "cpa": "Coût par acquisition",
        "roas": "ROAS",
    },
    "en": {
        "posts": "Posts",
        "views": "Views",
        "reach": "Reach",
        "engagements": "Engagements",
        "engagement_rate": "Engagement rate",
        "follower_growth": "Follower growth",
        "comments_received": "Comments received",
        "response_rate": "Response rate",
        "median_first_response_business_minutes": "Median first response (business hours)",
        "spend": "Spend",
        "clicks": "Clicks",
        "conversions": "Conversions",
        "cpa": "Cost per acquisition",
        "roas": "ROAS",
    },
}
RATE_KPIS = frozenset({"response_rate", "engagement_rate"})
MONEY_KPIS = frozenset({"spend", "cpa"})


@dataclass
class Rendered:
    """One digest in one language: its HTML (charts by `cid:`), plain text and charts."""

    client_id: str
    date: dt.date
    lang: str
    subject: str
    html_email: str
    html_page: str
    text: str
    charts: dict[str, bytes] = field(default_factory=dict)
    cids: dict[str, str] = field(default_factory=dict)

    def write(self, folder: Path) -> Path:
        """The page and its chart files under `folder`; returns the page's path."""
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"digest-{self.date.isoformat()}.{self.lang}"
        for name, png in self.charts.items():
            (folder / f"{stem}.{name}.png").write_bytes(png)
        page = folder / f"{stem}.html"
        page.write_text(self.html_page, encoding="utf-8")
        return page

    def message(self, sender: str, recipients: list[str]) -> EmailMessage:
        """The e-mail: plain text, and HTML with the charts inline (multipart/related)."""
        msg = EmailMessage()
        msg["Subject"] = self.subject
        msg["From"] = sender
        msg["To"] = ", ".join(recipients)
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain="ruche.local")
        msg["X-Ruche-Client"] = self.client_id
        msg["X-Ruche-Digest-Date"] = self.date.isoformat()
        msg.set_content(self.text)
        msg.add_alternative(self.html_email, subtype="html")
        html_part = msg.get_payload()[1]
        for name, png in self.charts.items():
            html_part.add_related(
                png,
                maintype="image",
                subtype="png",
                cid=f"<{self.cids[name]}>",
                filename=f"{name}.png",
                disposition="inline",
            )
        return msg


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("ruche.digest", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env


def platform_label(name: str) -> str:
    try:
        return platforms.platform(name).label
    except KeyError:
        return name


def kpi_value(kpi: str, value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    if kpi in RATE_KPIS:
        return percent(value, lang)
    if kpi == "median_first_response_business_minutes":
        return duration(value, lang)
    if kpi in MONEY_KPIS or kpi == "roas":
        return number(value, lang, 2)
    return number(value, lang, 0)


def _text_version(page: str) -> str:
    """A plain-text part for mail clients that show no HTML (tags dropped, blank lines kept)."""
    body = re.sub(r"(?s)<(style|head).*?</\1>", "", page)
    body = re.sub(r"<(br|/p|/li|/tr|/h[12])[^>]*>", "\n", body)
    body = re.sub(r"<[^>]+>", " ", body)
    lines = [" ".join(html.unescape(line).split()) for line in body.splitlines()]
    return "\n".join(line for line in lines if line) + "\n"


def render(data: DigestData, lang: str) -> Rendered:
    """The digest of `data` in `lang` (fr | en)."""
    words = TEXT[lang]
    chart_pngs = {"daily": charts.daily_bars(data.daily_received, data.daily_negative)}
    if data.targets:
        chart_pngs["targets"] = charts.attainment_bars(
            [row["progress"] for row in data.targets], [row["on_track"] for row in data.targets]
        )
    stem = f"digest-{data.date.isoformat()}.{lang}"
    # short Content-IDs: a long one is folded over two header lines, which some clients misread
    cids = {name: f"{name}.{uuid.uuid4().hex[:16]}@ruche.local" for name in chart_pngs}
    for row in data.to_answer:
        row["platform_label"] = platform_label(row["platform"])
    template = _environment().get_template("digest.html.j2")
    common = {
        "d": data,
        "t": words,
        "lang": lang,
        "num": lambda value, digits=0: number(value, lang, digits),
        "pct": lambda value: percent(value, lang),
        "dur": lambda value: duration(value, lang),
        "long_date": lambda day: long_date(day, lang),
        "platform_label": platform_label,
        "kpi_label": lambda kpi: KPI_LABELS[lang].get(kpi, kpi),
        "kpi_value": lambda kpi, value: kpi_value(kpi, value, lang),
    }
    html_email = template.render(**common, chart_src=lambda name: f"cid:{cids[name]}")
    html_page = template.render(**common, chart_src=lambda name: f"{stem}.{name}.png")
    subject = f"{words['title']} — {data.display_name} — {long_date(data.yesterday_date, lang)}"
    if data.to_answer_total:
        subject += " — " + words["to_answer_count"].format(
            total=data.to_answer_total, negative=data.to_answer_negative
        )
    return Rendered(
        client_id=data.client_id,
        date=data.date,
        lang=lang,
        subject=subject,
        html_email=html_email,
        html_page=html_page,
        text=_text_version(html_email),
        charts=chart_pngs,
        cids=cids,
    )
