"""posthog 7.91.1's ``exceptions_from_error_tuple``, reproduced, with cached source lines.

The result equals posthog's, value for value and key order for key order, and the
function performs the same operations on user objects, in the same order, as many
times: every attribute read, ``str()``, truthiness test, comparison and mapping lookup
that could run a user's code (an exception's ``__str__`` or ``__getattr__``, a mapping
subclass's ``__getitem__``, a loader's ``get_source``, a module's ``__getattr__`` in
``sys.modules``) is done here exactly where posthog does it. The one thing done
differently is reading source files: a standard source loader's lines come from
:mod:`.sources`, validated by ``os.stat`` at each use, instead of being read and decoded
again for every frame. That loader is the standard library's, not user code.

So the function also raises what posthog's raises, at the same point: an exception
from a user's code that posthog lets through (``getattr(exc, "message", "")`` whose
property raises ValueError, a custom loader's ``get_source`` raising ValueError, a
source file that does not decode), or from the environment (``os.getcwd()`` failing in
``os.path.abspath`` of a relative filename). The caller should treat such an exception
as posthog's own, not as a reason to run posthog's function again.

This module is the pure-Python twin; ``_stacktrace.pyx`` compiles the per-frame work
(:func:`serialize_stack`) and falls back, frame by frame, to the functions here for
every frame it does not recognise as plain.
"""

from __future__ import annotations

import builtins
import linecache
import operator
import os
import sys
from typing import Any

from posthog import exception_utils as _posthog

from ..constants import MAX_EXCEPTIONS, MAX_GROUP_MEMBER_INSPECTIONS
from . import sources

# posthog's should_hide_frame, shared with the code-variables walk (one twin of it).
from .frames import hidden_by_flags, is_hidden

# posthog's own class for a cut source line, so events carry the same type; a posthog
# without it fails posthog_unchanged() rather than this import.
AnnotatedValue: Any = getattr(_posthog, "AnnotatedValue", None)

# posthog's limits (posthog/exception_utils.py of 7.91.1).
MAX_VALUE_LENGTH = 1024  # DEFAULT_MAX_VALUE_LENGTH: the strip_string limit of a source line
CONTEXT_LINES = 5  # lines kept before and after the frame's line
MAX_EXCEPTION_ENTRIES = MAX_EXCEPTIONS
SYNTHESIZED_TRACEBACK_ATTR = "__posthog_synthesized_traceback"

# Keys of a caller's mechanism that posthog never copies as they are.
_RESERVED_MECHANISM_KEYS = frozenset(
    {"type", "handled", "source", "synthetic", "exception_id", "parent_id"}
)
_TYPED_MECHANISM_FIELDS = (("type", str), ("handled", bool), ("source", str), ("synthetic", bool))
_NOT_A_MODULE = (None, "builtins", "__builtins__")

BaseExceptionGroup: Any = getattr(builtins, "BaseExceptionGroup", None)


# The names posthog's exceptions_from_error_tuple reaches through its module's globals,
# as they were when fastvars was imported. posthog calls whatever those names hold at
# call time, so once one is replaced (a user's wrapper around serialize_frame, say),
# fastvars' reproduction no longer describes what posthog would do.
_POSTHOG_NAMES = (
    "_exceptions_from_error",
    "single_exception_from_error_tuple",
    "_exception_mechanism",
    "_valid_mechanism",
    "_set_exception_linkage",
    "_is_synthesized_traceback",
    "_exception_cause",
    "_append_exception_group_members",
    "_ExceptionTraversalState",
    "get_type_module",
    "get_type_name",
    "get_error_message",
    "get_errno",
    "safe_str",
    "safe_repr",
    "iter_stacks",
    "should_hide_frame",
    "serialize_frame",
    "filename_for_module",
    "get_source_context",
    "get_lines_from_file",
    "_get_source_lines",
    "strip_string",
    "_get_size_in_bytes",
    "_truncate_by_bytes",
    "AnnotatedValue",
    "BaseExceptionGroup",
    "linecache",
    "os",
    "sys",
)
_MISSING_NAME = object()
_POSTHOG_AT_IMPORT = tuple(getattr(_posthog, name, _MISSING_NAME) for name in _POSTHOG_NAMES)
# posthog's constants that this module has as its own.
_POSTHOG_CONSTANTS = (
    ("DEFAULT_MAX_VALUE_LENGTH", MAX_VALUE_LENGTH),
    ("_MAX_EXCEPTION_ENTRIES", MAX_EXCEPTION_ENTRIES),
    ("_MAX_EXCEPTION_GROUP_MEMBER_INSPECTIONS", MAX_GROUP_MEMBER_INSPECTIONS),
    ("_SYNTHESIZED_TRACEBACK_ATTR", SYNTHESIZED_TRACEBACK_ATTR),
)


_POSTHOG_COMPLETE_AT_IMPORT = not any(value is _MISSING_NAME for value in _POSTHOG_AT_IMPORT)
_MISSING_NAMES = (_MISSING_NAME,) * len(_POSTHOG_NAMES)


def posthog_unchanged() -> bool:
    """Whether posthog's exceptions_from_error_tuple would still do what this module does:
    its module's functions and constants as at import (and as this module knows them).
    The caller checks it before each use and calls posthog when False;
    _stacktrace.posthog_unchanged is its compiled twin (the same tables, read from here)."""
    module_globals = _posthog.__dict__
    # Identity only, name by name, in one C-level loop (speed: this runs every capture):
    # an == could run a replacement's __eq__.
    current = map(module_globals.get, _POSTHOG_NAMES, _MISSING_NAMES)
    if not _POSTHOG_COMPLETE_AT_IMPORT or not all(map(operator.is_, current, _POSTHOG_AT_IMPORT)):
        return False
    for name, value in _POSTHOG_CONSTANTS:
        found = module_globals.get(name, _MISSING_NAME)
        # Compared only when of the constant's exact type (int, str): a != of another
        # type could run a replacement's __ne__.
        if found is not value and (type(found) is not type(value) or found != value):
            return False
    return BaseExceptionGroup is module_globals.get("BaseExceptionGroup")


# --- one frame ----------------------------------------------------------------------


def truncated(value: Any, max_length: int | None = None) -> Any:
    """posthog's ``strip_string``: the value, or an AnnotatedValue cut to ``max_length`` bytes."""
    if not value:
        return value
    if max_length is None:
        max_length = MAX_VALUE_LENGTH
    try:
        byte_size: int | None = len(value.encode("utf-8"))
    except (UnicodeEncodeError, UnicodeDecodeError):
        byte_size = None
    text_size = len(value)
    if byte_size is not None and byte_size > max_length:
        # Cut at max_length - 3 bytes, dropping a code point split by the cut.
        kept = value.encode("utf-8")[: max_length - 3].decode("utf-8", errors="ignore") + "..."
    elif text_size is not None and text_size > max_length:
        kept = value[: max_length - 3] + "..."
    else:
        return value
    return AnnotatedValue(
        value=kept,
        metadata={
            "len": byte_size or text_size,
            "rem": [["!limit", "x", max_length - 3, max_length]],
        },
    )


def source_lines(filename: Any, loader: Any, module: Any) -> list[Any] | None:
    """posthog's ``_get_source_lines``, with a standard loader's lines from the cache."""
    lines: list[Any] | None = None
    path = sources.cacheable_path(loader, module)
    if path is not None:
        lines = sources.CACHE.lines(loader, path, module)
        if lines is sources.NO_SOURCE:
            lines = None
    elif loader is not None and hasattr(loader, "get_source"):
        try:
            text = loader.get_source(module)
        except (OSError, ImportError):
            text = None
        if text is not None:
            lines = text.splitlines()
    if lines is None:
        try:
            lines = linecache.getlines(filename)
        except OSError:
            return None
    return lines


def context_from_lines(
    lines: Any, lineno: Any, max_length: Any
) -> tuple[list[Any], Any, list[Any]]:
    """posthog's ``get_lines_from_file`` once the lines are read: 5 before, the line, 5 after."""
    if not lines:
        return [], None, []
    first = max(0, lineno - CONTEXT_LINES)
    end = min(lineno + 1 + CONTEXT_LINES, len(lines))
    try:
        before = [truncated(line.strip("\r\n"), max_length) for line in lines[first:lineno]]
        line = truncated(lines[lineno].strip("\r\n"), max_length)
        after = [truncated(text.strip("\r\n"), max_length) for text in lines[lineno + 1 : end]]
    except IndexError:
        # parity: posthog's answer for a line past the end of the file
        return [], None, []
    return before, line, after


def source_context(frame: Any, tb_lineno: Any, max_length: Any) -> tuple[list[Any], Any, list[Any]]:
    """posthog's ``get_source_context``."""
    try:
        abs_path = frame.f_code.co_filename
    except Exception:
        abs_path = None
    try:
        module = frame.f_globals["__name__"]
    except Exception:
        return [], None, []
    try:
        loader = frame.f_globals["__loader__"]
    except Exception:
        loader = None
    lineno = tb_lineno - 1
    if lineno is not None and abs_path:
        return context_from_lines(source_lines(abs_path, loader, module), lineno, max_length)
    return [], None, []


def module_filename(module: Any, abs_path: Any) -> Any:
    """posthog's ``filename_for_module``: the path from the top package's parent on."""
    if not abs_path or not module:
        return abs_path
    try:
        if abs_path.endswith(".pyc"):
            abs_path = abs_path[:-1]
        top = module.split(".", 1)[0]
        if top == module:
            return os.path.basename(abs_path)
        top_file = sys.modules[top].__file__
        if not top_file:
            return abs_path
        return abs_path.split(top_file.rsplit(os.sep, 2)[0], 1)[-1].lstrip(os.sep)
    except Exception:
        return abs_path


def serialize_frame(frame: Any, tb_lineno: Any, max_length: Any) -> dict[str, Any]:
    """posthog's ``serialize_frame``: one frame's dict, source context included."""
    code = getattr(frame, "f_code", None)
    if not code:
        abs_path = None
        function = None
    else:
        abs_path = frame.f_code.co_filename
        function = frame.f_code.co_name
    try:
        module = frame.f_globals["__name__"]
    except Exception:
        module = None
    if tb_lineno is None:
        tb_lineno = frame.f_lineno
    result: dict[str, Any] = {
        "platform": "python",
        "filename": module_filename(module, abs_path) or None,
        "abs_path": os.path.abspath(abs_path) if abs_path else None,
        "function": function or "<unknown>",
        "module": module,
        "lineno": tb_lineno,
    }
    result["pre_context"], result["context_line"], result["post_context"] = source_context(
        frame, tb_lineno, max_length
    )
    return result


def serialize_entry(tb: Any, max_length: Any) -> dict[str, Any] | None:
    """One traceback entry: None if posthog hides its frame, else its serialized frame."""
    if is_hidden(tb.tb_frame):
        return None
    return serialize_frame(tb.tb_frame, tb.tb_lineno, max_length)


def serialize_read_entry(tb: Any, max_length: Any, first_read: Any) -> dict[str, Any] | None:
    """serialize_entry for an entry the compiled twin began and hands over: the frame's
    module checked (not sentry_sdk's) and its f_locals read once (``first_read``, or
    frames.READ_FAILED), for the first hide flag. Reading again would run a class
    body's custom namespace once more than posthog does (see frames.read_locals)."""
    if hidden_by_flags(tb.tb_frame, first_read):
        return None
    return serialize_frame(tb.tb_frame, tb.tb_lineno, max_length)


def serialize_stack(tb: Any, max_length: Any) -> list[dict[str, Any]]:
    """posthog's ``[serialize_frame(...) for tb in iter_stacks(tb)]``, in the same order:
    each entry's hidden check, then its frame, then the next entry is read."""
    frames = []
    while tb is not None:
        frame = serialize_entry(tb, max_length)
        if frame is not None:
            frames.append(frame)
        tb = tb.tb_next
    return frames


# --- one exception --------------------------------------------------------------------


def valid_mechanism(mechanism: Any) -> dict[str, Any]:
    """posthog's ``_valid_mechanism``: a caller's extensions kept, typed fields checked."""
    if not isinstance(mechanism, dict):
        return {}
    result = {key: value for key, value in mechanism.items() if key not in _RESERVED_MECHANISM_KEYS}
    for field, field_type in _TYPED_MECHANISM_FIELDS:
        if isinstance(mechanism.get(field), field_type) and (
            field_type is bool or mechanism[field]
        ):
            result[field] = mechanism[field]
    return result


def _is_synthesized(exc_value: Any, tb: Any) -> bool:
    marker = getattr(exc_value, SYNTHESIZED_TRACEBACK_ATTR, None)
    return marker is not None and marker.traceback is tb


def exception_mechanism(
    exc_value: Any, tb: Any, mechanism: Any, exception_id: int, parent_id: int, source: Any
) -> dict[str, Any]:
    """posthog's ``_exception_mechanism`` with ``_set_exception_linkage``."""
    result = valid_mechanism(mechanism)
    result["exception_id"] = exception_id
    errno = getattr(exc_value, "errno", None) if exc_value is not None else None
    if errno is not None:
        result.setdefault("meta", {}).setdefault("errno", {}).setdefault("number", errno)
    if isinstance(source, str) and source:
        result["source"] = source
    if exception_id != 0:
        # parent_id is always an int here: every entry but the root is chained
        result["parent_id"] = parent_id
        result["type"] = "chained"
        result.pop("handled", None)
    else:
        result.setdefault("type", "generic")
        result.setdefault("handled", True)
        result.pop("source", None)
    # parity: posthog evaluates the marker before setdefault, even when "synthetic" is set
    synthetic = tb is not None and _is_synthesized(exc_value, tb)
    result.setdefault("synthetic", synthetic)
    if BaseExceptionGroup is not None and isinstance(exc_value, BaseExceptionGroup):
        result["is_exception_group"] = True
    return result


def _safe_str(value: Any) -> str:
    try:
        return str(value)
    except Exception:
        try:
            return repr(value)
        except Exception:
            return "<broken repr>"


def exception_entry(
    exc_type: Any,
    exc_value: Any,
    tb: Any,
    mechanism: Any,
    exception_id: int,
    parent_id: int,
    source: Any,
    stack: Any,
) -> dict[str, Any]:
    """posthog's ``single_exception_from_error_tuple``; ``stack`` serializes the frames."""
    entry: dict[str, Any] = {
        "mechanism": exception_mechanism(exc_value, tb, mechanism, exception_id, parent_id, source)
    }
    module = getattr(exc_type, "__module__", None)
    entry["module"] = module if module not in _NOT_A_MODULE else None
    entry["type"] = getattr(exc_type, "__qualname__", None) or getattr(exc_type, "__name__", None)
    message = getattr(exc_value, "message", "") or getattr(exc_value, "detail", "") or exc_value
    entry["value"] = _safe_str(message)
    frames = stack(tb, MAX_VALUE_LENGTH)
    if frames:
        entry["stacktrace"] = {"frames": frames, "type": "raw"}
    return entry


class _Walk:
    """One call's traversal state: exceptions met, group members inspected, the output."""

    __slots__ = ("entries", "inspected", "met", "met_ids", "stack")

    def __init__(self, stack: Any) -> None:
        # The exceptions are kept alive for the call so that an id is never reused.
        self.met: list[Any] = []
        self.met_ids: set[int] = set()
        self.inspected = 0
        self.entries: list[dict[str, Any]] = []
        self.stack = stack


def _cause_of(exc_value: Any) -> tuple[Any, str]:
    """posthog's ``_exception_cause``: the explicit cause when context is suppressed."""
    suppress = hasattr(exc_value, "__suppress_context__") and exc_value.__suppress_context__
    if suppress and exc_value is not None:
        return getattr(exc_value, "__cause__", None), "cause"
    return getattr(exc_value, "__context__", None), "context"


def _visit(
    walk: _Walk,
    exc_type: Any,
    exc_value: Any,
    tb: Any,
    mechanism: Any,
    exception_id: int,
    parent_id: int,
    source: Any,
) -> int:
    """posthog's ``_exceptions_from_error``: depth first, cause chain before group
    members, appended to ``walk.entries``; returns the next exception id."""
    if exc_value is not None:
        if id(exc_value) in walk.met_ids or exception_id >= MAX_EXCEPTION_ENTRIES:
            return exception_id
        walk.met_ids.add(id(exc_value))
        walk.met.append(exc_value)
    walk.entries.append(
        exception_entry(
            exc_type, exc_value, tb, mechanism, exception_id, parent_id, source, walk.stack
        )
    )
    parent_id = exception_id
    exception_id += 1

    cause, relationship = _cause_of(exc_value)
    if cause is not None and exception_id < MAX_EXCEPTION_ENTRIES:
        exception_id = _visit(
            walk,
            type(cause),
            cause,
            getattr(cause, "__traceback__", None),
            None,
            exception_id,
            parent_id,
            relationship,
        )

    if BaseExceptionGroup is not None and isinstance(exc_value, BaseExceptionGroup):
        members = exc_value.exceptions
        index = 0
        while (
            index < len(members)
            and exception_id < MAX_EXCEPTION_ENTRIES
            and walk.inspected < MAX_GROUP_MEMBER_INSPECTIONS
        ):
            # parity: a member is charged before it is read, duplicates included
            walk.inspected += 1
            member = members[index]
            index += 1
            exception_id = _visit(
                walk,
                type(member),
                member,
                getattr(member, "__traceback__", None),
                None,
                exception_id,
                parent_id,
                "member",
            )
    return exception_id


def exceptions_with_stack(exc_info: Any, mechanism: Any, stack: Any) -> list[dict[str, Any]]:
    """The whole list, each traceback serialized by ``stack(tb, max_length)``."""
    exc_type, exc_value, tb = exc_info
    walk = _Walk(stack)
    _visit(walk, exc_type, exc_value, tb, mechanism, 0, 0, None)
    return walk.entries


def python_exceptions_from_error_tuple(
    exc_info: Any, mechanism: Any = None
) -> list[dict[str, Any]]:
    """The pure-Python twin, whatever engine is active."""
    return exceptions_with_stack(exc_info, mechanism, serialize_stack)


def _compiled_stack() -> Any:
    from .. import engine

    if engine.COMPILED is None:
        return None
    try:
        from . import _stacktrace

        return _stacktrace.serialize_stack
    except Exception as error:  # not built, or a stale build: the Python twin does it
        engine.log.debug("fastvars: compiled stacktrace unavailable: %s", error)
        return None


COMPILED_STACK = _compiled_stack()


def compiled_exceptions_from_error_tuple(
    exc_info: Any, mechanism: Any = None
) -> list[dict[str, Any]]:
    """The compiled twin (its per-frame work compiled); the Python twin without the build."""
    return exceptions_with_stack(exc_info, mechanism, COMPILED_STACK or serialize_stack)


def exceptions_from_error_tuple(exc_info: Any, mechanism: Any = None) -> list[dict[str, Any]]:
    """posthog 7.91.1's ``exceptions_from_error_tuple(exc_info, mechanism=None)``, fast.

    Returns what posthog's returns and raises what it raises (see the module's doc);
    runs the compiled per-frame work when the compiled engine is the active one.
    """
    return exceptions_with_stack(exc_info, mechanism, ACTIVE_STACK)


def _active_stack() -> Any:
    from .. import engine

    if engine.ACTIVE is engine.COMPILED and COMPILED_STACK is not None:
        return COMPILED_STACK
    return serialize_stack


ACTIVE_STACK = _active_stack()
