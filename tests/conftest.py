"""Every test that takes ``engine`` runs once per implementation (see
helpers/implementations.py, the facade every twin fixture goes through).

``--no-c-extensions`` skips the compiled implementations; with
``FASTVARS_REQUIRE_EXTENSIONS=1`` (CI) a missing build fails instead of skipping.

The size of the generated and fuzzed runs is the hypothesis settings profile's
(``--hypothesis-profile NAME``, or ``HYPOTHESIS_PROFILE=NAME``): ``default`` and ``ci``
(loaded by hypothesis itself on a CI machine: derandomized, no example database) run
100 examples a test where hypothesis' default is, ``quick`` a tenth of that,
``thorough`` ten times as many. helpers/sizes.py scales the tests that ask for more (or
fewer) examples, and the plain random loops, by the same factor.
"""

import os

import pytest
from hypothesis import settings

from fastvars import engine as fv_engine
from helpers import implementations

# The fixtures the end-to-end files share (ingest, route) and the stacktrace files'
# twin: plugins, not imports, so no test module rebinds an imported name.
pytest_plugins = ["helpers.ingest_server", "helpers.stacktrace_support"]

# No per-example deadline in any profile: the machines are shared and noisy, and speed
# is the benchmarks' to measure, never a timed assertion in the suite (GUIDE).
settings.register_profile("default", settings.get_profile("default"), deadline=None)
settings.register_profile("ci", settings.get_profile("ci"), deadline=None)
settings.register_profile("quick", settings.get_profile("default"), max_examples=10, deadline=None)
settings.register_profile(
    "thorough", settings.get_profile("default"), max_examples=1000, deadline=None
)
# --hypothesis-profile, read by hypothesis' plugin after this file, wins over both.
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", settings.get_current_profile_name()))


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
        implementations.compiled_engine()


@pytest.fixture(params=implementations.IMPLEMENTATIONS)
def engine(request):
    return implementations.engine_named(request.param)


@pytest.fixture
def engine_off(engine, monkeypatch):
    """fastvars switched off, ``engine`` the one enable() will use; off again after."""
    import fastvars

    monkeypatch.setattr(fv_engine, "ACTIVE", engine)
    fastvars.disable()
    yield engine
    fastvars.disable()
