"""Sandbox worlds from Ruche configurations: the one place where Ruche's configuration meets
the sandbox, which reads plain data (`connectors.sandbox.agency`) and never imports Ruche.

The sandbox lives in the source tree (`connectors/sandbox/`), not in the installed package:
`ruche sandbox` and `ruche demo` run from a clone (``uv run ruche …``). From an installed wheel,
`SandboxUnavailable` says so instead of an import traceback.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruche.config import DEFAULT_CONFIG_PATH, RucheConfig, load_config, parse_config

if TYPE_CHECKING:
    from connectors.sandbox.scale import Scale


class SandboxUnavailable(RuntimeError):
    """The sandbox is not importable (an installed wheel, not a source checkout)."""


def _sandbox() -> Any:
    try:
        import connectors.sandbox as sandbox
    except ModuleNotFoundError as exc:
        raise SandboxUnavailable(
            "the platform sandbox ships with Ruche's source tree, not with the installed "
            "package: run it from a clone of the repository with `uv run ruche sandbox` "
            "(or `uv run python -m connectors.sandbox`)"
        ) from exc
    return sandbox


def synthetic_config(scale: Scale, seed: int = 7) -> RucheConfig:
    """The sandbox's synthetic agency of `scale` as a valid Ruche configuration (bench, tests)."""
    data = _sandbox().scale.synthetic_agency(scale, seed)
    return parse_config(data, source=f"<synthetic scale seed={seed}>")


def scale_named(name: str) -> Scale:
    scales = _sandbox().SCALES
    if name not in scales:
        raise ValueError(f"unknown sandbox scale {name!r}; known: {', '.join(scales)}")
    return scales[name]


def sandbox_config(config_path: str | Path | None, scale_name: str, seed: int) -> RucheConfig:
    """The agency a sandbox serves: `config_path` if given; otherwise the demo config for the
    demo scale, and a synthetic agency of that size for the others."""
    scale = scale_named(scale_name)
    if config_path is not None:
        return load_config(Path(config_path))
    if scale_name == "demo":
        return load_config(DEFAULT_CONFIG_PATH)
    return synthetic_config(scale, seed)


def sandbox_world(
    config_path: str | Path | None = None,
    scale_name: str = "demo",
    seed: int = 7,
    now: dt.datetime | None = None,
) -> Any:
    """A sandbox `World` for ``ruche sandbox`` / ``python -m connectors.sandbox``."""
    config = sandbox_config(config_path, scale_name, seed)
    return _sandbox().World(config, seed=seed, now=now, scale=scale_named(scale_name))
