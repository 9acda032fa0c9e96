"""The sandbox HTTP server: the platforms' APIs on loopback, one API family per path prefix.

`SandboxServer(world).start()` serves the world in a daemon thread; `serve_forever` is the
blocking entry point behind ``ruche sandbox``. Each API request is routed to the registered
family whose path pattern it matches (`families.py`: Meta Graph serves ``/vNN.N/…``); the core
applies the fault plan (the family words its error kinds and usage headers in its dialect) and
records requests (method, path, params, status, fault) so tests can count and inspect them.
Faults come from the server's `FaultPlan`, from ``POST /__sandbox/faults`` or from an
``X-Sandbox-Fault`` request header.
"""

from __future__ import annotations

import collections
import contextlib
import json
import logging
import signal
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .families import ApiCall, FamilyApi, families, family_for
from .faults import FaultPlan, FaultRule, parse_header_fault
from .latency import Latency
from .meta_graph.webhooks import WebhookSender, sender_from_json
from .ratelimit import Limit, RateLimiter

log = logging.getLogger(__name__)

CONTROL_PREFIX = "/__sandbox"


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
            self.sandbox.serve_api(self, method, split.path, params, raw_query=split.query)
        except (BrokenPipeError, ConnectionResetError):
            log.debug("client went away during %s %s", method, split.path)


class SandboxServer:
    """The registered API families (today Facebook Pages, Instagram and the Marketing API)
    serving `world` on `host:port` (port 0 picks a free port). Use as a context manager or
    call `start()` / `stop()`. Keyword options (`api_versions`, `polls_to_complete`,
    `usage_budget`) go to every family that takes them. `latency` delays every API request
    (not the control endpoints) by a seeded log-normal draw; None (the default) answers at
    once. Each request is served in its own thread, so delayed requests overlap.
    `documented_limits` enforces each family's documented rate limits (`Family.rate_limits`,
    per token or per app, whatever the concurrency); `limits` replaces some families' limits
    (tests: small numbers), and implies `documented_limits`."""

    def __init__(
        self,
        world: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultPlan | None = None,
        api_versions: tuple[str, ...] | None = None,
        *,
        polls_to_complete: int = 3,
        usage_budget: int = 100_000,
        latency: Latency | None = None,
        documented_limits: bool = False,
        limits: dict[str, tuple[Limit, ...]] | None = None,
    ) -> None:
        self.world = world
        self.latency = latency
        self.limiter = RateLimiter()
        self.documented_limits = documented_limits or limits is not None
        self._limits = {
            name: (limits or {}).get(name, family.rate_limits)
            for name, family in families().items()
        }
        self.host = host
        self.port = port
        self.faults = faults if faults is not None else FaultPlan()
        options = {
            "api_versions": api_versions,
            "polls_to_complete": polls_to_complete,
            "usage_budget": usage_budget,
            "documented_limits": self.documented_limits,
        }
        self.apis: dict[str, FamilyApi] = {
            name: family.api(world, lambda: self.url, **options)
            for name, family in families().items()
        }
        self._records: list[dict[str, Any]] = []
        self._records_lock = threading.Lock()
        self.webhooks: WebhookSender | None = None
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
        if self.webhooks is not None:
            self.webhooks.stop()
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
        for api in self.apis.values():
            api.reset()
        if self.latency is not None:
            self.latency.reset()
        self.limiter.reset()

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
            "limits_refused": self.limiter.summary(),
        }

    # ------------------------------------------------------------------ control endpoints

    def control(self, handler: _Handler, method: str, path: str, raw: bytes) -> None:
        """``/__sandbox/…``: never faulted, never recorded."""
        route = path[len(CONTROL_PREFIX) :].strip("/")
        status, body = 404, {"error": f"unknown control endpoint {method} {path}"}
        if route == "health" and method == "GET":
            body = {"status": "ok", "seed": self.world.seed, "now": self.world.now.isoformat()}
            for api in self.apis.values():
                body.update(api.health())
            body["accounts"] = len(self.world.accounts())
            body["families"] = list(self.apis)
            body["latency"] = self.latency.describe() if self.latency is not None else None
            status = 200
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
        elif route == "webhooks":
            status, body = self._control_webhooks(method, raw)
        handler.send_payload(status, json.dumps(body).encode(), "application/json")

    def _control_webhooks(self, method: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        """``/__sandbox/webhooks``: POST subscribes a callback and starts sending (replacing a
        running subscription), GET reads the delivery log, DELETE stops and returns it."""
        if method == "POST":
            try:
                config = json.loads(raw or b"{}")
                if not isinstance(config, dict):
                    raise ValueError("the body must be a JSON object of webhook options")
                sender = sender_from_json(self.world, config)
            except (ValueError, TypeError) as exc:
                return 400, {"error": f"webhooks: {exc}"}
            if self.webhooks is not None:
                self.webhooks.stop()
            self.webhooks = sender.start()
            return 201, self.webhooks.report()
        if self.webhooks is None:
            return 404, {"error": "no webhook subscription: POST /__sandbox/webhooks first"}
        if method == "GET":
            return 200, self.webhooks.report()
        if method == "DELETE":
            self.webhooks.stop()
            return 200, self.webhooks.report()
        return 405, {"error": f"{method} /__sandbox/webhooks: use POST, GET or DELETE"}

    # ------------------------------------------------------------------ API requests

    def serve_api(
        self,
        handler: _Handler,
        method: str,
        path: str,
        params: dict[str, str],
        raw_query: str = "",
    ) -> None:
        family = family_for(path)
        if family is None:
            served = "; ".join(f"{f.name}: {f.paths}" for f in families().values())
            body = {"error": f"no API family serves {path} (registered: {served})"}
            self._record(method, path, params, 404, None)
            handler.send_payload(404, json.dumps(body).encode(), "application/json")
            return
        api = self.apis[family.name]
        if self.latency is not None:
            # The platform's time to answer, before anything is decided: a request that ends in
            # an error or a throttle takes as long as one that succeeds.
            time.sleep(self.latency.delay(method, path, params))
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

        call = ApiCall(
            method=method,
            path=path,
            params=params,
            headers=handler.headers,
            base_url=self.url,
            take_fault=take_fault,
            raw_query=raw_query,
        )
        context = api.begin(call)
        limits = self._limits[family.name] if self.documented_limits else ()
        refusal = self.limiter.check(limits, path, handler.headers) if limits else None
        if refusal is not None:
            # Over a documented limit: the family's own throttle answer, with the wait the
            # platform would give (recorded as `limit:<name>` so a run can say where it bound).
            limit = refusal.limit
            throttle = FaultRule(kind=limit.kind, options=limit.options(refusal.wait_seconds))
            response = api.fault_response(context, throttle, limit.kind in family.rate_limit_kinds)
            self._record(method, path, params, response.status, f"limit:{limit.name}")
            handler.send_payload(
                response.status, response.body, response.content_type, response.headers
            )
            return
        rule = take_fault(family.request_kinds)
        usage_pct: int | None = None
        if rule is not None:
            call.faults.append(rule.kind)
            kind = rule.kind
            if kind == "drop":
                self._record(method, path, params, 0, kind)
                handler.drop()
                return
            if kind == "slow":
                time.sleep(float(rule.option("delay", 3.0)))
            elif kind == "usage_high":
                usage_pct = int(rule.option("pct", 96))
            elif kind in family.error_kinds:
                response = api.fault_response(context, rule, kind in family.rate_limit_kinds)
                # Recorded before the response leaves, so a client that got it sees the record.
                self._record(method, path, params, response.status, kind)
                handler.send_payload(
                    response.status, response.body, response.content_type, response.headers
                )
                return
        response = api.respond(context, usage_pct)
        payload = response.body
        if rule is not None and rule.kind == "truncated":
            payload = payload[: len(payload) // 2]
        self._record(method, path, params, response.status, "+".join(call.faults) or None)
        handler.send_payload(response.status, payload, response.content_type, response.headers)


def serve_forever(world: Any, host: str = "127.0.0.1", port: int = 8765, **options: Any) -> None:
    """Serve `world` until interrupted (Ctrl-C or SIGTERM). Building the world — which agency,
    seed, clock and scale — is the caller's: ``ruche sandbox`` and ``python -m
    connectors.sandbox`` do it from a Ruche configuration (`ruche.sandbox.sandbox_world`)."""
    server = SandboxServer(world, host=host, port=port, **options)
    server.start()
    log.info(
        "sandbox world: seed %s, now %s, %d accounts; serving %s on %s; %s (Ctrl-C stops)",
        world.seed,
        world.now.isoformat(),
        len(world.accounts()),
        ", ".join(server.apis),
        server.url,
        server.latency.describe() if server.latency is not None else "no added latency",
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
