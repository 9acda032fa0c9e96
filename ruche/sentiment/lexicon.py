"""Ruche's built-in scorer: VADER's rules over French, English and Dutch lexicons, offline.

The rules are VADER's (Hutto & Gilbert, 2014), rewritten for three languages:

* each word (or phrase: "n'importe quoi", "thanks for nothing", "nooit meer") takes its valence
  from the lexicon of the comment's language (-4 … +4), else from the English one for loanwords
  ("top", "nice"); emoji from `ruche_emoji.tsv`, else from VADER's description of the emoji;
* a negation in the three words before it (ne, n', pas, jamais, aucun, sans; not, never, n't,
  no; niet, nooit, geen) flips and dampens it (× -0.74), and so does "pas" / "niet" right after
  it in French and Dutch ("j'aime pas", "werkt niet"); "never so good" / "jamais aussi bien" /
  "nooit zo goed" is not a negation but a booster;
* a booster before it (très, vraiment, trop; very, so, really; zeer, heel, echt…) adds 0.293,
  a dampener (un peu, a bit, een beetje) takes it away; a word in capitals in a text that is not
  all capitals adds 0.733; repeated letters ("sooo", "nulll") are read as the word;
* after "mais" / "but" / "maar" words count 1.5 ×, before it 0.5 ×;
* each "!" (up to 4) adds 0.292 to the direction of the sum, "??" and more 0.18 each (up to 3);
* sarcasm: in a text that carries an eye-roll (🙄, 🙃, 😒) the positive words count as negative
  ("Génial, encore annulé 🙄");
* the sum s becomes s / sqrt(s² + 15) in [-1, 1]; ±0.05 and beyond is positive / negative.

The language is the one of fr / en / nl whose function words and lexicon words the text hits
most. Lexicons: `lexicons/README.md` (sources, licences, the Ruche supplements).
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from ruche.sentiment import Sentiment, label_for

LEXICONS = Path(__file__).resolve().parent / "lexicons"
LANGUAGES = ("fr", "en", "nl")

# VADER's constants (vaderSentiment.py)
BOOST = 0.293
CAPS_BOOST = 0.733
NEGATION_SCALAR = -0.74
EXCLAMATION = 0.292
QUESTION = 0.18
ALPHA = 15


def _words(text: str) -> set[str]:
    return set(text.split())


# The lexicon files of each language, the later overriding the earlier (Ruche's own last).
FILES = {
    "en": ("vader_en.tsv", "ruche_en.tsv"),
    "fr": ("pattern_fr.tsv", "vader_fr.tsv", "ruche_fr.tsv"),
    "nl": ("pattern_nl.tsv", "ruche_nl.tsv"),
}

NEGATIONS = {
    "en": _words(
        "not no never nobody nothing none neither nor without cannot dont cant wont "
        "isnt didnt doesnt wasnt arent aint couldnt wouldnt shouldnt hardly nowhere"
    ),
    "fr": {"ne", "n'", "pas", "jamais", "aucun", "aucune", "rien", "sans", "ni", "guere"},
    "nl": {"niet", "nooit", "geen", "niemand", "niets", "niks", "zonder", "nergens"},
}
# "never so good": these words between a "never" and a sentiment word make it a booster
NEVER = {"never", "jamais", "nooit"}
NEVER_SO = {"so", "this", "as", "such", "aussi", "si", "autant", "zo", "zo'n", "zulke"}
# French and Dutch put the negation after the verb ("j'aime pas", "werkt niet")
AFTER_NEGATIONS = {
    "fr": {"pas", "jamais"},
    "nl": {"niet", "nooit", "niemand", "niets", "niks"},
    "en": set(),
}
BOOSTERS = {
    "en": _words(
        "very so really too extremely totally absolutely super way incredibly truly "
        "highly most such completely utterly hella"
    ),
    "fr": _words(
        "très tres vraiment trop tellement super hyper grave si vachement franchement "
        "totalement complètement absolument carrément extrêmement ultra bien"
    ),
    "nl": _words(
        "zeer heel echt erg super zo ontzettend enorm te veel helemaal mega keihard "
        "best uiterst vet dikke"
    ),
}
DAMPENERS = {
    "en": {"slightly", "somewhat", "kinda", "kind of", "sort of", "bit", "little", "fairly"},
    "fr": {"peu", "assez", "plutôt", "plutot", "moyennement"},
    "nl": {"beetje", "wat", "vrij", "nogal", "enigszins"},
}
CONTRASTS = {"but", "mais", "maar", "however", "pourtant", "toch"}
FUNCTION_WORDS = {
    "en": _words(
        "the a an and is are was were you your i my it this that to of for with in on "
        "at do does have has what when where how can will not no never so very thanks "
        "still again just we they from there be me"
    ),
    "fr": _words(
        "le la les un une des du de et est sont vous je j' l' d' c' qu' n' tu il elle "
        "on nous ce cette pour avec dans sur pas ne que qui très trop mais au aux chez "
        "quelle quel c'est ça ca mon ma mes votre merci jamais encore toujours à a y en "
        "ou"
    ),
    "nl": _words(
        "de het een en is zijn jullie je ik wij we mijn van voor met op aan in niet "
        "geen nooit wat hoe waar wanneer dit dat die er ook nog al heel echt zeer maar "
        "bij naar om hoor te kan mag was werd weer u uw"
    ),
}
# Eye-roll emoji: the comment says the opposite of its positive words
SARCASM = {"🙄", "🙃", "😒"}
# "it used to be better": the positive words are about the past, the comment about the present
NOSTALGIA = {("used", "to"), ("qu'", "avant"), ("autrefois",), ("vroeger",)}
ELISIONS = ("n'", "j'", "l'", "d'", "c'", "qu'", "s'", "m'", "t'", "jusqu'", "lorsqu'")

_TOKEN = re.compile(
    r"(?P<word>\d+/\d+|[^\W_]+(?:['’][^\W_]+)*)|(?P<punct>[.,;:!?…]+)|(?P<other>\S)"
)
_SKIP = {"\ufe0f", "\u200d", "\u20e3"} | {chr(c) for c in range(0x1F3FB, 0x1F400)}


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lowercase without accents (how people type on a phone)."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass
class Token:
    text: str  # as written (for capitals)
    low: str  # lowercase, accents kept
    kind: str  # word | punct | emoji


def tokenize(text: str) -> list[Token]:
    """Words (French elisions split off: n'importe → n' importe), punctuation runs, emoji."""
    tokens: list[Token] = []
    for match in _TOKEN.finditer(unicodedata.normalize("NFC", text).replace("’", "'")):
        piece = match.group(0)
        if match.lastgroup == "word":
            low = piece.lower()
            prefix = next((e for e in ELISIONS if low.startswith(e) and len(low) > len(e)), None)
            if prefix:
                tokens.append(Token(piece[: len(prefix)], prefix, "word"))
                piece, low = piece[len(prefix) :], low[len(prefix) :]
            # "didn't" → "didnt", the form of the negation list
            low = low.replace("'", "") if low.endswith("n't") else low
            tokens.append(Token(piece, low, "word"))
        elif match.lastgroup == "punct":
            tokens.append(Token(piece, piece, "punct"))
        elif piece not in _SKIP:
            tokens.append(Token(piece, piece, "emoji"))
    return tokens


def _read_tsv(name: str) -> dict[str, float]:
    table: dict[str, float] = {}
    for line in (LEXICONS / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#") and "\t" in line:
            term, value = line.split("\t", 1)
            table[term.strip().lower()] = float(value)
    return table


@dataclass
class Lexicon:
    words: dict[str, float]  # lowercase and folded forms
    phrases: dict[tuple[str, ...], float]  # folded tokens
    longest_phrase: int
    # "~term" in a file: a word that says nothing alone but a complaint when negated ("ne répond
    # jamais", "never arrived", "werkt niet"); the value is the one negation flips
    negated_only: dict[str, float]


@cache
def load_lexicon(language: str, files: tuple[str, ...] | None = None) -> Lexicon:
    merged: dict[str, float] = {}
    for name in files if files is not None else FILES[language]:
        merged.update(_read_tsv(name))
    words: dict[str, float] = {}
    phrases: dict[tuple[str, ...], float] = {}
    negated_only = {fold(t[1:]): v for t, v in merged.items() if t.startswith("~")}
    for term, value in merged.items():
        if term.startswith("~"):
            continue
        parts = tuple(fold(t.low) for t in tokenize(term))
        if len(parts) > 1:
            phrases[parts] = value
        else:
            words[term] = value
    for term, value in list(words.items()):
        words.setdefault(fold(term), value)  # "decu" finds "déçu" (the accented form wins)
    return Lexicon(words, phrases, max((len(p) for p in phrases), default=1), negated_only)


@cache
def emoji_valences() -> dict[str, float]:
    """Ruche's valences for common emoji, else VADER's description of a face, heart or hand
    emoji scored with VADER's English lexicon (as VADER does)."""
    english = load_lexicon("en").words
    table: dict[str, float] = {}
    for symbol, description in _descriptions().items():
        value = sum(english.get(w, 0.0) for w in re.findall(r"[a-z]+", description.lower()))
        if value:
            table[symbol] = max(-3.0, min(3.0, value))
    table.update(_read_tsv("ruche_emoji.tsv"))
    return table


@cache
def _descriptions() -> dict[str, str]:
    out = {}
    for line in (LEXICONS / "vader_emoji.tsv").read_text(encoding="utf-8").splitlines():
        if "\t" in line and not line.startswith("#"):
            symbol, description = line.split("\t", 1)
            symbol = "".join(c for c in symbol if c not in _SKIP)
            # faces, hearts and hands only: a description of an object says nothing of a
            # mood ("game die", "Cancer"); the first line of a symbol is the one without a
            # skin tone
            if (
                len(symbol) == 1
                and symbol not in out
                and re.search(r"face|heart|hand", description)
            ):
                out[symbol] = description
    return out


def _variants(word: str, language: str) -> Iterable[str]:
    """The word, then the forms a lexicon may hold: repeated letters squeezed, and for French and
    Dutch the base form of an inflected adjective (déçues → déçu, slechtste → slecht)."""
    yield word
    squeezed = re.sub(r"(.)\1{2,}", r"\1\1", word)
    single = re.sub(r"(.)\1{2,}", r"\1", word)
    yield from (squeezed, single)
    if language == "fr" and len(word) > 4:
        for suffix in ("es", "s", "e", "x"):  # not a platform name
            if word.endswith(suffix):
                yield word[: -len(suffix)]
    if language == "nl" and len(word) > 4:
        for suffix in ("ste", "st", "ere", "er", "e"):
            if word.endswith(suffix):
                stem = word[: -len(suffix)]
                yield stem
                if stem.endswith("v"):
                    yield stem[:-1] + "f"
                if stem.endswith("z"):
                    yield stem[:-1] + "s"
                if len(stem) > 2 and stem[-2] in "aeou" and stem[-3] not in "aeiou":
                    yield stem[:-1] + stem[-2] + stem[-1]  # grote → groot
                if len(stem) > 2 and stem[-1] == stem[-2]:
                    yield stem[:-1]  # dikke → dik


class LexiconScorer:
    """VADER-style rules over Ruche's French, English and Dutch lexicons (see module doc)."""

    name = "lexicon-1"

    def __init__(self, languages: Iterable[str] = LANGUAGES, supplements: bool = True) -> None:
        self.languages = tuple(languages)
        self.supplements = supplements
        self._seen: dict[str, Sentiment] = {}
        if not supplements:  # the imported lexicons alone (to measure what Ruche's lists add)
            self.name = "lexicon-1-upstream"

    def _lexicon(self, language: str) -> Lexicon:
        files = FILES[language]
        if not self.supplements:
            files = tuple(f for f in files if not f.startswith("ruche_"))
        return load_lexicon(language, files)

    def detect(self, tokens: list[Token]) -> str:
        """The language whose function words, then lexicon words, the text hits most."""
        words = [fold(t.low) for t in tokens if t.kind == "word"]
        words += [re.sub(r"(.)\1{2,}", r"\1", w) for w in words]  # "sooo" is "so"

        def hits(language: str) -> tuple[int, int]:
            function = _folded(FUNCTION_WORDS[language])
            lexicon = self._lexicon(language).words
            return (sum(w in function for w in words), sum(w in lexicon for w in words))

        return max(self.languages, key=hits)

    def _valence(self, word: str, language: str) -> float | None:
        lexicon = self._lexicon(language).words
        for variant in _variants(word, language):
            for form in (variant, fold(variant)):
                if form in lexicon:
                    return lexicon[form]
        # loanwords ("top", "nice", "fun") from English, never a function word of the language
        function_words = _folded(FUNCTION_WORDS[language])
        if language != "en" and len(word) >= 3 and fold(word) not in function_words:
            return self._valence(word, "en")
        return None

    def score(self, text: str) -> Sentiment:
        # short comments repeat ("Merci !", "❤️", "Top"): a text is scored once per process
        if text not in self._seen:
            if len(self._seen) >= 100_000:
                self._seen.clear()
            self._seen[text] = self._score(text)
        return self._seen[text]

    def _score(self, text: str) -> Sentiment:
        tokens = tokenize(text or "")
        if not tokens:
            return Sentiment(0.0, "neutral")
        language = self.detect(tokens)
        lexicon = self._lexicon(language)
        negations = NEGATIONS[language] | ({"n't"} if language == "en" else set())
        boosters, dampeners = _folded(BOOSTERS[language]), _folded(DAMPENERS[language])
        folded = [fold(t.low) if t.kind == "word" else t.low for t in tokens]
        all_caps = all(t.text.isupper() for t in tokens if t.kind == "word")
        sarcastic = any(t.text in SARCASM for t in tokens)
        nostalgic = any(
            tuple(folded[k : k + len(marker)]) == marker
            for marker in NOSTALGIA
            for k in range(len(tokens))
        )
        emoji = emoji_valences()

        def clause(start: int, step: int, limit: int) -> list[int]:
            """Indexes of the words within `limit` words of `start`, stopping at punctuation."""
            out: list[int] = []
            j = start + step
            while 0 <= j < len(tokens) and len(out) < limit:
                if tokens[j].kind == "punct" or folded[j] in CONTRASTS:
                    break
                if tokens[j].kind == "word":
                    out.append(j)
                j += step
            return out

        valences: list[float] = [0.0] * len(tokens)
        is_phrase = [False] * len(tokens)
        i = 0
        while i < len(tokens):
            for size in range(min(lexicon.longest_phrase, len(tokens) - i), 1, -1):
                if tuple(folded[i : i + size]) in lexicon.phrases:
                    valences[i] = lexicon.phrases[tuple(folded[i : i + size])]
                    is_phrase[i : i + size] = [True] * size
                    i += size
                    break
            else:
                token = tokens[i]
                if token.kind == "emoji":
                    valences[i] = emoji.get(token.text, 0.0)
                elif token.kind == "word":
                    valences[i] = self._valence(token.low, language) or 0.0
                    if not valences[i] and folded[i] in lexicon.negated_only:
                        negated = any(folded[j] in negations for j in clause(i, -1, 3)) or any(
                            folded[j] in AFTER_NEGATIONS[language] for j in clause(i, 1, 2)
                        )
                        valences[i] = lexicon.negated_only[folded[i]] if negated else 0.0
                i += 1

        total_items: list[float] = []
        contrast_at = next(
            (k for k, w in enumerate(folded) if w in CONTRASTS and tokens[k].kind == "word"), None
        )
        for k, token in enumerate(tokens):
            value = valences[k]
            if not value:
                continue
            if token.kind == "word" and not is_phrase[k]:
                before = clause(k, -1, 3)
                # a booster or negation word that is itself in the lexicon ("super", "top") is
                # a booster when a sentiment word follows it
                if folded[k] in boosters and any(
                    valences[j] and tokens[j].kind == "word" for j in clause(k, 1, 2)
                ):
                    continue
                for distance, j in enumerate(before):
                    scale = (1.0, 0.95, 0.9)[distance]
                    if folded[j] in boosters:
                        value += math.copysign(BOOST * scale, value)
                    elif folded[j] in dampeners:
                        value -= math.copysign(BOOST * scale, value)
                if token.text.isupper() and len(token.text) > 1 and not all_caps:
                    value += math.copysign(CAPS_BOOST, value)
                negators = [j for j in before if folded[j] in negations]
                if negators:
                    j = negators[0]
                    between = folded[j + 1 : k]
                    if folded[j] in NEVER and any(w in NEVER_SO for w in between):
                        value *= 1.25
                    else:
                        value *= NEGATION_SCALAR
                elif any(folded[j] in AFTER_NEGATIONS[language] for j in clause(k, 1, 2)):
                    value *= NEGATION_SCALAR
                if (sarcastic or nostalgic) and value > 0:
                    value = -value
            if contrast_at is not None:
                value *= 0.5 if k < contrast_at else 1.5
            total_items.append(value)

        total = sum(total_items)
        if total:
            exclamations = min(text.count("!"), 4) * EXCLAMATION
            questions = text.count("?")
            emphasis = exclamations + (min(questions, 3) * QUESTION if questions > 1 else 0.0)
            total += math.copysign(emphasis, total)
        compound = total / math.sqrt(total * total + ALPHA)
        compound = round(max(-1.0, min(1.0, compound)), 4)
        return Sentiment(compound, label_for(compound))


def upstream_scorer() -> LexiconScorer:
    """The same rules over the imported lexicons alone, without Ruche's supplements: what the
    rules and the upstream lexicons achieve before any list written next to the evaluation set."""
    return LexiconScorer(supplements=False)


_FOLDED: dict[int, frozenset[str]] = {}


def _folded(words: set[str]) -> frozenset[str]:
    """The folded forms of one of the word sets above (computed once per set)."""
    key = id(words)
    if key not in _FOLDED:
        _FOLDED[key] = frozenset(fold(w) for w in words)
    return _FOLDED[key]
