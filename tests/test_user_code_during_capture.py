"""User code that a capture runs, changing the locals of another frame of the traceback.

posthog 7.91.1 runs user code while it captures: the truth value of a
``__traceback_hide__`` / ``__tracebackhide__`` local (``should_hide_frame``), ``repr()``
of an object without a ``__dict__`` (``_safe_repr``), ``__hash__`` and ``__eq__`` of an
int-subclass dict key (``out_key in result`` and ``result[out_key] = ...`` in
``_mask_mapping``), ``__len__`` / ``items()`` / ``__iter__`` of container subclasses, a
``__class__`` property (``isinstance()`` reads it) and ``__getattribute__``. An ordinary
property is never run: posthog reads ``__dict__``, and of the class only member names.

posthog walks the traceback outermost first, twice: once to check every frame's hide
flags (which reads each ``frame.f_locals``), then once to read each in-app frame's
``f_locals`` again and encode its values. So user code run for an outer frame changes
what an inner frame, encoded later, shows. fastvars must show exactly what posthog shows.

Every capture runs the user code, which changes the frames, so each capture gets a fresh
exception: ``make()`` raises anew and is called once for posthog, once for fastvars. It
arms the hooks only after serializing the exception (posthog's serializer checks the hide
flags too), so the user code changes the frames during the capture itself.

Before Python 3.13, ``frame.f_locals`` is a dict that every read re-syncs from the
frame's real variables, so a plain write to it is undone by posthog's next read; a
debugger commits such a write with ``PyFrame_LocalsToFast``. From 3.13 on (PEP 667) it is
a write-through proxy, which refuses ``del``.
"""

import ctypes
import sys
from collections.abc import Callable
from typing import NamedTuple

import pytest

from fastvars.constants import DEFAULT_IGNORE_PATTERNS, DEFAULT_MASK_PATTERNS
from helpers.oracle import (
    code_variables,
    fastvars_capture,
    posthog_capture,
    posthog_capture_own_tracebacks,
    raise_and_catch,
    serialized_exceptions,
)

MASK = list(DEFAULT_MASK_PATTERNS)
IGNORE = list(DEFAULT_IGNORE_PATTERNS)
PEP_667 = sys.version_info >= (3, 13)
NO_DEL_REASON = (
    "PEP 667: FrameLocalsProxy refuses del (TypeError), so user code cannot "
    "delete another frame's local through f_locals"
)


# ------------------------------------------------------------------ user code


class Hooks:
    """What the frames share: the inner function to raise from, whether to chain, and
    what the inner frame leaves for the user code of an outer frame (an action, the
    frame itself). No ``__dict__`` and a constant repr, so wherever it is a local it
    encodes as ``Hooks()``. Disarmed until the exception has been serialized."""

    __slots__ = ("action", "armed", "chained", "frame", "inner")

    def __init__(self, inner, chained):
        self.inner = inner
        self.chained = chained
        self.action = None
        self.frame = None
        self.armed = False

    def fire(self, tag):
        if self.armed and self.action is not None:
            self.action(tag)

    def __repr__(self):
        return "Hooks()"


class Trigger:
    """No ``__dict__`` and no sensitively named member: posthog masks it with
    ``repr()``, which runs the action."""

    __slots__ = ("hooks",)

    def __init__(self, hooks):
        self.hooks = hooks

    def __repr__(self):
        self.hooks.fire("r")
        return "Trigger()"


class HideFlag:
    """A ``__traceback_hide__`` value: false, but its truth test runs the action."""

    __slots__ = ("hooks",)

    def __init__(self, hooks):
        self.hooks = hooks

    def __bool__(self):
        self.hooks.fire("b")
        return False

    def __repr__(self):
        return "HideFlag()"


class HashingKey(int):
    """A dict key that posthog keeps as a JSON key (an int), so it hashes the key object
    itself when it stores the masked entry. The hash is constant, so a second such key
    meets the first in ``__eq__``."""

    def __new__(cls, value, hooks):
        self = super().__new__(cls, value)
        self.hooks = hooks
        return self

    def __hash__(self):
        self.hooks.fire("h")
        return 7

    def __eq__(self, other):
        self.hooks.fire("e")
        return int.__eq__(self, other)


class CountedList(list):
    """posthog takes ``len()`` of a list and iterates it (then builds a masked copy of
    the same class, which has no hooks)."""

    __slots__ = ("hooks",)

    def _fire(self, tag):
        hooks = getattr(self, "hooks", None)
        if hooks is not None:
            hooks.fire(tag)

    def __len__(self):
        self._fire("l")
        return list.__len__(self)

    def __iter__(self):
        self._fire("i")
        return list.__iter__(self)


class CountedDict(dict):
    """posthog takes ``len()`` of a dict and calls its ``items()``."""

    __slots__ = ("hooks",)

    def __len__(self):
        self.hooks.fire("L")
        return dict.__len__(self)

    def items(self):
        self.hooks.fire("I")
        return dict.items(self)


class ClassProperty:
    """``isinstance()`` reads ``__class__`` when the real type does not match, and
    posthog's masking asks ``isinstance()`` many times: the one property it runs."""

    def __init__(self, hooks):
        self.hooks = hooks
        self.name = "plain"

    @property
    def __class__(self):
        self.hooks.fire("c")
        return ClassProperty


class Getattribute:
    """Every attribute read runs ``__getattribute__``, posthog's ``__dict__`` read too."""

    def __init__(self, hooks):
        object.__setattr__(self, "hooks", hooks)
        object.__setattr__(self, "name", "plain")

    def __getattribute__(self, name):
        object.__getattribute__(self, "hooks").fire("g")
        return object.__getattribute__(self, name)


def commit_locals(frame, clear):
    """Before PEP 667, make writes to ``frame.f_locals`` real, as debuggers do."""
    if not PEP_667:
        ctypes.pythonapi.PyFrame_LocalsToFast(ctypes.py_object(frame), ctypes.c_int(clear))


# ------------------------------------------------------------------ the frames
#
# raise_and_catch -> outer_* (holds the user code) -> middle -> inner_* (raises). The
# chained form catches the inner ValueError in middle and raises a RuntimeError from it,
# so the inner frame is in the cause's traceback.


def middle(hooks):
    step = "middle"
    if hooks.chained:
        try:
            hooks.inner(hooks)
        except ValueError as cause:
            raise RuntimeError("wrapped") from cause
    hooks.inner(hooks)
    return step


def outer_repr(hooks):
    trigger = Trigger(hooks)
    middle(hooks)
    return trigger


def outer_hide_flag(hooks):
    __traceback_hide__ = HideFlag(hooks)
    label = "outer"
    middle(hooks)
    return __traceback_hide__, label


def outer_dict_key(hooks):
    table = {HashingKey(1, hooks): "one", HashingKey(2, hooks): "two"}
    middle(hooks)
    return table


def outer_containers(hooks):
    rows = CountedList(["a", 1])
    rows.hooks = hooks
    mapping = CountedDict(k="v")
    mapping.hooks = hooks
    middle(hooks)
    return rows, mapping


def outer_class_property(hooks):
    thing = ClassProperty(hooks)
    middle(hooks)
    return thing


def outer_getattribute(hooks):
    thing = Getattribute(hooks)
    middle(hooks)
    return thing


def inner_rebinds_cell(hooks):
    status = "original"
    other = 10

    def rebind(tag):
        nonlocal status
        status = "rebound"

    hooks.action = rebind
    del rebind
    raise ValueError("boom")


def inner_unbinds_cell(hooks):
    status = "original"
    other = 10

    def unbind(tag):
        nonlocal status
        del status

    hooks.action = unbind
    del unbind
    raise ValueError("boom")


def inner_records_calls(hooks):
    # `status` only so the control can check every inner frame alike.
    status = "original"
    calls = ""

    def record(tag):
        nonlocal calls
        calls += tag

    hooks.action = record
    del record
    raise ValueError("boom")


def inner_written_through_f_locals(hooks):
    status = "original"
    other = 10
    hooks.frame = sys._getframe()

    def write(tag):
        frame = hooks.frame
        frame.f_locals["status"] = "written"
        commit_locals(frame, 0)

    hooks.action = write
    del write
    raise ValueError("boom")


def inner_written_uncommitted(hooks):
    status = "original"
    other = 10
    hooks.frame = sys._getframe()

    def write(tag):
        hooks.frame.f_locals["status"] = "written"

    hooks.action = write
    del write
    raise ValueError("boom")


def inner_deleted_through_f_locals(hooks):
    # A cell: committing a deletion unbinds a cell, but sets a plain local to None.
    status = "original"
    other = 10
    hooks.frame = sys._getframe()

    def reads_status():
        return status

    def delete(tag):
        frame = hooks.frame
        del frame.f_locals["status"]
        commit_locals(frame, 1)

    hooks.action = delete
    del delete, reads_status
    raise ValueError("boom")


def inner_gets_new_keys(hooks):
    status = "original"
    zeta = "z"
    hooks.frame = sys._getframe()

    def add(tag):
        locals_ = hooks.frame.f_locals  # a name sorted between the real ones, and a list
        locals_["injected"] = "added"
        locals_["injected_list"] = ["x", 1]

    hooks.action = add
    del add
    raise ValueError("boom")


def middle_hidden_later(hooks):
    __tracebackhide__ = False
    step = "middle"

    def hide(tag):
        nonlocal __tracebackhide__
        __tracebackhide__ = True

    hooks.action = hide
    del hide
    hooks.inner(hooks)


def outer_hides_middle(hooks):
    __traceback_hide__ = HideFlag(hooks)
    label = "outer"
    middle_hidden_later(hooks)
    return __traceback_hide__, label


def inner_plain(hooks):
    status = "original"
    other = 10
    raise ValueError("boom")


# ------------------------------------------------------------------ capturing


def maker(outer, inner, armed=True, chained=False):
    """``make()``: a fresh exception raised through these frames, its serialized form,
    and the hooks armed after serialization so the user code runs during the capture."""

    def make():
        hooks = Hooks(inner, chained)
        exc_info = raise_and_catch(outer, hooks)
        exceptions = serialized_exceptions(exc_info)
        hooks.armed = armed
        return exceptions, exc_info

    return make


def capture_both(engine, make, chained=False):
    """posthog's capture of one fresh exception, fastvars' of another; they must match.
    A chain is compared with posthog's per-frame serializer run on each exception's own
    traceback, the one intended difference from posthog (see the README)."""
    exceptions, exc_info = make()
    assert len(exceptions) == (2 if chained else 1)
    if chained:
        expected = posthog_capture_own_tracebacks(exceptions, exc_info, MASK, IGNORE)
    else:
        expected = posthog_capture(exceptions, exc_info, MASK, IGNORE)
    exceptions_again, exc_info_again = make()
    assert exceptions_again == exceptions
    actual = fastvars_capture(engine, exceptions_again, exc_info_again, MASK, IGNORE)
    assert code_variables(actual) == code_variables(expected)
    assert repr(actual) == repr(expected)
    return expected


def frame_variables(output, function, exception=0):
    frames = output[exception]["stacktrace"]["frames"]
    found = [frame for frame in frames if frame["function"] == function]
    assert len(found) == 1, [frame["function"] for frame in frames]
    return found[0].get("code_variables")


def inner_variables(output, inner, chained=False):
    # In a chain the inner frame is in the cause's traceback, the second exception.
    return frame_variables(output, inner.__name__, 1 if chained else 0)


# ------------------------------------------------------------------ the scenarios


class Scenario(NamedTuple):
    outer: Callable
    inner: Callable
    mutated: Callable  # (the inner frame's variables in posthog's output) -> bool


SCENARIOS = {
    # 1. A __repr__ rebinds (or unbinds) a closure cell of the inner frame.
    "repr_rebinds_cell": Scenario(
        outer_repr,
        inner_rebinds_cell,
        lambda v: v == {"other": 10, "status": "rebound", "hooks": "Hooks()"},
    ),
    "repr_unbinds_cell": Scenario(
        outer_repr, inner_unbinds_cell, lambda v: v == {"other": 10, "hooks": "Hooks()"}
    ),
    # 2. A __repr__ writes, or deletes, the inner frame's local through f_locals.
    "repr_writes_f_locals": Scenario(
        outer_repr, inner_written_through_f_locals, lambda v: v["status"] == "written"
    ),
    "repr_deletes_f_locals": Scenario(
        outer_repr, inner_deleted_through_f_locals, lambda v: "status" not in v and v["other"] == 10
    ),
    # 3. A __repr__ adds names to the inner frame's f_locals.
    "repr_adds_keys": Scenario(
        outer_repr,
        inner_gets_new_keys,
        lambda v: (
            v
            == {
                "injected": "added",
                "status": "original",
                "zeta": "z",
                "hooks": "Hooks()",
                "injected_list": '["x", 1]',
            }
        ),
    ),
    # 4. A __traceback_hide__ value's __bool__ (false) rebinds a cell of the inner frame.
    "hide_flag_rebinds_cell": Scenario(
        outer_hide_flag, inner_rebinds_cell, lambda v: v["status"] == "rebound"
    ),
    # 5. __hash__ / __eq__ of a dict key rebind a cell of the inner frame.
    "dict_key_rebinds_cell": Scenario(
        outer_dict_key, inner_rebinds_cell, lambda v: v["status"] == "rebound"
    ),
    # __len__ / items() / __iter__ of container subclasses.
    "containers_rebind_cell": Scenario(
        outer_containers, inner_rebinds_cell, lambda v: v["status"] == "rebound"
    ),
    "getattribute_rebinds_cell": Scenario(
        outer_getattribute, inner_rebinds_cell, lambda v: v["status"] == "rebound"
    ),
}


def check(engine, name, chained=False):
    scenario = SCENARIOS[name]
    out = capture_both(engine, maker(scenario.outer, scenario.inner, chained=chained), chained)
    variables = inner_variables(out, scenario.inner, chained)
    assert scenario.mutated(variables), variables
    return out


def test_repr_rebinds_cell_of_inner_frame(engine):
    out = check(engine, "repr_rebinds_cell")
    assert frame_variables(out, "outer_repr")["trigger"] == "Trigger()"


def test_repr_unbinds_cell_of_inner_frame(engine):
    check(engine, "repr_unbinds_cell")


def test_repr_writes_inner_local_through_f_locals(engine):
    check(engine, "repr_writes_f_locals")


def test_repr_writes_inner_f_locals_without_commit(engine):
    out = capture_both(engine, maker(outer_repr, inner_written_uncommitted))
    variables = inner_variables(out, inner_written_uncommitted)
    # Before 3.13 posthog's own re-read of f_locals undoes the write (the proof that
    # it re-reads); from 3.13 on the proxy wrote the variable itself.
    assert variables["status"] == ("written" if PEP_667 else "original")


@pytest.mark.skipif(PEP_667, reason=NO_DEL_REASON)
def test_repr_deletes_inner_local_through_f_locals(engine):
    check(engine, "repr_deletes_f_locals")


def test_repr_adds_new_keys_to_inner_f_locals(engine):
    check(engine, "repr_adds_keys")


def test_repr_runs_once_per_capture(engine):
    out = capture_both(engine, maker(outer_repr, inner_records_calls))
    assert inner_variables(out, inner_records_calls)["calls"] == "r"


def test_hide_flag_truth_test_rebinds_cell_of_inner_frame(engine):
    out = check(engine, "hide_flag_rebinds_cell")
    # The flag itself is ignored by name (^__.*), so only the hide check ran it.
    assert "__traceback_hide__" not in frame_variables(out, "outer_hide_flag")


def test_hide_flag_truth_test_runs_once_per_capture(engine):
    out = capture_both(engine, maker(outer_hide_flag, inner_records_calls))
    assert inner_variables(out, inner_records_calls)["calls"] == "b"


def test_hide_flag_truth_test_hides_a_later_frame(engine):
    # The outer flag's truth test sets middle's __tracebackhide__ before posthog checks
    # middle: middle drops out of the capture's frames, the serialized frames after the
    # outer one are paired with the frames after middle, and the last gets none.
    out = capture_both(engine, maker(outer_hides_middle, inner_plain))
    assert frame_variables(out, "middle_hidden_later") == {
        "other": 10,
        "status": "original",
        "hooks": "Hooks()",
    }
    assert inner_variables(out, inner_plain) is None


def test_dict_key_hash_and_eq_rebind_cell_of_inner_frame(engine):
    out = check(engine, "dict_key_rebinds_cell")
    assert frame_variables(out, "outer_dict_key")["table"] == '{"1": "one", "2": "two"}'


def test_dict_key_hash_and_eq_calls_in_order(engine):
    out = capture_both(engine, maker(outer_dict_key, inner_records_calls))
    # Per key, a lookup (`out_key in result`) and a store, each hashing; the second key
    # meets the first under the same hash, so each of its two probes compares too.
    assert inner_variables(out, inner_records_calls)["calls"] == "hhhehe"


def test_container_dunders_rebind_cell_of_inner_frame(engine):
    check(engine, "containers_rebind_cell")


def test_container_dunders_calls_in_order(engine):
    out = capture_both(engine, maker(outer_containers, inner_records_calls))
    variables = frame_variables(out, "outer_containers")
    assert (variables["mapping"], variables["rows"]) == ('{"k": "v"}', '["a", 1]')
    # mapping before rows (posthog sorts the names): len() then items(); len() then
    # iteration.
    assert inner_variables(out, inner_records_calls)["calls"] == "LIli"


def test_getattribute_rebinds_cell_of_inner_frame(engine):
    check(engine, "getattribute_rebinds_cell")


def test_getattribute_calls_counted(engine):
    out = capture_both(engine, maker(outer_getattribute, inner_records_calls))
    # Sixteen reads of __class__ (isinstance() in _is_simple_type, _mask_value, ...),
    # then the read of __dict__.
    assert inner_variables(out, inner_records_calls)["calls"] == "g" * 17


def test_class_property_rebinds_cell_of_inner_frame(engine):
    # Scenario 6: an ordinary property is never run by posthog (it reads __dict__, and
    # of the class only member names), so only __class__, read by isinstance(), is here.
    out = capture_both(engine, maker(outer_class_property, inner_rebinds_cell))
    assert inner_variables(out, inner_rebinds_cell)["status"] == "rebound"


# 7. The control: the same stacks, the same user code, but nothing armed.
@pytest.mark.parametrize(
    "outer, inner",
    [(s.outer, s.inner) for s in SCENARIOS.values()]
    + [
        (outer_repr, inner_written_uncommitted),
        (outer_hides_middle, inner_plain),
        (outer_class_property, inner_rebinds_cell),
        (outer_repr, inner_records_calls),
    ],
    ids=lambda f: f.__name__,
)
def test_control_without_mutation(engine, outer, inner):
    out = capture_both(engine, maker(outer, inner, armed=False))
    variables = inner_variables(out, inner)
    assert variables["status"] == "original"
    assert "injected" not in variables and variables.get("calls", "") == ""


@pytest.mark.parametrize("name", list(SCENARIOS), ids=str)
def test_chained(engine, name):
    if name == "repr_deletes_f_locals" and PEP_667:
        pytest.skip(NO_DEL_REASON)
    out = check(engine, name, chained=True)
    # The user code sits in the primary exception's frames, the inner frame is the
    # cause's: it was encoded after the user code ran.
    assert frame_variables(out, "middle", 0)["step"] == "middle"


# ------------------------------------------------------------------ lying about the class
# isinstance() believes __class__; posthog's masking asks isinstance() of every value, so
# an object that claims to be an int, a str, a dict or a list is handled as one.


class _Claims:
    __slots__ = ("claimed",)

    def __init__(self, claimed):
        self.claimed = claimed

    @property
    def __class__(self):
        return self.claimed

    def __repr__(self):
        return f"Claims({self.claimed.__name__})"


class _ClaimsWithDict:
    def __init__(self, claimed):
        self.claimed = claimed
        self.password = "hunter2"

    @property
    def __class__(self):
        return self.claimed


def _frame_with_liars():
    as_int = _Claims(int)
    as_str = _Claims(str)
    as_dict = _Claims(dict)
    as_list = _Claims(list)
    with_dict = _ClaimsWithDict(float)
    nested = {
        "inner": [_Claims(int), _ClaimsWithDict(tuple)],
        "label": _Claims(str),
        "more": _Claims(dict),
    }
    raise ValueError("liars")


def _liars():
    exc_info = raise_and_catch(_frame_with_liars)
    return serialized_exceptions(exc_info), exc_info


@pytest.mark.parametrize("settings", [(True, True), (False, False)])
def test_objects_that_claim_another_class(engine, settings):
    url, secrets = settings
    exceptions, exc_info = _liars()
    try:
        expected = posthog_capture(exceptions, exc_info, MASK, IGNORE, url, secrets)
    except Exception as error:  # posthog may give up on such values; then so may we
        pytest.skip(f"posthog raises: {error!r}")
    actual = fastvars_capture(engine, exceptions, exc_info, MASK, IGNORE, url, secrets)
    assert repr(code_variables(actual)) == repr(code_variables(expected))
