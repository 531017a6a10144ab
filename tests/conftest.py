"""Every test that takes ``engine`` runs once per implementation.

The compiled engine is skipped only where it was not built; with
``FASTVARS_REQUIRE_EXTENSIONS=1`` (CI) a missing build fails instead.
"""

import os

import pytest

from fastvars import engine as fv_engine

REQUIRE_EXTENSIONS = os.environ.get("FASTVARS_REQUIRE_EXTENSIONS", "") not in ("", "0")


@pytest.fixture(params=["c", "python"])
def engine(request):
    engines = fv_engine.available()
    if request.param not in engines:
        if REQUIRE_EXTENSIONS and not fv_engine.extensions_disabled():
            pytest.fail(f"compiled engine missing: {fv_engine.COMPILED_UNAVAILABLE_REASON}")
        pytest.skip(f"compiled engine unavailable: {fv_engine.COMPILED_UNAVAILABLE_REASON}")
    return engines[request.param]
