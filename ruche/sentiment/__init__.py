"""Comment sentiment: one interface, scorers chosen by name.

A scorer turns a comment's text into a `Sentiment` (a score in [-1, 1] and a label). Ruche ships
`lexicon` (rules + imported lexicons, French, English and Dutch, offline and deterministic; see
`ruche.sentiment.lexicon`) and `legacy` (the word list Ruche used before, kept to measure
against). A team with its own model plugs it in by name, without changing Ruche:

* an entry point in the group `ruche.sentiment_scorers` of an installed package
  (`my_scorer = "my_package.module:MyScorer"`), or
* a `module:attribute` path importable from the Python path (`my_package.module:MyScorer`).

The name is read from `RUCHE_SENTIMENT_SCORER` (default `lexicon`) by the dbt profile, which
registers the scorer in DuckDB as the function `ruche_sentiment(text)` (see
`ruche.sentiment.duckdb_plugin`); `fct_comments` records the scorer's `name` beside each score.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Literal, Protocol, runtime_checkable

SCORER_ENV = "RUCHE_SENTIMENT_SCORER"
DEFAULT_SCORER = "lexicon"
ENTRY_POINT_GROUP = "ruche.sentiment_scorers"
LABELS = ("positive", "neutral", "negative")

Label = Literal["positive", "neutral", "negative"]


@dataclass(frozen=True)
class Sentiment:
    """A comment's sentiment: `score` in [-1, 1] (below 0 leans negative) and its `label`."""

    score: float
    label: Label


@runtime_checkable
class SentimentScorer(Protocol):
    """What Ruche needs from a scorer. `name` identifies the scorer AND its version (it is stored
    with each score, so marts built by different scorers can be told apart); `score` must be
    deterministic (the same text gives the same result on every run) and must not use the
    network (it runs inside the dbt build)."""

    name: str

    def score(self, text: str) -> Sentiment: ...


class ScorerNotFound(ValueError):
    """The configured scorer name matches no built-in, entry point or importable object."""


def _builtins() -> dict[str, str]:
    return {
        "lexicon": "ruche.sentiment.lexicon:LexiconScorer",
        "lexicon-upstream": "ruche.sentiment.lexicon:upstream_scorer",
        "legacy": "ruche.sentiment.legacy:LegacyScorer",
    }


def available_scorers() -> list[str]:
    """Built-in names and the names installed packages declare as entry points."""
    names = set(_builtins())
    names |= {ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(names)


def _load(path: str, name: str) -> object:
    module_name, _, attribute = path.partition(":")
    try:
        target: object = importlib.import_module(module_name)
        for part in attribute.split(".") if attribute else ():
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise ScorerNotFound(
            f"sentiment scorer {name!r}: cannot import {path!r} ({exc}); set {SCORER_ENV} to one "
            f"of {', '.join(available_scorers())} or to an importable 'module:Class'"
        ) from None
    return target


def get_scorer(name: str | None = None) -> SentimentScorer:
    """The scorer called `name` (default: `RUCHE_SENTIMENT_SCORER`, else `lexicon`), built once.

    `name` is a built-in name, an entry-point name of the group `ruche.sentiment_scorers`, or a
    `module:attribute` path; the object found is a scorer class (instantiated without
    arguments), a factory function, or a scorer instance.
    """
    name = (name or os.environ.get(SCORER_ENV) or DEFAULT_SCORER).strip()
    if name in _builtins():
        target = _load(_builtins()[name], name)
    else:
        found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
        if found:
            target = found[0].load()
        elif ":" in name:
            target = _load(name, name)
        else:
            raise ScorerNotFound(
                f"unknown sentiment scorer {name!r} ({SCORER_ENV}): use one of "
                f"{', '.join(available_scorers())}, or a 'module:Class' path to your own"
            )
    if isinstance(target, type) or (callable(target) and not hasattr(target, "score")):
        scorer = target()  # a class or a factory
    else:
        scorer = target
    if not isinstance(scorer, SentimentScorer):
        raise ScorerNotFound(
            f"sentiment scorer {name!r} has no `name` attribute and `score(text)` method "
            "(see ruche.sentiment.SentimentScorer)"
        )
    return scorer


def label_for(score: float, threshold: float = 0.05) -> Label:
    """VADER's convention: at or beyond ±0.05 a text leans positive or negative."""
    if score >= threshold:
        return "positive"
    if score <= -threshold:
        return "negative"
    return "neutral"
