"""Bad input never raises and gives exactly what posthog gives."""

import copy

import pytest
from posthog import exception_utils as ph

import fastvars
from helpers.corpus import SCENARIOS
from helpers.oracle import raise_and_catch, serialized_exceptions

# What depends on which engine is live: run again with FASTVARS_NO_EXTENSIONS=1
# (scripts/test.sh, CI) as well as in the suite.
pytestmark = pytest.mark.live_engine


def _both(engine, exceptions, exc_info, mask, ignore, *toggles):
    expected = copy.deepcopy(exceptions)
    ph.try_attach_code_variables_to_frames(expected, exc_info, mask, ignore, *toggles)
    actual = copy.deepcopy(exceptions)
    fastvars.attach_code_variables(actual, exc_info, mask, ignore, *toggles, engine=engine)
    assert repr(actual) == repr(expected)
    return actual


@pytest.fixture
def raised():
    exc_info = raise_and_catch(SCENARIOS["nested_calls"])
    return exc_info, serialized_exceptions(exc_info)


@pytest.mark.parametrize(
    "mask, ignore",
    [
        ([123], None),
        (None, [b"^__"]),
        ([None], []),
        (["(?i)password", 1.5], ["^__.*"]),
        ([["nested"]], None),
        ("password", None),  # a str is an iterable of one-character patterns
        ({"(?i)token": 1}, None),
        ([], []),
        (None, None),
        ((), ()),
        (["(", "[", "*", "(?P<x>a)(?P=y)"], ["+"]),
        (["a(?i)b"], None),  # global flags not at the start
    ],
)
def test_bad_patterns(engine, raised, mask, ignore):
    exc_info, exceptions = raised
    _both(engine, exceptions, exc_info, mask, ignore)


@pytest.mark.parametrize(
    "exc_info",
    [
        (ValueError, ValueError("no traceback"), None),
        (None, None, None),
    ],
)
def test_exc_info_without_traceback(engine, raised, exc_info):
    _, exceptions = raised
    assert _both(engine, exceptions, exc_info, None, None) == exceptions


def test_exc_info_not_a_tuple(engine, raised):
    _, exceptions = raised
    for bad in (None, 42, "x", (1, 2)):
        _both(engine, exceptions, bad, None, None)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda ex: [{}],
        lambda ex: [{"stacktrace": None}],
        lambda ex: [{"stacktrace": {}}],
        lambda ex: [{"stacktrace": {"frames": []}}],
        lambda ex: [{"stacktrace": {"frames": [{}, {"in_app": None}, {"in_app": 1}]}}],
        lambda ex: [{"stacktrace": {"frames": [{"in_app": True, "lineno": "x"}]}}] * 3,
        lambda ex: ex + ex,  # more entries than exceptions
        lambda ex: [],
        lambda ex: None,
        lambda ex: ["not a dict"],
        lambda ex: [None],
        lambda ex: [{"stacktrace": {"frames": [None]}}],
    ],
)
def test_frame_lists_with_missing_keys(engine, raised, mangle):
    exc_info, exceptions = raised
    _both(engine, mangle(copy.deepcopy(exceptions)), exc_info, None, None)


def test_non_str_local_names_fall_back_to_posthog(engine):
    namespace = {"__name__": "weird_module"}
    code = "a = 1\nglobals()[7] = 'seven'\nraise ValueError('module level')\n"
    exc_info = raise_and_catch(exec, compile(code, "<weird>", "exec"), namespace)
    exceptions = serialized_exceptions(exc_info)
    before = fastvars.capture.stats.snapshot()["fallbacks"]
    _both(engine, exceptions, exc_info, None, None)
    _both(engine, exceptions, exc_info, ["(?i)a"], None)
    assert fastvars.capture.stats.snapshot()["fallbacks"] > before


def test_compile_patterns_rejects_non_str_clearly():
    with pytest.raises(TypeError, match="patterns must be str"):
        fastvars.compile_patterns([123], None)


def test_invalid_pattern_warns_once(caplog):
    caplog.set_level("WARNING", logger="fastvars")
    pattern = "(unclosed-for-warning-test"
    fastvars.compile_patterns([pattern, "(?i)password"], None)
    fastvars.compile_patterns([pattern], ["^__.*"])
    warnings = [r for r in caplog.records if pattern in r.getMessage()]
    assert len(warnings) == 1
