"""fastvars against posthog's own implementation on really raised exceptions."""

import sys

import pytest

from helpers.corpus import CHAINED, PATTERN_SETS, SCENARIOS
from helpers.oracle import (
    code_variables,
    fastvars_capture,
    posthog_capture,
    posthog_capture_own_tracebacks,
    raise_and_catch,
    serialized_exceptions,
)

TOGGLES = [(True, True), (False, True), (True, False), (False, False)]


def _check(engine, scenario, patterns, toggles, in_app=True):
    exc_info = raise_and_catch(scenario)
    exceptions = serialized_exceptions(exc_info, in_app)
    mask, ignore = patterns
    expected = posthog_capture(exceptions, exc_info, mask, ignore, *toggles)
    actual = fastvars_capture(engine, exceptions, exc_info, mask, ignore, *toggles)
    assert repr(code_variables(actual)) == repr(code_variables(expected))
    assert repr(actual) == repr(expected)


@pytest.mark.parametrize("toggles", TOGGLES, ids=lambda t: f"url{int(t[0])}-sec{int(t[1])}")
@pytest.mark.parametrize("patterns", list(PATTERN_SETS), ids=str)
@pytest.mark.parametrize("scenario", list(SCENARIOS), ids=str)
def test_matches_posthog(engine, scenario, patterns, toggles):
    _check(engine, SCENARIOS[scenario], PATTERN_SETS[patterns], toggles)


def test_only_in_app_frames(engine):
    _check(
        engine,
        SCENARIOS["many_frames"],
        PATTERN_SETS["default"],
        (True, True),
        in_app=lambda index, frame: index % 3 == 0,
    )


@pytest.mark.parametrize("scenario", list(CHAINED), ids=str)
@pytest.mark.parametrize("patterns", ["default", "custom"], ids=str)
def test_chained_exceptions_get_their_own_locals(engine, scenario, patterns):
    if scenario == "group" and sys.version_info < (3, 11):
        pytest.skip("exception groups need 3.11")
    exc_info = raise_and_catch(CHAINED[scenario])
    exceptions = serialized_exceptions(exc_info)
    mask, ignore = PATTERN_SETS[patterns]
    expected = posthog_capture_own_tracebacks(exceptions, exc_info, mask, ignore)
    actual = fastvars_capture(engine, exceptions, exc_info, mask, ignore)
    assert repr(actual) == repr(expected)


def test_chained_repro_from_reference(engine):
    exc_info = raise_and_catch(CHAINED["cause"])
    exceptions = serialized_exceptions(exc_info)
    actual = fastvars_capture(engine, exceptions, exc_info, None, None)
    inner = [f for f in actual[1]["stacktrace"]["frames"] if f["function"] == "inner_chain"]
    assert inner and inner[0]["code_variables"] == {"inner_local": "INNER"}
    outer = [f for f in actual[0]["stacktrace"]["frames"] if f["function"] == "outer_chain"]
    assert outer[0]["code_variables"]["outer_local"] == "OUTER"
