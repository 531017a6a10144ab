# The compiled matcher's C-level interface, for the compiled capture (_masking,
# _secret_detection): classify a name and search a value without a call through Python.
from libc.stdint cimport int16_t, int32_t, uint8_t, uint32_t, uint64_t

from ._caches cimport Generations

cdef extern from "automaton.h":
    enum:
        FV_STOP_ALL
        FV_STOP_MASK
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
    ctypedef struct fv_secrets:
        int n_pos
        const uint64_t *cls
        const int32_t *next
        const uint8_t *loop
        const int32_t *start_index
        const int32_t *starts
        const int16_t *group
        int n_groups
    int fv_secrets_search(const fv_secrets *s, int kind, const void *data,
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

# Whether a known secret format occurs in an exact str: 1 or 0.
cdef int contains_known_secret_str(str text) except -1
