"""Which engine is live, and how it is chosen: the compiled one when its extension
imports, the pure-Python one with FASTVARS_NO_EXTENSIONS=1 or when the extension cannot
load; ``fastvars.implementation`` and ``status()`` say which. This file also runs in
scripts/test.sh's FASTVARS_NO_EXTENSIONS=1 pass."""

import json
import os
import subprocess
import sys

import pytest

import fastvars
from fastvars import engine as fv_engine

# What depends on which engine is live: run again with FASTVARS_NO_EXTENSIONS=1
# (scripts/test.sh, CI) as well as in the suite.
pytestmark = pytest.mark.live_engine


def test_the_live_engine_is_the_one_the_environment_asks_for():
    if fv_engine.extensions_disabled():
        assert fastvars.implementation == "python"
        assert fv_engine.COMPILED is None
        assert fv_engine.COMPILED_UNAVAILABLE_REASON == "FASTVARS_NO_EXTENSIONS is set"
    else:
        assert fastvars.implementation == ("c" if fv_engine.COMPILED is not None else "python")
    assert fastvars.status()["implementation"] == fastvars.implementation
    assert fv_engine.ACTIVE.name == fastvars.implementation


def implementation_in_a_fresh_process(**env):
    code = (
        "import fastvars, json; s = fastvars.status(); "
        "print(json.dumps([fastvars.implementation, s['engines_available'], "
        "s['compiled_unavailable_reason']]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **env},
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_fastvars_no_extensions_switches_to_pure_python_in_a_new_process():
    assert implementation_in_a_fresh_process(FASTVARS_NO_EXTENSIONS="1") == [
        "python",
        ["python"],
        "FASTVARS_NO_EXTENSIONS is set",
    ]


def test_without_the_switch_a_new_process_uses_the_compiled_engine_when_built():
    implementation, available, reason = implementation_in_a_fresh_process(FASTVARS_NO_EXTENSIONS="")
    if fv_engine.COMPILED is not None or not fv_engine.extensions_disabled():
        assert implementation == ("c" if "c" in available else "python")
        assert (reason is None) == ("c" in available)


def test_a_build_without_its_extension_says_why_the_build_made_none(monkeypatch):
    """setup.py records why it fell back to pure Python (no compiler, no Cython...);
    that reason, not the ImportError it leads to, is what status() shows."""
    import types

    record = types.ModuleType("fastvars._build_info")
    record.EXTENSIONS_BUILT = False
    record.REASON = "the C compiler failed: cc: not found"
    monkeypatch.setitem(sys.modules, "fastvars._build_info", record)
    monkeypatch.setitem(sys.modules, "fastvars.core._frames", None)  # as if never built
    monkeypatch.delattr(fastvars.core, "_frames", raising=False)
    monkeypatch.delenv("FASTVARS_NO_EXTENSIONS", raising=False)
    compiled, reason = fv_engine._load_compiled()
    assert compiled is None
    assert reason == "compiled extension not built: the C compiler failed: cc: not found"
