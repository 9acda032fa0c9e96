"""DAG integrity: every DAG imports fast, without I/O, and follows the house rules."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ruche import platforms

ROOT = Path(__file__).resolve().parents[2]
DAGS = ROOT / "dags"
DAG_FILES = sorted(p for p in DAGS.glob("*.py") if not p.name.startswith("_"))
WRITER_TASKS = {  # tasks that write the DuckDB warehouse (or read it while others may write)
    "ruche_ingest": {f"load_{name}" for name in platforms.names()},
    "ruche_transform": {"dbt_build", "publish", "digest"},
    "ruche_events": {"load", "refresh", "alert"},
}


@pytest.fixture(scope="module")
def dagbag(tmp_path_factory):
    os.environ.setdefault("AIRFLOW_HOME", str(tmp_path_factory.mktemp("airflow_home")))
    os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
    os.environ.setdefault("RUCHE_CONFIG", str(ROOT / "config" / "clients.demo.yml"))
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    return bag


def test_every_dag_imports(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {"ruche_ingest", "ruche_transform", "ruche_events"}


def test_house_rules(dagbag):
    for dag_id in dagbag.dag_ids:
        dag = dagbag.dags[dag_id]
        assert dag.doc_md and len(dag.doc_md) > 200, f"{dag_id}: doc_md missing"
        assert "ruche" in dag.tags, f"{dag_id}: tags"
        assert dag.catchup is False, f"{dag_id}: catchup must be off by default"
        for task in dag.tasks:
            assert task.retries >= 1, f"{dag_id}.{task.task_id}: retries"
            assert task.owner == "ruche", f"{dag_id}.{task.task_id}: owner"


def test_every_duckdb_writer_is_in_the_one_slot_pool(dagbag):
    from ruche.orchestration import WRITER_POOL

    for dag_id, writers in WRITER_TASKS.items():
        dag = dagbag.dags[dag_id]
        pooled = {t.task_id for t in dag.tasks if t.pool == WRITER_POOL}
        assert pooled == writers, f"{dag_id}: pooled tasks {pooled} != writers {writers}"
    extract = dagbag.dags["ruche_ingest"].get_task("extract")
    assert extract.pool != WRITER_POOL  # extracts run in parallel


def test_only_the_warehouse_writers_go_to_the_warehouse_queue(tmp_path, monkeypatch):
    # With RUCHE_WAREHOUSE_QUEUE set (a multi-machine Celery deployment), exactly the tasks that
    # write the DuckDB file go to that queue; extracts, plan and check stay on the default one,
    # so any worker takes them.
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("RUCHE_CONFIG", str(ROOT / "config" / "clients.demo.yml"))
    monkeypatch.setenv("RUCHE_WAREHOUSE_QUEUE", "warehouse")
    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    for dag_id, writers in WRITER_TASKS.items():
        dag = bag.dags[dag_id]
        queued = {t.task_id for t in dag.tasks if t.queue == "warehouse"}
        assert queued == writers, f"{dag_id}: on the warehouse queue {queued} != {writers}"
        others = {t.queue for t in dag.tasks if t.task_id not in writers}
        assert others <= {"default"}, f"{dag_id}: other tasks on {others}"
    assert bag.dags["ruche_ingest"].get_task("extract").queue == "default"


def test_without_a_warehouse_queue_every_task_is_on_the_default_queue(dagbag):
    # Unset (one machine): nothing changes, any worker runs any task.
    assert "RUCHE_WAREHOUSE_QUEUE" not in os.environ
    for dag in dagbag.dags.values():
        assert {t.queue for t in dag.tasks} == {"default"}, dag.dag_id


def test_a_bad_warehouse_queue_name_is_refused_in_one_line():
    from ruche.errors import SettingError
    from ruche.settings import settings

    with pytest.raises(SettingError, match=r"RUCHE_WAREHOUSE_QUEUE='default,warehouse'"):
        settings({"RUCHE_WAREHOUSE_QUEUE": "default,warehouse"})
    assert settings({"RUCHE_WAREHOUSE_QUEUE": " warehouse "}).WAREHOUSE_QUEUE == "warehouse"


def test_ingest_maps_one_task_per_account_and_emits_platform_assets(dagbag):
    dag = dagbag.dags["ruche_ingest"]
    extract = dag.get_task("extract")
    assert type(extract).__name__.endswith("MappedOperator")
    uris = {outlet.uri for t in dag.tasks for outlet in t.outlets}
    assert uris == {f"ruche://warehouse/raw/{name}" for name in platforms.names()}
    assert {"ruche://warehouse/raw/facebook", "ruche://warehouse/raw/meta_ads"} <= uris
    for platform in platforms.names():
        assert dag.get_task(f"load_{platform}").trigger_rule == "all_done"


def test_transform_is_scheduled_on_assets_with_a_time_fallback(dagbag):
    dag = dagbag.dags["ruche_transform"]
    assert type(dag.timetable).__name__ == "AssetOrTimeSchedule"
    assert {o.uri for t in dag.tasks for o in t.outlets} == {"ruche://warehouse/marts"}
    assert _condition_uris(dag) == {f"ruche://warehouse/raw/{n}" for n in platforms.names()}


def _condition_uris(dag) -> set[str]:
    """The raw Asset URIs the transform waits for (all of them: an AND condition)."""
    condition = dag.timetable.asset_condition
    assert type(condition).__name__.endswith("AssetAll")
    return {asset.uri.rstrip("/") for _, asset in condition.iter_assets()}


def test_a_registered_platform_gets_its_load_task_asset_and_transform_condition(
    tmp_path, monkeypatch
):
    # A fourth platform is one registry entry: the DAGs pick it up without an edit.
    import dataclasses

    from airflow.dag_processing.dagbag import DagBag

    extra = dataclasses.replace(platforms.REGISTRY["facebook"], name="newplatform")
    monkeypatch.setitem(platforms.REGISTRY, "newplatform", extra)
    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("RUCHE_CONFIG", str(ROOT / "config" / "clients.demo.yml"))
    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    ingest, transform = bag.dags["ruche_ingest"], bag.dags["ruche_transform"]
    assert "load_newplatform" in ingest.task_ids
    assert ingest.get_task("load_newplatform").pool
    # every registered platform (newplatform included), none named here
    assert ingest.get_task("check_accounts").upstream_task_ids == {
        f"load_{name}" for name in platforms.REGISTRY
    }
    assert _condition_uris(transform) == {
        f"ruche://warehouse/raw/{name}" for name in platforms.REGISTRY
    }


PROBE = textwrap.dedent(
    """
    import builtins, importlib.util, json, socket, sys, time
    import airflow.sdk, airflow.timetables.trigger, airflow.timetables.assets  # Airflow itself
    opened, connects = [], []
    real_open = builtins.open
    def spy_open(file, *a, **k):
        opened.append(str(file)); return real_open(file, *a, **k)
    def no_connect(self, *a, **k):
        connects.append(repr(a)); raise OSError("network at parse time")
    builtins.open = spy_open
    socket.socket.connect = no_connect
    out = {}
    for path in sys.argv[1:]:
        opened.clear()
        spec = importlib.util.spec_from_file_location("dagfile", path)
        module = importlib.util.module_from_spec(spec)
        started = time.perf_counter()
        spec.loader.exec_module(module)
        out[path] = {"seconds": time.perf_counter() - started, "opened": list(opened)}
    heavy = [m for m in ("duckdb", "dbt", "great_expectations", "requests", "connectors.runner")
             if m in sys.modules]
    print(json.dumps({"files": out, "connects": connects, "heavy": heavy}))
    """
)


def test_dag_files_parse_fast_without_io(tmp_path):
    import json

    env = os.environ | {
        "AIRFLOW_HOME": str(tmp_path),
        "RUCHE_CONFIG": str(ROOT / "config" / "clients.demo.yml"),
    }
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *map(str, DAG_FILES)],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["connects"] == []
    assert result["heavy"] == [], "warehouse/network libraries imported at parse time"
    for path, info in result["files"].items():
        assert info["seconds"] < 2.0, f"{path} took {info['seconds']:.2f}s to import"
        # The only file read: the agency block of the client config (schedule and timezone).
        # /dev/null: dill, imported by Airflow when AssetOrTimeSchedule serializes an Asset's
        # watcher trigger (ruche_events), opens it to learn Python's file types; no data.
        assert all(
            p.endswith("clients.demo.yml")
            or "/site-packages/" in p
            or "/lib/python" in p
            or p == "/dev/null"
            for p in info["opened"]
        ), info["opened"]


def test_a_night_with_failed_accounts_ends_in_a_failing_leaf(dagbag):
    # Airflow marks a run by its leaves: the loads run `all_done` (good accounts are loaded),
    # so without a last check a night with failed accounts would show as a success.
    dag = dagbag.dags["ruche_ingest"]
    leaves = [t.task_id for t in dag.tasks if not t.downstream_list]
    assert leaves == ["check_accounts"]
    check = dag.get_task("check_accounts")
    assert check.trigger_rule == "all_done"
    assert check.upstream_task_ids == {f"load_{name}" for name in platforms.names()}
    assert check.on_failure_callback, "the check must reach the alert connection when set"


def test_the_trigger_form_describes_days_and_end(dagbag):
    # The UI's trigger form shows each param's description under its field; it reads them from
    # the serialized DAG, so they are checked there.
    from airflow.serialization.serialized_objects import DagSerialization

    params = dict(DagSerialization.serialize_dag(dagbag.dags["ruche_ingest"])["params"])
    days, end = params["days"]["description"], params["end"]["description"]
    assert "1 to 730" in days and "`end`" in days and "agency's timezone" in days
    assert "YYYY-MM-DD" in end and "not ended yet" in end


def test_events_runs_on_the_webhook_doorbell_with_a_time_fallback(dagbag):
    # An AssetWatcher on the receiver's pub/sub channel (the common messaging provider's
    # trigger, through the Airflow connection named by a setting), or every 15 minutes.
    dag = dagbag.dags["ruche_events"]
    assert type(dag.timetable).__name__ == "AssetOrTimeSchedule"
    assert dag.max_active_runs == 1
    (asset,) = [a for _, a in dag.timetable.asset_condition.iter_assets()]
    assert asset.uri == "ruche://webhooks/meta"
    (watcher,) = asset.watchers  # as the scheduler stores it: the trigger serialized
    assert watcher.trigger["classpath"].endswith("redis_await_message.AwaitMessageTrigger")
    assert watcher.trigger["kwargs"] == {
        "channels": ["ruche:webhooks:doorbell"],
        "redis_conn_id": "ruche_redis",
        "poll_interval": 1.0,
    }
    assert dag.timetable.timetable.summary == "*/15 * * * *"
    assert [t.task_id for t in dag.topological_sort()] == ["land", "load", "refresh", "alert"]
    assert dag.get_task("alert").trigger_rule == "none_failed"  # after a skipped refresh too


def test_events_takes_its_channel_connection_and_poll_interval_from_the_settings(
    tmp_path, monkeypatch
):
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    monkeypatch.setenv("RUCHE_CONFIG", str(ROOT / "config" / "clients.demo.yml"))
    monkeypatch.setenv("RUCHE_WEBHOOK_CHANNEL", "agency:doorbell")
    monkeypatch.setenv("RUCHE_EVENTS_REDIS_CONN_ID", "queue_redis")
    monkeypatch.setenv("RUCHE_EVENTS_POLL_SECONDS", "0.5")
    bag = DagBag(dag_folder=str(DAGS / "ruche_events.py"))
    assert bag.import_errors == {}
    (asset,) = [a for _, a in bag.dags["ruche_events"].timetable.asset_condition.iter_assets()]
    assert asset.watchers[0].trigger["kwargs"] == {
        "channels": ["agency:doorbell"],
        "redis_conn_id": "queue_redis",
        "poll_interval": 0.5,
    }
    # No doorbell: no watcher, the time fallback alone.
    monkeypatch.setenv("RUCHE_WEBHOOK_CHANNEL", "")
    bag = DagBag(dag_folder=str(DAGS / "ruche_events.py"))
    (asset,) = [a for _, a in bag.dags["ruche_events"].timetable.asset_condition.iter_assets()]
    assert asset.watchers == []
