# Bounded caches that keep their hot set, for the compiled capture: see caches.py.
from cpython.object cimport PyObject

cdef extern from "Python.h":
    # On borrowed pointers (PERF: no reference counting around the probe). For exact
    # str and int keys only, whose hash and comparison can neither fail nor run code.
    PyObject *probe "PyDict_GetItemWithError"(PyObject *d, PyObject *k)

cdef class Generations:
    cdef readonly dict young
    cdef readonly dict old
    cdef readonly Py_ssize_t generation
    # The entry a caller found last, for callers whose lookups come in runs (None
    # until set; the caller checks that it still answers its key). One entry more
    # than the bound, at most.
    cdef object last
    cdef object recall(self, object key)
    cdef int store(self, object key, object value) except -1


cdef inline object cache_get(Generations cache, object key):
    """The cached answer, or None. One probe of the young generation on a hit (PERF:
    callers are the per-name and per-key paths); keys must be exact str or int, whose
    hash and comparison cannot raise or run code."""
    cdef PyObject *hit = probe(<PyObject *>cache.young, <PyObject *>key)
    if hit != NULL:
        return <object>hit
    if not cache.old:
        return None  # PERF: a cache that never turned over costs one probe per miss
    return cache.recall(key)
