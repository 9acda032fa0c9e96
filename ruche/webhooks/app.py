"""The webhook receiver: a Starlette app (Starlette comes with Airflow 3's API server).

`GET /webhooks/meta` answers Meta's verification handshake; `POST /webhooks/meta` takes an
event notification: refused (403) unless `X-Hub-Signature-256` is the HMAC-SHA256 of the raw
body with the app secret, refused (413) beyond the body limit without reading further, else
queued durably (`queue.EventQueue`) and answered 200. Meta's signature has no timestamp and Meta
retries deliveries, so a repeated body with its signature is a legitimate retry, accepted and
queued again; downstream de-duplicates by the ids on the stream entry. Neither the secret nor
the token is ever logged or echoed: refusals say why in a few words.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import anyio.to_thread
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from ruche.webhooks.queue import EventQueue, make_entry

log = logging.getLogger("ruche.webhooks")

PATH = "/webhooks/meta"
SIGNATURE = re.compile(r"sha256=([0-9a-fA-F]{64})")


@dataclass(frozen=True)
class ReceiverConfig:
    app_secret: str
    verify_token: str | None
    max_body: int
    replay_seconds: float

    def __repr__(self) -> str:  # the secrets stay out of any traceback or log
        return f"ReceiverConfig(max_body={self.max_body}, replay_seconds={self.replay_seconds})"


def signature_valid(header: str | None, body: bytes, secret: str) -> bool:
    """`sha256=<hex>` of the body with the app secret, compared in constant time."""
    match = SIGNATURE.fullmatch(header.strip()) if header else None
    if match is None:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, match.group(1).lower())


class BodyTooLarge(Exception):
    pass


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, or `BodyTooLarge` as soon as it passes `limit` bytes (Content-Length first)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def create_app(config: ReceiverConfig, queue: EventQueue) -> Starlette:
    """The receiver's ASGI app; it replays the spool at start and every `replay_seconds`."""

    def refuse(request: Request, status: int, reason: str) -> Response:
        client = request.client.host if request.client else "?"
        log.warning("webhook refused (%d) from %s: %s", status, client, reason)
        return PlainTextResponse(reason, status_code=status)

    async def verify(request: Request) -> Response:
        params = request.query_params
        token = params.get("hub.verify_token", "")
        if params.get("hub.mode") != "subscribe":
            return refuse(request, 403, "hub.mode is not subscribe")
        if config.verify_token is None:
            return refuse(request, 403, "no verify token is configured")
        if not hmac.compare_digest(token.encode(), config.verify_token.encode()):
            return refuse(request, 403, "wrong verify token")
        log.info("webhook subscription verified")
        return PlainTextResponse(params.get("hub.challenge", ""))

    async def receive(request: Request) -> Response:
        try:
            body = await read_limited(request, config.max_body)
        except BodyTooLarge:
            return refuse(request, 413, f"body over {config.max_body} bytes")
        header = request.headers.get("x-hub-signature-256")
        if header is None:
            return refuse(request, 403, "no X-Hub-Signature-256 header")
        if not SIGNATURE.fullmatch(header.strip()):
            return refuse(request, 403, "malformed X-Hub-Signature-256 (expected sha256=<hex>)")
        if not signature_valid(header, body, config.app_secret):
            return refuse(request, 403, "X-Hub-Signature-256 does not match the body")
        try:
            entry = make_entry(body)
        except UnicodeDecodeError:
            return refuse(request, 400, "body is not UTF-8 JSON")
        # Redis and the fsync block: off the event loop, so slow ones do not stall the others.
        where = await anyio.to_thread.run_sync(queue.put, entry)
        log.debug("webhook delivery %s queued on the %s", entry["delivery_id"][:12], where)
        return PlainTextResponse("EVENT_RECEIVED")

    async def replay_forever() -> None:
        while True:
            try:
                await anyio.to_thread.run_sync(queue.replay)
            except Exception as exc:  # Redis still down: try again later, the spool stays
                log.info("spool replay deferred (%s)", type(exc).__name__)
            await asyncio.sleep(config.replay_seconds)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(replay_forever())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return Starlette(
        routes=[
            Route(PATH, verify, methods=["GET"]),
            Route(PATH, receive, methods=["POST"]),
        ],
        lifespan=lifespan,
    )


class ReceiverSettingError(ValueError):
    """A setting the receiver cannot start without; the message names it."""


def connection_secrets(conn_id: str) -> tuple[str | None, str | None]:
    """(app secret, verify token) from an Airflow connection: its password and its extra
    `verify_token`, through whatever secrets backend Airflow is configured with. (None, None)
    when Airflow is not installed or the connection does not exist; read once, at start."""
    try:
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException
    except ImportError:
        return None, None
    try:
        conn = BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None, None
    token = (conn.extra_dejson or {}).get("verify_token")
    return conn.password or None, str(token) if token else None


def from_settings() -> tuple[ReceiverConfig, EventQueue]:
    """The receiver's config and queue from the `RUCHE_*` settings."""
    from ruche.settings import settings

    current = settings()
    app_secret, verify_token = current.META_APP_SECRET, current.WEBHOOK_VERIFY_TOKEN
    if not (app_secret and verify_token):
        stored_secret, stored_token = connection_secrets(current.WEBHOOK_CONN_ID)
        app_secret, verify_token = app_secret or stored_secret, verify_token or stored_token
    if not app_secret:
        raise ReceiverSettingError(
            "RUCHE_META_APP_SECRET is not set and the Airflow connection "
            f"{current.WEBHOOK_CONN_ID!r} (RUCHE_WEBHOOK_CONN_ID) has no password: the receiver "
            "cannot check X-Hub-Signature-256 without the Meta app's secret (app dashboard, "
            "Settings > Basic)"
        )
    if not verify_token:
        log.warning(
            "no verify token (RUCHE_WEBHOOK_VERIFY_TOKEN, or the extra `verify_token` of the "
            "Airflow connection %r): Meta's handshake will be refused",
            current.WEBHOOK_CONN_ID,
        )
    config = ReceiverConfig(
        app_secret=app_secret,
        verify_token=verify_token,
        max_body=current.WEBHOOK_MAX_BODY,
        replay_seconds=current.WEBHOOK_REPLAY_SECONDS,
    )
    queue = EventQueue.from_url(
        current.WEBHOOK_REDIS_URL, current.WEBHOOK_STREAM, current.webhook_spool()
    )
    return config, queue


def _no_access_log(record: logging.LogRecord) -> bool:
    return False


def make_server(host: str, port: int) -> uvicorn.Server:
    """The uvicorn server of the receiver (`ruche webhooks serve`, the tests)."""
    config, queue = from_settings()
    # The access log line holds the query string, so the handshake's hub.verify_token: dropped
    # at the logger, whatever handlers or propagation a host process's logging set up (in the
    # tests, something re-enables uvicorn's own `access_log=False`).
    access = logging.getLogger("uvicorn.access")
    if _no_access_log not in access.filters:
        access.addFilter(_no_access_log)
    return uvicorn.Server(
        uvicorn.Config(
            create_app(config, queue),
            host=host,
            port=port,
            log_config=None,  # Ruche's logging
            access_log=False,
            lifespan="on",
        )
    )
