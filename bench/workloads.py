"""Named capture workloads for the benchmarks, each ready to capture.

The frames themselves are fastvars.bench.workloads' (shared with ``fastvars-bench``, so the
CLI and these benchmarks time the same stacks); this module adds what a capture call
needs: the exception list a posthog client serializes, every frame in-app.

    exc_info, exceptions = WORKLOADS["standard"]()
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from posthog import exception_utils as _posthog

from fastvars.bench import workloads as _frames

Prepared = tuple[tuple[Any, Any, Any], list[dict[str, Any]]]


def serialize(exc_info: tuple[Any, Any, Any]) -> list[dict[str, Any]]:
    """posthog's exception list for ``exc_info``, every frame marked in-app."""
    exceptions = _posthog.exceptions_from_error_tuple(exc_info)
    for exception in exceptions:
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            frame["in_app"] = True
    return exceptions


def _prepared(make: Callable[[], tuple[Any, Any, Any]]) -> Callable[[], Prepared]:
    def prepare() -> Prepared:
        exc_info = make()
        return exc_info, serialize(exc_info)

    prepare.__name__ = make.__name__
    prepare.__doc__ = make.__doc__
    return prepare


standard = _prepared(_frames.standard)
wide = _prepared(_frames.wide)
nested = _prepared(_frames.nested)
secrets = _prepared(_frames.secrets)
long_strings = _prepared(_frames.long_strings)
module_frame = _prepared(_frames.module_frame)

# The six, in its order; `chained` (three linked exceptions) is the CLI's extra.
WORKLOADS: dict[str, Callable[[], Prepared]] = {
    "standard": standard,
    "wide": wide,
    "nested": nested,
    "secrets": secrets,
    "long_strings": long_strings,
    "module_frame": module_frame,
}


def frame_locals(exc_info: tuple[Any, Any, Any]) -> list[dict[str, Any]]:
    """The f_locals of every frame of the traceback (for the repr() floor)."""
    out = []
    tb = exc_info[2]
    while tb is not None:
        out.append(tb.tb_frame)
        tb = tb.tb_next
    return out
