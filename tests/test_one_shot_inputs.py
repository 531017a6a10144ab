"""Arguments that can be iterated only once (generators, iterators) are read once, at the
entry of a capture, so that every engine of the fallback chain and posthog's own
implementation last all see the whole of them (issue 14, item 1).

posthog reads each of them once per capture: ``_MaskingConfig.build`` turns each pattern
list into ``tuple(patterns or [])`` (mask first), then ``for exception in all_exceptions``
walks the list once; exc_info is unpacked once. fastvars must give posthog's output for
the same one-shot arguments and never show a value posthog redacts.
"""

import copy
import dataclasses

import pytest
from posthog import exception_utils as ph

import fastvars
from fastvars import engine as fv_engine
from fastvars.constants import DEFAULT_IGNORE_PATTERNS, DEFAULT_MASK_PATTERNS
from helpers.oracle import raise_and_catch, serialized_exceptions

MASK = list(DEFAULT_MASK_PATTERNS)
IGNORE = list(DEFAULT_IGNORE_PATTERNS)


def _outer_with_module_frame():
    password = "Outer-Pw-1"
    api_key = "Outer-Key-2"
    # A module frame whose globals hold a non-str key: both fastvars engines refuse it,
    # so the capture falls back all the way to posthog's implementation.
    exec("raise ValueError('gm')", {"__name__": "gm", 7: "int key"})


def _outer_plain():
    password = "Plain-Pw-3"
    token = "Plain-Token-4"
    __dunder = "Ignored-5"
    raise KeyError("plain")


def _chain():
    try:
        _outer_plain()
    except KeyError as error:
        secret = "Chain-Secret-6"
        raise RuntimeError("chained") from error


def _posthog(exceptions, exc_info, mask, ignore):
    out = copy.deepcopy(exceptions)
    ph.try_attach_code_variables_to_frames(out, exc_info, mask, ignore)
    return out


def _fastvars(engine, exceptions, exc_info, mask, ignore):
    out = copy.deepcopy(exceptions)
    fastvars.attach_code_variables(out, exc_info, mask, ignore, engine=engine)
    return out


def _variables(exceptions):
    """Only the captured variables: the frames' source context holds the literals too."""
    return repr([[f.get("code_variables") for f in e["stacktrace"]["frames"]] for e in exceptions])


def _gen(patterns):
    return (pattern for pattern in patterns)


ONE_SHOT_KINDS = {
    "generator": _gen,
    "iterator": iter,
    "map": lambda patterns: map(str, patterns),
}


@pytest.mark.parametrize("kind", sorted(ONE_SHOT_KINDS))
def test_issue_reproduction_one_shot_mask_patterns_through_every_fallback(engine, kind):
    """The issue's case: the engines fail on the module frame, posthog answers; it must
    receive the whole pattern list, not an iterator the first engine emptied."""
    make = ONE_SHOT_KINDS[kind]
    exc_info = raise_and_catch(_outer_with_module_frame)
    exceptions = serialized_exceptions(exc_info)
    before = fastvars.capture.stats.snapshot()["fallbacks"]
    expected = _posthog(exceptions, exc_info, make(MASK), IGNORE)
    actual = _fastvars(engine, exceptions, exc_info, make(MASK), IGNORE)
    assert fastvars.capture.stats.snapshot()["fallbacks"] > before
    assert repr(actual) == repr(expected)
    for leaked in ("Outer-Pw-1", "Outer-Key-2"):
        assert leaked not in _variables(actual)
    outer = [
        f for f in actual[0]["stacktrace"]["frames"] if f["function"] == "_outer_with_module_frame"
    ]
    assert outer[0]["code_variables"]["password"] == ph.CODE_VARIABLES_REDACTED_VALUE
    assert outer[0]["code_variables"]["api_key"] == ph.CODE_VARIABLES_REDACTED_VALUE


def _failing_first_engine(engine):
    """An engine whose first frame fails, so that the capture is redone by the next."""

    def fails(frame, policy, budget):
        raise RuntimeError("injected engine failure")

    return dataclasses.replace(engine, frame_variables=fails)


@pytest.mark.parametrize("which", ["mask", "ignore", "both"])
@pytest.mark.parametrize("kind", sorted(ONE_SHOT_KINDS))
def test_one_shot_patterns_reach_the_next_engine_whole(engine, monkeypatch, which, kind):
    make = ONE_SHOT_KINDS[kind]
    exc_info = raise_and_catch(_outer_plain)
    exceptions = serialized_exceptions(exc_info)
    mask = make(MASK) if which in ("mask", "both") else MASK
    ignore = make(IGNORE) if which in ("ignore", "both") else IGNORE
    expected = _posthog(exceptions, exc_info, MASK, IGNORE)
    # The engine under test fails; the pure-Python engine (or, for it, posthog) redoes it.
    broken = _failing_first_engine(engine)
    if engine is fv_engine.PYTHON:
        monkeypatch.setattr(fv_engine, "PYTHON", broken)
    before = fastvars.capture.stats.snapshot()["fallbacks"]
    actual = _fastvars(broken, exceptions, exc_info, mask, ignore)
    assert fastvars.capture.stats.snapshot()["fallbacks"] > before
    assert repr(actual) == repr(expected)
    assert "Plain-Pw-3" not in _variables(actual) and "Plain-Token-4" not in _variables(actual)
    assert "Ignored-5" not in _variables(actual)


def test_one_shot_exception_list_and_exc_info_reach_the_next_engine_whole(engine, monkeypatch):
    exc_info = raise_and_catch(_chain)
    exceptions = serialized_exceptions(exc_info)
    expected = _fastvars(engine, exceptions, exc_info, MASK, IGNORE)  # the plain-list answer
    assert any("code_variables" in f for e in expected for f in e["stacktrace"]["frames"])
    broken = _failing_first_engine(engine)
    if engine is fv_engine.PYTHON:
        monkeypatch.setattr(fv_engine, "PYTHON", broken)
        # posthog answers last, and pairs the cause's frames with the primary traceback
        expected = _posthog(exceptions, exc_info, MASK, IGNORE)
    out = copy.deepcopy(exceptions)
    fastvars.attach_code_variables(
        iter(out), iter(exc_info), _gen(MASK), _gen(IGNORE), engine=broken
    )
    assert repr(out) == repr(expected)


def test_patterns_are_read_once_and_in_posthogs_order(engine):
    exc_info = raise_and_catch(_outer_plain)
    exceptions = serialized_exceptions(exc_info)
    reads = []

    def counted(name, patterns):
        reads.append(name)
        yield from patterns

    expected = _posthog(exceptions, exc_info, counted("mask", MASK), counted("ignore", IGNORE))
    posthog_reads, reads[:] = list(reads), []
    actual = _fastvars(
        engine, exceptions, exc_info, counted("mask", MASK), counted("ignore", IGNORE)
    )
    assert reads == posthog_reads == ["mask", "ignore"]
    assert repr(actual) == repr(expected)


def test_no_traceback_reads_no_pattern(engine):
    """posthog returns before it compiles anything when exc_info has no traceback."""
    touched = []

    def counted(patterns):
        touched.append(1)
        yield from patterns

    exc_info = raise_and_catch(_outer_plain)
    exceptions = serialized_exceptions(exc_info)
    out = copy.deepcopy(exceptions)
    fastvars.attach_code_variables(
        out, (KeyError, KeyError("x"), None), counted(MASK), counted(IGNORE), engine=engine
    )
    assert touched == [] and out == exceptions


def test_a_generator_that_raises_writes_nothing_and_does_not_raise(engine):
    def broken():
        yield "(?i)password"
        raise RuntimeError("pattern source failed")

    exc_info = raise_and_catch(_outer_plain)
    exceptions = serialized_exceptions(exc_info)
    expected = _posthog(exceptions, exc_info, broken(), IGNORE)
    actual = _fastvars(engine, exceptions, exc_info, broken(), IGNORE)
    assert actual == expected == exceptions


@pytest.mark.parametrize("frames_kind", ["iterator", "generator"])
def test_one_shot_frames_go_to_posthog_which_reads_them_once(engine, frames_kind):
    """Frames given as an iterator could be consumed by one engine and then be empty for
    the next: such an event goes to posthog's implementation, which reads it once."""
    exc_info = raise_and_catch(_outer_plain)
    exceptions = serialized_exceptions(exc_info)

    def one_shot(frames):
        return iter(frames) if frames_kind == "iterator" else (f for f in frames)

    expected = copy.deepcopy(exceptions)
    expected_frames = expected[0]["stacktrace"]["frames"]
    expected[0]["stacktrace"]["frames"] = one_shot(expected_frames)
    ph.try_attach_code_variables_to_frames(expected, exc_info, MASK, IGNORE)
    actual = copy.deepcopy(exceptions)
    actual_frames = actual[0]["stacktrace"]["frames"]
    actual[0]["stacktrace"]["frames"] = one_shot(actual_frames)
    fastvars.attach_code_variables(actual, exc_info, MASK, IGNORE, engine=engine)
    assert repr(actual_frames) == repr(expected_frames)
    assert any("code_variables" in f for f in actual_frames)
    assert "Plain-Pw-3" not in repr([f.get("code_variables") for f in actual_frames])


def test_snapshot_reads_one_shot_patterns_once(engine):
    exc_info = raise_and_catch(_outer_plain)
    whole = fastvars.snapshot(
        exc_info[1], mask_patterns=MASK, ignore_patterns=IGNORE, engine=engine
    )
    once = fastvars.snapshot(
        exc_info[1], mask_patterns=_gen(MASK), ignore_patterns=_gen(IGNORE), engine=engine
    )
    assert once == whole
    assert "Plain-Pw-3" not in repr([f["variables"] for e in once for f in e["frames"]])


@pytest.mark.c_extension
def test_snapshot_fallback_gets_the_whole_one_shot_list(monkeypatch):
    exc_info = raise_and_catch(_outer_plain)
    whole = fastvars.snapshot(
        exc_info[1], mask_patterns=MASK, ignore_patterns=IGNORE, engine=fv_engine.PYTHON
    )
    broken = _failing_first_engine(fv_engine.COMPILED)
    once = fastvars.snapshot(
        exc_info[1], mask_patterns=_gen(MASK), ignore_patterns=_gen(IGNORE), engine=broken
    )
    assert once == whole


def test_compile_patterns_takes_one_shot_lists():
    whole = fastvars.compile_patterns(MASK, IGNORE)
    once = fastvars.compile_patterns(_gen(MASK), _gen(IGNORE))
    names = ["password", "__x", "user", "api_key", "Token"]
    assert once.classify_many(names) == whole.classify_many(names)
    assert once.mask_patterns == tuple(MASK) and once.ignore_patterns == tuple(IGNORE)
