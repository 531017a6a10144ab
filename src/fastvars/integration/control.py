"""``enable()``, ``disable()``, ``is_enabled()`` and ``status()``: the switch between
posthog's own capture and fastvars', and what is live.

Nothing here raises into the application: whatever posthog looks like (missing, renamed
internals, another release), ``enable()`` answers False with the reason in
``status()["reason"]``. The switch is safe across ``fork()``: a child never inherits a
lock held by a thread it does not have, nor stand-ins half put in.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from .. import capture as _capture
from .. import engine as _engine
from ..constants import VERIFIED_POSTHOG_VERSIONS
from ..types import SourceCacheStats, Status
from . import posthog_api, selfcheck, standins
from .patching import Patches
from .replacements import Replacement, passthroughs

log = logging.getLogger("fastvars")

#: The operator's off-switch: set to anything but "" or "0", enable() does nothing.
DISABLE_VARIABLE = "FASTVARS_DISABLE"

# The posthog internals fastvars cannot work without, beyond the functions it replaces.
REQUIRED = [
    ("posthog", "Posthog"),
    (posthog_api.EXCEPTION_UTILS, "attach_code_variables_to_frames"),
    (posthog_api.EXCEPTION_UTILS, "DEFAULT_CODE_VARIABLES_MASK_PATTERNS"),
    (posthog_api.EXCEPTION_UTILS, "DEFAULT_CODE_VARIABLES_IGNORE_PATTERNS"),
]

_lock = threading.Lock()
_active = False
_reason: str | None = "enable() has not been called"
_selfcheck_ms: float | None = None
_patches = Patches()


def disabled_by_environment() -> bool:
    return os.environ.get(DISABLE_VARIABLE, "") not in ("", "0")


def _prepare() -> tuple[list[Replacement], str | None]:
    """The stand-ins, bound to the installed posthog's functions, or why not."""
    if not posthog_api.installed():
        return [], "posthog is not installed"
    for module_name in posthog_api.CLIENT_MODULES:
        posthog_api.module(module_name)  # imported, so that they are patched too
    replacements = standins.build()
    required = [(r.module, r.name) for r in replacements if r.required]
    gone = posthog_api.missing(REQUIRED + required)
    if gone:
        return [], f"posthog {posthog_api.version()} lacks {', '.join(gone)}"
    usable = []
    for replacement in replacements:
        original = posthog_api.lookup(replacement.module, replacement.name)
        why = (
            f"posthog {posthog_api.version()} lacks {replacement.qualified_name}"
            if original is None
            else replacement.adopt(original)
        )
        if why is None:
            usable.append(replacement)
        elif replacement.required:
            return [], why
        else:  # that step stays posthog's own
            log.debug("fastvars: leaving %s to posthog (%s)", replacement.qualified_name, why)
    return usable, None


def _known_clients() -> list[Any]:
    """The posthog clients this process has that fastvars can find without walking the
    heap: posthog's default client and the ones its client registry holds (weakly)."""
    found = []
    default = posthog_api.lookup("posthog", "default_client")
    if default is not None:
        found.append(default)
    registry = getattr(posthog_api.lookup("posthog.client", "Client"), "_client_registry", None)
    if isinstance(registry, dict):
        for clients in list(registry.values()):
            try:
                found.extend(list(clients))
            except TypeError:
                pass
    return found


def _warm_patterns() -> None:
    """Compile, ahead of the first capture, the pattern lists captures will use: the
    defaults (the self-check compiled them already) and those of the clients that
    exist. Only lists and tuples: a one-shot iterable is the capture's to read."""
    seen = set()
    for client in _known_clients():
        pair = (
            getattr(client, "code_variables_mask_patterns", None),
            getattr(client, "code_variables_ignore_patterns", None),
        )
        if all(p is None or type(p) in (list, tuple) for p in pair):
            key = tuple(tuple(p) if p else () for p in pair)
            if key not in seen:
                seen.add(key)
                _engine.warm(*pair)


def _switch_on() -> str | None:
    """Check, install and keep the stand-ins; None when on, else why not (and nothing
    is left installed). Called with the lock held."""
    global _selfcheck_ms
    replacements, failure = _prepare()
    if failure is not None:
        return failure
    version = posthog_api.version()
    if version not in VERIFIED_POSTHOG_VERSIONS:
        log.warning(
            "fastvars: posthog %s is not a version fastvars was verified against (%s); "
            "relying on the self-check",
            version,
            ", ".join(VERIFIED_POSTHOG_VERSIONS),
        )
    started = time.perf_counter()
    failure = "self-check interrupted"
    try:
        failure = selfcheck.run(
            lambda: _patches.install(replacements), [r.name for r in replacements]
        )
        if failure is not None:
            failure = f"self-check failed: {failure}"
    except Exception as error:  # the check itself broke: do not trust fastvars
        failure = f"self-check failed: it raised {type(error).__name__}: {error}"
    finally:
        _selfcheck_ms = (time.perf_counter() - started) * 1000.0
        if failure is not None:
            _patches.uninstall()
    if failure is None:
        try:
            _warm_patterns()
        except Exception as error:  # a speed-up only: the first capture compiles instead
            log.debug("fastvars: warming the clients' patterns failed: %s", error)
    return failure


def enable() -> bool:
    """Route every posthog client's capture through fastvars.

    Runs the self-check first; returns False, leaving posthog as it was, when fastvars
    cannot stand in for posthog here (``status()["reason"]`` says why). Idempotent and
    thread-safe; never raises.
    """
    global _active, _reason
    with _lock:
        if _active:
            return True
        if disabled_by_environment():
            _reason = f"{DISABLE_VARIABLE} is set in the environment"
            return False
        try:
            failure = _switch_on()
        except Exception as error:  # never into the application
            _patches.uninstall()
            failure = f"enable() failed: {type(error).__name__}: {error}"
        if failure is not None:
            _reason = failure
            log.warning("fastvars: staying off, posthog's own capture is used (%s)", failure)
            return False
        _active, _reason = True, None
        return True


def disable() -> None:
    """Give posthog back exactly the functions it had before ``enable()``."""
    global _active, _reason
    with _lock:
        if _active:
            _patches.uninstall()
            _active, _reason = False, "disabled by disable()"


def is_enabled() -> bool:
    return _active


def status() -> Status:
    """What fastvars is doing in this process, for logs and health checks."""
    with _lock:
        active, reason, selfcheck_ms = _active, _reason, _selfcheck_ms
        patched = _patches.modules()
        stand_ins = sorted(_patches.stand_ins)
    version = posthog_api.version()
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
        "stand_ins": stand_ins,
        "selfcheck_ms": selfcheck_ms,
        "disabled_by_environment": disabled_by_environment(),
        "source_cache": _source_cache(),
        **_capture.stats.snapshot(),
        **passthroughs.snapshot(),
    }


def _source_cache() -> SourceCacheStats | None:
    """The source-lines cache's entries, bytes, cap (``limit_bytes``), hits and misses."""
    try:
        from ..core import sources
    except Exception:  # not loadable here: nothing cached either
        return None
    return sources.cache_stats()


# ------------------------------------------------------------------ fork

# A fork waits this long for an enable() or disable() under way in another thread, so
# that the child inherits a finished switch; past it (a thread stuck in a posthog
# client), the child repairs what it inherited instead.
FORK_WAIT_SECONDS = 1.0
_held_for_fork = False


def _before_fork() -> None:
    global _held_for_fork
    _held_for_fork = _lock.acquire(timeout=FORK_WAIT_SECONDS)


def _after_fork_in_parent() -> None:
    global _held_for_fork
    if _held_for_fork:
        _held_for_fork = False
        _lock.release()


def _after_fork_in_child() -> None:
    """The child is alone: fresh locks, and a consistent switch."""
    global _lock, _held_for_fork, _active, _reason
    interrupted = not _held_for_fork
    _lock = threading.Lock()
    _held_for_fork = False
    _capture.stats.reset_after_fork()
    passthroughs.reset_after_fork()
    if interrupted and not _active and _patches.replaced:
        # The fork caught enable() between installing the stand-ins and keeping them:
        # the child gets posthog's own functions back, and says why.
        _patches.uninstall()
        _reason = "a fork interrupted enable() in the parent process; call enable() again"


if hasattr(os, "register_at_fork"):
    os.register_at_fork(
        before=_before_fork,
        after_in_parent=_after_fork_in_parent,
        after_in_child=_after_fork_in_child,
    )
