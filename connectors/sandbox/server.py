"""The sandbox HTTP server: a real Graph API look-alike on loopback.

`SandboxServer(world).start()` serves the world in a daemon thread; `serve_forever` is the
blocking entry point behind ``ruche sandbox``. Requests are recorded (method, path, params,
status, fault) so tests can count and inspect them; faults come from the server's `FaultPlan`,
from ``POST /__sandbox/faults`` or from an ``X-Sandbox-Fault`` request header.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import json
import logging
import math
import os
import signal
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ruche.config import DEFAULT_CONFIG_PATH, load_config

from .errors import GraphError, bad_version, missing_token
from .faults import (
    REQUEST_KINDS,
    THROTTLE_KINDS,
    FaultPlan,
    FaultRule,
    RawResponse,
    fault_error,
    parse_header_fault,
)
from .graph import ApiRequest, GraphApi
from .scale import SCALES, synthetic_config
from .world import World

log = logging.getLogger(__name__)

API_VERSIONS = ("v25.0", "v24.0", "v23.0", "v22.0")
CONTROL_PREFIX = "/__sandbox"


class UsageMeter:
    """Calls per rolling 60 s window, per bucket (the app, and each business object), as a
    percentage of a budget. Generous by default, so usage stays low unless a fault says so."""

    def __init__(self, budget: int, window: float = 60.0) -> None:
        self.budget = max(1, budget)
        self.window = window
        self._calls: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, *buckets: str) -> dict[str, int]:
        now = time.monotonic()
        out = {}
        with self._lock:
            for bucket in buckets:
                calls = self._calls.setdefault(bucket, collections.deque())
                calls.append(now)
                while calls and calls[0] < now - self.window:
                    calls.popleft()
                out[bucket] = min(100, len(calls) * 100 // self.budget)
        return out

    def hit_with_reset(self, bucket: str) -> tuple[float, int]:
        """(percent used, 2 decimals; whole seconds until the window holds no call again):
        the two numbers of `X-Ad-Account-Usage`."""
        now = time.monotonic()
        with self._lock:
            calls = self._calls.setdefault(bucket, collections.deque())
            calls.append(now)
            while calls and calls[0] < now - self.window:
                calls.popleft()
            pct = min(100.0, round(len(calls) * 100 / self.budget, 2))
            reset = math.ceil(calls[0] + self.window - now) if calls else 0
        return pct, reset

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()


AD_ACCOUNT_WINDOW_SECONDS = 300.0
"""The sandbox's ad-account usage window: `reset_time_duration` counts down from it."""


def _usage_headers(
    family: str | None,
    buc_id: str | None,
    insights: bool,
    app_pct: int,
    buc_pct: int,
    regain: int = 0,
    ad_account: tuple[float, int] | None = None,
) -> dict[str, str]:
    def triple(pct: int) -> dict[str, int]:
        return {"call_count": pct, "total_cputime": max(0, pct - 1), "total_time": pct}

    headers = {"X-App-Usage": json.dumps(triple(app_pct), separators=(",", ":"))}
    if family and buc_id:
        kind = ("ads_insights" if insights else "ads_management") if family == "ads" else family
        entry: dict[str, Any] = {"type": kind, **triple(buc_pct)}
        entry["estimated_time_to_regain_access"] = regain
        if family == "ads":
            entry["ads_api_access_tier"] = "standard_access"
        headers["X-Business-Use-Case-Usage"] = json.dumps({buc_id: [entry]}, separators=(",", ":"))
        if family == "ads" and ad_account is not None:
            # Marketing API rate-limiting docs: `acc_id_util_pct` a percentage,
            # `reset_time_duration` SECONDS until the ad account's usage is back to 0,
            # e.g. {"acc_id_util_pct":9.67,"reset_time_duration":100,"ads_api_access_tier":…}.
            pct, reset = ad_account
            headers["X-Ad-Account-Usage"] = json.dumps(
                {
                    "acc_id_util_pct": pct,
                    "reset_time_duration": reset,
                    "ads_api_access_tier": "standard_access",
                },
                separators=(",", ":"),
            )
        if family == "ads" and insights:
            headers["X-FB-Ads-Insights-Throttle"] = json.dumps(
                {
                    "app_id_util_pct": app_pct,
                    "acc_id_util_pct": buc_pct,
                    "ads_api_access_tier": "standard_access",
                },
                separators=(",", ":"),
            )
    return headers


def _json_bytes(body: Any) -> bytes:
    """JSON the way Graph writes it: ASCII with \\u escapes, and escaped slashes."""
    return json.dumps(body, separators=(",", ":")).replace("/", "\\/").encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "RucheSandbox/1.0"
    disable_nagle_algorithm = True
    timeout = 30
    sandbox: SandboxServer  # set on the per-server subclass

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # ------------------------------------------------------------------ plumbing

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def send_payload(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def drop(self) -> None:
        """Close the socket without a response."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        params = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        raw = self._read_body()
        if split.path.startswith(CONTROL_PREFIX):
            self.sandbox.control(self, method, split.path, raw)
            return
        if raw:
            content_type = self.headers.get("Content-Type", "")
            if "json" in content_type:
                try:
                    data = json.loads(raw)
                except json.JSONDecodeError:
                    data = {}
                if isinstance(data, dict):
                    for key, value in data.items():
                        params[key] = value if isinstance(value, str) else json.dumps(value)
            else:
                form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
                params.update({k: v[-1] for k, v in form.items()})
        try:
            self.sandbox.serve_api(self, method, split.path, params)
        except (BrokenPipeError, ConnectionResetError):
            log.debug("client went away during %s %s", method, split.path)


class SandboxServer:
    """A Graph / Instagram / Marketing API look-alike serving `world` on `host:port`
    (port 0 picks a free port). Use as a context manager or call `start()` / `stop()`."""

    def __init__(
        self,
        world: World,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultPlan | None = None,
        api_versions: tuple[str, ...] = API_VERSIONS,
        *,
        polls_to_complete: int = 3,
        usage_budget: int = 100_000,
    ) -> None:
        self.world = world
        self.host = host
        self.port = port
        self.faults = faults if faults is not None else FaultPlan()
        self.api_versions = tuple(api_versions)
        self.api = GraphApi(world, polls_to_complete=polls_to_complete)
        self.usage = UsageMeter(usage_budget)
        self.ad_account_usage = UsageMeter(usage_budget, window=AD_ACCOUNT_WINDOW_SECONDS)
        self._records: list[dict[str, Any]] = []
        self._records_lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> SandboxServer:
        if self._httpd is not None:
            return self
        handler = type("SandboxHandler", (_Handler,), {"sandbox": self})
        httpd = ThreadingHTTPServer((self.host, self.port), handler)
        httpd.daemon_threads = True
        httpd.block_on_close = False
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        log.info("sandbox serving on %s", self.url)
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # ------------------------------------------------------------------ stats

    @property
    def requests(self) -> list[dict[str, Any]]:
        """A snapshot of every API request served: method, path, params, status, fault."""
        with self._records_lock:
            return list(self._records)

    def reset_stats(self) -> None:
        with self._records_lock:
            self._records.clear()
        self.usage.reset()
        self.ad_account_usage.reset()

    def _record(
        self, method: str, path: str, params: dict[str, str], status: int, fault: str | None
    ) -> None:
        with self._records_lock:
            self._records.append(
                {"method": method, "path": path, "params": params, "status": status, "fault": fault}
            )

    def stats(self) -> dict[str, Any]:
        records = self.requests
        return {
            "requests": len(records),
            "by_status": dict(collections.Counter(str(r["status"]) for r in records)),
            "by_fault": dict(collections.Counter(r["fault"] for r in records if r["fault"])),
            "rules": [rule.to_dict() for rule in self.faults.rules],
        }

    # ------------------------------------------------------------------ control endpoints

    def control(self, handler: _Handler, method: str, path: str, raw: bytes) -> None:
        """``/__sandbox/…``: never faulted, never recorded."""
        route = path[len(CONTROL_PREFIX) :].strip("/")
        status, body = 404, {"error": f"unknown control endpoint {method} {path}"}
        if route == "health" and method == "GET":
            status, body = (
                200,
                {
                    "status": "ok",
                    "seed": self.world.seed,
                    "now": self.world.now.isoformat(),
                    "api_versions": list(self.api_versions),
                    "accounts": len(self.world.accounts()),
                },
            )
        elif route == "stats" and method == "GET":
            status, body = 200, self.stats()
        elif route == "stats" and method == "DELETE":
            self.reset_stats()
            status, body = 200, {"reset": True}
        elif route == "faults" and method == "GET":
            status, body = 200, {"rules": [rule.to_dict() for rule in self.faults.rules]}
        elif route == "faults" and method == "DELETE":
            status, body = 200, {"cleared": self.faults.clear()}
        elif route == "faults" and method == "POST":
            try:
                rule = self.faults.add_from_json(json.loads(raw or b"{}"))
                status, body = 201, {"rule": rule.to_dict()}
            except (ValueError, TypeError) as exc:
                status, body = 400, {"error": str(exc)}
        handler.send_payload(status, json.dumps(body).encode(), "application/json")

    # ------------------------------------------------------------------ API requests

    def serve_api(self, handler: _Handler, method: str, path: str, params: dict[str, str]) -> None:
        header_rule: FaultRule | None = None
        header_value = handler.headers.get("X-Sandbox-Fault")
        if header_value:
            try:
                header_rule = parse_header_fault(header_value)
            except ValueError as exc:
                handler.send_payload(
                    400, json.dumps({"error": str(exc)}).encode(), "application/json"
                )
                return
        header_used = False

        def take_fault(kinds: tuple[str, ...]) -> FaultRule | None:
            nonlocal header_used
            if header_rule is not None and not header_used and header_rule.kind in kinds:
                header_used = True
                return header_rule
            return self.faults.take(path, kinds)

        segments = path.strip("/").split("/")
        version, rest = segments[0], segments[1:]
        resolved = None
        if rest and rest[0]:
            try:
                resolved = self.api.resolve(rest[0])
            except Exception:  # a malformed id is simply unknown
                log.debug("could not resolve %r", rest[0], exc_info=True)
        family, buc_id = GraphApi.family(resolved)
        insights = family == "ads" and (
            rest[1:2] == ["insights"] or (rest and resolved and resolved[0] == "report_run")
        )
        buckets = ["app"] + ([buc_id] if buc_id else [])
        usage = self.usage.hit(*buckets)
        app_pct = usage["app"]
        buc_pct = usage.get(buc_id, 0) if buc_id else 0
        ad_account = (
            self.ad_account_usage.hit_with_reset(buc_id) if family == "ads" and buc_id else None
        )
        instagram = family == "instagram"

        applied: list[str] = []
        rule = take_fault(REQUEST_KINDS)
        if rule is not None:
            applied.append(rule.kind)
            kind = rule.kind
            if kind == "drop":
                self._record(method, path, params, 0, kind)
                handler.drop()
                return
            if kind == "slow":
                time.sleep(float(rule.option("delay", 3.0)))
            elif kind not in ("usage_high", "truncated"):
                error = fault_error(rule, self.world.now)
                regain = 0
                if kind in THROTTLE_KINDS or kind == "http_429":
                    app_pct = buc_pct = 100
                    regain = int(rule.option("regain_minutes", 1))
                    if ad_account is not None:
                        ad_account = (100.0, max(ad_account[1], regain * 60))
                headers = _usage_headers(
                    family, buc_id, bool(insights), app_pct, buc_pct, regain, ad_account
                )
                # Recorded before the response leaves, so a client that got it sees the record.
                self._record(method, path, params, error.status, kind)
                if isinstance(error, RawResponse):
                    handler.send_payload(error.status, error.body, error.content_type, headers)
                    return
                headers.update(error.headers)
                self._send_json(handler, error.status, error.body(instagram), headers, version)
                return

        req = ApiRequest(
            method=method,
            version=version,
            segments=rest,
            params=params,
            token="",
            base_url=self.url,
            take_fault=take_fault,
            faults=applied,
        )
        extra_headers: dict[str, str] = {}
        try:
            if version not in self.api_versions:
                raise bad_version(version, self.api_versions[0])
            req.token = self._token(handler, params)
            body = self.api.handle(req, resolved)
            status = 200
        except GraphError as exc:
            status = exc.status
            body = exc.body(instagram)
            extra_headers.update(exc.headers)
        except Exception:
            log.exception("sandbox failed on %s %s", method, path)
            status = 500
            body = GraphError(1, "An unknown error occurred", status=500, transient=True).body(
                instagram
            )
        if rule is not None and rule.kind == "usage_high":
            app_pct = buc_pct = int(rule.option("pct", 96))
            if ad_account is not None:
                ad_account = (float(app_pct), ad_account[1])
        headers = _usage_headers(
            family, buc_id, bool(insights), app_pct, buc_pct, ad_account=ad_account
        )
        headers.update(extra_headers)
        payload = _json_bytes(body)
        if rule is not None and rule.kind == "truncated":
            payload = payload[: len(payload) // 2]
        self._record(method, path, params, status, "+".join(applied) or None)
        self._send_bytes(handler, status, payload, headers, version)

    @staticmethod
    def _token(handler: _Handler, params: dict[str, str]) -> str:
        auth = handler.headers.get("Authorization", "")
        scheme, _, value = auth.partition(" ")
        token = value.strip() if scheme.lower() in ("bearer", "oauth") else ""
        token = token or params.get("access_token", "").strip()
        if not token:
            raise missing_token()
        return token

    def _send_json(
        self, handler: _Handler, status: int, body: Any, headers: dict[str, str], version: str
    ) -> None:
        self._send_bytes(handler, status, _json_bytes(body), headers, version)

    def _send_bytes(
        self, handler: _Handler, status: int, payload: bytes, headers: dict[str, str], version: str
    ) -> None:
        headers = dict(headers)
        if version in self.api_versions:
            headers["facebook-api-version"] = version
        handler.send_payload(status, payload, "application/json; charset=UTF-8", headers)


def _parse_now(now: dt.datetime | str | None) -> dt.datetime | None:
    if now is None or isinstance(now, dt.datetime):
        return now
    parsed = dt.datetime.fromisoformat(now.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def serve_forever(
    config_path: str | os.PathLike[str] | None = None,
    host: str = "127.0.0.1",
    port: int = 8765,
    seed: int = 7,
    now: dt.datetime | str | None = None,
    scale_name: str = "demo",
) -> None:
    """Serve a sandbox world until interrupted (Ctrl-C). Without a config path, the demo
    scale serves ``config/clients.demo.yml`` and other scales a synthetic agency of that size."""
    if scale_name not in SCALES:
        raise ValueError(f"unknown scale {scale_name!r}; known: {', '.join(SCALES)}")
    scale = SCALES[scale_name]
    if config_path is not None:
        config = load_config(Path(config_path))
    elif scale_name == "demo":
        config = load_config(DEFAULT_CONFIG_PATH)
    else:
        config = synthetic_config(scale, seed)
    world = World(config, seed=seed, now=_parse_now(now), scale=scale)
    server = SandboxServer(world, host=host, port=port)
    server.start()
    log.info(
        "sandbox world: seed %s, now %s, %d accounts, scale %s; serving on %s (Ctrl-C stops)",
        seed,
        world.now.isoformat(),
        len(world.accounts()),
        scale_name,
        server.url,
    )
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():
        # `docker stop` and process managers send SIGTERM: stop as cleanly as on Ctrl-C.
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        log.info("sandbox stopped")
