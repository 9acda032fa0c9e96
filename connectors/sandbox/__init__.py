"""The Ruche sandbox: a local imitation of the platforms' APIs (today the Meta Graph family:
Facebook Pages, Instagram and the Marketing API) over a deterministic world whose ground truth
tests can read. A core plus one package per API family; see README.md here."""

from .families import REGISTRY as FAMILIES_REGISTRY
from .families import Family, all_fault_kinds
from .faults import FaultPlan, FaultRule
from .meta_graph import API_VERSIONS
from .scale import SCALES, Scale, synthetic_agency
from .server import SandboxServer, serve_forever
from .world import World

FAULT_KINDS = all_fault_kinds()

__all__ = [
    "API_VERSIONS",
    "FAMILIES_REGISTRY",
    "FAULT_KINDS",
    "SCALES",
    "Family",
    "FaultPlan",
    "FaultRule",
    "SandboxServer",
    "Scale",
    "World",
    "serve_forever",
    "synthetic_agency",
]
