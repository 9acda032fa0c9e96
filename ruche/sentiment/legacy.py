"""The word list Ruche scored comments with until issue 15, kept to measure the new scorer against.

The same rules as the SQL it replaces: a comment's score is the sum of the polarities (±1) of the
distinct terms it contains; words are matched whole, lowercase and without accents; phrases,
elisions and emoji are matched inside the text (emoji in the raw text). No negation.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from pathlib import Path

from ruche.sentiment import Sentiment

LEXICON = Path(__file__).resolve().parent / "lexicons" / "legacy_ruche.csv"


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


class LegacyScorer:
    """Sum of ±1 per distinct lexicon term found; below 0 negative, above 0 positive."""

    name = "legacy-1"

    def __init__(self, path: Path = LEXICON) -> None:
        with path.open(encoding="utf-8") as handle:
            rows = [(r["term"], int(r["polarity"])) for r in csv.DictReader(handle)]
        self._words = {t: p for t, p in rows if re.fullmatch(r"[^\W_]+", t)}
        self._phrases = {t: p for t, p in rows if t not in self._words}

    def score(self, text: str) -> Sentiment:
        folded = _fold(text)
        words = set(re.findall(r"[^\W_]+", folded))
        total = sum(p for t, p in self._words.items() if t in words)
        total += sum(p for t, p in self._phrases.items() if t in folded or t in text)
        label = "negative" if total < 0 else "positive" if total > 0 else "neutral"
        return Sentiment(score=float(total), label=label)
