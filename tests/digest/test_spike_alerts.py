"""Spikes against a robust baseline, in the digest and as chat alerts (apprise posting to a real
HTTP server on loopback), at most once per spike."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ..conftest import DEMO_CONFIG
from ..warehouse.test_dbt import query

MORNING = dt.date(2026, 11, 20)
YESTERDAY = MORNING - dt.timedelta(days=1)


@pytest.fixture
def chat_server():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # http.server calls it by this name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(json.loads(body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield received, server.server_address[1]
    server.shutdown()
    server.server_close()


def account_daily(warehouse, client_id: str) -> dict[tuple[str, str], Counter]:
    rows = query(
        warehouse,
        "SELECT platform, account_id, created_date_local AS day, count(*) AS n "
        "FROM marts.fct_comments WHERE client_id = ? AND NOT is_brand_reply GROUP BY ALL",
        [client_id],
    )
    out: dict[tuple[str, str], Counter] = {}
    for row in rows:
        out.setdefault((row["platform"], row["account_id"]), Counter())[row["day"]] = row["n"]
    return out


def test_account_spikes_follow_median_and_mad_of_the_previous_28_days(morning_build, demo_config):
    import duckdb

    from ruche.digest.data import collect

    client = demo_config.client("cafe_lumiere")
    con = duckdb.connect(str(morning_build), read_only=True)
    try:
        data = collect(con, client, MORNING)
    finally:
        con.close()
    thresholds = client.digest.spikes
    found = {
        (s.platform, s.account_id)
        for s in data.spikes
        if s.scope == "account" and s.kind == "comments"
    }
    expected = set()
    for key, per_day in account_daily(morning_build, client.id).items():
        history = [per_day.get(YESTERDAY - dt.timedelta(days=d), 0) for d in range(1, 29)]
        median = statistics.median(history)
        mad = statistics.median(abs(v - median) for v in history)
        today = per_day.get(YESTERDAY, 0)
        if today >= thresholds.min_comments and today > median + 3.5 * max(1.4826 * mad, 1):
            expected.add(key)
    assert found == expected
    assert found, "the demo world has a comment spike on 2026-11-19 (a contest post)"
    # a spike says which post, how many and what people wrote
    posts = [s for s in data.spikes if s.scope == "post"]
    assert posts and all(s.link and s.samples for s in posts)


def test_a_stricter_threshold_in_the_config_finds_fewer_spikes(morning_build, demo_config):
    import duckdb

    from ruche.digest.data import collect

    client = demo_config.client("cafe_lumiere")
    strict = client.model_copy(
        update={
            "digest": client.digest.model_copy(
                update={
                    "spikes": client.digest.spikes.model_copy(
                        update={"min_comments": 1000, "min_negative": 1000}
                    )
                }
            )
        }
    )
    con = duckdb.connect(str(morning_build), read_only=True)
    try:
        assert collect(con, client, MORNING).spikes
        assert collect(con, strict, MORNING).spikes == []
    finally:
        con.close()


def test_each_spike_is_alerted_to_chat_once(warehouse_copy, chat_server, tmp_path, monkeypatch):
    import yaml

    from ruche.config import load_config
    from ruche.digest import run_digests

    received, port = chat_server
    data = yaml.safe_load(DEMO_CONFIG.read_text(encoding="utf-8"))
    data["notifications"] = {"chat_urls_env": "RUCHE_TEST_CHAT_URLS"}
    path = tmp_path / "clients.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("RUCHE_TEST_CHAT_URLS", f"json://127.0.0.1:{port}/hook")
    config = load_config(path)

    results = run_digests(
        warehouse_copy,
        config,
        date=MORNING,
        clients=["cafe_lumiere"],
        send=True,
        reports_dir=tmp_path / "reports",
    )
    [result] = results
    alerts = [m for m in received if m["title"] == "Ruche: comment spike"]
    assert result.spikes > 0 and len(alerts) == result.spikes
    assert any("Café Lumière" in m["message"] for m in alerts)
    digests = [m for m in received if m["title"] != "Ruche: comment spike"]
    assert len(digests) == 1  # the digest's summary, in French only (the client's language)
    ledger = query(
        warehouse_copy,
        "SELECT kind, channel, status, count(*) AS n FROM ops.notifications GROUP BY ALL",
    )
    assert {(r["kind"], r["channel"], r["status"], r["n"]) for r in ledger} == {
        ("spike_alert", "chat", "sent", result.spikes),
        ("digest", "chat", "sent", 1),
    }

    # the night's rerun finds the same spikes and sends nothing
    before = len(received)
    run_digests(
        warehouse_copy,
        config,
        date=MORNING,
        clients=["cafe_lumiere"],
        send=True,
        reports_dir=tmp_path / "reports",
    )
    assert len(received) == before


def _weekly_account(con, account_id: str, counts: dict[dt.date, int]) -> None:
    """`counts[day]` customer comments on `account_id` (a Café Lumière Facebook account of its
    own), each a copy of one real `fct_comments` row with its own keys and day."""
    days = [day for day, n in counts.items() for _ in range(n)]
    con.execute(
        """
        INSERT INTO marts.fct_comments
        SELECT template.* REPLACE (
            ? || '-' || made.i AS comment_key,
            ? || '-' || made.day AS post_key,
            ? AS account_id,
            NULL AS account_key,
            made.day AS created_date_local,
            false AS is_negative,
            false AS is_brand_reply
        )
        FROM (
            SELECT * FROM marts.fct_comments
            WHERE client_id = 'cafe_lumiere' AND NOT is_brand_reply LIMIT 1
        ) AS template,
        (SELECT unnest(?::DATE[]) AS day, generate_subscripts(?::DATE[], 1) AS i) AS made
        """,
        [account_id, account_id, account_id, days, days],
    )


def test_per_weekday_compares_a_day_with_the_same_weekday_only(warehouse_copy, demo_config):
    """Two accounts with a weekly rhythm, yesterday a Thursday. One is always busy on Thursdays
    (30 comments, 2 on other days): 30 is a spike against all days, normal for a Thursday. The
    other is always quiet on Thursdays (0, 12 on other days): 12 is normal against all days, a
    spike for a Thursday. The detector (`collect` over the real marts) must say so both ways."""
    import duckdb

    from ruche.digest.data import BASELINE_DAYS, collect

    assert YESTERDAY.weekday() == 3  # a Thursday
    history = [YESTERDAY - dt.timedelta(days=d) for d in range(1, BASELINE_DAYS + 1)]
    busy = {day: 30 if day.weekday() == 3 else 2 for day in history} | {YESTERDAY: 30}
    quiet = {day: 0 if day.weekday() == 3 else 12 for day in history} | {YESTERDAY: 12}
    con = duckdb.connect(str(warehouse_copy))
    try:
        _weekly_account(con, "900000000000001", busy)
        _weekly_account(con, "900000000000002", quiet)
    finally:
        con.close()

    client = demo_config.client("cafe_lumiere")
    assert client.digest.spikes.per_weekday is False  # the default: all days

    def spiking(per_weekday: bool) -> set[str]:
        spikes = client.digest.spikes.model_copy(update={"per_weekday": per_weekday})
        chosen = client.model_copy(
            update={"digest": client.digest.model_copy(update={"spikes": spikes})}
        )
        con = duckdb.connect(str(warehouse_copy), read_only=True)
        try:
            found = collect(con, chosen, MORNING).spikes
        finally:
            con.close()
        return {
            s.account_id
            for s in found
            if s.scope == "account" and s.kind == "comments" and s.account_id.startswith("9000")
        }

    assert spiking(per_weekday=False) == {"900000000000001"}
    assert spiking(per_weekday=True) == {"900000000000002"}
