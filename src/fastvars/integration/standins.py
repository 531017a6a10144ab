"""The posthog functions fastvars stands in for, and what fastvars answers for each.

Each entry names the posthog module that defines the function, the parameters of
posthog 7.91.1's version with the argument types fastvars understands, and the fast
path. A call outside that (see :mod:`.replacements`) is posthog's own.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any

from .. import capture as _capture
from .. import engine as _engine
from . import posthog_api
from .replacements import (
    Parameter,
    Replacement,
    anything,
    exactly,
    exc_info_tuple,
    patterns,
)

log = logging.getLogger("fastvars")

ATTACH = "try_attach_code_variables_to_frames"


def _attach_code_variables(
    all_exceptions: Any,
    exc_info: Any,
    mask_patterns: Any,
    ignore_patterns: Any,
    mask_url_credentials: bool,
    detect_secrets: bool,
    original: Callable[..., Any],
) -> None:
    # Parity: posthog's function swallows every Exception, one a signal handler raised
    # included; the stand-in's body is one try for the same reason.
    try:
        # Every fastvars engine in turn; when all fail (having written nothing),
        # posthog's own function does the whole capture with the same read arguments,
        # its writes committed in one step.
        _capture.attach_or_fall_back(
            (
                all_exceptions,
                exc_info,
                mask_patterns,
                ignore_patterns,
                mask_url_credentials,
                detect_secrets,
            ),
            original,
        )
    except Exception:
        pass


def _fastvars_function(module: str, name: str) -> Callable[..., Any] | None:
    """One of fastvars' step functions, or None when it cannot be loaded (then posthog
    does that step)."""
    try:
        found = getattr(importlib.import_module(f"fastvars.core.{module}"), name, None)
    except Exception as error:
        log.debug(
            "fastvars: fastvars.core.%s unavailable, posthog does that step: %s", module, error
        )
        return None
    return found if callable(found) else None


# step -> (pure-Python twin, compiled twin), each as (module of fastvars.core, function).
TWINS = {
    "exceptions_from_error_tuple": (
        ("stacktrace", "python_exceptions_from_error_tuple"),
        ("stacktrace", "compiled_exceptions_from_error_tuple"),
    ),
    "handle_in_app": (("inapp", "handle_in_app"), ("_inapp", "handle_in_app")),
    "clean": (("cleaning", "clean"), ("_cleaning", "clean")),
    # The guard of exceptions_from_error_tuple's twin: whether posthog's module still
    # holds the helpers it reproduces.
    "posthog_unchanged": (
        ("stacktrace", "posthog_unchanged"),
        ("_stacktrace", "posthog_unchanged"),
    ),
}


def twin(step: str) -> Callable[..., Any] | None:
    """The twin of ``step`` that goes with the active engine: the compiled one when the
    compiled engine is active and its module loads, else the pure-Python one."""
    python, compiled = TWINS[step]
    if _engine.ACTIVE.name == "c":
        found = _fastvars_function(*compiled)
        if found is not None:
            return found
    return _fastvars_function(*python)


def _steps() -> list[Replacement]:
    """The other steps of posthog's exception event, each optional: one fastvars cannot
    load, or posthog lacks, stays posthog's.

    Each step's twin is called with the bound arguments alone (``takes_original=False``):
    it reproduces posthog's function exactly, raising what it raises where it raises it,
    and hands to posthog's own function, inside, whatever it does not handle itself. So
    an error that comes out is posthog's own, and goes up as posthog's would: running
    posthog's function again would run the user code in it (an exception's ``__str__``,
    a loader, a ``model_dump``) a second time."""
    found = []
    serialize = twin("exceptions_from_error_tuple")
    if serialize is not None:
        found.append(
            Replacement(
                module=posthog_api.EXCEPTION_UTILS,
                name="exceptions_from_error_tuple",
                parameters=(
                    Parameter("exc_info", exc_info_tuple),
                    Parameter("mechanism", exactly(type(None), dict)),
                ),
                fast=serialize,
                takes_original=False,
                # The twin reproduces posthog through the helpers of posthog's module
                # (the serializer): when someone replaced one, posthog's function does
                # the step (checked on every call: a microsecond or two).
                guard=twin("posthog_unchanged"),
                required=False,
                only_in=posthog_api.CLIENT_MODULES,
            )
        )
    in_app = twin("handle_in_app")
    if in_app is not None:
        found.append(
            Replacement(
                module=posthog_api.EXCEPTION_UTILS,
                name="handle_in_app",
                parameters=(
                    Parameter("event", exactly(dict)),
                    Parameter("in_app_exclude", exactly(type(None), list)),
                    Parameter("in_app_include", exactly(type(None), list)),
                    Parameter("project_root", exactly(type(None), str)),
                ),
                fast=in_app,
                takes_original=False,
                required=False,
                only_in=posthog_api.CLIENT_MODULES,
            )
        )
    clean = twin("clean")
    if clean is not None:
        found.append(
            Replacement(
                module=posthog_api.UTILS,
                name="clean",
                parameters=(Parameter("item", anything),),
                fast=clean,
                takes_original=False,
                required=False,
                # Not in posthog.utils itself: posthog's clean calls that module's name for
                # every nested value, and the twins hand values to posthog's own clean.
                only_in=posthog_api.CLIENT_MODULES,
            )
        )
    return found


def build() -> list[Replacement]:
    """Fresh entries, not yet bound to posthog's functions (``adopt`` does that)."""
    return _code_variables() + _steps()


def _code_variables() -> list[Replacement]:
    return [
        Replacement(
            module=posthog_api.EXCEPTION_UTILS,
            name=ATTACH,
            parameters=(
                Parameter("all_exceptions", exactly(list)),
                Parameter("exc_info", exc_info_tuple),
                Parameter("mask_patterns", patterns),
                Parameter("ignore_patterns", patterns),
                Parameter("mask_url_credentials", exactly(bool)),
                Parameter("detect_secrets", exactly(bool)),
            ),
            fast=_attach_code_variables,
        ),
    ]
