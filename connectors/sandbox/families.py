"""The API families the sandbox serves, registered in one place.

A family is one platform dialect — paths, error envelopes, rate-limit headers, paging shape —
and the world objects behind it (Meta Graph: Facebook Pages, Instagram and the Marketing API).
The core (`server`, `faults`, `paging`, `fields`, `world`) knows families only through
`Family`; a new family is a new package exposing a `FAMILY` plus one line in `REGISTRY`, keyed
by the `sandbox_family` name the platform registry (`ruche.platforms`) declares.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .faults import CORE_REQUEST_KINDS, LIST_KINDS, FaultRule
from .ratelimit import Limit

REGISTRY: dict[str, str] = {
    # Google Ads before Meta Graph: both version their paths `/vNN/…`, and a request is routed
    # to the first family whose pattern matches (Google's `/vNN/customers/` is the narrower).
    "google_ads": "connectors.sandbox.google_ads:FAMILY",
    "meta_graph": "connectors.sandbox.meta_graph:FAMILY",
    "x": "connectors.sandbox.x:FAMILY",
    "linkedin": "connectors.sandbox.linkedin:FAMILY",
}
"""Family name → ``module:attribute`` of its `Family` (imported on first use)."""


@dataclass
class Response:
    """What a family answers; the core writes it (and may cut it, for `truncated`)."""

    status: int
    body: bytes
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ApiCall:
    """One API request as the core hands it to a family."""

    method: str
    path: str
    params: dict[str, str]
    headers: Mapping[str, str]
    base_url: str
    take_fault: Callable[[tuple[str, ...]], FaultRule | None]
    """The first live rule of these kinds for this request (the header fault first)."""
    faults: list[str] = field(default_factory=list)
    """Kinds applied so far, recorded with the request."""
    raw_query: str = ""
    """The query string as sent (percent-encoding kept): Rest.li 2.0 values (`List(…)`,
    `(key:value)`) are read from it, where decoding would hide how a client encoded them."""


class FamilyApi(Protocol):
    """A family's request handler, one per server."""

    def begin(self, call: ApiCall) -> Any:
        """Before any fault: resolve the request's object and count it in the usage meters.
        Returns the family's context for the two methods below."""

    def fault_response(self, context: Any, rule: FaultRule, saturate: bool) -> Response:
        """The response of one of the family's error kinds; `saturate` for its rate-limit
        kinds (usage headers at 100 %)."""

    def respond(self, context: Any, usage_pct: int | None) -> Response:
        """The normal response (errors in the family's envelope included); `usage_pct`
        overrides the usage headers' percentages (fault `usage_high`)."""

    def health(self) -> dict[str, Any]:
        """What ``/__sandbox/health`` says about this family."""

    def reset(self) -> None:
        """Forget usage counted so far (``DELETE /__sandbox/stats``)."""


@dataclass(frozen=True)
class Family:
    """One API family: what it serves, its fault dialect, and its part of the world."""

    name: str
    paths: str
    """Regex searched in the request path: the requests this family answers."""
    platforms: tuple[str, ...]
    """Platform names (as in the configuration) whose accounts the family's world serves."""
    api: Callable[..., FamilyApi]
    """``api(world, base_url: Callable[[], str], **server_options) -> FamilyApi``."""
    world: type
    """Mixin adding the family's objects and ground truth to `World` (see `world.py`)."""
    error_kinds: tuple[str, ...] = ()
    """Request faults answered with an error in the family's dialect."""
    rate_limit_kinds: tuple[str, ...] = ()
    """Those of `error_kinds` that also saturate the usage headers."""
    phase_kinds: tuple[str, ...] = ()
    """Faults the family takes itself while answering (report runs, rendering)."""
    synthetic_accounts: Callable[..., dict[str, list[dict[str, Any]]]] | None = None
    """``synthetic_accounts(scale, client_index, display_name)``: the accounts of one client of
    a synthetic agency (`scale.synthetic_agency`) on the family's platforms, as clients-file data
    (`id`, `name`); None when the family adds none."""
    permanent_kinds: tuple[str, ...] = ()
    """Those of `error_kinds` that no retry recovers (an expired token, a missing permission):
    a client must stop and fail the account. Every other kind is transient."""
    withholding_kinds: tuple[str, ...] = ()
    """Those of `phase_kinds` that leave data out of a successful answer (Meta's comment
    without `from`): the account succeeds with as many records, less what was withheld."""
    rate_limits: tuple[Limit, ...] = ()
    """The platform's documented limits (`ratelimit.Limit`), enforced by the core on a server
    started with `documented_limits=True`; each answers with one of `error_kinds`."""

    def __post_init__(self) -> None:
        # The contract tests (tests/contract/) read these to decide what each kind must end in.
        for label, kinds, within in (
            ("rate_limits", tuple(limit.kind for limit in self.rate_limits), self.error_kinds),
            ("rate_limit_kinds", self.rate_limit_kinds, self.error_kinds),
            ("permanent_kinds", self.permanent_kinds, self.error_kinds),
            ("withholding_kinds", self.withholding_kinds, self.phase_kinds),
        ):
            stray = sorted(set(kinds) - set(within))
            if stray:
                raise ValueError(f"sandbox family {self.name}: {label} not declared: {stray}")

    @property
    def request_kinds(self) -> tuple[str, ...]:
        return (*self.error_kinds, *CORE_REQUEST_KINDS)

    @property
    def kinds(self) -> tuple[str, ...]:
        return (*self.request_kinds, *LIST_KINDS, *self.phase_kinds)

    @property
    def transient_kinds(self) -> tuple[str, ...]:
        """Kinds a client survives with exactly the records of a clean run."""
        other = {*self.permanent_kinds, *self.withholding_kinds}
        return tuple(k for k in self.kinds if k not in other)

    def serves(self, path: str) -> bool:
        return re.search(self.paths, path) is not None


@functools.cache
def families() -> dict[str, Family]:
    """Every registered family, by name, in registry order."""
    out: dict[str, Family] = {}
    for name, target in REGISTRY.items():
        module, _, attribute = target.partition(":")
        family = getattr(importlib.import_module(module), attribute)
        if family.name != name:
            raise ValueError(f"sandbox family {target} is named {family.name!r}, not {name!r}")
        out[name] = family
    return out


def family(name: str) -> Family:
    try:
        return families()[name]
    except KeyError:
        known = ", ".join(families())
        raise KeyError(f"no sandbox family {name!r}; registered: {known}") from None


def all_fault_kinds() -> tuple[str, ...]:
    """Every fault kind any family takes, without repeats, in registry order."""
    kinds: dict[str, None] = {}
    for fam in families().values():
        kinds.update(dict.fromkeys(fam.kinds))
    return tuple(kinds)


def family_for(path: str) -> Family | None:
    """The first registered family serving `path`."""
    return next((f for f in families().values() if f.serves(path)), None)
