"""Planning a capture: pair every serialized frame with its traceback entry and compute
its variables, without writing anything; then writing the plan in one step.

Pure-Python twin of ``_capture.plan`` and ``_capture.write_variables``. Both planners
call the engine they are given for each step, so an engine whose steps are swapped
(tests do) is planned the same way.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from itertools import repeat
from operator import setitem
from typing import Any

CODE_VARIABLES = "code_variables"


class NotPlain(Exception):
    """The exception list is not plain dicts holding frame lists: the engines would read
    it more than once (each engine of the chain, on every access), and what they read
    may run code or be an iterator that one read empties. posthog, which reads it once,
    captures it instead. posthog builds this structure itself, always plain."""


def check_plain(all_exceptions: list[Any]) -> None:
    """Raise NotPlain unless every entry is an exact dict whose "stacktrace" is absent,
    None or an exact dict whose "frames" is absent, None, a list or a tuple. Reads only
    exact dicts, so no code runs."""
    for exception in all_exceptions:
        if type(exception) is not dict:
            raise NotPlain(f"an exception entry is a {type(exception).__name__}")
        stacktrace = exception.get("stacktrace")
        if stacktrace is None:
            continue
        if type(stacktrace) is not dict:
            raise NotPlain(f"a stacktrace is a {type(stacktrace).__name__}")
        frames = stacktrace.get("frames")
        if frames is not None and type(frames) is not list and type(frames) is not tuple:
            raise NotPlain(f"stack frames are a {type(frames).__name__}")


def same_frames(serialized: Sequence[Any], entries: Sequence[Any]) -> bool:
    """Whether a serialized stack trace was made from these traceback entries."""
    if len(serialized) != len(entries):
        return False
    for frame_dict, entry in zip(serialized, entries):
        if (
            isinstance(frame_dict, dict)
            and "lineno" in frame_dict
            and frame_dict["lineno"] != entry.tb_lineno
        ):
            return False
    return True


def plan(
    engine: Any,
    all_exceptions: Iterable[Any],
    exc_info: tuple[Any, Any, Any],
    mask_patterns: Any,
    ignore_patterns: Any,
    mask_url_credentials: bool,
    detect_secrets: bool,
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(frame dict, variables) for every in-app serialized frame of every exception."""
    _, _, tb = exc_info
    if tb is None:
        return []
    all_exceptions = list(all_exceptions)
    check_plain(all_exceptions)
    # Walked before any frame is read: an exception class may compute the attributes
    # read here, and the compiled engine reuses a frame's first read of its locals only
    # while no code but its own has run.
    chain = engine.exception_tracebacks(exc_info) if len(all_exceptions) > 1 else []
    # Only trust the chain when it lines up with the serialized list entry for entry;
    # otherwise pair with the primary traceback, as posthog does.
    own_tracebacks = len(chain) == len(all_exceptions)
    matcher = engine.compile_patterns(mask_patterns or (), ignore_patterns or ())
    policy = engine.make_policy(matcher, mask_url_credentials, detect_secrets)
    budget = engine.make_budget()
    primary = engine.visible_entries(tb, policy)
    if not primary:
        return []

    found = []
    for index, exception in enumerate(all_exceptions):
        stacktrace = exception.get("stacktrace")
        if not stacktrace or "frames" not in stacktrace:
            continue
        serialized = stacktrace["frames"]
        entries = primary
        if index and own_tracebacks:
            own = engine.visible_entries(chain[index][1], policy)
            if same_frames(serialized, own):
                entries = own
        found += engine.collect_variables(
            serialized, entries, policy, budget, engine.frame_variables
        )
    return found


def write_variables(found: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """Write every (frame dict, variables) pair of a plan in one step.

    The writes run inside one C call (``deque`` consuming a ``map`` of
    ``operator.setitem``, all of it C), so no bytecode runs between two writes and an
    asynchronous exception (a signal handler's, KeyboardInterrupt) lands before the
    first write or after the last. (Freeing a replaced value may run its finalizer in
    between; what a finalizer raises is only reported, as for posthog's own writes, and
    does not stop the writes.) A frame that is not an exact dict gets posthog's own
    assignment, one by one, since its __setitem__ is user code (posthog runs it so too).
    """
    if not found:
        return
    frame_dicts, values = zip(*found)  # ValueError before any write, for a bad pair
    if set(map(type, frame_dicts)) != {dict}:
        for frame_dict, variables in found:
            frame_dict[CODE_VARIABLES] = variables
        return
    deque(map(setitem, frame_dicts, repeat(CODE_VARIABLES), values), maxlen=0)
