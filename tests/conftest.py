"""Every test that takes ``engine`` runs once per implementation (see implementations.py,
the facade every twin fixture goes through).

``--no-c-extensions`` skips the compiled implementations; with
``FASTVARS_REQUIRE_EXTENSIONS=1`` (CI) a missing build fails instead of skipping.
"""

import pytest

import implementations
from fastvars import engine as fv_engine


def pytest_addoption(parser):
    parser.addoption(
        "--no-c-extensions",
        action="store_true",
        default=False,
        help="skip the compiled implementations, test the pure-Python ones",
    )


def pytest_configure(config):
    implementations.skip_compiled = config.getoption("--no-c-extensions")
    config.addinivalue_line("markers", "c_extension: needs the compiled extension")


def pytest_runtest_setup(item):
    if item.get_closest_marker("c_extension") is not None:
        if implementations.skip_compiled:
            pytest.skip("--no-c-extensions")
        if fv_engine.COMPILED is None:
            implementations.compiled_missing(
                "the compiled engine", fv_engine.COMPILED_UNAVAILABLE_REASON
            )


@pytest.fixture(params=implementations.IMPLEMENTATIONS)
def engine(request):
    if request.param == "c":
        if implementations.skip_compiled:
            pytest.skip("--no-c-extensions")
        if fv_engine.COMPILED is None:
            implementations.compiled_missing(
                "the compiled engine", fv_engine.COMPILED_UNAVAILABLE_REASON
            )
        return fv_engine.COMPILED
    return fv_engine.PYTHON


@pytest.fixture
def engine_off(engine, monkeypatch):
    """fastvars switched off, ``engine`` the one enable() will use; off again after."""
    import fastvars

    monkeypatch.setattr(fv_engine, "ACTIVE", engine)
    fastvars.disable()
    yield engine
    fastvars.disable()
