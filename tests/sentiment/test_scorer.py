"""The built-in scorer's rules, and plugging a scorer in by name."""

from __future__ import annotations

import duckdb
import pytest

from ruche.sentiment import (
    SCORER_ENV,
    ScorerNotFound,
    Sentiment,
    SentimentScorer,
    available_scorers,
    get_scorer,
)
from ruche.sentiment.duckdb_plugin import register
from ruche.sentiment.lexicon import LexiconScorer


@pytest.fixture(scope="module")
def scorer() -> LexiconScorer:
    return LexiconScorer()


def score(scorer: LexiconScorer, text: str) -> float:
    return scorer.score(text).score


@pytest.mark.parametrize(
    ("plain", "negated"),
    [
        ("Le café est bon", "Le café n'est pas bon"),
        ("Le service était bon", "Le service n'était jamais bon"),
        ("J'aime ce gâteau", "J'aime pas ce gâteau"),
        ("The coffee was good", "The coffee was not good"),
        ("The coffee was good", "The coffee wasn't good"),
        ("The staff were helpful", "The staff were never helpful"),
        ("De koffie was lekker", "De koffie was niet lekker"),
        ("Het eten was goed", "Het eten was nooit goed"),
    ],
)
def test_a_negation_flips_and_dampens_a_positive_word(scorer, plain, negated):
    assert scorer.score(plain).label == "positive"
    assert scorer.score(negated).label == "negative"
    assert abs(score(scorer, negated)) < abs(score(scorer, plain))


@pytest.mark.parametrize(
    "text", ["Pas mal du tout", "Pas déçu du tout", "Not bad at all", "Niet slecht hoor"]
)
def test_a_negated_negative_word_is_positive(scorer, text):
    assert scorer.score(text).label == "positive"


@pytest.mark.parametrize(
    "text",
    ["Je n'ai jamais été aussi bien reçu", "Never so well served", "Nooit zo goed geholpen"],
)
def test_never_so_good_is_praise_not_negation(scorer, text):
    assert scorer.score(text).label == "positive"


@pytest.mark.parametrize(
    ("plain", "boosted"),
    [
        ("C'est bon", "C'est très bon"),
        ("C'est bon", "C'est vraiment bon"),
        ("It was good", "It was very good"),
        ("It was good", "It was so good"),
        ("Het was lekker", "Het was zeer lekker"),
        ("Het was lekker", "Het was echt lekker"),
        ("Service décevant", "Service vraiment décevant"),
        ("The wait was bad", "The wait was really bad"),
    ],
)
def test_an_intensifier_scales_the_word_in_its_direction(scorer, plain, boosted):
    assert abs(score(scorer, boosted)) > abs(score(scorer, plain))
    assert (score(scorer, boosted) > 0) == (score(scorer, plain) > 0)


def test_a_dampener_lowers_the_word(scorer):
    assert 0 < score(scorer, "C'est un peu décevant") * -1 < -score(scorer, "C'est décevant")


def test_capitals_and_exclamations_add_emphasis(scorer):
    assert score(scorer, "the service was TERRIBLE") < score(scorer, "the service was terrible")
    assert score(scorer, "Génial !!!") > score(scorer, "Génial")
    assert score(scorer, "Décevant !!!") < score(scorer, "Décevant")
    # a text all in capitals is not emphasis on one word
    assert score(scorer, "GOOD FOOD") == score(scorer, "good food")


def test_repeated_letters_are_read_as_the_word(scorer):
    assert scorer.score("sooo goood").label == "positive"
    assert scorer.score("nulll").label == "negative"


@pytest.mark.parametrize(
    ("emoji", "label"),
    [
        ("😡", "negative"),
        ("👎", "negative"),
        ("❤️", "positive"),
        ("😍", "positive"),
        ("🤮", "negative"),
        ("🥰", "positive"),
    ],
)
def test_emoji_alone_carry_sentiment(scorer, emoji, label):
    assert scorer.score(emoji).label == label


def test_an_emoji_outside_ruche_s_list_is_scored_from_vader_s_description(scorer):
    from ruche.sentiment.lexicon import _read_tsv

    ruche_list = _read_tsv("ruche_emoji.tsv")
    # 👿 "angry face with horns", ☺ "smiling face": not in Ruche's list
    assert "👿" not in ruche_list and "☺" not in ruche_list
    assert scorer.score("👿").label == "negative"
    assert scorer.score("☺️").label == "positive"
    # an object says nothing of a mood (VADER's "game die" would score "die")
    assert scorer.score("🎲").label == "neutral"


def test_an_eye_roll_turns_praise_into_sarcasm(scorer):
    assert scorer.score("Génial, encore annulé").label == "positive"
    assert scorer.score("Génial, encore annulé 🙄").label == "negative"
    assert scorer.score("Great, another delay 🙃").label == "negative"


def test_questions_and_tags_are_neutral(scorer):
    for text in (
        "Vous êtes ouverts le lundi ?",
        "Do you have it in blue?",
        "Hebben jullie dit in het rood?",
        "@tom kijk",
    ):
        assert scorer.score(text).label == "neutral", text


def test_the_language_is_detected_and_accents_may_be_missing(scorer):
    from ruche.sentiment.lexicon import tokenize

    assert scorer.detect(tokenize("Le service est vraiment lent")) == "fr"
    assert scorer.detect(tokenize("The service is really slow")) == "en"
    assert scorer.detect(tokenize("De bediening is echt traag")) == "nl"
    assert scorer.score("tres decue").label == scorer.score("très déçue").label == "negative"


def test_the_scorer_is_deterministic(scorer):
    text = "Pas terrible le nouveau menu 😕 mais le service est top !"
    assert {LexiconScorer().score(text) for _ in range(5)} == {scorer.score(text)}
    assert -1 <= scorer.score(text).score <= 1


# ---------------------------------------------------------------------------- the interface


def test_scorers_are_found_by_name_and_by_path(monkeypatch):
    assert {"lexicon", "lexicon-upstream", "legacy"} <= set(available_scorers())
    assert get_scorer("lexicon").name == "lexicon-1"
    assert get_scorer("legacy").name == "legacy-1"
    custom = get_scorer("tests.sentiment.scorers:ShoutingScorer")
    assert isinstance(custom, SentimentScorer)
    assert custom.score("Bof!") == Sentiment(-0.5, "negative")
    monkeypatch.setenv(SCORER_ENV, "tests.sentiment.scorers:ShoutingScorer")
    assert get_scorer().name == "shouting-test-1"
    monkeypatch.delenv(SCORER_ENV)
    assert get_scorer().name == "lexicon-1"


def test_a_scorer_from_an_entry_point_is_found(monkeypatch):
    from importlib.metadata import EntryPoint

    import ruche.sentiment as sentiment

    point = EntryPoint(
        name="team-model",
        value="tests.sentiment.scorers:ShoutingScorer",
        group=sentiment.ENTRY_POINT_GROUP,
    )
    monkeypatch.setattr(
        sentiment, "entry_points", lambda group: [point] if group == point.group else []
    )
    assert "team-model" in available_scorers()
    assert get_scorer("team-model").name == "shouting-test-1"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("vader", "unknown sentiment scorer 'vader'"),
        ("no_such_module:Scorer", "cannot import 'no_such_module:Scorer'"),
        ("tests.sentiment.scorers:NotAScorer", "has no `name` attribute and `score(text)`"),
    ],
)
def test_a_wrong_scorer_name_says_what_to_do(name, message):
    with pytest.raises(ScorerNotFound) as error:
        get_scorer(name)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_the_duckdb_function_scores_with_the_plugged_scorer():
    con = duckdb.connect()
    try:
        register(con, get_scorer("lexicon"))
        rows = con.execute(
            "SELECT t, ruche_sentiment(t) FROM (VALUES ('Pas bon du tout'), (NULL)) AS v(t)"
        ).fetchall()
        assert rows[0][1]["label"] == "negative" and rows[0][1]["scorer"] == "lexicon-1"
        assert rows[1][1] is None
        register(con, get_scorer("tests.sentiment.scorers:ShoutingScorer"))
        (row,) = con.execute("SELECT ruche_sentiment('Top!')").fetchall()
        assert row[0] == {"score": -0.5, "label": "negative", "scorer": "shouting-test-1"}
    finally:
        con.close()
