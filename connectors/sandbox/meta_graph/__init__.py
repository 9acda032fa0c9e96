"""The Meta Graph API family: Facebook Pages, Instagram Graph and the Marketing API (insights,
campaigns, ad sets, ads, async report runs) under ``/vNN.N/``.

`graph.py` answers requests, `api.py` speaks the family's versions, tokens, usage headers and
error envelopes, `faults.py` its fault kinds, `errors.py` Graph's error bodies, `ads.py` (and the
organic half of the world) its objects and ground truth.
"""

from __future__ import annotations

from ..families import Family
from .api import API_VERSIONS, MetaGraphApi
from .faults import ASYNC_KINDS, ERROR_KINDS, PERMANENT_KINDS, RATE_LIMIT_KINDS, RENDER_KINDS
from .synthetic import synthetic_accounts
from .world import MetaGraphWorld

FAMILY = Family(
    name="meta_graph",
    # Every Graph call is versioned: /v25.0/{id}…; an unknown version answers #2635.
    paths=r"^/v\d+(\.\d+)?(/|$)",
    platforms=("facebook", "instagram", "meta_ads"),
    api=MetaGraphApi,
    world=MetaGraphWorld,
    error_kinds=ERROR_KINDS,
    rate_limit_kinds=RATE_LIMIT_KINDS,
    phase_kinds=(*ASYNC_KINDS, *RENDER_KINDS),
    synthetic_accounts=synthetic_accounts,
    permanent_kinds=PERMANENT_KINDS,
    withholding_kinds=RENDER_KINDS,
)

__all__ = ["API_VERSIONS", "FAMILY"]
