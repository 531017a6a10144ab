"""The tests' one way of choosing an implementation (multidict's conftest facade).

Every test that runs against both implementations gets them from here: the ``engine``
fixture of conftest.py, the ``c_extension`` marker, the twin fixtures ``twin_fixture``
and ``fixture`` make, and ``engine_named`` / ``compiled_engine`` for a test that names
one. So the rules hold for all of them alike: ``--no-c-extensions`` skips the compiled
implementations, ``FASTVARS_NO_EXTENSIONS`` skips them too (none is loaded), and a
compiled implementation that is not built is skipped, or fails the test under
``FASTVARS_REQUIRE_EXTENSIONS=1`` (CI; read by ``fastvars.engine.extensions_required``,
the one place that parses it)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, NoReturn

import pytest

from fastvars import engine as fv_engine

IMPLEMENTATIONS = ("c", "python")
# Set from the command line by conftest.py (--no-c-extensions).
skip_compiled = False


def compiled_missing(what: str, why: Any) -> NoReturn:
    """Skip, or fail where a build is required, because ``what`` is not built."""
    if (
        fv_engine.extensions_required()
        and not fv_engine.extensions_disabled()
        and not skip_compiled
    ):
        pytest.fail(f"{what} is not built: {why}")
    pytest.skip(f"{what} is unavailable: {why}")


def check_compiled_wanted() -> None:
    """Skip when this run tests the pure-Python implementations only."""
    if skip_compiled:
        pytest.skip("--no-c-extensions")
    if fv_engine.extensions_disabled():
        pytest.skip("FASTVARS_NO_EXTENSIONS is set")


def need_compiled(what: str, loaded: bool, why: Any) -> None:
    """A compiled ``what`` is wanted in this run and, if not ``loaded``, missing."""
    check_compiled_wanted()
    if not loaded:
        compiled_missing(what, why)


def compiled_engine() -> fv_engine.Engine:
    """The compiled engine, for a test about it alone."""
    need_compiled(
        "the compiled engine",
        fv_engine.COMPILED is not None,
        fv_engine.COMPILED_UNAVAILABLE_REASON,
    )
    assert fv_engine.COMPILED is not None
    return fv_engine.COMPILED


def engine_named(name: str) -> fv_engine.Engine:
    """The engine ``name`` ("c" or "python") of IMPLEMENTATIONS."""
    if name == "python":
        return fv_engine.PYTHON
    assert name == "c", name
    return compiled_engine()


def load(implementation: str, python: str, compiled: str, attribute: str | None = None) -> Any:
    """The module ``python`` or ``compiled`` (or its ``attribute``) for ``implementation``."""
    if implementation == "python":
        module = importlib.import_module(python)
    else:
        check_compiled_wanted()
        try:
            module = importlib.import_module(compiled)
        except ImportError as error:
            compiled_missing(compiled, error)
    return getattr(module, attribute) if attribute else module


def fixture(python: Callable[[], Any], compiled: Callable[[], Any]) -> Any:
    """A fixture that gives what ``python()`` or ``compiled()`` returns, once each;
    ``compiled`` goes through need_compiled/load/compiled_engine to be skipped."""

    @pytest.fixture(params=IMPLEMENTATIONS)
    def twin(request: Any) -> Any:
        return compiled() if request.param == "c" else python()

    return twin


def twin_fixture(python: str, compiled: str, attribute: str | None = None) -> Any:
    """A fixture that gives ``python``'s or ``compiled``'s ``attribute``, once each."""
    return fixture(
        lambda: load("python", python, compiled, attribute),
        lambda: load("c", python, compiled, attribute),
    )
