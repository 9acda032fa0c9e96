"""`python -m bench.webhooks`: the webhook deliveries per second the receiver accepts.

The real `ruche webhooks serve` (one uvicorn process) on loopback, a real redis-server (append-
only file, `appendfsync everysec`, as a queue's Redis should run), and `--clients` client
processes each posting signed Meta comment deliveries back to back over a keep-alive session.
Two modes: `stream` (Redis up: each 200 after `XADD`) and `spool` (Redis stopped: each 200
after the fsync'd spool append); then the spool's replay onto the stream is timed too. Prints a
table and writes `bench/results/webhooks.json`. The clients share the machine's cores with the
receiver and Redis, so the figure is a floor for a receiver on a machine of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
STREAM = "ruche:bench:webhooks"


def _body(client: int, number: int) -> bytes:
    comment = f"{client}_{number}"
    return json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "1001",
                    "time": 1763625600 + number,
                    "changes": [
                        {
                            "field": "feed",
                            "value": {
                                "item": "comment",
                                "verb": "add",
                                "post_id": "1001_42",
                                "comment_id": comment,
                                "message": "Toujours pas reçu ma commande, c'est inadmissible",
                                "from": {"id": "77", "name": "A Person"},
                                "created_time": 1763625600 + number,
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


def _post_many(url: str, secret: str, client: int, count: int) -> list[float]:
    """Post `count` signed deliveries; each one's seconds to its 200."""
    import hashlib
    import hmac

    import requests

    session = requests.Session()
    bodies = [_body(client, n) for n in range(count)]
    took = []
    for body in bodies:
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        started = time.perf_counter()
        response = session.post(url, data=body, headers={"X-Hub-Signature-256": signature})
        took.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"delivery refused: {response.status_code} {response.text}")
    return took


def _run(url: str, secret: str, clients: int, per_client: int) -> dict[str, float]:
    started = time.perf_counter()
    with ProcessPoolExecutor(clients, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_post_many, url, secret, c, per_client) for c in range(clients)]
        took = [t for f in futures for t in f.result()]
    elapsed = time.perf_counter() - started
    took.sort()
    return {
        "events": len(took),
        "seconds": round(elapsed, 3),
        "events_per_second": round(len(took) / elapsed, 1),
        "median_ms": round(statistics.median(took) * 1000, 2),
        "p95_ms": round(took[int(0.95 * (len(took) - 1))] * 1000, 2),
    }


def _wait_port(port: int, process: subprocess.Popen, what: str) -> None:
    from ruche.stack import port_open

    deadline = time.monotonic() + 60
    while not port_open(port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not start")
        time.sleep(0.05)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from ruche.stack import free_port

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=4000, help="deliveries per mode")
    parser.add_argument("--clients", type=int, default=4, help="client processes")
    args = parser.parse_args(argv)
    server = shutil.which("redis-server")
    if server is None:
        sys.exit("redis-server is not installed: run ./scripts/install-stack.sh")
    work = Path(tempfile.mkdtemp(prefix="ruche-bench-webhooks-"))
    redis_port, port = free_port(), free_port()
    password, secret = secrets.token_hex(12), secrets.token_hex(16)
    conf = work / "redis.conf"
    conf.write_text(
        f'bind 127.0.0.1\nport {redis_port}\nrequirepass {password}\nsave ""\n'
        f"appendonly yes\nappendfsync everysec\ndir {work}\nlogfile redis.log\n"
    )
    env = {
        **os.environ,
        "RUCHE_META_APP_SECRET": secret,
        "RUCHE_WEBHOOK_VERIFY_TOKEN": secrets.token_hex(8),
        "RUCHE_WEBHOOK_REDIS_URL": f"redis://:{password}@127.0.0.1:{redis_port}/0",
        "RUCHE_WEBHOOK_STREAM": STREAM,
        "RUCHE_WEBHOOK_SPOOL": str(work / "spool"),
        "RUCHE_WEBHOOK_REPLAY_SECONDS": "3600",  # the replay is timed below, by the command
    }
    redis_proc = subprocess.Popen([server, str(conf)], cwd=work)  # noqa: S603
    receiver = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "ruche.cli", "webhooks", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/webhooks/meta"
    per_client = args.events // args.clients
    results: dict[str, Any] = {"clients": args.clients, "cpus": os.cpu_count()}
    try:
        _wait_port(redis_port, redis_proc, "redis-server")
        _wait_port(port, receiver, "the receiver")
        _post_many(url, secret, 99, 50)  # warm-up
        results["stream"] = _run(url, secret, args.clients, per_client)
        redis_proc.terminate()
        redis_proc.wait(30)
        results["spool"] = _run(url, secret, args.clients, per_client)
        redis_proc = subprocess.Popen([server, str(conf)], cwd=work)  # noqa: S603
        _wait_port(redis_port, redis_proc, "redis-server")
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "ruche.cli", "webhooks", "replay"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        replay = time.perf_counter() - started
        import redis

        length = redis.Redis.from_url(env["RUCHE_WEBHOOK_REDIS_URL"]).xlen(STREAM)
        expected = 50 + 2 * per_client * args.clients
        if length != expected:
            raise RuntimeError(f"the stream holds {length} entries, expected {expected}")
        results["replay"] = {
            "events": per_client * args.clients,
            "seconds": round(replay, 3),
            "events_per_second": round(per_client * args.clients / replay, 1),
        }
    finally:
        receiver.terminate()
        receiver.wait(30)
        redis_proc.terminate()
        redis_proc.wait(30)
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "webhooks.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"| mode | events | events/s | median ms | p95 ms |  ({args.clients} clients)")
    print("|---|---|---|---|---|")
    for mode in ("stream", "spool"):
        r = results[mode]
        print(
            f"| {mode} | {r['events']} | {r['events_per_second']} | {r['median_ms']} | "
            f"{r['p95_ms']} |"
        )
    r = results["replay"]
    print(f"| replay (command) | {r['events']} | {r['events_per_second']} | | |")
    return results


if __name__ == "__main__":
    main()
