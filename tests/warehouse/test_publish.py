"""Publishing for BI: atomic swap, readable while replaced, old-reader compatible format."""

from __future__ import annotations

import duckdb
import pytest

from ruche.errors import UserError
from ruche.publish import publish, remove_stale_temporaries


def _warehouse(path, value):
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(
        "CREATE OR REPLACE TABLE marts.fct_x AS SELECT range AS id, ? AS v FROM range(1000)",
        [value],
    )
    con.close()


def test_a_reader_keeps_the_old_file_while_a_new_one_is_published(tmp_path):
    wh, pub = tmp_path / "wh.duckdb", tmp_path / "published" / "marts.duckdb"
    _warehouse(wh, "night-1")
    publish(wh, pub, run_id="r1")
    reader = duckdb.connect(str(pub), read_only=True)
    assert reader.execute("SELECT DISTINCT v FROM marts.fct_x").fetchall() == [("night-1",)]
    _warehouse(wh, "night-2")
    report = publish(wh, pub, run_id="r2")  # the reader still holds the previous file open
    assert report.tables == {"fct_x": 1000}
    assert reader.execute("SELECT DISTINCT v, count(*) FROM marts.fct_x GROUP BY v").fetchall() == [
        ("night-1", 1000)
    ]
    reader.close()
    fresh = duckdb.connect(str(pub), read_only=True)
    assert fresh.execute("SELECT DISTINCT v FROM marts.fct_x").fetchall() == [("night-2",)]
    assert fresh.execute("SELECT run_id FROM marts.publish_info").fetchall() == [("r2",)]
    fresh.close()
    assert [p.name for p in pub.parent.iterdir()] == ["marts.duckdb"]  # no temp files left


def test_publishing_without_marts_fails_and_keeps_the_previous_file(tmp_path):
    wh, pub = tmp_path / "wh.duckdb", tmp_path / "marts.duckdb"
    _warehouse(wh, "ok")
    publish(wh, pub)
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(UserError, match="run the dbt build before publishing"):
        publish(empty, pub)
    con = duckdb.connect(str(pub), read_only=True)
    assert con.execute("SELECT count(*) FROM marts.fct_x").fetchone() == (1000,)
    con.close()


def test_published_file_uses_the_v1_storage_format(tmp_path):
    wh, pub = tmp_path / "wh.duckdb", tmp_path / "marts.duckdb"
    _warehouse(wh, "x")
    publish(wh, pub)
    header = pub.read_bytes()[:20]
    assert header[8:12] == b"DUCK"
    assert int.from_bytes(header[12:20], "little") == 64  # DuckDB storage v1.0.0


_PUBLISH_SCRIPT = "import sys; from ruche.publish import publish; publish(sys.argv[1], sys.argv[2])"


def _big_warehouse(path, rows=6_000_000):
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    con.execute(
        "CREATE OR REPLACE TABLE marts.fct_big AS SELECT range AS id, md5(range::VARCHAR) AS v "
        f"FROM range({rows})"
    )
    con.close()


def _start_publish(wh, pub):
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-c", _PUBLISH_SCRIPT, str(wh), str(pub)])


def _wait_for_temp(folder, pid, timeout=60.0):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        temps = [p for p in folder.glob(".marts.duckdb.*.tmp") if f".{pid}." in p.name]
        if temps and temps[0].stat().st_size > 0:
            return temps[0]
        time.sleep(0.02)
    raise AssertionError(f"publish {pid} never wrote its temporary file")


def test_a_killed_publish_leaves_nothing_behind_after_the_next_one(tmp_path):
    import signal

    wh, pub = tmp_path / "wh.duckdb", tmp_path / "published" / "marts.duckdb"
    _big_warehouse(wh)
    pub.parent.mkdir()
    killed = _start_publish(wh, pub)
    _wait_for_temp(pub.parent, killed.pid)
    killed.send_signal(signal.SIGKILL)  # as the OOM killer or a worker restart would
    killed.wait()
    left = sorted(p.name for p in pub.parent.iterdir())
    assert left and all(".tmp" in name for name in left), left  # the leak being fixed
    # The next publish removes them first thing; while it writes, another publish starts.
    live = _start_publish(wh, pub)
    live_temp = _wait_for_temp(pub.parent, live.pid)
    assert not [name for name in left if (pub.parent / name).exists()]
    removed = remove_stale_temporaries(pub)  # what a concurrent publish does first
    assert live_temp not in removed and (live_temp.exists() or live.poll() is not None)
    assert live.wait(timeout=120) == 0  # its rename would fail had its file been removed
    publish(wh, pub, run_id="next")
    assert sorted(p.name for p in pub.parent.iterdir()) == ["marts.duckdb"]
    con = duckdb.connect(str(pub), read_only=True)
    assert con.execute("SELECT count(*) FROM fct_big").fetchone() == (6_000_000,)
    con.close()


def _ledger_row(con, account: str, hours_ago: float) -> None:
    con.execute(
        "INSERT INTO ops.load_ledger (load_id, data_file, sha256, platform, entity, client_id, "
        "account_id, run_id, logical_date, extracted_at, records_in_manifest, records_read, "
        "records_loaded, records_quarantined, status, started_at, finished_at) "
        "VALUES ('l', 'f', 's', 'facebook', 'posts', 'cafe', ?, 'r', current_date, "
        "now() - to_microseconds(CAST(? * 3600e6 AS BIGINT)), 1, 1, 1, 0, 'loaded', now(), now())",
        [account, hours_ago],
    )


def test_data_freshness_flags_accounts_older_than_the_threshold(tmp_path, monkeypatch):
    from ruche.load.ddl import OPS_DDL

    wh, pub = tmp_path / "wh.duckdb", tmp_path / "marts.duckdb"
    _warehouse(wh, "x")
    con = duckdb.connect(str(wh))
    con.execute(OPS_DDL)
    _ledger_row(con, "fresh", 5)
    _ledger_row(con, "missed_two_nights", 50)
    con.close()
    publish(wh, pub)
    read = duckdb.connect(str(pub), read_only=True)
    rows = read.execute(
        "SELECT account_id, is_stale, stale_after_hours FROM data_freshness ORDER BY 1"
    ).fetchall()
    read.close()
    assert rows == [("fresh", False, 36.0), ("missed_two_nights", True, 36.0)]
    monkeypatch.setenv("RUCHE_STALE_AFTER_HOURS", "72")  # a weekly client: 3 days is fine
    publish(wh, pub)
    read = duckdb.connect(str(pub), read_only=True)
    assert read.execute("SELECT bool_or(is_stale) FROM data_freshness").fetchone() == (False,)
    read.close()
