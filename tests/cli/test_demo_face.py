"""The demo's face: the steps `make demo` shows while Airflow runs, from the lines `airflow dags
test` really logs."""

from __future__ import annotations

import inspect

from ruche import demo
from ruche.config import load_config
from ruche.orchestration import plan_accounts

from ..conftest import DEMO_CONFIG


def test_the_step_lines_are_the_ones_airflow_dags_test_logs():
    from airflow.sdk.definitions import dag

    source = inspect.getsource(dag)
    assert '"[DAG TEST] starting task_id=%s map_index=%s"' in source
    assert '"[DAG TEST] end task task_id=%s map_index=%s"' in source


def test_steps_follow_the_tasks_per_platform_with_their_durations():
    # the demo's 3 clients on the Meta family's three platforms (the other platforms' accounts
    # are left out so that the expected steps below stay readable)
    meta = ["facebook", "instagram", "meta_ads"]
    accounts = plan_accounts(load_config(DEMO_CONFIG), platforms=meta)
    ticks = iter(range(1000))
    changes: list[str] = []
    done: list[tuple[str, float]] = []
    tracker = demo.StepTracker(
        accounts, changes.append, lambda step, s: done.append((step, s)), lambda: next(ticks)
    )
    log = ["[DAG TEST] starting task_id=plan map_index=-1", "some other line"]
    for index in range(len(accounts)):  # each account's extract takes one tick
        log += [
            f"2026-12-06 INFO - [DAG TEST] starting task_id=extract map_index={index}",
            f"2026-12-06 INFO - [DAG TEST] end task task_id=extract map_index={index}",
        ]
    for task in ("load_facebook", "load_instagram", "load_meta_ads", "dbt_build", "publish"):
        log += [
            f"[DAG TEST] starting task_id={task} map_index=-1",
            f"[DAG TEST] end task task_id={task} map_index=-1",
        ]
    for line in log:
        tracker.feed(line)
    assert done == [
        ("extract facebook", 3.0),  # three accounts, one tick each, though interleaved
        ("extract instagram", 3.0),
        ("extract meta_ads", 3.0),
        ("audit and load facebook", 1.0),
        ("audit and load instagram", 1.0),
        ("audit and load meta_ads", 1.0),
        ("dbt build", 1.0),
        ("publish", 1.0),
    ]
    assert changes[0] == "extract facebook (cafe_lumiere): 0/9 accounts extracted"
    assert changes[3] == "extract facebook (stride_athletics): 3/9 accounts extracted"
    assert changes[-1] == "publish"
