"""The Ruche sandbox: a local imitation of the Facebook Pages, Instagram and Meta Marketing
APIs over a deterministic world whose ground truth tests can read. See README.md here."""

from .faults import KINDS as FAULT_KINDS
from .faults import FaultPlan, FaultRule
from .scale import SCALES, Scale, synthetic_config
from .server import API_VERSIONS, SandboxServer, serve_forever
from .world import World

__all__ = [
    "API_VERSIONS",
    "FAULT_KINDS",
    "SCALES",
    "FaultPlan",
    "FaultRule",
    "SandboxServer",
    "Scale",
    "World",
    "serve_forever",
    "synthetic_config",
]
