"""A scorer a team could plug in (imported by the tests as `tests.sentiment.scorers:...`)."""

from __future__ import annotations

from ruche.sentiment import Sentiment


class ShoutingScorer:
    """A stand-in for a team's own model: negative when the text has a "!", else positive."""

    name = "shouting-test-1"

    def score(self, text: str) -> Sentiment:
        if "!" in text:
            return Sentiment(-0.5, "negative")
        return Sentiment(0.25, "positive")


class NotAScorer:
    """Has no `score` method."""

    name = "broken"
