"""A whole capture: pair every serialized frame with its live frame, let an engine
encode the locals, and write the results only once all of them are ready.

Failure handling is a chain. When the compiled engine raises, the pure-Python engine
redoes the capture; when that raises too, posthog's own implementation does. Nothing is
written to the event before an engine has finished, so a fallback always starts from a
clean state, and nothing raises into the application.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from . import engine as _engine
from .defaults import DEFAULT_IGNORE_PATTERNS, DEFAULT_MASK_PATTERNS

log = logging.getLogger("fastvars")


def _posthog_attach(*args: Any) -> None:
    """posthog's own ``attach_code_variables_to_frames``, the last fallback; nothing
    when posthog (or that function) is not there, as with fastvars alone."""
    from .integration import posthog_api  # here: posthog may be absent or renamed

    attach = posthog_api.lookup(posthog_api.EXCEPTION_UTILS, "attach_code_variables_to_frames")
    if attach is not None:
        attach(*args)


class _Watch(threading.local):
    # While set, this thread's captures are the self-check's: their fallback reasons go
    # here, and neither they nor their fallbacks count in status().
    reasons: Optional[List[str]] = None


class _Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.captures = 0
        self.fallbacks = 0
        self.last_fallback_reason: Optional[str] = None
        self.watch = _Watch()

    def count_capture(self) -> None:
        if self.watch.reasons is not None:
            return
        with self.lock:
            self.captures += 1

    def count_fallback(self, reason: str) -> None:
        if self.watch.reasons is not None:
            self.watch.reasons.append(reason)
            return
        with self.lock:
            self.fallbacks += 1
            self.last_fallback_reason = reason

    @contextlib.contextmanager
    def watching(self) -> Iterator[List[str]]:
        """The reasons of the fallbacks of this thread's captures inside the block,
        which are not counted in status() (they are the self-check's)."""
        self.watch.reasons = reasons = []
        try:
            yield reasons
        finally:
            self.watch.reasons = None

    def snapshot(self) -> Dict[str, Any]:
        with self.lock:
            return {
                "captures": self.captures,
                "fallbacks": self.fallbacks,
                "last_fallback_reason": self.last_fallback_reason,
            }

    def reset(self) -> None:
        with self.lock:
            self.captures = self.fallbacks = 0
            self.last_fallback_reason = None

    def reset_after_fork(self) -> None:
        # The lock may have been held by a thread that does not exist in the child.
        self.lock = threading.Lock()


stats = _Stats()


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


# ------------------------------------------------------------------ planning


def _plan(engine: "_engine.Engine", *args: Any) -> List[Tuple[Dict[str, Any], Dict[str, Any]]]:
    """Which frame dict gets which variables (see planning.plan), computed by the
    engine's own planner without writing anything."""
    return engine.plan(engine, *args)


def attach_code_variables(
    all_exceptions: Any,
    exc_info: Any,
    mask_patterns: Any,
    ignore_patterns: Any,
    mask_url_credentials: bool = True,
    detect_secrets: bool = True,
    *,
    engine: Optional["_engine.Engine"] = None,
) -> None:
    """Give every in-app serialized frame of ``all_exceptions`` its ``code_variables``.

    The contract of posthog's ``attach_code_variables_to_frames``, except that each
    exception of a chain gets the locals of its own traceback. Never raises.
    """
    # The same arguments go to every engine in turn, and to posthog last.
    args = (
        all_exceptions,
        exc_info,
        mask_patterns,
        ignore_patterns,
        mask_url_credentials,
        detect_secrets,
    )
    if attach_with_engines(args, engine):
        return
    try:
        _posthog_attach(*args)
    except Exception:
        pass  # posthog's own wrapper swallows these too


def attach_with_engines(args: Tuple[Any, ...], engine: Optional["_engine.Engine"] = None) -> bool:
    """The capture of :func:`attach_code_variables` by fastvars' engines alone, each
    one's failure redone by the next: True when one of them wrote the variables, False
    when all failed and nothing was written (the caller's fallback then runs)."""
    engines = [engine or _engine.ACTIVE]
    if engines[0] is not _engine.PYTHON:
        engines.append(_engine.PYTHON)
    for current in engines:
        try:
            plan = _plan(current, *args)
        except Exception as error:
            reason = f"{current.name} engine: {_describe(error)}"
            stats.count_fallback(reason)
            log.debug("fastvars: capture falls back (%s)", reason, exc_info=True)
            continue
        for frame_dict, variables in plan:
            frame_dict["code_variables"] = variables
        stats.count_capture()
        return True
    return False


# ------------------------------------------------------------------ snapshot


def _exc_info_of(exc: Any) -> Tuple[Any, Any, Any]:
    if isinstance(exc, BaseException):
        return type(exc), exc, exc.__traceback__
    if isinstance(exc, tuple) and len(exc) == 3:
        return exc
    raise TypeError(
        "fastvars.snapshot() takes an exception or an exc_info tuple, "
        f"not {type(exc).__name__}"
    )


def _safe_text(exc: Any) -> str:
    try:
        return str(exc)
    except Exception:
        return f"<unprintable {type(exc).__name__}>"


def _frame_variables_or_nothing(current: "_engine.Engine", frame: Any, policy: Any, budget: Any) -> Dict[str, Any]:
    """A frame's variables; with the last engine (pure Python), a frame it cannot
    capture (module globals with a non-str key) shows none rather than raising."""
    if current is not _engine.PYTHON:
        return current.frame_variables(frame, policy, budget)  # failures: Python redoes it
    try:
        return current.frame_variables(frame, policy, budget)
    except Exception as error:
        log.debug("fastvars: snapshot leaves a frame without variables: %s", _describe(error))
        return {}


def _snapshot_with(
    current: "_engine.Engine",
    exc_info: Tuple[Any, Any, Any],
    matcher_args: Tuple[Any, Any],
    mask_url_credentials: bool,
    detect_secrets: bool,
) -> List[Dict[str, Any]]:
    matcher = current.compile_patterns(*matcher_args)
    policy = current.make_policy(matcher, mask_url_credentials, detect_secrets)
    budget = current.make_budget()
    result = []
    for exc, tb in current.exception_tracebacks(exc_info):
        frames_out = []
        for entry in current.visible_entries(tb, policy):
            code = entry.tb_frame.f_code
            frames_out.append(
                {
                    "filename": code.co_filename,
                    "function": code.co_name,
                    "lineno": entry.tb_lineno,
                    "variables": _frame_variables_or_nothing(current, entry.tb_frame, policy, budget),
                }
            )
        result.append(
            {
                "type": type(exc).__qualname__ if exc is not None else None,
                "module": type(exc).__module__ if exc is not None else None,
                "message": _safe_text(exc) if exc is not None else None,
                "frames": frames_out,
            }
        )
    return result


def snapshot(
    exc: Any,
    *,
    mask_patterns: Optional[Iterable[str]] = DEFAULT_MASK_PATTERNS,
    ignore_patterns: Optional[Iterable[str]] = DEFAULT_IGNORE_PATTERNS,
    mask_url_credentials: bool = True,
    detect_secrets: bool = True,
    engine: Optional["_engine.Engine"] = None,
) -> List[Dict[str, Any]]:
    """The masked locals of every frame of every exception in ``exc``'s chain.

    Returns one dict per exception (``type``, ``module``, ``message``, ``frames``), each
    frame a dict of ``filename``, ``function``, ``lineno`` and ``variables``, encoded
    and masked exactly as posthog would, with one size budget for the whole snapshot.
    Raises ``TypeError`` for an argument that is not an exception or exc_info tuple,
    or for a pattern that is not a string; a frame whose locals cannot be captured
    (module globals with a non-string key) gets empty ``variables``.
    """
    exc_info = _exc_info_of(exc)
    matcher_args = (tuple(mask_patterns or ()), tuple(ignore_patterns or ()))
    _engine.PYTHON.compile_patterns(*matcher_args)  # bad patterns raise here, clearly
    current = engine or _engine.ACTIVE
    try:
        return _snapshot_with(current, exc_info, matcher_args, mask_url_credentials, detect_secrets)
    except Exception as error:
        if current is _engine.PYTHON:
            raise
        stats.count_fallback(f"{current.name} engine: {_describe(error)}")
        return _snapshot_with(
            _engine.PYTHON, exc_info, matcher_args, mask_url_credentials, detect_secrets
        )
