"""`ruche_events` run by `airflow dags test` against a real redis-server: a run with nothing on
the stream lands nothing, loads nothing, skips the refresh, finds no alert, and takes seconds;
entries that arrive later are landed by the next run, once, and acknowledged."""

from __future__ import annotations

import secrets
import shutil
import time
from pathlib import Path

import pytest

from ruche import demo
from ruche.stack import free_port
from tests.webhooks.conftest import RedisServer, comment_body

ROOT = Path(__file__).resolve().parents[2]
STREAM = "ruche:test:events-dag"


@pytest.fixture
def events_env(tmp_path, sandbox_session, demo_config):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (./scripts/install-stack.sh installs it)")
    server = RedisServer(tmp_path / "redis", free_port(), secrets.token_hex(12))
    server.folder.mkdir()
    server.start()
    paths = demo.DemoPaths(tmp_path / "out")
    env = demo.airflow_env(paths, demo.DEMO_CONFIG, sandbox_session.url, demo_config)
    env.update(
        {
            "RUCHE_WEBHOOK_REDIS_URL": server.url,
            "RUCHE_WEBHOOK_STREAM": STREAM,
            "RUCHE_AUTHOR_HASH_KEY": secrets.token_hex(16),
            "AIRFLOW_CONN_RUCHE_REDIS": server.url,
        }
    )
    log = tmp_path / "airflow.log"
    demo.prepare_airflow(env, log)
    try:
        yield env, log, server
    finally:
        server.stop()


def _run(env: dict[str, str], log: Path) -> tuple[float, str]:
    before = log.read_text(errors="replace") if log.exists() else ""
    started = time.monotonic()
    # raises when the run (or any task) failed
    info = {**env, "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO"}
    demo.airflow(["dags", "test", "ruche_events"], info, log)
    return time.monotonic() - started, log.read_text(errors="replace")[len(before) :]


def test_a_run_with_nothing_new_lands_nothing_and_skips_the_refresh(events_env):
    env, log, _server = events_env
    seconds, text = _run(env, log)
    assert "no new event batch was loaded" in text  # the refresh's skip reason
    assert "state=skipped" in text or "SKIPPED" in text.upper()
    assert '"entries": 0' in text or "'entries': 0" in text
    print(f"ruche_events with nothing new: {seconds:.1f} s (airflow dags test, all included)")


def test_entries_that_arrive_later_are_landed_by_the_next_run_once(events_env, demo_config):
    from ruche.webhooks.queue import EventQueue, make_entry

    env, log, server = events_env
    page = demo_config.clients[0].accounts.facebook[0].id
    queue = EventQueue(server.client(), STREAM, Path(env["RUCHE_WAREHOUSE"]).parent / "spool")
    for number in range(3):
        queue.put(make_entry(comment_body(f"{page}_42_{number}", page_id=page)))
    _seconds, text = _run(env, log)
    groups = {g["name"].decode(): g for g in server.client().xinfo_groups(STREAM)}
    assert groups["ruche_events"]["pending"] == 0  # every entry acknowledged
    last = server.client().xinfo_stream(STREAM)["last-generated-id"]
    assert groups["ruche_events"]["last-delivered-id"] == last
    from connectors.landing import LandingZone

    batches = [
        m
        for m in LandingZone(env["RUCHE_LANDING_ROOT"]).list_batches()
        if m.entity == "comment_events"
    ]
    assert sum(m.record_count for m in batches) == 3
    # loaded; no night has built the comment models yet: the refresh waits for it, saying so
    assert "the first night builds them" in text
    # the next run finds nothing new: nothing landed twice
    _seconds, again = _run(env, log)
    assert "no new event batch was loaded" in again
