"""Routing posthog's code-variables capture through fastvars.

posthog's clients call ``try_attach_code_variables_to_frames``, which ``posthog.client``
and ``posthog.async_client`` import by name from ``posthog.exception_utils``. Replacing
the attribute in ``exception_utils`` covers modules imported later; replacing it in
every posthog module already imported covers the rest. Clients look the name up in
their module at call time, so clients created before ``enable()`` are covered too.
``disable()`` puts back, module by module, the very objects that were there.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Any, Dict, List, Optional

import posthog
from posthog import exception_utils as _posthog

from . import capture as _capture
from . import engine as _engine
from . import selfcheck as _selfcheck
from .defaults import VERIFIED_POSTHOG_VERSIONS

log = logging.getLogger("fastvars")

_NAME = "try_attach_code_variables_to_frames"
_POSTHOG_DETECT_SECRETS_DEFAULT = getattr(
    _posthog, "DEFAULT_CODE_VARIABLES_DETECT_SECRETS", True
)

_lock = threading.Lock()
_active = False
_reason: Optional[str] = "enable() has not been called"
_selfcheck_ms: Optional[float] = None
# module name -> the object it held before enable(), to put back on disable().
_replaced: Dict[str, Any] = {}


def try_attach_code_variables_to_frames(
    all_exceptions: Any,
    exc_info: Any,
    mask_patterns: Any,
    ignore_patterns: Any,
    mask_url_credentials: bool = True,
    detect_secrets: bool = _POSTHOG_DETECT_SECRETS_DEFAULT,
) -> None:
    """posthog's entry point, same signature, answered by fastvars. Never raises: a
    failing engine is redone by the next one, then by posthog's own implementation."""
    _capture.attach_code_variables(
        all_exceptions,
        exc_info,
        mask_patterns,
        ignore_patterns,
        mask_url_credentials,
        detect_secrets,
    )


def posthog_version() -> str:
    return str(getattr(posthog, "VERSION", None) or getattr(posthog, "__version__", "unknown"))


def _posthog_modules() -> List[str]:
    # A snapshot of the names: importing in another thread may change sys.modules.
    return [n for n in list(sys.modules) if n == "posthog" or n.startswith("posthog.")]


def _install() -> None:
    original = getattr(_posthog, _NAME)
    # exception_utils first, so that a posthog module imported from now on gets ours.
    for name in ["posthog.exception_utils"] + _posthog_modules():
        module = sys.modules.get(name)
        if module is None or name in _replaced:
            continue
        if getattr(module, _NAME, None) is original:
            _replaced[name] = original
            setattr(module, _NAME, try_attach_code_variables_to_frames)


def _uninstall() -> None:
    original = _replaced.get("posthog.exception_utils", getattr(_posthog, _NAME))
    for name, previous in _replaced.items():
        module = sys.modules.get(name)
        if module is not None and getattr(module, _NAME, None) is try_attach_code_variables_to_frames:
            setattr(module, _NAME, previous)
    # Modules imported while enabled took our function from exception_utils: they get
    # back what exception_utils held before.
    for name in _posthog_modules():
        module = sys.modules.get(name)
        if module is not None and getattr(module, _NAME, None) is try_attach_code_variables_to_frames:
            setattr(module, _NAME, original)
    _replaced.clear()


def enable() -> bool:
    """Route every posthog client's code-variables capture through fastvars.

    Runs the self-check first; returns False, leaving posthog untouched, when fastvars
    does not reproduce posthog here (``status()["reason"]`` says why). Idempotent and
    thread-safe.
    """
    global _active, _reason, _selfcheck_ms
    with _lock:
        if _active:
            return True
        version = posthog_version()
        if version not in VERIFIED_POSTHOG_VERSIONS:
            log.warning(
                "fastvars: posthog %s is not a version fastvars was verified against (%s); "
                "relying on the self-check",
                version,
                ", ".join(VERIFIED_POSTHOG_VERSIONS),
            )
        started = time.perf_counter()
        try:
            failure = _selfcheck.run()
        except Exception as error:  # the check itself broke: do not trust fastvars
            failure = f"self-check raised {type(error).__name__}: {error}"
        _selfcheck_ms = (time.perf_counter() - started) * 1000.0
        if failure is not None:
            _reason = f"self-check failed: {failure}"
            log.warning("fastvars: staying off, posthog's own capture is used (%s)", _reason)
            return False
        _install()
        _active, _reason = True, None
        return True


def disable() -> None:
    """Give posthog back exactly the functions it had before ``enable()``."""
    global _active, _reason
    with _lock:
        if _active:
            _uninstall()
            _active, _reason = False, "disabled by disable()"


def is_enabled() -> bool:
    return _active


def status() -> Dict[str, Any]:
    """What fastvars is doing in this process, for logs and health checks."""
    with _lock:
        active, reason, selfcheck_ms = _active, _reason, _selfcheck_ms
        patched = sorted(_replaced)
    version = posthog_version()
    return {
        "active": active,
        "reason": reason,  # None when active, else why not
        "implementation": _engine.ACTIVE.name,
        "engines_available": sorted(_engine.available()),
        "compiled_unavailable_reason": _engine.COMPILED_UNAVAILABLE_REASON or None,
        "posthog_version": version,
        "posthog_version_verified": version in VERIFIED_POSTHOG_VERSIONS,
        "verified_posthog_versions": list(VERIFIED_POSTHOG_VERSIONS),
        "patched_modules": patched,
        "selfcheck_ms": selfcheck_ms,
        **_capture.stats.snapshot(),
    }
