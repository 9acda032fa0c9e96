"""The Meta Graph family's side of a request: versions, tokens, usage buckets and headers,
Graph error envelopes, and its fault responses. The core server routes ``/vNN.N/…`` here and
applies the fault plan; `GraphApi` (graph.py) answers the request itself."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..errors import FieldSyntaxError, ParamError, UnknownField
from ..families import ApiCall, Response
from ..faults import FaultRule
from ..usage import UsageMeter
from .errors import GraphError, bad_parameter, bad_version, missing_token, unknown_field
from .faults import RawResponse, fault_error
from .graph import ApiRequest, GraphApi
from .usage import AD_ACCOUNT_WINDOW_SECONDS, usage_headers

log = logging.getLogger(__name__)

API_VERSIONS = ("v25.0", "v24.0", "v23.0", "v22.0")
JSON_TYPE = "application/json; charset=UTF-8"


def json_bytes(body: Any) -> bytes:
    """JSON the way Graph writes it: ASCII with \\u escapes, and escaped slashes."""
    return json.dumps(body, separators=(",", ":")).replace("/", "\\/").encode()


@dataclass
class _Context:
    call: ApiCall
    version: str
    rest: list[str]
    resolved: tuple[str, Any] | None
    family: str | None
    buc_id: str | None
    insights: bool
    app_pct: int
    buc_pct: int
    ad_account: tuple[float, int] | None

    @property
    def instagram(self) -> bool:
        return self.family == "instagram"


class MetaGraphApi:
    """Facebook Pages, Instagram and Marketing API requests over a `World`."""

    def __init__(
        self,
        world: Any,
        base_url: Callable[[], str],
        *,
        api_versions: tuple[str, ...] | None = None,
        polls_to_complete: int = 3,
        usage_budget: int = 100_000,
        **_: Any,
    ) -> None:
        self.world = world
        self.base_url = base_url
        self.api_versions = tuple(api_versions or API_VERSIONS)
        self.graph = GraphApi(world, polls_to_complete=polls_to_complete)
        self.usage = UsageMeter(usage_budget)
        self.ad_account_usage = UsageMeter(usage_budget, window=AD_ACCOUNT_WINDOW_SECONDS)

    def health(self) -> dict[str, Any]:
        return {"api_versions": list(self.api_versions)}

    def reset(self) -> None:
        self.usage.reset()
        self.ad_account_usage.reset()

    def begin(self, call: ApiCall) -> _Context:
        segments = call.path.strip("/").split("/")
        version, rest = segments[0], segments[1:]
        resolved = None
        if rest and rest[0]:
            try:
                resolved = self.graph.resolve(rest[0])
            except Exception:  # a malformed id is simply unknown
                log.debug("could not resolve %r", rest[0], exc_info=True)
        family, buc_id = GraphApi.family(resolved)
        insights = family == "ads" and bool(
            rest[1:2] == ["insights"] or (rest and resolved and resolved[0] == "report_run")
        )
        buckets = ["app"] + ([buc_id] if buc_id else [])
        usage = self.usage.hit(*buckets)
        ad_account = (
            self.ad_account_usage.hit_with_reset(buc_id) if family == "ads" and buc_id else None
        )
        return _Context(
            call=call,
            version=version,
            rest=rest,
            resolved=resolved,
            family=family,
            buc_id=buc_id,
            insights=insights,
            app_pct=usage["app"],
            buc_pct=usage.get(buc_id, 0) if buc_id else 0,
            ad_account=ad_account,
        )

    def _headers(
        self,
        ctx: _Context,
        app_pct: int,
        buc_pct: int,
        regain: int = 0,
        ad_account: tuple[float, int] | None = None,
    ) -> dict[str, str]:
        return usage_headers(
            ctx.family, ctx.buc_id, ctx.insights, app_pct, buc_pct, regain, ad_account
        )

    def _json(
        self, ctx: _Context, status: int, payload: bytes, headers: dict[str, str]
    ) -> Response:
        if ctx.version in self.api_versions:
            headers = {**headers, "facebook-api-version": ctx.version}
        return Response(status, payload, JSON_TYPE, headers)

    def fault_response(self, ctx: _Context, rule: FaultRule, saturate: bool) -> Response:
        error = fault_error(rule, self.world.now)
        app_pct, buc_pct, regain, ad_account = ctx.app_pct, ctx.buc_pct, 0, ctx.ad_account
        if saturate:
            app_pct = buc_pct = 100
            regain = int(rule.option("regain_minutes", 1))
            if ad_account is not None:
                ad_account = (100.0, max(ad_account[1], regain * 60))
        headers = self._headers(ctx, app_pct, buc_pct, regain, ad_account)
        if isinstance(error, RawResponse):
            return Response(error.status, error.body, error.content_type, headers)
        headers.update(error.headers)
        return self._json(ctx, error.status, json_bytes(error.body(ctx.instagram)), headers)

    def respond(self, ctx: _Context, usage_pct: int | None) -> Response:
        call = ctx.call
        req = ApiRequest(
            method=call.method,
            version=ctx.version,
            segments=ctx.rest,
            params=call.params,
            token="",
            base_url=self.base_url(),
            take_fault=call.take_fault,
            faults=call.faults,
        )
        extra_headers: dict[str, str] = {}
        try:
            try:
                if ctx.version not in self.api_versions:
                    raise bad_version(ctx.version, self.api_versions[0])
                req.token = self._token(call)
                body = self.graph.handle(req, ctx.resolved)
            # The core's helpers raise neutral errors: Graph words them as #100.
            except (ParamError, FieldSyntaxError) as exc:
                raise bad_parameter(exc.message) from None
            except UnknownField as exc:
                raise unknown_field(exc.field, exc.node_type) from None
            status = 200
        except GraphError as exc:
            status = exc.status
            body = exc.body(ctx.instagram)
            extra_headers.update(exc.headers)
        except Exception:
            log.exception("sandbox failed on %s %s", call.method, call.path)
            status = 500
            body = GraphError(1, "An unknown error occurred", status=500, transient=True).body(
                ctx.instagram
            )
        app_pct, buc_pct, ad_account = ctx.app_pct, ctx.buc_pct, ctx.ad_account
        if usage_pct is not None:
            app_pct = buc_pct = usage_pct
            if ad_account is not None:
                ad_account = (float(usage_pct), ad_account[1])
        headers = self._headers(ctx, app_pct, buc_pct, ad_account=ad_account)
        headers.update(extra_headers)
        return self._json(ctx, status, json_bytes(body), headers)

    @staticmethod
    def _token(call: ApiCall) -> str:
        auth = call.headers.get("Authorization", "") or ""
        scheme, _, value = auth.partition(" ")
        token = value.strip() if scheme.lower() in ("bearer", "oauth") else ""
        token = token or call.params.get("access_token", "").strip()
        if not token:
            raise missing_token()
        return token
