"""`python -m bench.events`: a comment's way from its creation to the community manager's inbox.

The real stack, as `make stack-test` runs it (`ruche.stack` without its single-process
comparison and its second night): PostgreSQL, Redis, the Airflow scheduler, dag-processor,
api-server and triggerer, two Celery workers, moto's S3 (the landing zone), the sandbox, the
real `ruche webhooks serve`, and an SMTP server on loopback. A night (one day) builds the marts
with the sandbox's world clock `--hours` back; then the sandbox sends the next `--hours` of its
world's comments as signed webhooks, its clock compressed into `--seconds` of real time (with
10 % duplicates and 10 % out-of-order deliveries); the doorbell's AssetWatcher schedules
`ruche_events`, which lands, loads, refreshes and alerts.

For each alerted comment, the latency is the e-mail's arrival at the SMTP server (wall clock)
minus the comment's creation on the sandbox's clock (the delivery log's `real_start_epoch` plus
the comment's world offset divided by the clock's speed). Median and 95th percentile, per
`--poll` value (the trigger's poll interval, `RUCHE_EVENTS_POLL_SECONDS`: what it costs), and
the receiver's deliveries per second (`bench.webhooks`, reused). Writes
`bench/results/events.json`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def one_run(hours: float, seconds: float, poll: float, timeout: float) -> dict[str, Any]:
    """The stack's events path once; its counts and the alert latencies (seconds)."""
    from ruche.stack import EventsOptions, run

    options = EventsOptions(hours=hours, seconds=seconds, poll_seconds=poll)
    code = run(1, 4, False, timeout, events=options, baseline=False)
    if code != 0:
        raise SystemExit(f"the stack's events path failed (code {code}): see the log above")
    results = dict(options.results)
    latencies = sorted(results.pop("latencies"))
    if not latencies:
        raise SystemExit("no alert named a comment: nothing to measure")
    results.update(
        {
            "alerted_comments": len(latencies),
            "latency_median_s": round(statistics.median(latencies), 1),
            "latency_p95_s": round(
                latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))], 1
            ),
            "latency_max_s": round(latencies[-1], 1),
        }
    )
    return results


def _trigger_child(redis_url: str, poll: float, idle_seconds: float, rounds: int) -> dict:
    """In a process of its own: the AssetWatcher's trigger, built as dags/ruche_events.py builds
    it, (1) listening on a silent channel for `idle_seconds` (its CPU time), then (2) `rounds`
    times armed afresh (as the triggerer re-arms it after each event), a doorbell published at a
    random moment, and the time until the trigger yields it."""
    import asyncio
    import random
    import resource
    import time

    import redis

    os.environ["AIRFLOW_CONN_BENCH_REDIS"] = redis_url
    from airflow.providers.common.messaging.triggers.msg_queue import MessageQueueTrigger

    channel = "bench:doorbell"

    def trigger() -> Any:
        return MessageQueueTrigger(
            scheme="redis+pubsub",
            channels=[channel],
            redis_conn_id="bench_redis",
            poll_interval=poll,
        ).trigger

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    async def idle() -> float:
        events = trigger().run()
        before = cpu()
        with contextlib.suppress(TimeoutError):  # nothing rang: that is the point
            await asyncio.wait_for(anext(events), idle_seconds)
        return cpu() - before

    async def one_round(client: Any) -> float:
        events = trigger().run()
        waiting = asyncio.create_task(anext(events))
        while not client.pubsub_numsub(channel)[0][1]:
            await asyncio.sleep(0.01)
        await asyncio.sleep(random.uniform(0, poll))
        sent = time.perf_counter()
        client.publish(channel, "{}")
        await waiting
        return time.perf_counter() - sent

    async def both() -> dict:
        spent = await idle()
        client = redis.Redis.from_url(redis_url)
        delays = sorted([await one_round(client) for _ in range(rounds)])
        return {
            "poll_seconds": poll,
            "idle_cpu_percent": round(100 * spent / idle_seconds, 3),
            "doorbell_to_event_median_ms": round(1000 * statistics.median(delays), 1),
            "doorbell_to_event_max_ms": round(1000 * delays[-1], 1),
        }

    return asyncio.run(both())


def trigger_cost(polls: list[float], idle_seconds: float = 30, rounds: int = 10) -> list[dict]:
    """What the trigger's poll interval costs: CPU while nothing happens, and the delay from a
    doorbell to the trigger's event; a real redis-server on a free loopback port."""
    import shutil
    import subprocess
    import tempfile
    import time
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from ruche.stack import free_port, port_open

    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("redis-server is not installed: run ./scripts/install-stack.sh")
    work = Path(tempfile.mkdtemp(prefix="ruche-bench-trigger-"))
    port = free_port()
    redis_proc = subprocess.Popen(  # noqa: S603 - fixed argv
        [server, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--dir", str(work)],
        stdout=subprocess.DEVNULL,
    )
    try:
        while not port_open(port):
            time.sleep(0.05)
        url = f"redis://127.0.0.1:{port}/0"
        with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
            return [
                pool.submit(_trigger_child, url, poll, idle_seconds, rounds).result()
                for poll in polls
            ]
    finally:
        redis_proc.terminate()
        redis_proc.wait(30)
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=12, help="world hours of comments")
    parser.add_argument("--seconds", type=float, default=180, help="real seconds to send them")
    parser.add_argument(
        "--poll", default="1,5", help="trigger poll intervals to compare, seconds (e.g. 1,5)"
    )
    parser.add_argument("--timeout", type=float, default=900, help="seconds per stage")
    parser.add_argument(
        "--no-receiver", action="store_true", help="skip the receiver's events/s (bench.webhooks)"
    )
    parser.add_argument(
        "--trigger-only",
        action="store_true",
        help="only what the poll interval costs (no stack: seconds instead of minutes)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    for noisy in ("botocore", "aiobotocore", "s3fs", "urllib3", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    results: dict[str, Any] = {"cpus": os.cpu_count(), "hours": args.hours, "runs": []}
    for poll in [float(p) for p in args.poll.split(",")]:
        if args.trigger_only:
            break
        results["runs"].append(one_run(args.hours, args.seconds, poll, args.timeout))
    polls = [float(p) for p in args.poll.split(",")]
    results["trigger"] = trigger_cost(sorted({0.1, *polls}))
    if not args.no_receiver:
        from bench import webhooks

        results["receiver"] = webhooks.main(["--events", "2000"])
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "events.json").write_text(json.dumps(results, indent=2) + "\n")
    print("| poll s | comments | alerts | ruche_events runs | median s | p95 s | max s |")
    print("|---|---|---|---|---|---|---|")
    for r in results["runs"]:
        print(
            f"| {r['poll_seconds']:g} | {r['comments']} | {r['alerts']} | {r['runs']} | "
            f"{r['latency_median_s']} | {r['latency_p95_s']} | {r['latency_max_s']} |"
        )
    print()
    print("| poll s | idle CPU % | doorbell to trigger event, median ms | max ms |")
    print("|---|---|---|---|")
    for t in results["trigger"]:
        print(
            f"| {t['poll_seconds']:g} | {t['idle_cpu_percent']} | "
            f"{t['doorbell_to_event_median_ms']} | {t['doorbell_to_event_max_ms']} |"
        )
    return results


if __name__ == "__main__":
    main()
