"""posthog itself as the oracle, at run time: serialize an exception the way a posthog
client does, attach code variables with posthog's implementation or with fastvars, and
say where two results differ. Used by ``fastvars-bench`` for its proof of equality."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

from posthog import exception_utils as ph

from ..core.planning import exception_tracebacks

ExcInfo = tuple[Any, Any, Any]
InApp = bool | Callable[[int, dict[str, Any]], bool]


def serialized_exceptions(exc_info: ExcInfo, in_app: InApp = True) -> list[dict[str, Any]]:
    """The exception list a posthog client builds, every frame marked in-app or not."""
    exceptions = ph.exceptions_from_error_tuple(exc_info)
    for exception in exceptions:
        for index, frame in enumerate(exception.get("stacktrace", {}).get("frames", [])):
            frame["in_app"] = in_app(index, frame) if callable(in_app) else in_app
    return exceptions


def posthog_capture(
    exceptions: Sequence[dict[str, Any]],
    exc_info: ExcInfo,
    mask: Any,
    ignore: Any,
    url: bool = True,
    secrets: bool = True,
) -> list[dict[str, Any]]:
    out = copy.deepcopy(list(exceptions))
    ph.try_attach_code_variables_to_frames(out, exc_info, mask, ignore, url, secrets)
    return out


def posthog_capture_own_tracebacks(
    exceptions: Sequence[dict[str, Any]],
    exc_info: ExcInfo,
    mask: Any,
    ignore: Any,
    url: bool = True,
    secrets: bool = True,
) -> list[dict[str, Any]]:
    """posthog's per-frame serializer, but each exception paired with its own traceback:
    what posthog would produce without its chained-exception bug."""
    out = copy.deepcopy(list(exceptions))
    tb = exc_info[2]
    if tb is None or not list(ph.iter_stacks(tb)):
        return out
    config = ph._MaskingConfig.build(
        mask_patterns=mask, ignore_patterns=ignore, mask_url_credentials=url, detect_secrets=secrets
    )
    limiter = ph.VariableSizeLimiter()
    for exception, (_, own_tb) in zip(out, exception_tracebacks(exc_info)):
        stacktrace = exception.get("stacktrace")
        if not stacktrace or "frames" not in stacktrace:
            continue
        for frame, entry in zip(stacktrace["frames"], ph.iter_stacks(own_tb)):
            if frame.get("in_app"):
                variables = ph._serialize_frame_variables(entry.tb_frame, limiter, config)
                if variables:
                    frame["code_variables"] = variables
    return out


def expected_capture(
    exceptions: Sequence[dict[str, Any]],
    exc_info: ExcInfo,
    mask: Any,
    ignore: Any,
    url: bool = True,
    secrets: bool = True,
) -> list[dict[str, Any]]:
    """What fastvars must produce: posthog's output, except that in a chain every
    exception gets its own traceback's locals (the posthog bug fastvars fixes)."""
    if len(exceptions) > 1:
        return posthog_capture_own_tracebacks(exceptions, exc_info, mask, ignore, url, secrets)
    return posthog_capture(exceptions, exc_info, mask, ignore, url, secrets)


def _short(value: Any, limit: int = 100) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


def differences(
    expected: Sequence[dict[str, Any]], actual: Sequence[dict[str, Any]], limit: int = 5
) -> list[str]:
    """Human-readable places where two captured exception lists differ, at most
    ``limit`` of them; empty when their reprs are identical (types included)."""
    if repr(expected) == repr(actual):
        return []
    found: list[str] = []
    if len(expected) != len(actual):
        found.append(f"{len(actual)} exceptions instead of {len(expected)}")
    for e_index, (want_exc, got_exc) in enumerate(zip(expected, actual)):
        want_frames = want_exc.get("stacktrace", {}).get("frames", [])
        got_frames = got_exc.get("stacktrace", {}).get("frames", [])
        for f_index, (want, got) in enumerate(zip(want_frames, got_frames)):
            where = f"exception {e_index} frame {f_index} ({want.get('function')})"
            want_vars: dict[str, Any] | None = want.get("code_variables")
            got_vars: dict[str, Any] | None = got.get("code_variables")
            if repr(want_vars) == repr(got_vars):
                continue
            if not isinstance(want_vars, dict) or not isinstance(got_vars, dict):
                found.append(
                    f"{where}: code_variables {_short(got_vars)}, expected {_short(want_vars)}"
                )
            else:
                for name in list(want_vars) + [n for n in got_vars if n not in want_vars]:
                    if name not in got_vars:
                        found.append(
                            f"{where}: '{name}' missing, expected {_short(want_vars[name])}"
                        )
                    elif name not in want_vars:
                        found.append(f"{where}: '{name}' extra, got {_short(got_vars[name])}")
                    elif repr(want_vars[name]) != repr(got_vars[name]):
                        found.append(
                            f"{where}: '{name}' is {_short(got_vars[name])}, "
                            f"expected {_short(want_vars[name])}"
                        )
                if list(want_vars) != list(got_vars) and set(want_vars) == set(got_vars):
                    found.append(f"{where}: variables in another order")
            if len(found) >= limit:
                return found[:limit]
    return found[:limit] or ["outputs differ outside code_variables"]
