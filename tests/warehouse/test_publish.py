"""Publishing for BI: atomic swap, readable while replaced, old-reader compatible format."""

from __future__ import annotations

import duckdb
import pytest

from ruche.publish import publish


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
    with pytest.raises(RuntimeError, match="run the dbt build before publishing"):
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
