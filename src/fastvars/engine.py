"""The two implementations of the capture engine, and the choice between them.

An :class:`Engine` is the work of a capture: compile patterns, check whether a frame is
hidden, read and encode one frame's locals (core/frames.py and its compiled twin
core/_frames.pyx), and the walk that drives those steps (the exception chain, which
frames a stack trace shows, pairing frames with their variables, writing a plan). The
walk is one source, core/planning.py: the pure-Python engine runs it as Python, the
compiled engine runs ``_planning``, the same file compiled by Cython. Fallbacks are in
:mod:`.capture`.

The compiled engine is used when its extension modules import and
``FASTVARS_NO_EXTENSIONS`` is not set; otherwise the pure-Python engine is. A failed
import is logged at debug level, never raised.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import ModuleType
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
    # (frame, policy) -> whether a stack trace leaves it out (frames.is_hidden); the
    # compiled one keeps the locals it read in the policy, for frame_variables
    is_hidden: Callable[[Any, Any], bool]
    # (frame, policy, budget) -> the frame's masked, encoded variables
    frame_variables: Callable[[Any, Any, Any], dict[str, Any]]
    # The walk that drives the steps above: core/planning.py, as Python or compiled
    # (_planning). Its plan(engine, ...) computes a capture, write_variables(plan)
    # writes it in one step.
    planner: ModuleType


PYTHON = Engine(
    name="python",
    compile_patterns=matching.compile_patterns,
    make_policy=policy.Policy,
    make_budget=encoding.Budget,
    is_hidden=frames.is_hidden,
    frame_variables=frames.frame_variables,
    planner=planning,
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
        from .core import _encoding, _frames, _matching, _planning, _policy

        compiled = Engine(
            name="c",
            compile_patterns=_matching.compile_patterns,
            make_policy=_policy.Policy,
            make_budget=_encoding.Budget,
            is_hidden=_frames.is_hidden,
            frame_variables=_frames.frame_variables,
            planner=_planning,
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
