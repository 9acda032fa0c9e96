"""Fictional text for the sandbox world: post captions, comments and brand replies in French
and English, with accents, emoji, slang, links and hashtags, plus commenter names.

Nothing here is real data. The corpora are small but varied enough that sentiment, language
and crisis detection downstream have something to chew on.
"""

from __future__ import annotations

import random
import unicodedata

SUPPORTED_LANGUAGES = ("fr", "en")

_THINGS = {
    "fr": [
        "notre latte à l'érable",
        "la nouvelle collection d'hiver",
        "l'expo « Lumières du Nord »",
        "nos croissants aux amandes",
        "la soirée portes ouvertes",
        "le menu de Noël",
        "les billets pour le concert de jeudi",
        "notre café éthiopien torréfié ici même",
        "l'atelier céramique du samedi",
        "la course des Fêtes",
    ],
    "en": [
        "our new trail shoe",
        "the winter collection",
        "the Northern Lights exhibition",
        "our almond croissants",
        "the open-house night",
        "the holiday menu",
        "tickets for Thursday's gig",
        "our single-origin Ethiopian roast",
        "the Saturday pottery workshop",
        "the Boxing Day 10k",
    ],
}

_CAPTIONS = {
    "fr": [
        "Nouveau cette semaine : {thing} {emoji}",
        "On vous attend ce week-end ! {emoji}",
        "Derniers jours pour en profiter : {thing} 🎉",
        "Petit moment de douceur avant le rush du matin ☕️",
        "Qui vient nous voir samedi ? 👀",
        "Coulisses : l'équipe prépare {thing} 🎬",
        "Concours ! Identifiez un·e ami·e pour gagner {thing} 🎁",
        "Merci pour vos messages, vous êtes incroyables ❤️",
        "Ça y est, {thing} est arrivé·e ! {emoji}",
        "Horaires des Fêtes : on ferme plus tôt le 24, on rouvre le 27. Bonne année d'avance ✨",
        "Vous avez voté, on a écouté : {thing} revient 🙌",
    ],
    "en": [
        "New this week: {thing} {emoji}",
        "See you this weekend! {emoji}",
        "Last days to grab {thing} 🎉",
        "A quiet moment before the morning rush ☕️",
        "Who's coming on Saturday? 👀",
        "Behind the scenes: the team getting {thing} ready 🎬",
        "Giveaway! Tag a friend to win {thing} 🎁",
        "Thank you for all the love, you're amazing ❤️",
        "It's here: {thing} {emoji}",
        "Holiday hours: closing early on the 24th, back on the 27th ✨",
        "You asked, we listened: {thing} is back 🙌",
    ],
}

_EMOJI = ["😍", "🔥", "✨", "☕️", "🏃", "🎨", "🎶", "🙌", "❄️", "🍂", "💛", "👟"]

_TAGS = {
    "fr": ["#nouveauté", "#weekend", "#local", "#montréal", "#bruxelles", "#café", "#expo", "#mtl"],
    "en": ["#newdrop", "#weekend", "#community", "#london", "#running", "#fitness", "#shoplocal"],
}

COMMENTS = {
    ("fr", "positive"): [
        "Trop bon 😍",
        "J'adore !!! ❤️",
        "Meilleur café en ville, point final ☕️",
        "C'est malade 🔥🔥",
        "Wow, bravo à toute l'équipe 👏",
        "Hâte d'essayer ça !",
        "Tellement beau 😍😍",
        "Vous êtes les meilleurs 🙌",
        "Top top top 👌",
        "Merci pour l'accueil hier, c'était parfait ✨",
        "Ça a l'air écœurant (dans le bon sens 😂)",
        "Je recommande à 100 % 💯",
        "Magnifique expo, j'y retourne samedi 🎨",
        "On y était, génial 🥰",
        "Trop cute ce décor 😭❤️",
    ],
    ("fr", "neutral"): [
        "Vous ouvrez à quelle heure demain ?",
        "C'est combien ?",
        "Est-ce que c'est sans gluten ?",
        "@Camille regarde ça",
        "Il reste des places pour jeudi ?",
        "Ok",
        "Livrez-vous à Laval ?",
        "C'est où exactement ?",
        "Y a-t-il un stationnement ?",
        "Dispo en taille M ?",
        "Intéressant 🤔",
        "Vous acceptez les chiens ?",
        "C'est ouvert le lundi ?",
        "@Mathéo on y va ?",
    ],
    ("fr", "negative"): [
        "Service pourri, 40 min d'attente 😡",
        "Déçue… c'était froid 👎",
        "Trop cher pour ce que c'est",
        "Ma commande n'est toujours pas arrivée !!",
        "Franchement bof",
        "Arnaque totale, je déconseille",
        "Personne ne répond au téléphone 🙄",
        "Ouin… pas fou",
        "C'est n'importe quoi, remboursez-moi",
        "Le pire service client de ma vie",
        "Encore fermé ?! Sérieux…",
        "J'ai trouvé un cheveu dans mon croissant 🤢",
        "Vous avez changé la recette, c'est dégueu",
        "Ça fait 3 fois que j'écris, aucune réponse 😤",
        "Honteux. Vraiment.",
    ],
    ("en", "positive"): [
        "Love this 😍",
        "ngl this slaps 🔥",
        "Best coffee in town ☕️",
        "Absolutely stunning 👏",
        "Can't wait to try it!!",
        "Obsessed 😍😍",
        "W",
        "This is so good omg",
        "Amazing service yesterday, thank you ✨",
        "10/10 would recommend 💯",
        "Ran my first 10k in these, no blisters 🏃‍♀️",
        "Yesss finally 🙌",
        "Goals 😎",
        "fr fr the best 💛",
    ],
    ("en", "neutral"): [
        "What time do you open tomorrow?",
        "How much is it?",
        "Is this gluten free?",
        "@sam look",
        "Do you ship to Ireland?",
        "Any left in size M?",
        "Where is this?",
        "Is there parking?",
        "ok",
        "Interesting 🤔",
        "Open on Mondays?",
        "Still available?",
        "@jess this one",
    ],
    ("en", "negative"): [
        "Worst customer service ever 😡",
        "my order still hasn't arrived??",
        "Overpriced tbh",
        "meh 👎",
        "Total scam, avoid",
        "Nobody answers the phone 🙄",
        "Fell apart after two weeks, not impressed",
        "Refund me. Now.",
        "smh this is ridiculous",
        "3rd time messaging, no reply 😤",
        "Soles came off after 50 km. Pathetic.",
        "Cold coffee AGAIN",
        "lol no",
        "Disgraceful.",
    ],
}

BRAND_REPLIES = {
    ("fr", "positive"): [
        "Merci {name} ! 😊",
        "Merci beaucoup {name}, ça nous fait plaisir 🙏",
        "Au plaisir de vous revoir {name} ☕️",
        "❤️",
    ],
    ("fr", "neutral"): [
        "Bonjour {name}, on ouvre à 8 h demain 😊",
        "Bonne question {name} ! On vous écrit en privé.",
        "Oui {name}, tous les détails sont sur notre site 👉 lien en bio",
        "Bonjour {name}, oui !",
    ],
    ("fr", "negative"): [
        "Nous sommes désolés {name} 😔 Pouvez-vous nous écrire en privé pour qu'on règle ça ?",
        "Toutes nos excuses {name}, on vous contacte en MP.",
        "Merci pour votre retour {name}, on transmet à l'équipe.",
    ],
    ("en", "positive"): [
        "Thanks {name}! 🙌",
        "So glad you liked it {name} 😊",
        "Appreciate you {name} ❤️",
    ],
    ("en", "neutral"): [
        "Hi {name}, we open at 8am tomorrow!",
        "Great question {name}, we've sent you a DM 📩",
        "Yes {name}, all the details are on our website.",
    ],
    ("en", "negative"): [
        "So sorry to hear that {name} 😔 Could you DM us your order number?",
        "Apologies {name}, we're looking into it right now.",
        "Thanks for flagging this {name}, we've passed it on to the team.",
    ],
}

_FIRST = {
    "fr": [
        "Élodie", "Maxime", "Chloé", "Benoît", "Anaïs", "François", "Zoé", "Jérôme", "Inès",
        "Loïc", "Noémie", "Gaëlle", "Théo", "Léa", "Rémi", "Océane", "Maëlle", "Sébastien",
        "Josée", "Hélène",
    ],
    "en": [
        "Emma", "Liam", "Olivia", "Noah", "Ava", "Oliver", "Sophie", "Jack", "Chloe", "Harry",
        "Aisha", "Mohammed", "Priya", "Siobhan", "Callum", "Zara", "Tom", "Grace",
    ],
}  # fmt: skip

_LAST = {
    "fr": [
        "Tremblay", "Gagnon", "Côté", "Bélanger", "Lavoie", "Lefèvre", "Dubois", "Gauthier",
        "Pelletier", "Bouchard", "Fortin", "Leroy", "Moreau", "Janssens", "Peeters", "D'Amours",
    ],
    "en": [
        "Smith", "O'Brien", "Patel", "Nguyen", "Williams", "Brown", "Taylor", "Evans", "Khan",
        "Murphy", "Hughes", "Walker", "Okafor", "Kowalski",
    ],
}  # fmt: skip


def language_of(r: random.Random, languages: tuple[str, ...]) -> str:
    """A language for one text: the client's first language most of the time; languages the
    sandbox has no corpus for fall back to English."""
    usable = [lang for lang in languages if lang in SUPPORTED_LANGUAGES] or ["en"]
    if len(usable) == 1:
        return usable[0] if r.random() < 0.92 else ("en" if usable[0] == "fr" else usable[0])
    return usable[0] if r.random() < 0.6 else r.choice(usable[1:])


def ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def hashtag_of(display_name: str) -> str:
    """The brand hashtag: ``Café Lumière`` → ``#CaféLumière`` (accents kept, as people type)."""
    words = [w for w in display_name.replace("/", " ").replace("-", " ").split() if w.isalnum()]
    return "#" + "".join(w[:1].upper() + w[1:] for w in words[:3])


def post_text(
    r: random.Random,
    lang: str,
    display_name: str,
    site: str,
    *,
    link: bool,
    utm_source: str = "social",
) -> str:
    """A post caption with an emoji, sometimes hashtags, and a link (tagged with `utm_source`,
    the network it is shared on) when `link`."""
    thing = r.choice(_THINGS[lang])
    text = r.choice(_CAPTIONS[lang]).format(thing=thing, emoji=r.choice(_EMOJI))
    if link:
        slug = ascii_fold(thing).lower().replace("'", "").replace("«", "").replace("»", "")
        slug = "-".join(w for w in slug.split() if w.isalnum())[:40]
        text += f" {site}/{slug}?utm_source={utm_source}"
    if r.random() < 0.55:
        tags = [hashtag_of(display_name), *r.sample(_TAGS[lang], k=r.randint(1, 3))]
        text += "\n\n" + " ".join(tags)
    return text


def comment_text(r: random.Random, lang: str, sentiment: str) -> str:
    text = r.choice(COMMENTS[(lang, sentiment)])
    roll = r.random()
    if roll < 0.08:
        text = text.upper()
    elif roll < 0.14:
        text += " " + r.choice(["😂", "!!", "🙏", "…", "😅", "👀"])
    return text


def brand_reply_text(r: random.Random, lang: str, sentiment: str, first_name: str) -> str:
    return r.choice(BRAND_REPLIES[(lang, sentiment)]).format(name=first_name)


def person(r: random.Random, lang: str) -> tuple[str, str]:
    """A fictional (first, last) name for a commenter."""
    lang = lang if lang in _FIRST else "en"
    return r.choice(_FIRST[lang]), r.choice(_LAST[lang])


def username(r: random.Random, first: str, last: str) -> str:
    """An Instagram-style handle (ASCII letters, digits, dots, underscores)."""
    first_a = "".join(c for c in ascii_fold(first).lower() if c.isalnum())
    last_a = "".join(c for c in ascii_fold(last).lower() if c.isalnum())
    style = r.randint(0, 3)
    if style == 0:
        return f"{first_a}.{last_a}"
    if style == 1:
        return f"{first_a}_{last_a[:3]}{r.randint(1, 99)}"
    if style == 2:
        return f"{first_a}{r.randint(1980, 2009)}"
    return f"the.{first_a}.{last_a[:1]}"
