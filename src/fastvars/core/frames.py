"""Reading one frame: whether a stack trace shows it, and its variables.

Pure-Python twin of ``_frames.pyx``. Each engine hands its own ``is_hidden`` and
``frame_variables`` to the walk that calls them for every frame (planning.py, one
source for both engines).
"""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

from .encoding import encode_variables

_HIDE_FLAGS = ("__traceback_hide__", "__tracebackhide__")


def _frame_locals_proxy_type() -> type | None:
    """3.13's FrameLocalsProxy (PEP 667): what f_locals is in a function; None before,
    where it is a dict. Probed once here for both compiled modules that test for it."""

    def probe() -> type:
        return type(sys._getframe().f_locals)

    found = probe()
    return None if found is dict else found


FRAME_LOCALS_PROXY: type | None = _frame_locals_proxy_type()


def is_hidden(frame: FrameType, policy: Any = None) -> bool:
    """Frames of sentry_sdk, and frames that set ``__traceback_hide__`` (or
    ``__tracebackhide__``) to a true value, are left out of stack traces. ``policy`` is
    the capture's: this twin keeps nothing in it (the compiled one keeps the locals it
    read, for frame_variables)."""
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


def frame_locals(frame: FrameType) -> dict[str, Any] | None:
    """A snapshot of the frame's locals, or None when they cannot be read."""
    try:
        return frame.f_locals.copy()
    except Exception:
        return None


def frame_variables(frame: FrameType, policy: Any, budget: Any) -> dict[str, Any]:
    """One frame's masked, encoded locals, charged to ``budget``."""
    local_vars = frame_locals(frame)
    if local_vars is None:
        return {}
    return encode_variables(local_vars, policy, budget)
