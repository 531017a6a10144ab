# cython: annotation_typing=False
"""Planning a capture: walk the exception chain and each traceback, pair every
serialized frame with its traceback entry and compute its variables, without writing
anything; then write the plan in one step.

One source for both engines. The pure-Python engine runs this module; the compiled
engine runs ``_planning``, this same file compiled by Cython in its pure-Python mode
(``_planning.pxd`` adds the C types; setup.py builds it). The per-frame work is the
engine's ``is_hidden`` and ``frame_variables`` (frames.py, and ``_frames.pyx``
compiled). Each step goes through the engine it is given, so an engine whose steps are
swapped (tests do) is planned the same way.

The compiled build must behave as this file does when Python runs it: the ``# cython:``
line above keeps Cython from reading the type hints as C types (an argument hinted
``tuple`` would then refuse a list where Python takes any sequence). Speed: run as
Python, this module would cost the compiled engine 9% more instructions per capture on
a 22-frame stack and 32% on a chain of three (callgrind).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from itertools import repeat
from operator import setitem
from types import FrameType, TracebackType
from typing import Any

from ..constants import MAX_EXCEPTIONS, MAX_GROUP_MEMBER_INSPECTIONS
from .errors import NotPlain

try:
    # A builtin from 3.11 on: the ignores are for mypy on the versions before and after.
    from builtins import BaseExceptionGroup  # type: ignore[attr-defined,unused-ignore]
except ImportError:  # Python 3.10
    BaseExceptionGroup = None  # type: ignore[assignment,misc,unused-ignore]

CODE_VARIABLES = "code_variables"

__all__ = [
    "NotPlain",
    "check_plain",
    "collect_variables",
    "exception_tracebacks",
    "plan",
    "same_frames",
    "visible_entries",
    "write_variables",
]


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


class _ChainWalk:
    """One walk of an exception tree: what it met and what it found."""

    def __init__(self) -> None:
        self.seen: set[int] = set()
        self.found: list[tuple[Any, Any]] = []
        self.inspected = 0

    def visit(self, exc: Any, tb: Any) -> None:
        if exc is not None:
            if id(exc) in self.seen or len(self.found) >= MAX_EXCEPTIONS:
                return
            self.seen.add(id(exc))
        self.found.append((exc, tb))
        if getattr(exc, "__suppress_context__", False) and exc is not None:
            linked = getattr(exc, "__cause__", None)
        else:
            linked = getattr(exc, "__context__", None)
        if linked is not None and len(self.found) < MAX_EXCEPTIONS:
            self.visit(linked, getattr(linked, "__traceback__", None))
        if BaseExceptionGroup is not None and isinstance(exc, BaseExceptionGroup):
            members = exc.exceptions
            index = 0
            while (
                index < len(members)
                and len(self.found) < MAX_EXCEPTIONS
                and self.inspected < MAX_GROUP_MEMBER_INSPECTIONS
            ):
                self.inspected += 1
                member = members[index]
                index += 1
                self.visit(member, getattr(member, "__traceback__", None))


def exception_tracebacks(
    exc_info: tuple[Any, Any, Any],
) -> list[tuple[BaseException | None, TracebackType | None]]:
    """Every exception that posthog serializes for ``exc_info``, with its own traceback,
    in the order of posthog's exception list: depth first, each exception before its
    cause or context, then the members of an exception group. The same bounds, the same
    de-duplication by identity and the same attribute reads as posthog's (an exception
    class that computes them sees the same calls), so entry ``i`` here is entry ``i``
    there."""
    walk = _ChainWalk()
    walk.visit(exc_info[1], exc_info[2])
    return walk.found


def visible_entries(
    tb: TracebackType | None,
    policy: Any,
    hidden: Callable[[FrameType, Any], bool],
) -> list[TracebackType]:
    """The traceback entries whose frames a serialized stack trace shows, outermost
    first (entries rather than frames, for their line numbers), each frame checked by
    ``hidden`` (the engine's is_hidden) for the capture's ``policy``."""
    entries = []
    while tb is not None:
        if not hidden(tb.tb_frame, policy):
            entries.append(tb)
        tb = tb.tb_next
    return entries


def collect_variables(
    serialized: Sequence[Any],
    entries: Sequence[TracebackType],
    policy: Any,
    budget: Any,
    variables_of: Callable[[FrameType, Any, Any], dict[str, Any]],
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(frame dict, variables) for every in-app serialized frame paired with its entry,
    in order, leaving out frames without variables; ``variables_of`` is the engine's
    frame_variables."""
    found = []
    for frame_dict, entry in zip(serialized, entries):
        if type(frame_dict) is dict:
            # Speed: typed as a dict in _planning.pxd, so the compiled get() is a C
            # lookup, not a method call (an exact dict's get runs no code either way).
            plain = frame_dict
            in_app = plain.get("in_app")
        else:
            in_app = frame_dict.get("in_app")
        if not in_app:
            continue
        variables = variables_of(entry.tb_frame, policy, budget)
        if variables:
            found.append((frame_dict, variables))
    return found


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
    chain = exception_tracebacks(exc_info) if len(all_exceptions) > 1 else []
    # Only trust the chain when it lines up with the serialized list entry for entry;
    # otherwise pair with the primary traceback, as posthog does.
    own_tracebacks = len(chain) == len(all_exceptions)
    matcher = engine.compile_patterns(mask_patterns or (), ignore_patterns or ())
    policy = engine.make_policy(matcher, mask_url_credentials, detect_secrets)
    budget = engine.make_budget()
    hidden = engine.is_hidden
    primary = visible_entries(tb, policy, hidden)
    if not primary:
        return []

    variables_of = engine.frame_variables
    found = []
    for index, exception in enumerate(all_exceptions):
        stacktrace = exception.get("stacktrace")
        if not stacktrace or "frames" not in stacktrace:
            continue
        serialized = stacktrace["frames"]
        entries = primary
        if index and own_tracebacks:
            own = visible_entries(chain[index][1], policy, hidden)
            if same_frames(serialized, own):
                entries = own
        found += collect_variables(serialized, entries, policy, budget, variables_of)
    return found


def write_variables(found: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    """Write every (frame dict, variables) pair of a plan in one step.

    Every pair is read before the first write (a bad pair raises ValueError with
    nothing written). The writes then run inside one C call (``any`` consuming a
    ``map`` of ``operator.setitem``, all of it C), so no bytecode runs between two
    writes and an asynchronous exception (a signal handler's, KeyboardInterrupt) lands
    before the first write or after the last. (Freeing a replaced value may run its
    finalizer in between; what a finalizer raises is only reported, as for posthog's
    own writes, and does not stop the writes.) A frame that is not an exact dict gets
    posthog's own assignment, one by one, since its __setitem__ is user code (posthog
    runs it so too).
    """
    frame_dicts = []
    values = []
    plain = True
    for frame_dict, variables in found:
        if type(frame_dict) is not dict:
            plain = False
        frame_dicts.append(frame_dict)
        values.append(variables)
    if not plain:
        for frame_dict, variables in zip(frame_dicts, values):
            frame_dict[CODE_VARIABLES] = variables
        return
    # any() runs the map to its end (setitem returns None): the writes are one C call.
    any(map(setitem, frame_dicts, repeat(CODE_VARIABLES), values))
