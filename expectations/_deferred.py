"""Defer two heavy modules that importing Great Expectations loads but the audit never uses.

`import great_expectations` imports every core expectation, and three of them
(`expect_column_kl_divergence_to_be_less_than` and the two KS-test metrics) import `scipy.stats`
and `altair` at module level. Those modules are used only inside those expectations' functions
(KL-divergence / KS tests and their charts), which no Ruche suite uses, yet they are about a
third of GX's import time: ~2.5 s of ~10 s with compiled bytecode, ~6 s of ~20 s without.

`defer()` puts a stand-in module in `sys.modules` for each of them. Importing it (`import
altair as alt`, `from scipy import stats`) is free; the first use of any attribute other than
the import metadata imports the real module and from then on the stand-in forwards to it. So
code that does use them still works, it only pays the import later. Nothing is deferred when the
module is already imported, is not installed, or `RUCHE_GX_EAGER_IMPORTS=1` is set.

It only works if `expectations` is imported before great_expectations (the loader imports GX
through `expectations.suites`). A deferred submodule is not set as an attribute of its package
until it is used; `scipy` resolves `scipy.stats` through its module `__getattr__`, so
`import scipy; scipy.stats.norm` still works.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
import threading
import types
from typing import Any

MODULES = ("scipy.stats", "altair")
OPT_OUT = "RUCHE_GX_EAGER_IMPORTS"
_lock = threading.Lock()


class DeferredModule(types.ModuleType):
    """Stands in `sys.modules` for a module until one of its attributes is used.

    The import metadata (`__spec__`, `__name__`, `__file__`, …) is set from the spec, so the
    import system and tools reading it (`inspect`) do not trigger the import."""

    def __init__(self, spec: importlib.machinery.ModuleSpec) -> None:
        super().__init__(spec.name)
        self.__spec__ = spec
        self.__loader__ = spec.loader
        self.__package__ = spec.name if spec.submodule_search_locations else spec.parent
        self.__file__ = spec.origin
        self.__dict__["_deferred_real"] = None

    def _deferred_load(self) -> types.ModuleType:
        real = self.__dict__["_deferred_real"]
        if real is None:
            name = self.__spec__.name
            with _lock:  # only one thread takes the stand-in out of sys.modules
                if sys.modules.get(name) is self:
                    del sys.modules[name]
            # Outside the lock: the import system itself makes concurrent imports of one module
            # wait for a single execution.
            real = importlib.import_module(name)
            self.__dict__["_deferred_real"] = real
        return real

    def __getattr__(self, attr: str) -> Any:  # only called for names not set on the stand-in
        if attr == "_deferred_real":
            raise AttributeError(attr)
        return getattr(self._deferred_load(), attr)

    def __dir__(self) -> list[str]:
        return dir(self._deferred_load())

    def __repr__(self) -> str:
        real = self.__dict__.get("_deferred_real")
        return repr(real) if real is not None else f"<deferred module {self.__name__!r}>"


def _spec(name: str) -> importlib.machinery.ModuleSpec | None:
    """The module's spec, found without importing it (nor, for a submodule, its package)."""
    parent, _, _child = name.rpartition(".")
    if not parent:
        return importlib.util.find_spec(name)
    if parent in sys.modules:
        path = getattr(sys.modules[parent], "__path__", None)
    else:
        parent_spec = importlib.util.find_spec(parent)
        path = parent_spec.submodule_search_locations if parent_spec else None
    return importlib.machinery.PathFinder.find_spec(name, path) if path else None


def defer(names: tuple[str, ...] = MODULES) -> list[str]:
    """Put stand-ins for `names` in `sys.modules`; returns the names actually deferred."""
    from ruche.settings import settings

    if settings().GX_EAGER_IMPORTS:
        return []
    deferred = []
    with _lock:
        for name in names:
            if name in sys.modules:
                continue
            try:
                spec = _spec(name)
            except (ImportError, ValueError):
                spec = None
            if spec is None or spec.loader is None:
                continue
            sys.modules[name] = DeferredModule(spec)
            deferred.append(name)
    return deferred


def is_loaded(name: str) -> bool:
    """True when `name` has really been imported (not only stood in for)."""
    module = sys.modules.get(name)
    if module is None:
        return False
    if isinstance(module, DeferredModule):
        return module.__dict__["_deferred_real"] is not None
    return True
