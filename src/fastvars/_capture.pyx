# cython: language_level=3
"""The compiled capture engine: the contract engine.py loads.

``Policy(matcher, mask_url_credentials, detect_secrets)``, ``Budget()``,
``visible_entries(tb)`` and ``frame_variables(frame, policy, budget)``, the same as
masking.Policy, encoding.Budget, frames.visible_entries and
engine._python_frame_variables, with identical results. Any exception raised here
reaches capture.py, which has the pure-Python engine redo the capture.
"""

from cpython.dict cimport PyDict_GetItem
from cpython.object cimport PyObject
from cpython.unicode cimport PyUnicode_Tailmatch

from ._masking cimport Policy as CPolicy
from ._encoding cimport Budget as CBudget, encode_locals

from ._masking import Policy
from ._encoding import Budget
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
    """
    object fv_frame_locals(object frame)

cdef str SENTRY_PREFIX = "sentry_sdk."
cdef str NAME_KEY = "__name__"
cdef tuple HIDE_FLAGS = ("__traceback_hide__", "__tracebackhide__")
cdef object py_is_hidden = _py_frames.is_hidden
cdef object py_frame_locals = _py_frames.frame_locals
cdef object py_encode_variables = _py_encoding.encode_variables

__all__ = ["Policy", "Budget", "visible_entries", "frame_variables"]


cdef bint is_hidden(object frame) except -1:
    """frames.is_hidden, natively for a dict of globals and a dict of locals."""
    f_globals = frame.f_globals
    if type(f_globals) is not dict:
        return py_is_hidden(frame)
    cdef PyObject *name = PyDict_GetItem(f_globals, NAME_KEY)
    if name != NULL:
        if type(<object>name) is not str:
            return py_is_hidden(frame)
        if PyUnicode_Tailmatch(<object>name, SENTRY_PREFIX, 0, len(SENTRY_PREFIX), -1):
            return True
    try:
        f_locals = fv_frame_locals(frame)
    except Exception:
        return False  # each flag read would fail the same way, and be ignored
    if type(f_locals) is not dict:
        return py_is_hidden(frame)
    cdef PyObject *flag
    for key in HIDE_FLAGS:
        flag = PyDict_GetItem(f_locals, key)
        if flag != NULL:
            try:
                if <object>flag:
                    return True
            except Exception:
                pass
    return False


def visible_entries(tb) -> list:
    """The traceback entries a serialized stack trace shows, outermost first."""
    entries = []
    while tb is not None:
        if not is_hidden(tb.tb_frame):
            entries.append(tb)
        tb = tb.tb_next
    return entries


def frame_variables(frame, CPolicy policy, CBudget budget) -> dict:
    """One frame's masked, encoded locals, charged to ``budget``."""
    try:
        local_vars = fv_frame_locals(frame)
    except Exception:
        return {}
    if type(local_vars) is not dict:
        # 3.13's FrameLocalsProxy, or a class body's custom namespace: a copy, as the
        # Python twin takes it.
        local_vars = py_frame_locals(frame)
        if local_vars is None:
            return {}
        if type(local_vars) is not dict:
            return py_encode_variables(local_vars, policy, budget)
    try:
        code = frame.f_code
    except Exception:
        code = None
    return encode_locals(<dict>local_vars, policy, budget, code)
