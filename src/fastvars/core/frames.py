"""Walking tracebacks: which frames are shown, their locals, and every exception's own
traceback in a chain. Pure-Python twin of the frame walker in ``_capture.pyx``."""

from __future__ import annotations

from types import FrameType, TracebackType
from typing import Any

from ..constants import MAX_EXCEPTIONS, MAX_GROUP_MEMBER_INSPECTIONS

try:
    # A builtin from 3.11 on: the ignores are for mypy on the versions before and after.
    from builtins import BaseExceptionGroup  # type: ignore[attr-defined,unused-ignore]
except ImportError:  # Python 3.10
    BaseExceptionGroup = None  # type: ignore[assignment,misc,unused-ignore]

_HIDE_FLAGS = ("__traceback_hide__", "__tracebackhide__")


def is_hidden(frame: FrameType) -> bool:
    """Frames of sentry_sdk, and frames that set ``__traceback_hide__`` (or
    ``__tracebackhide__``) to a true value, are left out of stack traces."""
    try:
        if frame.f_globals["__name__"].startswith("sentry_sdk."):
            return True
    except (AttributeError, KeyError):
        pass
    return hidden_by_flags(frame, read_locals(frame))


# What read_locals gives when reading frame.f_locals raised (posthog ignores it).
READ_FAILED: Any = object()
_NOT_READ: Any = object()


def read_locals(frame: Any) -> Any:
    """``frame.f_locals``, or READ_FAILED. Before 3.13 each read of a class body's (or
    exec'd code's) f_locals syncs its cells into a custom namespace: the namespace's
    ``__setitem__`` / ``__delitem__``, user code, run once per read."""
    try:
        return frame.f_locals
    except Exception:
        return READ_FAILED


def hidden_by_flags(frame: Any, first_read: Any, flags: tuple[str, ...] = _HIDE_FLAGS) -> bool:
    """posthog's test of the hide ``flags`` (``should_hide_frame``'s loop): the first
    flag looked up in ``first_read`` (f_locals already read, by read_locals), each
    later one in f_locals read afresh, as posthog reads it once per flag. A compiled
    walk that has read f_locals hands its read over, so no read is made twice."""
    frame_locals = first_read
    for flag in flags:
        if frame_locals is _NOT_READ:
            frame_locals = read_locals(frame)
        if frame_locals is not READ_FAILED:
            try:
                if frame_locals[flag]:
                    return True
            except Exception:
                pass
        frame_locals = _NOT_READ
    return False


def visible_entries(tb: TracebackType | None, policy: Any = None) -> list[TracebackType]:
    """The traceback entries whose frames a serialized stack trace shows, outermost
    first (entries rather than frames, for their line numbers). ``policy`` is the
    capture's; this twin keeps nothing in it (the compiled one keeps the locals read)."""
    entries = []
    while tb is not None:
        if not is_hidden(tb.tb_frame):
            entries.append(tb)
        tb = tb.tb_next
    return entries


def frame_locals(frame: FrameType) -> dict[str, Any] | None:
    """A snapshot of the frame's locals, or None when they cannot be read."""
    try:
        return frame.f_locals.copy()
    except Exception:
        return None


def exception_tracebacks(
    exc_info: tuple[Any, Any, Any],
) -> list[tuple[BaseException | None, TracebackType | None]]:
    """Every exception that posthog serializes for ``exc_info``, with its own traceback,
    in the order of posthog's exception list: depth first, each exception before its
    cause or context, then the members of an exception group. The same bounds and the
    same de-duplication by identity as posthog's, so entry ``i`` here is entry ``i``
    there."""
    seen: set[int] = set()
    inspected = [0]
    out: list[tuple[BaseException | None, TracebackType | None]] = []

    def visit(exc: Any, tb: Any) -> None:
        if exc is not None:
            if id(exc) in seen or len(out) >= MAX_EXCEPTIONS:
                return
            seen.add(id(exc))
        out.append((exc, tb))
        if getattr(exc, "__suppress_context__", False) and exc is not None:
            linked = getattr(exc, "__cause__", None)
        else:
            linked = getattr(exc, "__context__", None)
        if linked is not None and len(out) < MAX_EXCEPTIONS:
            visit(linked, getattr(linked, "__traceback__", None))
        if BaseExceptionGroup is not None and isinstance(exc, BaseExceptionGroup):
            members = exc.exceptions
            index = 0
            while (
                index < len(members)
                and len(out) < MAX_EXCEPTIONS
                and inspected[0] < MAX_GROUP_MEMBER_INSPECTIONS
            ):
                inspected[0] += 1
                member = members[index]
                index += 1
                visit(member, getattr(member, "__traceback__", None))

    visit(exc_info[1], exc_info[2])
    return out
