"""Measure sentiment scorers on Ruche's labelled comments: `python -m ruche.sentiment.evaluate`.

The set (`eval/comments.csv`: French, English and Dutch comments under the pages of cafés,
sports shops and arts venues, labelled positive / neutral / negative) was written by hand for
this purpose, not drawn from the sandbox's text generator nor from the lexicons. Each row is in
the `dev` split (odd rows, used to adjust Ruche's supplement lexicons) or the `test` split (even
rows, never looked at while adjusting): the test figures are the ones to quote.

Prints, per language and split, the accuracy and the recall of negatives of each scorer.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ruche.sentiment import SentimentScorer, get_scorer

EVAL_SET = Path(__file__).resolve().parent / "eval" / "comments.csv"
DEFAULT_SCORERS = ("legacy", "lexicon")


@dataclass(frozen=True)
class Example:
    id: str
    language: str
    split: str
    label: str
    text: str


@dataclass(frozen=True)
class Figures:
    n: int
    accuracy: float
    negatives: int
    negative_recall: float


def load(path: Path = EVAL_SET) -> list[Example]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [Example(**row) for row in csv.DictReader(handle)]


def measure(scorer: SentimentScorer, examples: Sequence[Example]) -> Figures:
    predicted = [scorer.score(e.text).label for e in examples]
    right = sum(p == e.label for p, e in zip(predicted, examples, strict=True))
    negatives = [p for p, e in zip(predicted, examples, strict=True) if e.label == "negative"]
    caught = sum(p == "negative" for p in negatives)
    return Figures(
        n=len(examples),
        accuracy=right / len(examples) if examples else 0.0,
        negatives=len(negatives),
        negative_recall=caught / len(negatives) if negatives else 0.0,
    )


def report(
    scorers: Sequence[SentimentScorer], examples: Sequence[Example], splits: Sequence[str]
) -> list[dict[str, object]]:
    rows = []
    for split in splits:
        for language in sorted({e.language for e in examples}):
            subset = [e for e in examples if e.language == language and split in ("all", e.split)]
            for scorer in scorers:
                figures = measure(scorer, subset)
                rows.append(
                    {
                        "split": split,
                        "language": language,
                        "scorer": scorer.name,
                        "n": figures.n,
                        "accuracy": figures.accuracy,
                        "negatives": figures.negatives,
                        "negative_recall": figures.negative_recall,
                    }
                )
    return rows


def format_table(rows: Sequence[dict[str, object]]) -> str:
    lines = [
        f"{'split':<6} {'lang':<4} {'scorer':<20} {'n':>4} {'accuracy':>9} "
        f"{'negatives':>9} {'neg. recall':>11}"
    ]
    for row in rows:
        lines.append(
            f"{row['split']:<6} {row['language']:<4} {row['scorer']:<20} {row['n']:>4} "
            f"{row['accuracy']:>9.1%} {row['negatives']:>9} {row['negative_recall']:>11.1%}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ruche.sentiment.evaluate", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--scorer",
        action="append",
        help="a scorer name (built-in, entry point or module:Class); repeatable "
        f"(default: {', '.join(DEFAULT_SCORERS)})",
    )
    parser.add_argument("--split", choices=("dev", "test", "all"), action="append")
    parser.add_argument("--set", type=Path, default=EVAL_SET, help="a CSV of labelled comments")
    parser.add_argument("--errors", action="store_true", help="list the misclassified comments")
    args = parser.parse_args(argv)
    from ruche.sentiment import ScorerNotFound

    try:
        scorers = [get_scorer(name) for name in args.scorer or DEFAULT_SCORERS]
    except ScorerNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    examples = load(args.set)
    print(format_table(report(scorers, examples, args.split or ["test", "dev", "all"])))
    if args.errors:
        for scorer in scorers:
            for example in examples:
                got = scorer.score(example.text)
                if got.label != example.label:
                    print(
                        f"{scorer.name} {example.id} [{example.split}] want {example.label} "
                        f"got {got.label} ({got.score:+.3f}): {example.text}"
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
