# The compiled matcher's C-level interface, for the compiled capture (_policy,
# and through it _masking): classify a name and search a value without a call through Python.
from libc.stdint cimport uint8_t, uint32_t

from ._caches cimport Generations

cdef extern from "automaton.h":
    enum:
        FV_STOP_ALL
        FV_STOP_MASK
        FV_ROW
        FV_CASE_FOLD_0
        FV_CASE_FOLD_1
        FV_CASE_FOLD_2
        FV_CASE_FOLD_3
    ctypedef struct fv_automaton:
        int n_classes
        uint32_t start
        const uint8_t *ascii_class
        uint8_t na_class[4]
        const uint8_t *na_kind
        int uses_case
        const uint32_t *trans
        const uint8_t *acc
        const uint8_t *eot
    int fv_run(const fv_automaton *a, uint32_t stop_flag, int kind, const void *data,
               Py_ssize_t length) nogil


cdef class Matcher:
    cdef fv_automaton _a
    cdef object _tables          # keeps the table bytes alive
    cdef tuple _mask_patterns
    cdef tuple _ignore_patterns
    cdef list _residual_ignore
    cdef list _residual_mask
    cdef bint _has_mask
    cdef bint _has_ignore
    cdef readonly Generations _cache  # name -> bits, two generations (see caches.py)
    cdef object _exact           # matching.Matcher, built on first need

    cdef object _exact_matcher(self)
    cdef int _classify_str(self, str name) except -1
    cdef object _lookup(self, object name)
    # IGNORE | MASK bits of an exact str name, through the name cache.
    cdef int classify_str(self, str name) except -1
    # Whether a mask pattern matches anywhere in an exact str: 1 or 0.
    cdef int mask_search_str(self, str text) except -1
