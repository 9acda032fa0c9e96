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
