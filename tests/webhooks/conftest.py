"""A real redis-server on a free loopback port (append-only file, so a restart keeps the
stream, as a queue's Redis should) and the real receiver served by uvicorn in a thread."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from ruche.stack import free_port, port_open

APP_SECRET = "app-secret-" + secrets.token_hex(8)
VERIFY_TOKEN = "verify-token-" + secrets.token_hex(8)
STREAM = "ruche:test:webhooks"


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def comment_body(comment_id: str, page_id: str = "1001", time_: int = 1763625600) -> bytes:
    """A Page `feed` change for a new comment, shaped as Meta sends it."""
    payload = {
        "object": "page",
        "entry": [
            {
                "id": page_id,
                "time": time_,
                "changes": [
                    {
                        "field": "feed",
                        "value": {
                            "item": "comment",
                            "verb": "add",
                            "post_id": f"{page_id}_42",
                            "comment_id": comment_id,
                            "message": "Où est ma commande ? ",
                            "from": {"id": "77", "name": "A Person"},
                            "created_time": time_,
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


@dataclass
class RedisServer:
    folder: Path
    port: int
    password: str
    popen: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def start(self) -> None:
        conf = self.folder / "redis.conf"
        conf.write_text(
            f"bind 127.0.0.1\nport {self.port}\nprotected-mode yes\n"
            f'requirepass {self.password}\nsave ""\nappendonly yes\nappendfsync always\n'
            f"dir {self.folder}\ndaemonize no\nlogfile redis.log\n"
        )
        self.popen = subprocess.Popen(
            [shutil.which("redis-server"), str(conf)],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while not port_open(self.port):
            assert self.popen.poll() is None, (self.folder / "redis.log").read_text()
            assert time.monotonic() < deadline, "redis-server did not open its port"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.terminate()
            self.popen.wait(timeout=20)
        self.popen = None

    def client(self):
        import redis

        return redis.Redis.from_url(self.url)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed (./scripts/install-stack.sh installs it)")
    server = RedisServer(tmp_path / "redis", free_port(), secrets.token_hex(12))
    server.folder.mkdir()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Receiver:
    url: str
    spool: Path
    server: object


@pytest.fixture
def receiver_env(redis_server: RedisServer, tmp_path: Path, monkeypatch) -> dict[str, str]:
    env = {
        "RUCHE_META_APP_SECRET": APP_SECRET,
        "RUCHE_WEBHOOK_VERIFY_TOKEN": VERIFY_TOKEN,
        "RUCHE_WEBHOOK_REDIS_URL": redis_server.url,
        "RUCHE_WEBHOOK_STREAM": STREAM,
        "RUCHE_WEBHOOK_SPOOL": str(tmp_path / "spool"),
        "RUCHE_WEBHOOK_MAX_BODY": "4096",
        "RUCHE_WEBHOOK_REPLAY_SECONDS": "0.2",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


@pytest.fixture
def receiver(receiver_env: dict[str, str], tmp_path: Path) -> Iterator[Receiver]:
    from ruche.webhooks.app import make_server

    port = free_port()
    server = make_server("127.0.0.1", port)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "the receiver stopped at start"
        assert time.monotonic() < deadline, "the receiver did not start"
        time.sleep(0.02)
    try:
        yield Receiver(f"http://127.0.0.1:{port}/webhooks/meta", tmp_path / "spool", server)
    finally:
        server.should_exit = True
        thread.join(timeout=20)
