"""The tests' one way of choosing an implementation (multidict's conftest facade): every
twin fixture, the ``engine`` fixture of conftest.py included, runs once per
implementation; a compiled twin that is not built is skipped, or fails the test under
``FASTVARS_REQUIRE_EXTENSIONS=1`` (CI), and ``--no-c-extensions`` skips them all."""

from __future__ import annotations

import importlib
from typing import Any, NoReturn

import pytest

from fastvars import engine as fv_engine

IMPLEMENTATIONS = ("c", "python")
# Set from the command line by conftest.py (--no-c-extensions).
skip_compiled = False


def compiled_missing(what: str, why: Any) -> NoReturn:
    if (
        fv_engine.extensions_required()
        and not fv_engine.extensions_disabled()
        and not skip_compiled
    ):
        pytest.fail(f"{what} is not built: {why}")
    pytest.skip(f"{what} is unavailable: {why}")


def check_compiled_wanted() -> None:
    if skip_compiled:
        pytest.skip("--no-c-extensions")
    if fv_engine.extensions_disabled():
        pytest.skip("FASTVARS_NO_EXTENSIONS is set")


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


def twin_fixture(python: str, compiled: str, attribute: str | None = None) -> Any:
    """A fixture that gives ``python``'s or ``compiled``'s ``attribute``, once each."""

    @pytest.fixture(params=IMPLEMENTATIONS)
    def twin(request: Any) -> Any:
        return load(request.param, python, compiled, attribute)

    return twin
