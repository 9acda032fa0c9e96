"""``python -m connectors.sandbox --port 8765``: serve the sandbox until Ctrl-C (the same as
``ruche sandbox`` once the CLI is wired)."""

from __future__ import annotations

import argparse
import logging

from .scale import SCALES
from .server import serve_forever


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m connectors.sandbox", description=__doc__)
    parser.add_argument("--config", default=None, help="clients YAML (default: the demo config)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--now", default=None, help="world clock, ISO 8601 (default: now)")
    parser.add_argument("--scale", default="demo", choices=sorted(SCALES))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    serve_forever(args.config, args.host, args.port, args.seed, args.now, args.scale)


if __name__ == "__main__":
    main()
