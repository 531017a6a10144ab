"""Reading one frame: whether a stack trace shows it, and its variables.

Pure-Python twin of ``_frames.pyx``. Each engine hands its own ``is_hidden`` and
``frame_variables`` to the walk that calls them for every frame (planning.py, one
source for both engines).
"""

from __future__ import annotations

from types import FrameType
from typing import Any

from .encoding import encode_variables

_HIDE_FLAGS = ("__traceback_hide__", "__tracebackhide__")


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
    for flag in _HIDE_FLAGS:
        try:
            if frame.f_locals[flag]:
                return True
        except Exception:
            pass
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
