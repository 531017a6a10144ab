"""Shared by the stacktrace tests: both twins as a fixture, posthog as the oracle, and a
comparison that sees key order and posthog's AnnotatedValue (whose repr is an address)."""

from posthog import exception_utils as ph

from fastvars.core import stacktrace
from helpers import implementations


def _compiled_twin():
    implementations.need_compiled(
        "the compiled stacktrace",
        stacktrace.COMPILED_STACK is not None,
        "fastvars.core._stacktrace did not load",
    )
    return stacktrace.compiled_exceptions_from_error_tuple


# fastvars' exceptions_from_error_tuple, once per implementation (a fixture that reaches
# the stacktrace test modules as a pytest plugin: conftest.py's pytest_plugins).
twin = implementations.fixture(
    lambda: stacktrace.python_exceptions_from_error_tuple, _compiled_twin
)


def canonical(value):
    """A structure whose repr shows every key in order and AnnotatedValue's contents."""
    if isinstance(value, ph.AnnotatedValue):
        assert type(value) is ph.AnnotatedValue
        return ("AnnotatedValue", canonical(value.value), canonical(value.metadata))
    if isinstance(value, dict):
        return ("dict", [(canonical(k), canonical(v)) for k, v in value.items()])
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, tuple):
        return ("tuple", [canonical(v) for v in value])
    return value


def assert_same(actual, expected):
    assert actual == expected
    assert repr(canonical(actual)) == repr(canonical(expected))


def outcome(fn, *args, **kwargs):
    """('ok', result) or ('raise', exception type, message)."""
    try:
        return ("ok", fn(*args, **kwargs))
    except Exception as error:
        return ("raise", type(error), str(error))


def assert_same_outcome(twin, exc_info, mechanism=None, **kw):
    expected = outcome(ph.exceptions_from_error_tuple, exc_info, mechanism, **kw)
    actual = outcome(twin, exc_info, mechanism, **kw)
    if expected[0] == "ok" and actual[0] == "ok":
        assert_same(actual[1], expected[1])
    else:
        assert actual == expected
    return actual
