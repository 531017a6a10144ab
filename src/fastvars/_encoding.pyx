# cython: language_level=3
"""Compiled twin of encoding.py: one frame's locals into its wire dict.

Names are classified through the policy's name cache, split into scalars and the rest,
each group sorted by name in C; values are masked and encoded by _masking, charging the
shared Budget. A value the compiled walk hands over is encoded by encoding.encode_variable
with this Policy and Budget, so both engines charge one budget the same way.
"""

from cpython.dict cimport PyDict_Next
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF, Py_DECREF
from cpython.mem cimport PyMem_Malloc, PyMem_Free
from cpython.long cimport PyLong_AsLongLongAndOverflow
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.unicode cimport PyUnicode_GET_LENGTH, PyUnicode_Substring
from libc.math cimport isfinite, isnan
from libc.stdlib cimport qsort

from ._json cimport float_repr_length, longlong_length
from ._masking cimport Policy, mask_string, masked_text

from . import encoding as _py
from .defaults import (
    IGNORE as _IGNORE,
    MASK as _MASK,
    MAX_VALUE_LENGTH as _MAX_VALUE_LENGTH,
    REDACTED as _REDACTED,
    TOTAL_SIZE_BUDGET as _TOTAL_SIZE_BUDGET,
)

cdef extern from *:
    """
    typedef struct {
        PyObject *name;
        PyObject *value;
        int bits;
        int scalar;
    } fv_entry;

    /* Python's str ordering (code points), for two exact str. */
    static int fv_name_cmp(PyObject *a, PyObject *b) {
        Py_ssize_t la = PyUnicode_GET_LENGTH(a), lb = PyUnicode_GET_LENGTH(b);
        Py_ssize_t n = la < lb ? la : lb, i;
        int ka = PyUnicode_KIND(a), kb = PyUnicode_KIND(b);
        const void *da = PyUnicode_DATA(a), *db = PyUnicode_DATA(b);
        if (ka == PyUnicode_1BYTE_KIND && kb == PyUnicode_1BYTE_KIND) {
            int c = memcmp(da, db, (size_t)n);
            if (c) return c < 0 ? -1 : 1;
        } else {
            for (i = 0; i < n; i++) {
                Py_UCS4 ca = PyUnicode_READ(ka, da, i), cb = PyUnicode_READ(kb, db, i);
                if (ca != cb) return ca < cb ? -1 : 1;
            }
        }
        return la < lb ? -1 : (la > lb ? 1 : 0);
    }

    /* Scalars first, then the rest; each group by name. */
    static int fv_entry_cmp(const void *x, const void *y) {
        const fv_entry *a = (const fv_entry *)x, *b = (const fv_entry *)y;
        if (a->scalar != b->scalar) return a->scalar ? -1 : 1;
        return fv_name_cmp(a->name, b->name);
    }
    """
    ctypedef struct fv_entry:
        PyObject *name
        PyObject *value
        int bits
        int scalar
    int fv_entry_cmp(const void *x, const void *y) noexcept nogil

cdef int IGNORE = _IGNORE
cdef int MASK = _MASK
cdef Py_ssize_t MAX_VALUE_LENGTH = _MAX_VALUE_LENGTH
cdef str REDACTED = _REDACTED
cdef Py_ssize_t REDACTED_SIZE = len(_REDACTED)
cdef object py_encode_variable = _py.encode_variable

cdef enum:
    INLINE_ENTRIES = 64


cdef class Budget:
    """Characters left for the values of one capture (encoding.Budget's twin)."""

    def __init__(self, Py_ssize_t limit=_TOTAL_SIZE_BUDGET):
        self.used = 0
        self.limit = limit

    cdef bint take_c(self, Py_ssize_t size) noexcept:
        if self.used + size > self.limit:
            return False
        self.used += size
        return True

    def take(self, Py_ssize_t size) -> bool:
        """Charge ``size`` if it fits; False, and nothing charged, if it does not."""
        return self.take_c(size)


cdef object cut_and_charge(str text, Budget budget):
    if PyUnicode_GET_LENGTH(text) > MAX_VALUE_LENGTH:
        text = PyUnicode_Substring(text, 0, MAX_VALUE_LENGTH - 3) + "..."
    return text if budget.take_c(PyUnicode_GET_LENGTH(text)) else None


cdef object encode_value(Policy policy, Budget budget, object value):
    """encoding.encode_variable: the wire value, or None when it does not fit."""
    cdef object t = type(value)
    cdef int overflow
    cdef long long v
    cdef double d
    if t is str:
        return cut_and_charge(value if policy.inert else mask_string(policy, value), budget)
    if value is None:
        return cut_and_charge("None", budget)
    if value is True:
        return cut_and_charge("True", budget)
    if value is False:
        return cut_and_charge("False", budget)
    if t is int:
        v = PyLong_AsLongLongAndOverflow(value, &overflow)
        if not overflow:
            # Raw numbers are charged their text length but never cut.
            return value if budget.take_c(longlong_length(v)) else None
    elif t is float:
        d = PyFloat_AS_DOUBLE(value)
        if isfinite(d):
            return value if budget.take_c(float_repr_length(d)) else None
        return cut_and_charge("nan" if isnan(d) else ("inf" if d > 0 else "-inf"), budget)
    elif not policy.inert and not isinstance(value, (str, int, float)):
        text = masked_text(policy, value)
        if text is not None:
            return cut_and_charge(text, budget)
    return py_encode_variable(value, policy, budget)


cdef void release(fv_entry *entries, Py_ssize_t n) noexcept:
    cdef Py_ssize_t i
    for i in range(n):
        Py_DECREF(<object>entries[i].name)
        Py_DECREF(<object>entries[i].value)


cdef dict encode_locals(dict local_vars, Policy policy, Budget budget):
    """encoding.encode_variables for a dict of locals (read here, never kept)."""
    cdef Py_ssize_t size = len(local_vars), n = 0, pos = 0, i
    cdef fv_entry inline_entries[INLINE_ENTRIES]
    cdef fv_entry *entries = inline_entries
    cdef PyObject *kp
    cdef PyObject *vp
    cdef int bits
    cdef dict result = {}
    if size > INLINE_ENTRIES:
        entries = <fv_entry *>PyMem_Malloc(size * sizeof(fv_entry))
        if entries == NULL:
            raise MemoryError()
    try:
        while PyDict_Next(local_vars, &pos, &kp, &vp):
            if n >= size:
                raise RuntimeError("fastvars: locals changed while being read")
            name = <object>kp
            if type(name) is not str:
                # As the Python twin: posthog fails on such a name (module globals can
                # have any key), so the capture is handed back.
                raise TypeError(f"local variable name is not a str: {type(name).__name__}")
            bits = policy.classify_c(<str>name)
            if bits & IGNORE:
                continue
            value = <object>vp
            Py_INCREF(name)
            Py_INCREF(value)
            entries[n].name = <PyObject *>name
            entries[n].value = <PyObject *>value
            entries[n].bits = bits
            entries[n].scalar = value is None or isinstance(value, (bool, int, float, str))
            n += 1
        qsort(entries, n, sizeof(fv_entry), fv_entry_cmp)
        for i in range(n):
            name = <object>entries[i].name
            if entries[i].bits & MASK:  # the value is never read
                if not budget.take_c(REDACTED_SIZE):
                    break
                result[name] = REDACTED
                continue
            encoded = encode_value(policy, budget, <object>entries[i].value)
            if encoded is None:
                break
            result[name] = encoded
        return result
    finally:
        release(entries, n)
        if entries != inline_entries:
            PyMem_Free(entries)
