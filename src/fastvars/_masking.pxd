from cpython.unicode cimport PyUnicode_Check
from cpython.long cimport PyLong_Check
from cpython.float cimport PyFloat_Check

from cpython.object cimport PyObject

from ._matching cimport Matcher

cdef enum:
    ADDRESS_SLOTS = 256

cdef class AddressCache:
    # Answers for short strings met again as the very same object (interned names,
    # constants), found by address: slot = hash of the address; the key is held, so
    # its address cannot be reused while stored. `texts` holds a key's JSON text.
    cdef PyObject *keys[ADDRESS_SLOTS]
    cdef int values[ADDRESS_SLOTS]
    cdef PyObject *texts[ADDRESS_SLOTS]
    cdef void store(self, object key, int value, object text) noexcept

cdef class Policy:
    cdef readonly object matcher
    cdef readonly object mask_url_credentials
    cdef readonly object detect_secrets
    cdef readonly bint has_mask
    cdef readonly bint inert
    cdef bint url
    cdef bint secrets
    cdef object _mask_search
    cdef Matcher _cmatcher  # the compiled matcher, called in C; None for another kind
    cdef object _classify
    cdef dict _names
    cdef dict _keys
    cdef dict _plain  # exact str values that come out unchanged
    cdef AddressCache _plain_addresses  # the same, by address, in front of it
    cdef AddressCache _key_addresses  # shown-as-is key decisions and texts, by address
    cdef dict _members
    cdef readonly dict _codes
    cdef readonly dict key_decisions
    # The locals read by this capture's hidden checks, for its frames to reuse:
    # frame -> (locals dict, foreign_calls() when read). See _capture.pyx.
    cdef dict frame_reads
    cdef int classify_c(self, str name) except -1
    cdef int mask_matches_c(self, str text) except -1

cdef str mask_string(Policy policy, str text)
cdef object masked_text(Policy policy, object value)
cdef bint class_read_is_plain(object value) except -1
cdef void note_foreign_call() noexcept
cdef unsigned long long foreign_calls() noexcept


cdef inline bint is_scalar_kind(object value) noexcept:
    """isinstance(value, (str, int, float)) by type flags (bool is an int)."""
    return PyUnicode_Check(value) or PyLong_Check(value) or PyFloat_Check(value)
