"""dbt-duckdb plugin: the configured sentiment scorer as the DuckDB function `ruche_sentiment`.

`dbt_project/profiles.yml` lists this module under `plugins`; dbt-duckdb calls
`configure_connection` on every connection it opens, so the models (and dbt's unit tests) can
call

    ruche_sentiment(text)  ->  STRUCT(score DOUBLE, label VARCHAR, scorer VARCHAR)

NULL for a NULL text. The scorer is the one named by the plugin's `scorer` setting (the profile
passes `RUCHE_SENTIMENT_SCORER`, default `lexicon`); see `ruche.sentiment`. The function is a
plain Python UDF: one call per comment, deterministic, no network.
"""

from __future__ import annotations

import contextlib
from typing import Any

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb.sqltypes import VARCHAR

from ruche.sentiment import ScorerNotFound, SentimentScorer, get_scorer

FUNCTION = "ruche_sentiment"
RESULT = duckdb.struct_type({"score": "DOUBLE", "label": "VARCHAR", "scorer": "VARCHAR"})


def register(connection: duckdb.DuckDBPyConnection, scorer: SentimentScorer) -> None:
    """Create (or replace) `ruche_sentiment` on `connection`, scoring with `scorer`."""

    def udf(text: str | None) -> dict[str, Any] | None:
        if text is None:
            return None
        result = scorer.score(text)
        return {"score": float(result.score), "label": result.label, "scorer": scorer.name}

    with contextlib.suppress(Exception):  # not registered yet on this connection
        connection.remove_function(FUNCTION)
    connection.create_function(
        FUNCTION, udf, [VARCHAR], RESULT, null_handling="special", side_effects=False
    )


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        # resolved once per dbt invocation; dbt-duckdb turns a RuntimeError into a connection
        # failure that it reports in one line (any other exception prints a traceback)
        try:
            self.scorer = get_scorer(plugin_config.get("scorer") or None)
        except ScorerNotFound as exc:
            raise RuntimeError(str(exc)) from None

    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        register(conn, self.scorer)
