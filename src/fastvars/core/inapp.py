"""posthog's ``handle_in_app``, the pure-Python twin of ``_inapp.pyx``.

posthog's client marks every serialized frame in-app or not with
``exception_utils.handle_in_app`` before the code variables are read. Per frame it
looks ``_is_external_source``'s pattern up in ``re``'s cache and searches the path: on
a 22-frame event that costs as many instructions as fastvars' whole compiled ``clean``
pass.

The event the client passes is its own (``{"exception": {"values": [...]}}`` of plain
dicts, lists and strings), so the fast path first checks that everything it would read
is of those exact types: then no user code can run and the rules below are all there
is. Anything else, and posthog's own ``handle_in_app`` does the work on the untouched
event.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from posthog import exception_utils as _posthog_exception_utils

# posthog's own, held from import time so that replacing the name in posthog's client
# modules never makes fastvars delegate to itself.
posthog_handle_in_app = _posthog_exception_utils.handle_in_app

# Parity: the pattern of posthog 7.91.1's _is_external_source, compiled once (posthog
# looks it up in re's cache for every frame).
EXTERNAL_SOURCE = re.compile(r"[\\/](?:dist|site)-packages[\\/]")


def _plain_patterns(items: Any) -> bool:
    # None, or a list or tuple of exact str: what _module_in_list can read without
    # running user code.
    if items is None:
        return True
    if type(items) is not list and type(items) is not tuple:
        return False
    return all(type(item) is str for item in items)


def _plain_frames(event: Any) -> list[list[Any]] | None:
    """The frame lists of a client-made event whose every piece the fast path reads is
    of an exact built-in type, or None when posthog must do the work."""
    if type(event) is not dict or "stacktrace" in event or "threads" in event:
        return None
    if "exception" not in event:
        return []
    exception = event["exception"]
    if type(exception) is not dict:
        return None
    # Parity with posthog's `.get("values") or ()`, without asking a value of another
    # type for its truth (user code, which posthog would then run a second time).
    values = exception.get("values")
    if values is None:
        values = ()
    elif type(values) is not list and type(values) is not tuple:
        return None
    found = []
    for entry in values:
        if type(entry) is not dict:
            return None
        if "stacktrace" not in entry:
            continue
        stacktrace = entry["stacktrace"]
        if type(stacktrace) is not dict:
            return None
        frames = stacktrace.get("frames")
        if frames is None:
            continue
        if type(frames) is not list:
            return None
        for frame in frames:
            if type(frame) is not dict:
                return None
            if frame.get("in_app") is not None:
                continue
            module = frame.get("module")
            abs_path = frame.get("abs_path")
            if (module is not None and type(module) is not str) or (
                abs_path is not None and type(abs_path) is not str
            ):
                return None
        found.append(frames)
    return found


def _module_in_list(name: str | None, items: Sequence[str] | None) -> bool:
    # Parity with posthog's _module_in_list, on exact str only.
    if name is None or not items:
        return False
    for item in items:
        if item == name or name.startswith(item + "."):
            return True
    return False


def handle_in_app(
    event: Any,
    in_app_exclude: list[str] | None = None,
    in_app_include: list[str] | None = None,
    project_root: str | None = None,
) -> Any:
    """``posthog.exception_utils.handle_in_app``: the same frames marked, the same event
    returned."""
    if not (
        _plain_patterns(in_app_exclude)
        and _plain_patterns(in_app_include)
        and (project_root is None or type(project_root) is str)
    ):
        return posthog_handle_in_app(event, in_app_exclude, in_app_include, project_root)
    frame_lists = _plain_frames(event)
    if frame_lists is None:
        return posthog_handle_in_app(event, in_app_exclude, in_app_include, project_root)
    for frames in frame_lists:
        for frame in frames:
            # Parity with posthog's set_in_app_in_frames, rule by rule and in order.
            if frame.get("in_app") is not None:
                continue
            module = frame.get("module")
            if _module_in_list(module, in_app_include):
                frame["in_app"] = True
                continue
            if _module_in_list(module, in_app_exclude):
                frame["in_app"] = False
                continue
            abs_path = frame.get("abs_path")
            if abs_path is None:
                continue
            if EXTERNAL_SOURCE.search(abs_path) is not None:
                frame["in_app"] = False
                continue
            if project_root is not None and abs_path.startswith(project_root):
                frame["in_app"] = True
    return event
