"""The digest's words in French and English, and numbers written the local way."""

# ruff: noqa: E501  (one sentence per line reads and translates better than split strings)

from __future__ import annotations

import datetime as dt

LANGUAGES = ("fr", "en")

TEXT: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Votre matinée",
        "subtitle": "Bilan de la veille pour {client}, {date}",
        "yesterday": "Hier",
        "previous": "Moyenne des 28 jours précédents",
        "received": "Commentaires reçus",
        "answered": "Commentaires répondus",
        "response_rate": "Taux de réponse",
        "median_response": "Délai médian de première réponse (heures ouvrées)",
        "target": "objectif",
        "per_day": "par jour",
        "chart_daily": "Commentaires reçus par jour sur 29 jours (hier en bleu, négatifs en rouge)",
        "to_answer": "Commentaires à traiter maintenant",
        "to_answer_count": "{total} en attente, dont {negative} négatifs",
        "to_answer_none": "Aucun commentaire en attente. Bravo !",
        "waiting": "attend depuis",
        "business": "ouvrées",
        "outside_hours": "reçu hors heures ouvrées",
        "open": "Ouvrir",
        "spikes": "Pics de commentaires",
        "spikes_none": "Aucun pic hier.",
        "spike_comments": "{count} commentaires hier (d'habitude {median})",
        "spike_negative": "{count} commentaires négatifs hier (d'habitude {median})",
        "spike_account": "Compte",
        "spike_post": "Publication",
        "targets": "Objectifs du mois à date",
        "targets_none": "Aucun objectif pour ce mois.",
        "actual": "réalisé",
        "pace": "rythme nécessaire : {pace} par jour sur les {days} jours restants",
        "keep": "à maintenir jusqu'à la fin du mois",
        "on_track": "en bonne voie",
        "behind": "en retard",
        "chart_targets": "Avancement vers chaque objectif (trait noir = objectif)",
        "best_posts": "Meilleures publications des 7 derniers jours",
        "best_posts_none": "Aucune publication ces 7 derniers jours.",
        "engagements": "interactions",
        "accounts": "Comptes à vérifier",
        "accounts_ok": "Tous les comptes ont été chargés cette nuit.",
        "failed": "en échec",
        "deferred": "reporté",
        "stale": "pas à jour",
        "todo_failed": "Que faire : lisez l'erreur ci-dessus, corrigez (jeton, permission), puis relancez l'extraction de cette date.",
        "todo_deferred": "Que faire : rien, la plateforme a limité le débit ; la prochaine nuit reprend là où elle s'est arrêtée.",
        "todo_stale": "Que faire : aucune donnée chargée depuis {since} ; vérifiez l'exécution ruche_ingest de la nuit et le compte.",
        "never": "jamais",
        "footer": "Envoyé par Ruche. Les chiffres viennent des marts publiés cette nuit.",
        "min": "min",
        "h": "h",
        "d": "j",
        "alert_negative": "{client} : commentaire négatif sur {platform}",
        "alert_deadline": "{client} : commentaire à traiter avant le {deadline}",
        "alert_spike": "{client} : pic de commentaires sur {platform}",
        "alert_spike_negative": "{client} : pic de commentaires négatifs sur {platform}",
        "alert_account": "Compte",
        "alert_author": "Auteur (pseudonyme)",
        "alert_sentiment": "Sentiment",
        "alert_received": "Reçu le",
        "alert_deadline_line": "Sans réponse, l'objectif de réponse ({target}) est dépassé le {deadline}.",
        "alert_spike_line": "{count} commentaires en 60 minutes (d'habitude {median} à cette heure).",
        "alert_spike_negative_line": "{count} commentaires négatifs en 60 minutes (d'habitude {median} à cette heure).",
        "alert_link": "Lien",
        "alert_footer": "Alerte immédiate envoyée par Ruche, une seule fois pour ce commentaire.",
        "negative": "négatif",
        "neutral": "neutre",
        "positive": "positif",
    },
    "en": {
        "title": "Your morning",
        "subtitle": "Yesterday at {client}, {date}",
        "yesterday": "Yesterday",
        "previous": "Average of the previous 28 days",
        "received": "Comments received",
        "answered": "Comments answered",
        "response_rate": "Response rate",
        "median_response": "Median first response (business hours)",
        "target": "target",
        "per_day": "per day",
        "chart_daily": "Comments received per day over 29 days (yesterday in blue, negative in red)",
        "to_answer": "Comments to answer now",
        "to_answer_count": "{total} waiting, {negative} of them negative",
        "to_answer_none": "No comment waiting. Well done!",
        "waiting": "waiting for",
        "business": "business",
        "outside_hours": "arrived outside business hours",
        "open": "Open",
        "spikes": "Comment spikes",
        "spikes_none": "No spike yesterday.",
        "spike_comments": "{count} comments yesterday (usually {median})",
        "spike_negative": "{count} negative comments yesterday (usually {median})",
        "spike_account": "Account",
        "spike_post": "Post",
        "targets": "Targets, month to date",
        "targets_none": "No target for this month.",
        "actual": "actual",
        "pace": "pace needed: {pace} a day over the {days} days left",
        "keep": "to hold until the end of the month",
        "on_track": "on track",
        "behind": "behind",
        "chart_targets": "Progress towards each target (black line = target)",
        "best_posts": "Best posts of the last 7 days",
        "best_posts_none": "No post in the last 7 days.",
        "engagements": "engagements",
        "accounts": "Accounts to check",
        "accounts_ok": "Every account was loaded last night.",
        "failed": "failed",
        "deferred": "deferred",
        "stale": "stale",
        "todo_failed": "What to do: read the error above, fix it (token, permission), then re-run the extraction for that date.",
        "todo_deferred": "What to do: nothing, the platform throttled the account; the next night resumes where it stopped.",
        "todo_stale": "What to do: nothing loaded since {since}; check last night's ruche_ingest run and the account.",
        "never": "never",
        "footer": "Sent by Ruche. The figures come from the marts published last night.",
        "min": "min",
        "h": "h",
        "d": "d",
        "alert_negative": "{client}: negative comment on {platform}",
        "alert_deadline": "{client}: a comment to answer by {deadline}",
        "alert_spike": "{client}: comment spike on {platform}",
        "alert_spike_negative": "{client}: negative comment spike on {platform}",
        "alert_account": "Account",
        "alert_author": "Author (pseudonym)",
        "alert_sentiment": "Sentiment",
        "alert_received": "Received",
        "alert_deadline_line": "Unanswered, it breaches the response target ({target}) on {deadline}.",
        "alert_spike_line": "{count} comments in 60 minutes (usually {median} at this hour).",
        "alert_spike_negative_line": "{count} negative comments in 60 minutes (usually {median} at this hour).",
        "alert_link": "Link",
        "alert_footer": "Immediate alert sent by Ruche, once for this comment.",
        "negative": "negative",
        "neutral": "neutral",
        "positive": "positive",
    },
}

MONTHS = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}


def number(value: float | None, lang: str, digits: int = 0) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def percent(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    return number(value * 100, lang, 0) + ("\u202f%" if lang == "fr" else "%")


def duration(minutes: float | None, lang: str) -> str:
    """Minutes as `45 min`, `3 h 20`, `2 d 4 h`."""
    if minutes is None:
        return "–"
    words = TEXT[lang]
    minutes = round(minutes)
    if minutes < 60:
        return f"{minutes} {words['min']}"
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} {words['h']} {rest:02d}"
    days, hours = divmod(hours, 24)
    return f"{days} {words['d']} {hours} {words['h']}"


def long_date(day: dt.date, lang: str) -> str:
    month = MONTHS[lang][day.month - 1]
    return f"{day.day} {month} {day.year}" if lang == "fr" else f"{month} {day.day}, {day.year}"


def languages_for(client_languages: list[str], chosen: list[str] | None) -> list[str]:
    """The digest languages of a client: its chosen ones, else every supported language it
    speaks, else English."""
    if chosen:
        return list(chosen)
    spoken = [lang for lang in client_languages if lang in LANGUAGES]
    return spoken or ["en"]
