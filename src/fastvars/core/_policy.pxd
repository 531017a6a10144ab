from cpython.object cimport PyObject

from ._matching cimport Matcher
from ._caches cimport Generations, cache_get

cdef enum:
    ADDRESS_SLOTS = 256
    # C copies of constants.py's CACHE_GENERATION, NAME_CACHE_MAX_LENGTH and
    # KEY_CACHE_MAX_LENGTH (immediates in the hot checks; tests/test_c_constants.py
    # compares them through _policy._C_CONSTANTS).
    # Bound of each generation of the caches kept per matcher (see caches.py: a cache
    # holds at most two generations, and keeps what recurs when it turns over).
    CACHE_GENERATION = 4096
    # Names longer than this are not remembered: the caches are bounded in bytes too.
    NAME_CACHE_MAX_LENGTH = 256
    # A type's sensitive member names are remembered only up to this many characters.
    MAX_MEMBER_NAMES_LENGTH = 1024
    # Decisions on mapping keys (attribute names, dict keys), per matcher and toggles:
    # keys recur like local names do. Only short keys are kept.
    KEY_CACHE_MAX_LENGTH = 64
    # String values that come out unchanged, per matcher and toggles: values recur across
    # frames and captures (a region, a user name, a path), and an unchanged one then
    # costs a probe instead of the mask scan, the secret tests and the credentials scan.
    VALUE_CACHE_MAX_LENGTH = 128

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
    cdef readonly Generations _names
    cdef readonly Generations _keys
    cdef readonly Generations _plain  # exact str values that come out unchanged
    cdef AddressCache _plain_addresses  # the same, by address, in front of it
    cdef AddressCache _key_addresses  # shown-as-is key decisions and texts, by address
    cdef readonly Generations _members  # by a class's version tag, never by the class
    cdef readonly Generations _codes
    cdef readonly object key_decisions  # the Python twin's (caches.Generations)
    # The locals read by this capture's hidden checks, for its frames to reuse:
    # frame -> (locals, foreign_calls() when read[, a FrameLocalsProxy's names]),
    # each taken out when its frame is encoded.
    # See _frames.pyx.
    cdef dict frame_reads
    cdef int classify_c(self, str name) except -1
    cdef int mask_matches_c(self, str text) except -1

cdef str mask_string(Policy policy, str text)
cdef void note_foreign_call() noexcept
cdef unsigned long long foreign_calls() noexcept


cdef inline Py_ssize_t address_set(void *address) noexcept:
    """The first of the two slots an address may occupy (two ways: keys whose slots
    collide do not keep evicting each other)."""
    cdef size_t a = <size_t>address
    return (((a >> 4) ^ (a >> 12)) & (ADDRESS_SLOTS // 2 - 1)) * 2


cdef inline Py_ssize_t address_find(AddressCache cache, object key) noexcept:
    """The slot holding `key`, or -1."""
    cdef Py_ssize_t i = address_set(<void *>key)
    if cache.keys[i] == <PyObject *>key:
        return i
    if cache.keys[i + 1] == <PyObject *>key:
        return i + 1
    return -1
