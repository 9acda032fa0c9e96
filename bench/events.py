"""`python -m bench.events`: a comment's way from its creation to the community manager's inbox.

The real stack's events path, as `make stack-test` runs it (`ruche.stack` with the night left
out): PostgreSQL, Redis, the Airflow scheduler, dag-processor, api-server and triggerer, two
Celery workers, moto's S3 (the landing zone), the sandbox, the real `ruche webhooks serve`, and an
SMTP server on loopback. The sandbox sends its world's comments of the last `--hours` as signed
webhooks, its clock compressed into `--seconds` of real time (with 10 % duplicates and 10 %
out-of-order deliveries); the doorbell's AssetWatcher schedules `ruche_events`, which lands,
loads, refreshes and alerts.

For each alerted comment, the latency is the e-mail's arrival at the SMTP server (wall clock)
minus the comment's creation on the sandbox's clock (the delivery log's `real_start_epoch` plus
the comment's world offset divided by the clock's speed). Median and 95th percentile, per
`--poll` value (the trigger's poll interval, `RUCHE_EVENTS_POLL_SECONDS`: what it costs), and
the receiver's deliveries per second (`bench.webhooks`, reused). Writes
`bench/results/events.json`.
"""

from __future__ import annotations

import argparse
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
    code = run(2, 4, False, timeout, events=options, night=False)
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
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
    for noisy in ("botocore", "aiobotocore", "s3fs", "urllib3", "mail.log"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    results: dict[str, Any] = {"cpus": os.cpu_count(), "hours": args.hours, "runs": []}
    for poll in [float(p) for p in args.poll.split(",")]:
        results["runs"].append(one_run(args.hours, args.seconds, poll, args.timeout))
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
    return results


if __name__ == "__main__":
    main()
