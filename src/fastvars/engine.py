"""The two implementations of the capture engine, and the choice between them.

An :class:`Engine` is the per-frame work of a capture: compile patterns, walk a
traceback, read and encode one frame's locals. The orchestration above it (pairing
exceptions with frames, fallbacks, writing results) is shared, in :mod:`.capture`.

The compiled engine is used when its extension modules import and
``FASTVARS_NO_EXTENSIONS`` is not set; otherwise the pure-Python engine is. A failed
import is logged at debug level, never raised.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .core import encoding, frames, matching, planning, policy
from .types import ImplementationName, Matcher

log = logging.getLogger("fastvars")


@dataclass(frozen=True)
class Engine:
    name: ImplementationName
    compile_patterns: Callable[[Iterable[str] | None, Iterable[str] | None], Matcher]
    make_policy: Callable[[Matcher, bool, bool], Any]
    make_budget: Callable[[], Any]
    visible_entries: Callable[[Any, Any], list[Any]]
    frame_variables: Callable[[Any, Any, Any], dict[str, Any]]
    # (serialized frames, entries, policy, budget, frame_variables) -> [(frame dict,
    # variables)] for the in-app pairs; called with the engine's own frame_variables.
    collect_variables: Callable[..., list[tuple[dict[str, Any], dict[str, Any]]]]
    # exc_info -> [(exception, its own traceback)] in the order of posthog's list
    exception_tracebacks: Callable[[Any], list[tuple[Any, Any]]]
    # (engine, all_exceptions, exc_info, mask, ignore, url, secrets) -> [(frame dict,
    # variables)]: the whole capture, each step through the engine it is given
    plan: Callable[..., list[tuple[dict[str, Any], dict[str, Any]]]]
    # [(frame dict, variables)] -> None: writes a whole plan in one step, so that an
    # asynchronous exception cannot leave an event half-written (planning.write_variables)
    write_variables: Callable[[list[tuple[dict[str, Any], dict[str, Any]]]], None]


def _python_frame_variables(frame: Any, policy: Any, budget: Any) -> dict[str, Any]:
    local_vars = frames.frame_locals(frame)
    if local_vars is None:
        return {}
    return encoding.encode_variables(local_vars, policy, budget)


def _python_collect_variables(
    serialized: Sequence[Any],
    entries: Sequence[Any],
    policy: Any,
    budget: Any,
    frame_variables: Callable[[Any, Any, Any], dict[str, Any]],
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    found = []
    for frame_dict, entry in zip(serialized, entries):
        if not frame_dict.get("in_app"):
            continue
        variables = frame_variables(entry.tb_frame, policy, budget)
        if variables:
            found.append((frame_dict, variables))
    return found


PYTHON = Engine(
    name="python",
    compile_patterns=matching.compile_patterns,
    make_policy=policy.Policy,
    make_budget=encoding.Budget,
    visible_entries=frames.visible_entries,
    frame_variables=_python_frame_variables,
    collect_variables=_python_collect_variables,
    exception_tracebacks=frames.exception_tracebacks,
    plan=planning.plan,
    write_variables=planning.write_variables,
)


def _flag(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")


def extensions_disabled() -> bool:
    """``FASTVARS_NO_EXTENSIONS``: the pure-Python engine, whatever is built."""
    return _flag("FASTVARS_NO_EXTENSIONS")


def extensions_required() -> bool:
    """``FASTVARS_REQUIRE_EXTENSIONS``: a missing compiled engine is an error (CI)."""
    return _flag("FASTVARS_REQUIRE_EXTENSIONS")


def _not_built_reason() -> str | None:
    """Why the build installed no compiled extension, as setup.py recorded it in
    ``_build_info``; None when it built them, or in a source tree no build ran in."""
    try:
        from . import _build_info
    except ImportError:
        return None
    return None if _build_info.EXTENSIONS_BUILT else _build_info.REASON


def _load_compiled() -> tuple[Engine | None, str]:
    if extensions_disabled():
        return None, "FASTVARS_NO_EXTENSIONS is set"
    try:
        from .core import _capture, _matching

        compiled = Engine(
            name="c",
            compile_patterns=_matching.compile_patterns,
            make_policy=_capture.Policy,
            make_budget=_capture.Budget,
            visible_entries=_capture.visible_entries,
            frame_variables=_capture.frame_variables,
            collect_variables=_capture.collect_variables,
            exception_tracebacks=_capture.exception_tracebacks,
            plan=_capture.plan,
            write_variables=_capture.write_variables,
        )
    except Exception as error:
        # Not built, or built from other sources than these (a stale in-place build
        # that lacks a function): either way, the pure-Python engine does the work.
        not_built = _not_built_reason()
        if not_built is not None:  # the real reason: the import error would only hide it
            log.debug("fastvars: compiled extension not built, using pure Python: %s", not_built)
            return None, f"compiled extension not built: {not_built}"
        log.debug("fastvars: compiled extension unavailable, using pure Python: %s", error)
        return None, f"compiled extension unavailable: {error}"
    return compiled, ""


COMPILED, COMPILED_UNAVAILABLE_REASON = _load_compiled()
ACTIVE: Engine = COMPILED or PYTHON


def available() -> dict[ImplementationName, Engine]:
    """The engines this process can run, by name."""
    engines: dict[ImplementationName, Engine] = {"python": PYTHON}
    if COMPILED is not None:
        engines["c"] = COMPILED
    return engines


def warm(mask_patterns: Any, ignore_patterns: Any) -> bool:
    """Compile the two pattern lists ahead of time, for every engine this process can
    run, into the caches their captures read (matchers are cached by the lists'
    content), so that the first capture with these lists does not pay the compile.

    For enable(): the default patterns, and those of posthog clients that already
    exist. Each list is read once (a generator is fine); ``None`` is an empty list.
    Never raises: returns False when a list cannot be compiled (a pattern that is not a
    str), which a capture would then meet too and answer through its fallbacks.
    """
    try:
        mask = tuple(mask_patterns) if mask_patterns else ()
        ignore = tuple(ignore_patterns) if ignore_patterns else ()
        for current in available().values():
            current.compile_patterns(mask, ignore)
    except Exception as error:
        log.debug("fastvars: warming patterns failed: %s", error)
        return False
    return True
