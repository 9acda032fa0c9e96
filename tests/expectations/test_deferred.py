"""`expectations._deferred`: GX's import skips scipy.stats and altair until something uses them."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from expectations import _deferred

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def modules(tmp_path, monkeypatch):
    """A module and a package with a submodule that record in `executed` when they run."""
    (tmp_path / "defer_mod.py").write_text(
        "import defer_log\ndefer_log.executed.append('defer_mod')\nVALUE = 41\n"
        "def answer():\n    return VALUE + 1\n"
    )
    (tmp_path / "defer_pkg").mkdir()
    (tmp_path / "defer_pkg" / "__init__.py").write_text("")
    (tmp_path / "defer_pkg" / "sub.py").write_text(
        "import defer_log\ndefer_log.executed.append('defer_pkg.sub')\nVALUE = 'sub'\n"
    )
    (tmp_path / "defer_log.py").write_text("executed = []\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv(_deferred.OPT_OUT, raising=False)
    names = ("defer_mod", "defer_pkg", "defer_pkg.sub", "defer_log")
    for name in names:
        monkeypatch.delitem(sys.modules, name, raising=False)
    import defer_log

    yield defer_log.executed
    for name in names:
        sys.modules.pop(name, None)


def test_a_deferred_module_runs_on_first_use_only(modules):
    assert _deferred.defer(("defer_mod",)) == ["defer_mod"]
    import defer_mod

    assert modules == [] and not _deferred.is_loaded("defer_mod")
    assert defer_mod.__name__ == "defer_mod" and defer_mod.__spec__.name == "defer_mod"
    assert modules == []  # import metadata does not load it
    assert defer_mod.answer() == 42
    assert modules == ["defer_mod"] and _deferred.is_loaded("defer_mod")
    from defer_mod import VALUE

    assert VALUE == 41 and modules == ["defer_mod"]  # ran once
    assert sys.modules["defer_mod"] is not defer_mod  # the real module replaced the stand-in


def test_a_deferred_submodule_does_not_need_its_package_imported(modules):
    assert _deferred.defer(("defer_pkg.sub",)) == ["defer_pkg.sub"]
    assert "defer_pkg" not in sys.modules
    from defer_pkg import sub

    assert modules == []
    assert sub.VALUE == "sub" and modules == ["defer_pkg.sub"]
    import defer_pkg.sub

    assert defer_pkg.sub.VALUE == "sub" and modules == ["defer_pkg.sub"]


def test_nothing_is_deferred_when_imported_missing_or_opted_out(modules, monkeypatch):
    import defer_mod

    assert defer_mod.VALUE == 41
    assert _deferred.defer(("defer_mod", "no_such_module_here", "defer_pkg.nope")) == []
    monkeypatch.setenv(_deferred.OPT_OUT, "1")
    assert _deferred.defer(("defer_pkg.sub",)) == []
    assert "defer_pkg.sub" not in sys.modules


def test_auditing_never_imports_scipy_stats_or_altair(tmp_path):
    """In a fresh process: import the runner, audit, build Data Docs; scipy.stats and altair
    stay unimported, and still work when something does use them."""
    script = textwrap.dedent(
        f"""
        import json
        from expectations import _deferred  # first, as the loader does
        import pandas as pd
        from great_expectations import expectations as gxe
        from expectations.runner import Auditor
        from expectations.suites import Check, Suite

        suite = Suite("test", "things", {{"problem": "NULL"}}, (
            Check(gxe.ExpectColumnValuesToBeNull(column="problem"), "critical", "a problem here"),
        ))
        auditor = Auditor(docs_dir={str(tmp_path / "docs")!r})
        df = pd.DataFrame({{"_row": [1, 2, 3], "problem": [None, "bad=1", None]}})
        result = auditor.audit(suite, df, "deferred")
        auditor.build_data_docs()
        before = {{m: _deferred.is_loaded(m) for m in ("scipy.stats", "altair")}}
        import scipy.stats
        from scipy import stats
        import altair
        works = bool(scipy.stats.norm.cdf(0) == stats.norm.cdf(0) == 0.5 and altair.Chart)
        print(json.dumps({{"rows": sorted(result.failed_rows), "before": before, "works": works}}))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out == {
        "rows": [2],
        "before": {"scipy.stats": False, "altair": False},
        "works": True,
    }
