# cython: language_level=3
"""Reading a frame's variables, compiled: the twin of frames.is_hidden and
frames.frame_variables, with identical results. The walk around them (which frames a
stack trace shows, the exception chain, which frame gets which variables) is
planning.py's, one source for both engines. Any exception raised
here reaches capture.py, which has the pure-Python engine redo the capture.

Reading a frame's locals is the costliest step per frame (on 3.10-3.12 it copies every
fast local into the frame's f_locals dict), and posthog reads them twice: for the hidden
check, then for the values. The second read can only differ from the first if code ran
in between that changed them (a value's __repr__ rebinding a closure variable, a write
through frame.f_locals). The compiled engine runs no such code of its own and counts
every call it makes into code that is not its own (_policy.note_foreign_call), so it
reuses the first read while that count has not moved, and reads again otherwise. The
walk that runs between the two reads (planning.py, compiled as _planning) reads only
exact dicts, traceback entries and line numbers, none of which runs a user's code (the
reads that may, such as a frame dict's "lineno", are made for both engines alike).
(Other threads, signal handlers and garbage-collector finalizers are not ordered with a
capture in posthog either: they may run at any point of it.)
"""

import sys

from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject
from cpython.unicode cimport PyUnicode_Tailmatch

from ._policy cimport Policy as CPolicy, note_foreign_call, foreign_calls
from ._encoding cimport Budget as CBudget, encode_locals, encode_local_lists

from . import encoding as _py_encoding
from . import frames as _py_frames

cdef extern from *:
    """
    /* A frame's locals through the public API of each version: f_locals after the
       fast-to-locals sync on 3.10, PyFrame_GetLocals on 3.11+ (a dict up to 3.12, a
       write-through FrameLocalsProxy on 3.13). */
    static PyObject *fv_frame_locals(PyObject *frame) {
    #if PY_VERSION_HEX >= 0x030B0000
        if (PyFrame_Check(frame))
            return PyFrame_GetLocals((PyFrameObject *)frame);
    #endif
        return PyObject_GetAttrString(frame, "f_locals");
    }

    /* frame.f_code without the attribute lookup (and, on 3.13, its audit event). */
    static PyObject *fv_frame_code(PyObject *frame) {
    #if PY_VERSION_HEX >= 0x030B0000
        if (PyFrame_Check(frame))
            return (PyObject *)PyFrame_GetCode((PyFrameObject *)frame);
    #endif
        return PyObject_GetAttrString(frame, "f_code");
    }

    /* frame.f_globals without the attribute lookup (PERF: read for every frame's
       hidden check; a frame's getter runs no code, and PyFrame_GetGlobals is it). */
    static PyObject *fv_frame_globals(PyObject *frame) {
    #if PY_VERSION_HEX >= 0x030B0000
        if (PyFrame_Check(frame))
            return PyFrame_GetGlobals((PyFrameObject *)frame);
    #endif
        return PyObject_GetAttrString(frame, "f_globals");
    }

    /* A function's frame (its code CO_OPTIMIZED): its f_locals is the frame's own.
       Anything else that is not a frame counts as one, its attributes unread. */
    static int fv_frame_optimized(PyObject *frame) {
        int optimized = 1;
    #if PY_VERSION_HEX >= 0x030B0000
        if (PyFrame_Check(frame)) {
            PyCodeObject *code = PyFrame_GetCode((PyFrameObject *)frame);
            optimized = (code->co_flags & CO_OPTIMIZED) != 0;
            Py_DECREF(code);
        }
    #endif
        return optimized;
    }

    /* Whether a list of exact str holds `key` (1), does not (0), or holds something
       else, whose comparison could run code (-1: ask the mapping itself). */
    static int fv_names_hold(PyObject *names, PyObject *key) {
        Py_ssize_t i, n = PyList_GET_SIZE(names);
        int found = 0;
        for (i = 0; i < n; i++) {
            PyObject *name = PyList_GET_ITEM(names, i);
            if (name == key) {
                found = 1;
            } else if (!PyUnicode_CheckExact(name)) {
                return -1;
            } else if (!found && PyUnicode_GET_LENGTH(name) == PyUnicode_GET_LENGTH(key)
                       && PyUnicode_Compare(name, key) == 0) {
                found = 1;
            }
        }
        return found;
    }
    """
    object fv_frame_locals(object frame)
    object fv_frame_code(object frame)
    object fv_frame_globals(object frame)
    bint fv_frame_optimized(object frame)
    int fv_names_hold(list names, str key)

cdef str SENTRY_PREFIX = "sentry_sdk."
cdef str NAME_KEY = "__name__"
cdef tuple HIDE_FLAGS = ("__traceback_hide__", "__tracebackhide__")
cdef object py_is_hidden = _py_frames.is_hidden
cdef object py_hidden_by_flags = _py_frames.hidden_by_flags
cdef object READ_FAILED = _py_frames.READ_FAILED
# 3.12 only: f_locals of a class body or module frame stopped inside an inlined
# comprehension (PEP 709) is a new dict at each read, copied from the namespace (a
# custom one's keys() and __getitem__: user code).
cdef bint LOCALS_MAY_BE_COPIES = (3, 12) <= sys.version_info < (3, 13)
cdef object py_encode_variables = _py_encoding.encode_variables
cdef object NoneType = type(None)


# 3.13's FrameLocalsProxy (frames.py probes it), None before. Its reads are live and
# run no code but CPython's, and it copies itself in C.
cdef object FRAME_LOCALS_PROXY = _py_frames.FRAME_LOCALS_PROXY
# Its keys() and values(), called as functions: each lists the frame's variables in the
# same order, in one pass of C that runs no Python code.
cdef object PROXY_KEYS = FRAME_LOCALS_PROXY.keys if FRAME_LOCALS_PROXY is not None else None
cdef object PROXY_VALUES = (
    FRAME_LOCALS_PROXY.values if FRAME_LOCALS_PROXY is not None else None)

__all__ = ["is_hidden", "frame_variables"]


# foreign_calls() as an int, the same object while the count has not moved (PERF: the
# hidden check keeps it with every frame's read; one allocation per count, not one
# per frame once the count is past the small ints).
cdef object calls_object = 0
cdef unsigned long long calls_object_value = 0


cdef object foreign_calls_now():
    global calls_object, calls_object_value
    cdef unsigned long long now = foreign_calls()
    if now != calls_object_value:
        calls_object = now
        calls_object_value = now
    return calls_object


cdef bint flag_is_set(object flag) except -1:
    """`if flag:` as posthog asks it, an exception counting as not set."""
    cdef object t = type(flag)
    if t is bool or t is int or t is str or t is NoneType:
        return True if flag else False  # their own truth test, in C
    note_foreign_call()
    try:
        return True if flag else False
    except Exception:
        return False


cdef bint hidden_check(object frame, dict reads) except -1:
    """frames.is_hidden, natively for a dict of globals and a dict of locals. The locals
    it reads are remembered in `reads` (frame -> (locals, foreign_calls())) when given."""
    f_globals = fv_frame_globals(frame)
    if type(f_globals) is not dict:
        note_foreign_call()
        return py_is_hidden(frame)
    cdef PyObject *name = PyDict_GetItem(f_globals, NAME_KEY)
    if name != NULL:
        if type(<object>name) is not str:
            note_foreign_call()
            return py_is_hidden(frame)
        if PyUnicode_Tailmatch(<object>name, SENTRY_PREFIX, 0, len(SENTRY_PREFIX), -1):
            return True
    cdef PyObject *flag
    cdef unsigned long long read_at = 0
    f_locals = None
    if FRAME_LOCALS_PROXY is not None:
        try:
            f_locals = fv_frame_locals(frame)
        except Exception:
            return False
        if type(f_locals) is FRAME_LOCALS_PROXY:
            # Live reads of the frame's variables. Their names are listed once (and
            # kept for the values); a flag among them is then read from the proxy.
            try:
                names = PROXY_KEYS(f_locals)
            except Exception:
                return False
            for key in HIDE_FLAGS:
                held = fv_names_hold(names, key)
                if held == 0 or (held < 0 and key not in f_locals):
                    continue
                try:
                    value = f_locals[key]
                except Exception:
                    continue
                if flag_is_set(value):
                    return True
            if reads is not None:
                reads[frame] = (f_locals, foreign_calls_now(), names)
            return False
        f_locals = None
    for index, key in enumerate(HIDE_FLAGS):
        # posthog reads frame.f_locals afresh for each flag: the same read while no
        # code but ours has run since (a flag's __bool__ may have changed them).
        if f_locals is None or foreign_calls() != read_at:
            # Before 3.13 the read itself may run user code (a class body's cells synced
            # into a custom namespace): the Python twin goes on from this read, so
            # each of posthog's reads is made once.
            try:
                f_locals = fv_frame_locals(frame)
            except Exception:
                note_foreign_call()
                return py_hidden_by_flags(frame, READ_FAILED, HIDE_FLAGS[index:])
            if type(f_locals) is not dict or (
                    LOCALS_MAY_BE_COPIES and f_locals is not f_globals
                    and not fv_frame_optimized(frame)):
                note_foreign_call()
                return py_hidden_by_flags(frame, f_locals, HIDE_FLAGS[index:])
            read_at = foreign_calls()
        flag = PyDict_GetItem(f_locals, key)
        if flag != NULL and flag_is_set(<object>flag):
            return True
    if reads is not None:
        if read_at == foreign_calls():
            reads[frame] = (f_locals, foreign_calls_now())
        else:  # (a flag's __bool__ ran since the read)
            reads[frame] = (f_locals, read_at)
    return False


def is_hidden(frame, CPolicy policy=None) -> bool:
    """Whether a serialized stack trace leaves the frame out (frames.is_hidden); with a
    policy, the locals read for the check are kept for its capture's frame_variables."""
    return hidden_check(frame, policy.frame_reads if policy is not None else None)


cdef object read_locals(object frame, object hit):
    """The frame's locals as posthog reads them for its values: the hidden check's read
    (`hit`) while nothing but our own code has run since, a new read otherwise."""
    if hit is not None:
        if type((<tuple>hit)[0]) is FRAME_LOCALS_PROXY:
            return (<tuple>hit)[0]  # live: as good as a new one
        if <unsigned long long>(<tuple>hit)[1] == foreign_calls():
            return (<tuple>hit)[0]
    return fv_frame_locals(frame)


cdef dict proxy_copy(object proxy):
    """proxy.copy() (what posthog calls), built from proxy.items(): the same names in
    the same order with the same values, but copy() merges key by key, each key
    looked up again by a scan of the function's names (quadratic in its locals), while
    items() reads the frame's variables in one pass. A name listed twice (a code object
    whose names repeat, a name also written to f_locals) keeps its first value, as the
    lookup copy() makes finds it first."""
    copied = {}
    for name, value in proxy.items():
        copied.setdefault(name, value)
    return copied


cdef object frame_code(object frame):
    try:
        return fv_frame_code(frame)
    except Exception:
        return None


cdef dict encode_proxy(object frame, object proxy, object hit, CPolicy policy,
                       CBudget budget):
    """A 3.13 function frame's variables, as from proxy.copy(): from its names and
    values, the names listed by the hidden check reused while no code but ours has run
    since (only code can bind or unbind a suspended frame's variables)."""
    names = None
    if (hit is not None and len(<tuple>hit) == 3 and (<tuple>hit)[0] is proxy
            and <unsigned long long>(<tuple>hit)[1] == foreign_calls()):
        names = (<tuple>hit)[2]
    code = frame_code(frame)
    try:
        if names is None:
            names = PROXY_KEYS(proxy)
        values = PROXY_VALUES(proxy)
    except Exception:
        return {}
    encoded = encode_local_lists(names, values, policy, budget, code)
    if encoded is not None:
        return encoded
    try:
        local_vars = proxy_copy(proxy)
    except Exception:
        return {}
    return encode_locals(local_vars, policy, budget, code)


cdef dict encode_frame(object frame, CPolicy policy, CBudget budget):
    # Taken out as it is used: what the hidden checks kept is then freed frame by frame
    # while the output grows. (A frame met again, in a chained exception's traceback,
    # was checked again just before, or is read afresh.)
    hit = policy.frame_reads.pop(frame, None)
    try:
        local_vars = read_locals(frame, hit)
    except Exception:
        return {}
    if type(local_vars) is FRAME_LOCALS_PROXY:
        return encode_proxy(frame, local_vars, hit, policy, budget)
    if type(local_vars) is not dict:
        # A class body's custom namespace: a copy, as posthog takes it
        # (f_locals.copy()), made by its own code, of this read (another read
        # would sync the class body's cells into it once more than posthog does).
        note_foreign_call()
        try:
            local_vars = local_vars.copy()
        except Exception:
            return {}
        if type(local_vars) is not dict:
            note_foreign_call()
            return py_encode_variables(local_vars, policy, budget)
    return encode_locals(<dict>local_vars, policy, budget, frame_code(frame))


def frame_variables(frame, CPolicy policy, CBudget budget) -> dict:
    """One frame's masked, encoded locals, charged to ``budget``."""
    return encode_frame(frame, policy, budget)
