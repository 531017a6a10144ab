"""Frames whose locals are a custom namespace: fastvars runs its code as often as posthog.

posthog 7.91.1's ``should_hide_frame`` reads ``frame.f_locals`` once per hide flag, twice
a frame, and each read looks the flag up (``__getitem__``). With code variables on, a
capture reads it five times a frame: twice in ``exceptions_from_error_tuple``, twice
more in ``attach_code_variables_to_frames``' own ``iter_stacks``, then ``f_locals.copy()``.

A class body's locals are whatever its metaclass's ``__prepare__`` returned, and
exec'd code's are whatever mapping exec got. Up to 3.12 every read of f_locals first
syncs the frame's cells into that mapping (``__setitem__``, or ``__delitem__`` for an
empty cell: a class body's ``__class__`` while the body runs, 3.12's ``__classdict__``),
and on 3.12 a frame stopped inside an inlined comprehension gives a copy of the mapping
(``keys()`` and ``__getitem__``). That is user code, run once per read; from 3.13 (PEP
667) a read runs none. So each implementation must make exactly posthog's reads, in
posthog's order: every call into the namespace is recorded, during posthog's capture
and during fastvars', and the two lists (and the outputs) must be equal.
"""

import collections.abc
import re
import sys
import textwrap

import posthog
import pytest
from posthog import exception_utils as ph

import fastvars
from helpers.oracle import client_event
from helpers.stacktrace_support import assert_same, outcome

PEP_709 = sys.version_info >= (3, 12)  # comprehensions inlined into their scope
PEP_667 = sys.version_info >= (3, 13)  # f_locals reads no longer sync


# ------------------------------------------------------------------ namespaces


class RecordedMapping(collections.abc.MutableMapping):
    """A namespace that is not a dict: every method a read of f_locals or posthog could
    call is recorded in ``calls``."""

    def __init__(self, calls):
        self.calls = calls
        self.data = {}

    def __getitem__(self, key):
        self.calls.append(("getitem", key))
        return self.data[key]

    def __setitem__(self, key, value):
        self.calls.append(("setitem", key))
        self.data[key] = value

    def __delitem__(self, key):
        self.calls.append(("delitem", key))
        del self.data[key]

    def __iter__(self):
        self.calls.append(("iter",))
        return iter(self.data)

    def __len__(self):
        self.calls.append(("len",))
        return len(self.data)

    def __contains__(self, key):
        self.calls.append(("contains", key))
        return key in self.data

    def get(self, key, default=None):
        self.calls.append(("get", key))
        return self.data.get(key, default)

    def keys(self):
        self.calls.append(("keys",))
        return self.data.keys()

    def items(self):
        self.calls.append(("items",))
        return self.data.items()


class RecordedDict(dict):
    """A namespace that subclasses dict, its methods recorded."""

    def __init__(self, calls):
        super().__init__()
        self.calls = calls

    def __getitem__(self, key):
        self.calls.append(("getitem", key))
        return super().__getitem__(key)

    def __setitem__(self, key, value):
        self.calls.append(("setitem", key))
        super().__setitem__(key, value)

    def __delitem__(self, key):
        self.calls.append(("delitem", key))
        super().__delitem__(key)

    def __iter__(self):
        self.calls.append(("iter",))
        return super().__iter__()

    def __len__(self):
        self.calls.append(("len",))
        return super().__len__()

    def __contains__(self, key):
        self.calls.append(("contains", key))
        return super().__contains__(key)

    def get(self, key, default=None):
        self.calls.append(("get", key))
        return super().get(key, default)

    def keys(self):
        self.calls.append(("keys",))
        return super().keys()

    def items(self):
        self.calls.append(("items",))
        return super().items()

    def copy(self):
        self.calls.append(("copy",))
        return super().copy()


class DeleteFails(RecordedMapping):
    """Its ``__delitem__`` raises: the sync of an empty ``__class__`` cell fails, so
    reading f_locals raises (posthog ignores it, for each flag)."""

    def __delitem__(self, key):
        self.calls.append(("delitem raises", key))
        raise RuntimeError("no deleting here")


class DeleteFailsOnce(RecordedMapping):
    """The first sync fails, the later ones do not: posthog's second read succeeds."""

    def __delitem__(self, key):
        self.calls.append(("delitem", key))
        if sum(call[0] == "delitem" for call in self.calls) == 1:
            raise RuntimeError("not the first time")
        self.data.pop(key, None)


NAMESPACES = {
    "mapping": RecordedMapping,
    "dict_subclass": RecordedDict,
}


def prepared(namespace):
    """A metaclass whose ``__prepare__`` gives a fresh ``namespace()``."""

    class Prepared(type):
        @classmethod
        def __prepare__(mcls, name, bases, **kwargs):
            return namespace()

        def __new__(mcls, name, bases, body, **kwargs):
            return super().__new__(mcls, name, bases, dict(body))  # type() wants a dict

    return Prepared


class Flag:
    """A hide flag whose truth test is recorded (and false)."""

    def __init__(self, calls):
        self.calls = calls

    def __bool__(self):
        self.calls.append(("bool",))
        return False

    def __repr__(self):
        return "Flag()"


# ------------------------------------------------------------------ scenarios
# Each raises inside a frame whose locals are ``namespace()`` and calls ``capture`` with
# the exc_info (most after the frame is done; some while it still runs).


def class_body(namespace, calls, capture):
    try:

        class Plain(metaclass=prepared(namespace)):
            attribute = 1
            raise ValueError("in a class body")

    except ValueError:
        return capture(sys.exc_info())


def class_body_with_super(namespace, calls, capture):
    """A method using ``super()``: the body has a ``__class__`` cell, empty until the
    class is made, so each sync deletes ``__class__`` from the namespace."""
    try:

        class WithSuper(metaclass=prepared(namespace)):
            def method(self):
                return super().method()

            raise ValueError("in a class body with a __class__ cell")

    except ValueError:
        return capture(sys.exc_info())


def class_body_with_dunder_class(namespace, calls, capture):
    try:

        class WithDunderClass(metaclass=prepared(namespace)):
            def which(self):
                return __class__

            secret_token = "s3cr3t"
            raise ValueError("a __class__ cell and a local to mask")

    except ValueError:
        return capture(sys.exc_info())


def class_body_with_free_variable(namespace, calls, capture):
    """A name of the enclosing function, read in the body and closed over by a method:
    a free variable of the body, which the sync leaves out."""
    enclosing = "outer"
    try:

        class WithFreeVariable(metaclass=prepared(namespace)):
            copied = enclosing

            def method(self):
                return enclosing

            raise ValueError("in a class body with a free variable")

    except ValueError:
        return capture(sys.exc_info())


def class_body_comprehension(namespace, calls, capture):
    """Raised inside a comprehension of the body: inlined into it on 3.12+ (its
    variables the body's hidden fast locals, cleared again as the error leaves it)."""
    try:

        class WithComprehension(metaclass=prepared(namespace)):
            def which(self):
                return __class__

            values = [1 // (i - i) for i in range(2)]  # noqa: RUF012 (a comprehension, inlined)

    except ZeroDivisionError:
        return capture(sys.exc_info())


def class_body_inside_comprehension(namespace, calls, capture):
    """Captured while the body runs a comprehension: on 3.12 its f_locals is then a
    copy of the namespace, made by reading it (keys(), __getitem__) at every read."""
    results = []

    class Capturing(metaclass=prepared(namespace)):
        try:
            raise ValueError("captured from the class body's comprehension")
        except ValueError:
            saved = sys.exc_info()
        done = [results.append(capture(info)) for info in [saved]]  # noqa: RUF012 (as above)

    return results[0]


def class_body_with_hide_flag(namespace, calls, capture):
    """A hide flag in the namespace whose truth test is user code."""
    try:

        class WithHideFlag(metaclass=prepared(namespace)):
            __traceback_hide__ = Flag(calls)

            def which(self):
                return __class__

            raise ValueError("a class body with a false hide flag")

    except ValueError:
        return capture(sys.exc_info())


def class_body_hidden(namespace, calls, capture):
    try:

        class Hidden(metaclass=prepared(namespace)):
            __tracebackhide__ = 1

            def which(self):
                return __class__

            raise ValueError("a hidden class body")

    except ValueError:
        return capture(sys.exc_info())


# PEP 695 (3.12+): a type alias in a class body is an annotation scope that can see the
# class's names, through the body's __classdict__ cell (the namespace itself).
ANNOTATION_SCOPE = textwrap.dedent(
    """
    def class_body_with_annotation_scope(namespace, calls, capture):
        try:
            class WithAlias(metaclass=prepared(namespace)):
                type Alias = list[int]
                raise ValueError("a class body with a __classdict__ cell")
        except ValueError:
            return capture(sys.exc_info())
    """
)


def exec_capturing(code, globals_, namespace, error, capture):
    """exec ``code`` with a new custom namespace as its locals, and capture the
    ``error`` it raises."""
    try:
        exec(code, globals_, namespace())
    except error:
        return capture(sys.exc_info())


def exec_module_code(namespace, calls, capture):
    """Module-level code exec'd with a custom locals mapping (no cells to sync)."""
    code = "x = 1\nraise ValueError('exec with a custom locals mapping')"
    return exec_capturing(code, {"__name__": "exec_scenario"}, namespace, ValueError, capture)


def exec_module_comprehension(namespace, calls, capture):
    code = "x = 1\ny = [1 // (i - i) for i in range(2)]"
    globals_ = {"__name__": "exec_scenario"}
    return exec_capturing(code, globals_, namespace, ZeroDivisionError, capture)


def exec_module_inside_comprehension(namespace, calls, capture):
    """exec'd code that captures from inside its own comprehension (3.12: a copy)."""
    code = textwrap.dedent(
        """
        try:
            raise ValueError("captured from exec'd code's comprehension")
        except ValueError:
            saved = sys.exc_info()
        results.extend([capture(info) for info in [saved]])
        """
    )
    results = []
    exec(
        code,
        {"__name__": "exec_scenario", "sys": sys, "capture": capture, "results": results},
        namespace(),
    )
    return results[0]


def exec_class_in_custom_globals(namespace, calls, capture):
    """A class body (with a __class__ cell) exec'd with custom locals: both frames'
    namespaces are user code."""
    code = textwrap.dedent(
        """
        class Inner(metaclass=prepared(namespace)):
            def method(self):
                return super().method()
            raise ValueError("a class body inside exec'd code")
        """
    )
    globals_ = {"__name__": "exec_scenario", "prepared": prepared, "namespace": namespace}
    return exec_capturing(code, globals_, namespace, ValueError, capture)


SCENARIOS = [
    class_body,
    class_body_with_super,
    class_body_with_dunder_class,
    class_body_with_free_variable,
    class_body_comprehension,
    class_body_inside_comprehension,
    class_body_with_hide_flag,
    class_body_hidden,
    exec_module_code,
    exec_module_comprehension,
    exec_module_inside_comprehension,
    exec_class_in_custom_globals,
]
if PEP_709:
    _defined = {"prepared": prepared, "sys": sys}
    exec(ANNOTATION_SCOPE, _defined)
    SCENARIOS.append(_defined["class_body_with_annotation_scope"])
BY_NAME = {scenario.__name__: scenario for scenario in SCENARIOS}


def run(scenario, kind, capture):
    """(what ``capture`` returned, the namespace calls it made): a fresh scenario."""
    calls = []

    def namespace():
        return kind(calls)

    def recorded(exc_info):
        del calls[:]  # what the body itself did is not the capture's
        result = outcome(capture, exc_info)
        return result, list(calls)

    return scenario(namespace, calls, recorded)


# ------------------------------------------------------------------ the serializer


@pytest.mark.parametrize("kind", list(NAMESPACES), ids=list(NAMESPACES))
@pytest.mark.parametrize("name", list(BY_NAME))
def test_serializer_runs_namespace_code_as_posthog(twin, name, kind):
    scenario, namespace = BY_NAME[name], NAMESPACES[kind]
    expected, expected_calls = run(scenario, namespace, ph.exceptions_from_error_tuple)
    actual, actual_calls = run(scenario, namespace, twin)
    assert actual_calls == expected_calls
    assert expected[0] == actual[0] == "ok", (expected, actual)
    assert_same(actual[1], expected[1])


def test_the_reads_are_posthogs_two_per_frame():
    """The scenarios test what they mean to: up to 3.12, posthog's two reads of a class
    body with a __class__ cell each delete it from the namespace; from 3.13 none do."""
    _, calls = run(class_body_with_super, RecordedMapping, ph.exceptions_from_error_tuple)
    syncs = [call for call in calls if call == ("delitem", "__class__")]
    assert len(syncs) == (0 if PEP_667 else 2), calls
    lookups = [call for call in calls if call[0] == "getitem"]
    assert lookups == [("getitem", "__traceback_hide__"), ("getitem", "__tracebackhide__")]


@pytest.mark.skipif(sys.version_info[:2] != (3, 12), reason="3.12's f_locals copies")
def test_a_copy_is_made_at_each_of_posthogs_reads():
    _, calls = run(class_body_inside_comprehension, RecordedMapping, ph.exceptions_from_error_tuple)
    assert calls.count(("keys",)) == 2, calls


@pytest.mark.parametrize("kind", [DeleteFails, DeleteFailsOnce], ids=["always", "once"])
@pytest.mark.parametrize("name", ["class_body_with_super", "class_body_hidden"])
def test_a_failing_sync_is_ignored_as_posthog_ignores_it(twin, name, kind):
    """Reading f_locals raises (the namespace refuses to delete __class__): posthog
    ignores that read and reads again for the next flag; so must both twins."""
    expected, expected_calls = run(BY_NAME[name], kind, ph.exceptions_from_error_tuple)
    actual, actual_calls = run(BY_NAME[name], kind, twin)
    assert actual_calls == expected_calls
    assert expected[0] == actual[0] == "ok", (expected, actual)
    assert_same(actual[1], expected[1])


# ------------------------------------------------------------------ a whole capture

ADDRESS = re.compile(r"0x[0-9a-f]+")


def whole_event(exc_info):
    event = client_event(posthog.Posthog, exc_info[1])
    return ADDRESS.sub("0x", repr(event))


@pytest.mark.usefixtures("engine_off")
@pytest.mark.parametrize("kind", list(NAMESPACES), ids=list(NAMESPACES))
@pytest.mark.parametrize("name", list(BY_NAME))
def test_a_whole_capture_runs_namespace_code_as_posthog(name, kind):
    """capture_exception through a real client with code variables on: serializer,
    hidden checks and locals all fastvars', the namespace's calls posthog's."""
    scenario, namespace = BY_NAME[name], NAMESPACES[kind]
    expected, expected_calls = run(scenario, namespace, whole_event)
    assert fastvars.enable(), fastvars.status()["reason"]
    fallbacks = fastvars.status()["fallbacks"]
    actual, actual_calls = run(scenario, namespace, whole_event)
    assert fastvars.status()["fallbacks"] == fallbacks  # no capture made twice
    assert actual_calls == expected_calls
    assert actual == expected
