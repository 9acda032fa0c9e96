"""``python -m connectors.sandbox --port 8765``: serve the sandbox until Ctrl-C (the same as
``ruche sandbox``). The entry point is where a Ruche configuration becomes a world
(`ruche.sandbox`); the sandbox modules themselves read plain data only."""

from __future__ import annotations

import argparse
import datetime as dt
import logging

from .latency import parse_latency
from .scale import SCALES
from .server import serve_forever


def main(argv: list[str] | None = None) -> None:
    from ruche.sandbox import sandbox_world

    parser = argparse.ArgumentParser(prog="python -m connectors.sandbox", description=__doc__)
    parser.add_argument("--config", default=None, help="clients YAML (default: the demo config)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--now", default=None, help="world clock, ISO 8601 (default: now)")
    parser.add_argument("--scale", default="demo", choices=sorted(SCALES))
    parser.add_argument(
        "--latency",
        default=None,
        help="latency added to each API request: median ms (150) or median/p95 (150/600), "
        "log-normal, seeded by --seed; off (default): none",
    )
    args = parser.parse_args(argv)
    try:
        latency = parse_latency(args.latency, args.seed)
    except ValueError as exc:
        parser.error(f"--latency: {exc}")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    now = None
    if args.now:
        now = dt.datetime.fromisoformat(args.now.replace("Z", "+00:00"))
        now = now if now.tzinfo else now.replace(tzinfo=dt.UTC)
    world = sandbox_world(args.config, args.scale, args.seed, now)
    serve_forever(world, args.host, args.port, latency=latency)


if __name__ == "__main__":
    main()
