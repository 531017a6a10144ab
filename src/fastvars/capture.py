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
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from . import engine as _engine
from .constants import DEFAULT_IGNORE_PATTERNS, DEFAULT_MASK_PATTERNS
from .core import planning as _planning
from .types import CaptureCounts, CaptureEngine, FrameVariables

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
    reasons: list[str] | None = None


class _Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.captures = 0
        self.fallbacks = 0
        self.last_fallback_reason: str | None = None
        self.watch = _Watch()

    def count_capture(self) -> None:
        if self.watch.reasons is None:
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
    def watching(self) -> Iterator[list[str]]:
        """The reasons of the fallbacks of this thread's captures inside the block,
        which are not counted in status() (they are the self-check's)."""
        reasons: list[str] = []
        self.watch.reasons = reasons
        try:
            yield reasons
        finally:
            self.watch.reasons = None

    def snapshot(self) -> CaptureCounts:
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


def _plan(engine: CaptureEngine, *args: Any) -> list[FrameVariables]:
    """Which frame dict gets which variables (see planning.plan), computed by the
    engine's planner without writing anything."""
    found: list[FrameVariables] = engine.planner.plan(engine, *args)
    return found


def attach_code_variables(
    all_exceptions: Any,
    exc_info: Any,
    mask_patterns: Any,
    ignore_patterns: Any,
    mask_url_credentials: bool = True,
    detect_secrets: bool = True,
    *,
    engine: CaptureEngine | None = None,
) -> None:
    """Give every in-app serialized frame of ``all_exceptions`` its ``code_variables``.

    The contract of posthog's ``attach_code_variables_to_frames``, except that each
    exception of a chain gets the locals of its own traceback. Never raises an
    ``Exception``, as posthog's ``try_attach_code_variables_to_frames``: not even one
    raised by a signal handler while the capture runs. A ``BaseException`` such as
    ``KeyboardInterrupt`` propagates, as in posthog, but never leaves the event
    half-written by fastvars: the event gets all of its code variables or none.
    """
    # The body is one try, and the function starts with it: on 3.10, which skips the
    # pending-call check before SETUP_FINALLY, not even the first instruction lets a
    # signal handler's exception out; on 3.11+ the check on entry is one posthog's
    # wrapper has too.
    try:
        # attach_or_fall_back, inline (speed: one call fewer on every capture)
        args = read_arguments(
            (
                all_exceptions,
                exc_info,
                mask_patterns,
                ignore_patterns,
                mask_url_credentials,
                detect_secrets,
            )
        )
        if args is None or attach_with_engines(args, engine):
            return
        _posthog_attach_whole(*args)
    except Exception:
        pass  # posthog's try_attach_code_variables_to_frames swallows these too


def attach_or_fall_back(
    raw_args: tuple[Any, ...],
    fallback: Callable[..., Any],
    engine: CaptureEngine | None = None,
) -> None:
    """The whole capture: the arguments read once, fastvars' engines in turn, then
    ``fallback`` (posthog's attach, or the function fastvars stands in for) with the
    same read arguments, its writes committed in one step. May raise what the reads or
    ``fallback`` raise; the callers swallow an ``Exception``, as posthog's wrapper does."""
    args = read_arguments(raw_args)
    if args is None or attach_with_engines(args, engine):
        return
    _posthog_attach_whole(*args, attach=fallback)


def read_arguments(args: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """posthog's arguments ``(all_exceptions, exc_info, mask_patterns, ignore_patterns,
    mask_url_credentials, detect_secrets)`` with whatever is iterated iterated once, or
    None when posthog would stop before reading them (no traceback).

    Every engine of the chain, and posthog last, reads the same arguments, so whatever
    is iterated is iterated here, once: a generator of patterns consumed by an engine
    that then failed would leave the next one nothing to mask with. These are posthog's
    own reads, in its order, each made once: exc_info unpacked; nothing more without a
    traceback; each pattern list tested for truth, then iterated, mask first
    (``tuple(patterns or [])``); then the exception list. A read that raises would have
    raised in posthog before it wrote anything: the caller writes nothing.
    """
    all_exceptions, exc_info, mask_patterns, ignore_patterns, url, secrets = args
    exc_type, exc_value, tb = exc_info
    if tb is None:
        return None
    mask = tuple(mask_patterns) if mask_patterns else ()
    ignore = tuple(ignore_patterns) if ignore_patterns else ()
    return (list(all_exceptions), (exc_type, exc_value, tb), mask, ignore, url, secrets)


def attach_with_engines(args: tuple[Any, ...], engine: CaptureEngine | None = None) -> bool:
    """The capture of :func:`attach_code_variables` by fastvars' engines alone, each
    one's failure redone by the next: True when one of them wrote the variables, False
    when all failed and nothing was written (the caller's fallback then runs). ``args``
    must come from :func:`read_arguments`, which the caller's fallback gets too. The
    write is one step (a single C call: see planning.write_variables)."""
    current = engine or _engine.ACTIVE
    # Speed: the first engine's attempt, which almost every capture ends with, inline
    # (a capture of a small chain takes 15 us; a loop and a helper call cost 0.5).
    try:
        plan = current.planner.plan(current, *args)
    except Exception as error:
        if not _fell_back(current, error) or current is _engine.PYTHON:
            return False
        current = _engine.PYTHON
        try:
            plan = current.planner.plan(current, *args)
        except Exception as error:
            _fell_back(current, error)
            return False
    current.planner.write_variables(plan)
    stats.count_capture()
    return True


def _fell_back(engine: CaptureEngine, error: Exception) -> bool:
    """Count ``engine``'s failure; whether the next engine may try (not for an event
    that is not plain: posthog, which reads it once, must be the one to)."""
    stats.count_fallback(f"{engine.name} engine: {_describe(error)}")
    if isinstance(error, _planning.NotPlain):
        return False
    log.debug("fastvars: capture falls back (%s engine)", engine.name, exc_info=True)
    return True


def _posthog_attach_whole(
    exceptions: list[Any], *rest: Any, attach: Callable[..., Any] = _posthog_attach
) -> None:
    """posthog's implementation (``attach``), writing into shadow copies of the frame dicts, whose
    code variables are then written to the event in one step.

    posthog writes frame by frame, so an exception inside it leaves the frames before
    it written. When that exception is an ``Exception`` (posthog failing on a frame, or
    a signal handler's), what posthog wrote is kept: it is posthog's own output, which
    its wrapper would have left too. A ``BaseException`` (``KeyboardInterrupt``) keeps
    nothing: the event stays untouched, where posthog would leave it half-written. An
    event that is not plain (planning.check_plain) is posthog's to write in place, as a
    copy would read it once more; so is a frame that is not an exact dict.
    """
    try:
        _planning.check_plain(exceptions)
    except _planning.NotPlain:
        attach(exceptions, *rest)
        return
    shadows: list[Any] = []
    copies: list[tuple[dict[str, Any], dict[str, Any]]] = []  # (frame, its shadow)
    for exception in exceptions:
        stacktrace = exception.get("stacktrace")
        frames = stacktrace.get("frames") if stacktrace is not None else None
        if frames is None:
            shadows.append(exception)  # nothing in it for posthog to write
            continue
        shadow_frames = [dict(frame) if type(frame) is dict else frame for frame in frames]
        copies += [(a, b) for a, b in zip(frames, shadow_frames) if a is not b]
        shadow = dict(exception)
        shadow["stacktrace"] = dict(stacktrace, frames=shadow_frames)
        shadows.append(shadow)
    try:
        attach(shadows, *rest)
    except Exception:
        _commit_shadows(copies)
        raise
    _commit_shadows(copies)


def _commit_shadows(copies: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    found = [
        (frame, shadow["code_variables"])
        for frame, shadow in copies
        if "code_variables" in shadow
        and shadow["code_variables"] is not frame.get("code_variables")
    ]
    _engine.ACTIVE.planner.write_variables(found)


# ------------------------------------------------------------------ snapshot


def _exc_info_of(exc: Any) -> tuple[Any, Any, Any]:
    if isinstance(exc, BaseException):
        return type(exc), exc, exc.__traceback__
    if isinstance(exc, tuple) and len(exc) == 3:
        return exc
    raise TypeError(
        f"fastvars.snapshot() takes an exception or an exc_info tuple, not {type(exc).__name__}"
    )


def _safe_text(exc: Any) -> str:
    try:
        return str(exc)
    except Exception:
        return f"<unprintable {type(exc).__name__}>"


def _frame_variables_or_nothing(
    current: CaptureEngine, frame: Any, policy: Any, budget: Any
) -> dict[str, Any]:
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
    current: CaptureEngine,
    exc_info: tuple[Any, Any, Any],
    matcher_args: tuple[Any, Any],
    mask_url_credentials: bool,
    detect_secrets: bool,
) -> list[dict[str, Any]]:
    matcher = current.compile_patterns(*matcher_args)
    policy = current.make_policy(matcher, mask_url_credentials, detect_secrets)
    budget = current.make_budget()
    result = []
    walk = current.planner
    for exc, tb in walk.exception_tracebacks(exc_info):
        frames_out = []
        for entry in walk.visible_entries(tb, policy, current.is_hidden):
            code = entry.tb_frame.f_code
            frames_out.append(
                {
                    "filename": code.co_filename,
                    "function": code.co_name,
                    "lineno": entry.tb_lineno,
                    "variables": _frame_variables_or_nothing(
                        current, entry.tb_frame, policy, budget
                    ),
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
    mask_patterns: Iterable[str] | None = DEFAULT_MASK_PATTERNS,
    ignore_patterns: Iterable[str] | None = DEFAULT_IGNORE_PATTERNS,
    mask_url_credentials: bool = True,
    detect_secrets: bool = True,
    engine: CaptureEngine | None = None,
) -> list[dict[str, Any]]:
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
