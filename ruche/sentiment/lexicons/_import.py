"""Rebuild the imported lexicon files of this folder from checkouts of their upstream projects.

Run once by a maintainer, never at run time (Ruche reads the TSV files beside this script,
offline):

    python -m ruche.sentiment.lexicons._import \\
        --vader ~/src/vaderSentiment --vader-fr ~/src/vader_FR --pattern ~/src/pattern

Each output keeps the upstream term and its upstream value; only the format changes (one
`term<TAB>valence` line, sorted), plus, for Pattern's adjectives, the mean polarity of a form's
senses, each weighted by its subjectivity, scaled from [-1, 1] to VADER's [-4, 4] range (× 4),
kept from ±0.8. See README.md for the sources and their licences.
"""

from __future__ import annotations

import argparse
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _write(name: str, rows: dict[str, str], header: str) -> None:
    lines = [f"# {header}"] + [f"{term}\t{value}" for term, value in sorted(rows.items())]
    (HERE / name).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _vader(path: Path, separator: str) -> dict[str, str]:
    rows: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.strip().split(separator)
        if len(parts) >= 2 and parts[0] and "\t" not in parts[0]:
            rows[parts[0]] = str(float(parts[1]))
    return rows


def _pattern(path: Path) -> dict[str, str]:
    # polarity weighted by subjectivity, averaged over a form's senses: an objective adjective
    # ("grand", "open": about size or opening hours) must not make a question positive
    senses: dict[str, list[float]] = defaultdict(list)
    for word in ET.parse(path).getroot().iter("word"):  # noqa: S314 (a file of our own checkout)
        form = (word.get("form") or "").strip().lower()
        if form and " " not in form:
            polarity = float(word.get("polarity") or 0)
            senses[form].append(polarity * float(word.get("subjectivity") or 0))
    scaled = {form: 4 * sum(values) / len(values) for form, values in senses.items()}
    return {form: str(round(value, 2)) for form, value in scaled.items() if abs(value) >= 0.8}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vader", type=Path, required=True, help="cjhutto/vaderSentiment")
    parser.add_argument("--vader-fr", type=Path, required=True, help="thomas7lieues/vader_FR")
    parser.add_argument("--pattern", type=Path, required=True, help="clips/pattern")
    args = parser.parse_args()
    _write(
        "vader_en.tsv",
        _vader(args.vader / "vaderSentiment" / "vader_lexicon.txt", "\t"),
        "VADER English lexicon (C.J. Hutto, MIT licence: LICENSE-vader.txt)",
    )
    emoji = {}
    for line in (
        (args.vader / "vaderSentiment" / "emoji_utf8_lexicon.txt")
        .read_text(encoding="utf-8")
        .splitlines()
    ):
        if "\t" in line:
            symbol, description = line.split("\t", 1)
            emoji[symbol.strip()] = description.strip()
    _write(
        "vader_emoji.tsv",
        emoji,
        "VADER emoji descriptions (C.J. Hutto, MIT licence: LICENSE-vader.txt)",
    )
    _write(
        "vader_fr.tsv",
        _vader(args.vader_fr / "vaderSentiment_fr" / "fr_lexicon.txt", "->"),
        "VADER-FR French lexicon (thomas7lieues/vader_FR, MIT licence: LICENSE-vader-fr.txt)",
    )
    _write(
        "pattern_nl.tsv",
        _pattern(args.pattern / "pattern" / "text" / "nl" / "nl-sentiment.xml"),
        "Pattern Dutch adjectives, polarity x subjectivity x4 (CLiPS, PDDL; LICENSE-pattern.txt)",
    )
    _write(
        "pattern_fr.tsv",
        _pattern(args.pattern / "pattern" / "text" / "fr" / "fr-sentiment.xml"),
        "Pattern French adjectives, polarity x subjectivity x4 (CLiPS, PDDL; LICENSE-pattern.txt)",
    )


if __name__ == "__main__":
    main()
