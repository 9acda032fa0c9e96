"""The Google Ads family's side of a request: `POST /v{N}/customers/{id}/googleAds:searchStream`
with a GAQL body, answered as Google's REST transport does.

* GAQL: the subset Ruche sends — ``SELECT f1, f2 FROM resource [WHERE segments.date BETWEEN
  'a' AND 'b'] [ORDER BY …] [LIMIT n]`` over `customer`, `campaign`, `ad_group` and
  `ad_group_ad` (with `segments.date` and `metrics.*`: daily rows per ad). A field the resource
  does not have is refused with `queryError: UNRECOGNIZED_FIELD`; `segments.date` without a date
  range with `EXPECTED_FILTERS_ON_DATE_RANGE`.
* The answer: a JSON array of batches ``{results, fieldMask, requestId}`` of at most
  `BATCH_ROWS` rows (the last with `queryResourceConsumption`); camelCase fields, each resource's
  `resourceName`; int64 values as strings, conversions as doubles.
* Headers: `Authorization: Bearer` and `developer-token` required (401 otherwise);
  `login-customer-id`, when sent, must be the account's manager (`MANAGER_ID`) or the account.
* Versions: `API_VERSIONS` (majors, and their minors `vN_m`) are served; a recently sunset one
  (`SUNSET_VERSIONS`) answers 400 `requestError: UNSUPPORTED_VERSION`; any other a bare 404.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..families import ApiCall, Response
from ..faults import LIST_KINDS, FaultRule
from .errors import (
    AdsError,
    bad_query,
    developer_token_missing,
    oauth_missing,
    unrecognized_field,
    unsupported_version,
    user_permission_denied,
)
from .faults import fault_error
from .world import MANAGER_ID

log = logging.getLogger(__name__)

API_VERSIONS = ("v26", "v25", "v24", "v23")
SUNSET_VERSIONS = ("v22", "v21", "v20", "v19")
BATCH_ROWS = 10_000
JSON_TYPE = "application/json; charset=UTF-8"
PATH = re.compile(r"^/(v\d+)(?:_\d+)?/customers/([^/]+)/googleAds:searchStream$")
GAQL = re.compile(
    r"^\s*SELECT\s+(?P<fields>.+?)\s+FROM\s+(?P<resource>\w+)"
    r"(?:\s+WHERE\s+(?P<where>.+?))?(?:\s+ORDER\s+BY\s+(?P<order>.+?))?"
    r"(?:\s+LIMIT\s+(?P<limit>\d+))?\s*$",
    re.IGNORECASE | re.DOTALL,
)
DATE_RANGE = re.compile(
    r"^segments\.date\s+BETWEEN\s+'(\d{4}-\d{2}-\d{2})'\s+AND\s+'(\d{4}-\d{2}-\d{2})'$",
    re.IGNORECASE,
)
METRICS = (
    "metrics.impressions",
    "metrics.clicks",
    "metrics.cost_micros",
    "metrics.conversions",
    "metrics.conversions_value",
    "metrics.all_conversions",
)
NOT_FOUND = (
    b"<!DOCTYPE html><html lang=en><title>Error 404 (Not Found)!!1</title>"
    b"<p><b>404.</b> That's an error.<p>The requested URL was not found on this server.</html>"
)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def project(row: dict[str, Any], fields: list[str], resource: str) -> dict[str, Any]:
    """A flat world row as searchStream returns it for `fields` selected FROM `resource`:
    nested camelCase objects, each resource with its `resourceName`; unset fields (None) and
    empty lists are left out. A custom parameter list's items keep their `key` / `value`."""
    out: dict[str, Any] = {}
    wanted = list(fields)
    # Every resource a query touches comes with its resourceName (the FROM one always).
    for name in [resource, *(f.split(".")[0] for f in fields)]:
        if name not in ("metrics", "segments") and f"{name}.resource_name" in row:
            wanted.append(f"{name}.resource_name")
    if any(f.startswith("ad_group_ad.ad.") for f in fields):
        wanted.append("ad_group_ad.ad.resource_name")
    for path in dict.fromkeys(wanted):
        # REST's JSON leaves out unset fields and empty repeated ones (a call ad's final_urls)
        if row.get(path) is None or row[path] == []:
            continue
        node = out
        parts = path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(camel(part), {})
        node[camel(parts[-1])] = row[path]
    return out


@dataclass
class _Context:
    call: ApiCall
    version: str
    customer_id: str | None


class GoogleAdsApi:
    """searchStream over the world's Google Ads accounts."""

    def __init__(self, world: Any, base_url: Callable[[], str], **_options: Any) -> None:
        self.world = world
        self.seen_headers: list[dict[str, str]] = []
        """The Google headers of every request (developer-token redacted), for tests."""

    def health(self) -> dict[str, Any]:
        return {"google_ads_api_versions": list(API_VERSIONS)}

    def reset(self) -> None:
        self.seen_headers.clear()

    def begin(self, call: ApiCall) -> _Context:
        match = PATH.match(call.path)
        version = call.path.strip("/").split("/")[0]
        headers = {
            name: ("(set)" if name == "developer-token" else value)
            for name in ("developer-token", "login-customer-id")
            if (value := call.headers.get(name))
        }
        self.seen_headers.append(headers)
        return _Context(call, version, match.group(2) if match else None)

    def fault_response(self, ctx: _Context, rule: FaultRule, saturate: bool) -> Response:
        error = fault_error(rule, ctx.version)
        if isinstance(error, AdsError):
            return Response(error.status, error.payload(), JSON_TYPE, error.headers)
        status, content_type, body = error
        return Response(status, body, content_type)

    def respond(self, ctx: _Context, usage_pct: int | None) -> Response:
        # Google Ads sends no usage headers: `usage_high` changes nothing here.
        try:
            return self._answer(ctx)
        except AdsError as exc:
            return Response(exc.status, exc.payload(), JSON_TYPE, exc.headers)
        except Exception:
            log.exception("sandbox failed on %s %s", ctx.call.method, ctx.call.path)
            error = AdsError(
                500, "internalError", "INTERNAL_ERROR", "An internal error has occurred."
            )
            return Response(500, error.payload(), JSON_TYPE)

    # ------------------------------------------------------------------ the request

    def _answer(self, ctx: _Context) -> Response:
        call = ctx.call
        match = PATH.match(call.path)
        if match is None or call.method != "POST":
            return Response(404, NOT_FOUND, "text/html; charset=UTF-8")
        major = match.group(1)
        if major in SUNSET_VERSIONS:
            raise unsupported_version(ctx.version)
        if major not in API_VERSIONS:
            return Response(404, NOT_FOUND, "text/html; charset=UTF-8")
        version = major
        auth = call.headers.get("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise oauth_missing(version)
        if not (call.headers.get("developer-token") or "").strip():
            raise developer_token_missing(version)
        customer_id = ctx.customer_id or ""
        acct = self.world.google_ads_account(customer_id) if customer_id.isdigit() else None
        login = (call.headers.get("login-customer-id") or "").strip()
        if acct is None or (login and login not in (MANAGER_ID, acct.id)):
            raise user_permission_denied(version)
        fields, resource, since, until = self._parse(call.params.get("query") or "", acct, version)
        if since is not None:
            flat = self.world.google_ads_metric_rows(acct, since, until)
        else:
            flat = self.world.google_ads_rows(acct, resource)
        results = [project(row, fields, resource) for row in flat]
        return Response(200, json.dumps(self._batches(call, results, fields)).encode(), JSON_TYPE)

    def _parse(self, query: str, acct: Any, version: str):
        import datetime as dt

        parsed = GAQL.match(query)
        if parsed is None:
            raise bad_query(
                f"Error in query: unexpected input {query[:40]!r}.", "UNEXPECTED_INPUT", version
            )
        resource = parsed.group("resource")
        if resource not in ("customer", "campaign", "ad_group", "ad_group_ad"):
            raise bad_query(
                f"Error in query: invalid resource name '{resource}'.",
                "INVALID_RESOURCE_NAME",
                version,
            )
        fields = [f.strip() for f in parsed.group("fields").split(",") if f.strip()]
        known = set(self.world.google_ads_rows(acct, resource)[0]) if resource else set()
        if resource == "ad_group_ad":
            known |= {"segments.date", *METRICS}
        for name in fields:
            if name not in known:
                raise unrecognized_field(name, version)
        daily = any(f == "segments.date" or f.startswith("metrics.") for f in fields)
        where = (parsed.group("where") or "").strip()
        since = until = None
        if where:
            dates = DATE_RANGE.match(where)
            if dates is None:
                raise bad_query(
                    f"Error in query: the sandbox filters only on segments.date BETWEEN: {where!r}",
                    "UNEXPECTED_INPUT",
                    version,
                )
            since, until = (dt.date.fromisoformat(d) for d in dates.groups())
            if since > until:
                raise bad_query(
                    "The date range is invalid.", "INVALID_VALUE_WITH_BETWEEN_OPERATOR", version
                )
        if daily and since is None:
            raise bad_query(
                "Filtering by date range is required when selecting segments.date or metrics "
                "with a date segment.",
                "EXPECTED_FILTERS_ON_DATE_RANGE",
                version,
            )
        return fields, resource, since, until

    @staticmethod
    def _batches(call: ApiCall, results: list[dict[str, Any]], fields: list[str]) -> list:
        mask = ",".join(".".join(camel(p) for p in f.split(".")) for f in fields)
        sizes: list[int] = []
        left = len(results)
        if left >= 2:
            rule = call.take_fault(LIST_KINDS)
            if rule is not None:  # a short batch first, the rest in the following batches
                call.faults.append(rule.kind)
                sizes.append(max(1, left // 3))
                left -= sizes[0]
        while left > 0:
            sizes.append(min(BATCH_ROWS, left))
            left -= sizes[-1]
        batches = []
        start = 0
        for size in sizes or [0]:
            batches.append(
                {
                    "results": results[start : start + size],
                    "fieldMask": mask,
                    "requestId": "sandbox",
                }
            )
            start += size
        batches[-1]["queryResourceConsumption"] = str(max(1, len(results)) * 10)
        if not results:
            batches[-1].pop("results")
        return batches
