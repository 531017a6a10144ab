"""Asynchronous exceptions during a capture (issue 14, item 3): a signal handler's
exception or KeyboardInterrupt may land between any two bytecodes. The event must end
up with all of its code variables or none, and an ``Exception`` must never reach the
caller (posthog's ``try_attach_code_variables_to_frames`` swallows it); a
``BaseException`` may propagate, as in posthog, but never with a half-written event.

Two batteries: every bytecode boundary of fastvars' orchestration, one at a time
(``sys.settrace`` with opcode events raising at the n-th one: a superset of the points
where CPython runs signal handlers), and a real ``SIGALRM`` storm every millisecond.
"""

import copy
import dataclasses
import dis
import itertools
import os
import signal
import sys
import threading
import time
import types

import pytest
from posthog import exception_utils as ph

import fastvars
from fastvars import capture as fv_capture
from fastvars import engine as fv_engine
from fastvars.constants import DEFAULT_IGNORE_PATTERNS, DEFAULT_MASK_PATTERNS
from fastvars.core import planning
from helpers.oracle import raise_and_catch, serialized_exceptions

MASK = list(DEFAULT_MASK_PATTERNS)
IGNORE = list(DEFAULT_IGNORE_PATTERNS)
ORCHESTRATION = {os.path.abspath(fv_capture.__file__), os.path.abspath(planning.__file__)}


class Tick(Exception):
    """What a signal handler raises: an ordinary exception."""


class Interrupt(BaseException):
    """A KeyboardInterrupt stand-in that pytest does not treat as the user's Ctrl-C."""


def _level(depth, token):
    password = f"pw-{depth}"
    counter = depth * 3
    if depth:
        _level(depth - 1, token)
    raise ValueError("deep")


@pytest.fixture(scope="module")
def event():
    exc_info = raise_and_catch(_level, 6, "tok-secret")
    exceptions = serialized_exceptions(exc_info)
    complete = copy.deepcopy(exceptions)
    ph.try_attach_code_variables_to_frames(complete, exc_info, MASK, IGNORE)
    assert sum("code_variables" in f for f in complete[0]["stacktrace"]["frames"]) >= 7
    return exc_info, exceptions, complete


def _state(out, exceptions, complete):
    if repr(out) == repr(complete):
        return "complete"
    if repr(out) == repr(exceptions):
        return "untouched"
    return "half-written"


_checks_cache = {}


def _check_points(code):
    """Offsets where CPython may run a pending signal handler in ``code``: a function's
    entry, backward jumps, and the instruction after each call (3.11+ check only there;
    3.10 also checks at more places, all of them covered by the same handlers). Raising
    elsewhere, at every opcode, would test states no signal can produce: a 3.11 try's
    NOP, which its handler does not cover, or the instruction after a lock's __enter__.
    """
    points = _checks_cache.get(code)
    if points is None:
        instructions = list(dis.get_instructions(code))
        points = {instructions[0].offset}
        for previous, current in itertools.pairwise(instructions):
            if previous.opname.startswith("CALL") or current.opname in (
                "RESUME",
                "JUMP_BACKWARD",
                "JUMP_ABSOLUTE",
                "JUMP_BACKWARD_NO_INTERRUPT",
            ):
                points.add(current.offset)
        points = _checks_cache[code] = frozenset(points)
    return points


class _RaiseAtOpcode:
    """A trace function that raises ``error`` at the n-th bytecode executed in the
    orchestration modules (capture.py, planning.py), then traces no more."""

    def __init__(self, n, error):
        self.n = n
        self.error = error
        self.seen = 0
        self.where = None

    def __call__(self, frame, event, arg):
        if event == "call":
            if os.path.abspath(frame.f_code.co_filename) not in ORCHESTRATION:
                return None
            frame.f_trace_opcodes = True
            frame.f_trace_lines = False
            frame.f_trace = self  # 3.12+ only sends opcode events once this is set
            return self
        if event == "opcode":
            if frame.f_lasti not in _check_points(frame.f_code):
                return self
            self.seen += 1
            if self.seen == self.n:
                self.where = (frame.f_code.co_name, frame.f_lasti)
                sys.settrace(None)
                raise self.error()
        return self


# What precedes the body of attach_code_variables' try: RESUME (where 3.11+ runs pending
# signal handlers on entry, as in posthog's own wrapper), the try's NOP (3.11+) or its
# SETUP_FINALLY (3.10, which runs no pending call before that instruction).
_PRELUDE = {"RESUME", "NOP", "SETUP_FINALLY", "COPY_FREE_VARS", "MAKE_CELL"}


def _entry_instruction(where):
    """Whether an injected exception landed before attach_code_variables' try: posthog's
    wrapper has the same instructions, and the same exposure, before its own try."""
    if where is None or where[0] != "attach_code_variables":
        return False
    for instruction in dis.get_instructions(fastvars.attach_code_variables):
        if instruction.offset > where[1]:
            return True
        if instruction.opname not in _PRELUDE:
            return False
    return False


def _captures_at_every_boundary(engine, event, error):
    exc_info, exceptions, complete = event
    # One traced capture that raises nothing first: CPython 3.12.1 sends no opcode
    # events in the first traced call of a code object it has not instrumented yet.
    sys.settrace(_RaiseAtOpcode(10**9, error))
    try:
        fastvars.attach_code_variables(
            copy.deepcopy(exceptions), exc_info, MASK, IGNORE, engine=engine
        )
    finally:
        sys.settrace(None)
    n = 1
    outcomes = set()
    while True:
        out = copy.deepcopy(exceptions)
        tracer = _RaiseAtOpcode(n, error)
        escaped = None
        sys.settrace(tracer)
        try:
            fastvars.attach_code_variables(out, exc_info, MASK, IGNORE, engine=engine)
        except BaseException as caught:
            escaped = caught
        finally:
            sys.settrace(None)
        if tracer.seen < n:
            assert escaped is None
            assert _state(out, exceptions, complete) == "complete"
            return n - 1, outcomes
        state = _state(out, exceptions, complete)
        assert state != "half-written", f"half-written by {error.__name__} at {tracer.where}"
        if escaped is not None:
            assert isinstance(escaped, error)
            if isinstance(escaped, Exception):
                assert _entry_instruction(tracer.where), f"Exception escaped at {tracer.where}"
        outcomes.add((state, escaped is not None))
        n += 1


@pytest.mark.parametrize("error", [Tick, Interrupt], ids=["Exception", "BaseException"])
def test_every_bytecode_boundary_leaves_the_event_whole_or_untouched(engine, event, error):
    boundaries, outcomes = _captures_at_every_boundary(engine, event, error)
    assert boundaries > 5
    if error is Interrupt:
        # Early boundaries leave the event untouched, late ones after the write complete.
        assert ("untouched", True) in outcomes and ("complete", True) in outcomes
    else:
        # A failing engine is redone by the next (or posthog): complete, and never raised
        # except at the entry instruction.
        assert ("complete", False) in outcomes


def test_posthog_fallback_is_all_or_nothing_for_base_exceptions(event, monkeypatch):
    """When posthog's implementation does the capture, a KeyboardInterrupt inside it
    leaves the event untouched (posthog alone would leave it half-written)."""
    exc_info, exceptions, complete = event
    calls = []

    def interrupting(frame, limiter, config):
        calls.append(1)
        if len(calls) == 3:
            raise Interrupt()
        return real(frame, limiter, config)

    real = ph._serialize_frame_variables
    monkeypatch.setattr(ph, "_serialize_frame_variables", interrupting)
    failing_planner = types.SimpleNamespace(
        plan=_failing_plan, write_variables=planning.write_variables
    )
    broken = dataclasses.replace(fv_engine.PYTHON, planner=failing_planner)
    monkeypatch.setattr(fv_engine, "PYTHON", broken)
    out = copy.deepcopy(exceptions)
    with pytest.raises(Interrupt):
        fastvars.attach_code_variables(out, exc_info, MASK, IGNORE, engine=broken)
    assert _state(out, exceptions, complete) == "untouched"
    # posthog failing with an Exception keeps what posthog wrote: its own output.
    calls.clear()

    def failing(frame, limiter, config):
        calls.append(1)
        if len(calls) == 3:
            raise Tick()
        return real(frame, limiter, config)

    monkeypatch.setattr(ph, "_serialize_frame_variables", failing)
    expected = copy.deepcopy(exceptions)
    ph.try_attach_code_variables_to_frames(expected, exc_info, MASK, IGNORE)
    calls.clear()
    out = copy.deepcopy(exceptions)
    fastvars.attach_code_variables(out, exc_info, MASK, IGNORE, engine=broken)
    assert repr(out) == repr(expected) != repr(exceptions)


def _failing_plan(engine, *args):
    raise RuntimeError("injected planner failure")


def test_write_variables_twins_write_the_same(event):
    _, exceptions, complete = event
    frames = complete[0]["stacktrace"]["frames"]
    for write in {
        fv_engine.PYTHON.planner.write_variables,
        fv_engine.ACTIVE.planner.write_variables,
    }:
        out = copy.deepcopy(exceptions)
        found = [
            (f, copy.deepcopy(c["code_variables"]))
            for f, c in zip(out[0]["stacktrace"]["frames"], frames)
            if "code_variables" in c
        ]
        write(found)
        assert repr(out) == repr(complete)
        write([])
        with pytest.raises((TypeError, ValueError)):
            write([(out[0], {}, "third")])


def test_write_variables_calls_a_mapping_subclass_setitem_as_posthog_does(engine):
    class Recording(dict):
        def __setitem__(self, key, value):
            writes.append(key)
            super().__setitem__(key, value)

    writes = []
    frame = Recording(in_app=True)
    engine.planner.write_variables([({}, {"a": "1"}), (frame, {"b": "2"})])
    assert writes == ["code_variables"] and frame["code_variables"] == {"b": "2"}


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs setitimer")
@pytest.mark.parametrize("error", [Tick, Interrupt], ids=["Exception", "BaseException"])
def test_sigalrm_storm(engine, event, error):
    """SIGALRM every millisecond, its handler raising, while captures loop for about a
    second: no Exception out of attach_code_variables, no secret shown, and with a
    BaseException every event whole or untouched.

    A signal handler also runs inside C code: PyObject_Repr and PyObject_Str run pending
    handlers first. An Exception raised there lands where posthog's semantics catch
    exceptions (a value whose repr fails gets its placeholder, a frame whose locals
    cannot be read gets none), in both engines as in posthog, and changes what the
    event holds, so for Exceptions the whole-or-untouched check is the one made at every
    bytecode boundary above. No such step catches a BaseException.
    """
    if threading.current_thread() is not threading.main_thread():
        pytest.skip("signals need the main thread")
    exc_info, exceptions, complete = event
    # Compiled once before the storm: a compile interrupted on every capture would make
    # every capture fall back (enable() warms the patterns it knows for that reason).
    engine.compile_patterns(tuple(MASK), tuple(IGNORE))
    armed = [False]
    raised = [0]

    def handler(signum, frame):
        if armed[0]:
            raised[0] += 1
            raise error()

    results = {"complete": 0, "untouched": 0, "half-written": 0}
    escapes = []
    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
    deadline = time.monotonic() + 1.0
    try:
        while time.monotonic() < deadline:
            out = copy.deepcopy(exceptions)
            try:
                try:
                    armed[0] = True
                    fastvars.attach_code_variables(out, exc_info, MASK, IGNORE, engine=engine)
                finally:
                    armed[0] = False
            except (Tick, Interrupt) as caught:
                if isinstance(caught, Tick) and _escaped_from_capture(caught):
                    escapes.append(caught)
            shown = repr([f.get("code_variables") for f in out[0]["stacktrace"]["frames"]])
            assert "pw-" not in shown and "tok-secret" not in shown
            state = _state(out, exceptions, complete)
            if error is Interrupt:
                assert state != "half-written", _difference(out, complete)
            results[state] += 1
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, previous)
    assert not escapes, f"{len(escapes)} Exceptions escaped: {results}"
    assert raised[0] > 20 and results["complete"] > 0, (raised[0], results)


def _difference(out, complete):
    for got, want in zip(out[0]["stacktrace"]["frames"], complete[0]["stacktrace"]["frames"]):
        if got.get("code_variables") != want.get("code_variables"):
            got_variables, want_variables = got.get("code_variables"), want.get("code_variables")
            return f"{got.get('function')}: {got_variables} != {want_variables}"
    return "?"


def _escaped_from_capture(error):
    """Whether an exception came out of attach_code_variables (rather than being raised
    in the caller around the call), beyond its entry instruction."""
    tb = error.__traceback__
    frames = []
    while tb is not None:
        frames.append((tb.tb_frame.f_code, tb.tb_lasti))
        tb = tb.tb_next
    inside = [
        (code, lasti)
        for code, lasti in frames
        if os.path.abspath(code.co_filename) in ORCHESTRATION
    ]
    if not inside:
        return False
    code, lasti = inside[0]
    return not (len(inside) == 1 and _entry_instruction((code.co_name, lasti)))
