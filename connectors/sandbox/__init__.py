"""The Ruche sandbox: a local imitation of the Facebook Pages, Instagram and Meta Marketing
APIs over a deterministic world whose ground truth tests can read. See README.md here."""

from .families import REGISTRY as FAMILIES_REGISTRY
from .families import Family, all_fault_kinds, families
from .faults import FaultPlan, FaultRule
from .meta_graph import API_VERSIONS
from .scale import SCALES, Scale, synthetic_config
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
    "families",
    "serve_forever",
    "synthetic_config",
]
