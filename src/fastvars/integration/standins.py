"""The posthog functions fastvars stands in for, and what fastvars answers for each.

Each entry names the posthog module that defines the function, the parameters of
posthog 7.91.1's version with the argument types fastvars understands, and the fast
path. A call outside that (see :mod:`.replacements`) is posthog's own.
"""

from __future__ import annotations

import importlib
import logging
from types import TracebackType
from typing import Any, Callable, List, Optional

from .. import capture as _capture
from . import posthog_api
from .replacements import Parameter, Replacement, anything, exactly, exc_info_tuple, patterns

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
    args = (all_exceptions, exc_info, mask_patterns, ignore_patterns, mask_url_credentials, detect_secrets)
    if not _capture.attach_with_engines(args):
        # Every fastvars engine failed and wrote nothing: posthog's own function does
        # the whole capture (it swallows its own failures).
        original(*args)


def raised_inside_fastvars(error: BaseException) -> bool:
    """Whether ``error`` was raised by fastvars' own code (its innermost frame is in a
    fastvars module), rather than by code fastvars called on posthog's behalf (a
    user's ``__str__``, a loader, the OS), which posthog's function calls at the same
    point and would see fail the same way."""
    tb: Optional[TracebackType] = error.__traceback__
    if tb is None:
        return True
    while tb.tb_next is not None:
        tb = tb.tb_next
    module = tb.tb_frame.f_globals.get("__name__")
    return isinstance(module, str) and (module == "fastvars" or module.startswith("fastvars."))


def _step(name: str, fast: Callable[..., Any]) -> Callable[..., Any]:
    """The stand-in's answer for one step of posthog's event (a function fastvars
    reproduces exactly, raising where posthog raises). When fastvars' own code fails,
    posthog's function does the step instead, counted as a fallback; an error raised by
    code posthog would run the same way goes up as posthog's own would."""

    def step(*args: Any) -> Any:
        *arguments, original = args
        try:
            return fast(*arguments)
        except Exception as error:
            if not raised_inside_fastvars(error):
                raise
            _capture.stats.count_fallback(f"{name}: {type(error).__name__}: {error}")
            log.debug("fastvars: %s falls back to posthog's", name, exc_info=True)
        return original(*arguments)

    return step


def _fastvars_function(module: str, name: str) -> Optional[Callable[..., Any]]:
    """One of fastvars' step functions, or None when it cannot be loaded (then posthog
    does that step)."""
    try:
        found = getattr(importlib.import_module(f"fastvars.{module}"), name, None)
    except Exception as error:
        log.debug("fastvars: fastvars.%s unavailable, posthog does that step: %s", module, error)
        return None
    return found if callable(found) else None


def _steps() -> List[Replacement]:
    """The other steps of posthog's exception event, each optional: one fastvars cannot
    load, or posthog lacks, stays posthog's."""
    found = []
    serialize = _fastvars_function("stacktrace", "exceptions_from_error_tuple")
    if serialize is not None:
        found.append(Replacement(
            module=posthog_api.EXCEPTION_UTILS,
            name="exceptions_from_error_tuple",
            parameters=(
                Parameter("exc_info", exc_info_tuple),
                Parameter("mechanism", exactly(type(None), dict)),
            ),
            fast=_step("exceptions_from_error_tuple", serialize),
            required=False,
        ))
    in_app = _fastvars_function("inapp", "handle_in_app")
    if in_app is not None:
        found.append(Replacement(
            module=posthog_api.EXCEPTION_UTILS,
            name="handle_in_app",
            parameters=(
                Parameter("event", exactly(dict)),
                Parameter("in_app_exclude", exactly(type(None), list)),
                Parameter("in_app_include", exactly(type(None), list)),
                Parameter("project_root", exactly(type(None), str)),
            ),
            fast=_step("handle_in_app", in_app),
            required=False,
        ))
    clean = _fastvars_function("cleaning", "clean")
    if clean is not None:
        found.append(Replacement(
            module=posthog_api.UTILS,
            name="clean",
            parameters=(Parameter("item", anything),),
            fast=_step("clean", clean),
            required=False,
        ))
    return found


def build() -> List[Replacement]:
    """Fresh entries, not yet bound to posthog's functions (``adopt`` does that)."""
    return _code_variables() + _steps()


def _code_variables() -> List[Replacement]:
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
