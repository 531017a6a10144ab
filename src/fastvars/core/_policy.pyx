# cython: language_level=3
"""Compiled twin of policy.py: one capture's masking settings and the rules they apply
to a single string, with what is remembered between captures.

A Policy holds the settings and, per matcher and toggles, the decisions already made:
local names, mapping keys, string values that came out unchanged (a probe by address
first, then by hash), a type's sensitive members, a function's name table. A cache
only ever spares work whose answer it holds; it never holds a redacted string.

Also here, shared by every compiled module: the count of calls into code that is not
fastvars' own (see the end of this file).
"""

from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF, Py_XDECREF
from cpython.unicode cimport PyUnicode_GET_LENGTH

from ._matching cimport Matcher
from ._secret_detection cimport looks_like_secret
from ._credentials cimport redact_embedded_credentials

from . import policy as _py
from ..constants import (
    MAX_SCAN_LENGTH as _MAX_SCAN_LENGTH,
    REDACTED as _REDACTED,
    TOO_LONG as _TOO_LONG,
)

cdef Py_ssize_t MAX_SCAN_LENGTH = _MAX_SCAN_LENGTH
# The C copies of constants.py's values this module was compiled with (see _policy.pxd).
_C_CONSTANTS = {
    "CACHE_GENERATION": CACHE_GENERATION,
    "NAME_CACHE_MAX_LENGTH": NAME_CACHE_MAX_LENGTH,
    "KEY_CACHE_MAX_LENGTH": KEY_CACHE_MAX_LENGTH,
}
cdef str REDACTED = _REDACTED
cdef str TOO_LONG = _TOO_LONG

# Name decisions (and the other caches below) per matcher, shared by every Policy on
# that matcher: captures are many and short, while the same local names recur. Bounded
# like the matcher's own cache.
_NAME_CACHES = {}
cdef Py_ssize_t MATCHER_CACHE_SIZE = 256


cdef class AddressCache:

    def __dealloc__(self):
        cdef Py_ssize_t i
        for i in range(ADDRESS_SLOTS):
            Py_XDECREF(self.keys[i])
            Py_XDECREF(self.texts[i])

    cdef void store(self, object key, int value, object text) noexcept:
        cdef Py_ssize_t i = address_set(<void *>key)
        if self.keys[i] != NULL and self.keys[i] != <PyObject *>key:
            # The newest in the first way, the one before it in the second.
            Py_XDECREF(self.keys[i + 1])
            Py_XDECREF(self.texts[i + 1])
            self.keys[i + 1] = self.keys[i]
            self.values[i + 1] = self.values[i]
            self.texts[i + 1] = self.texts[i]
        else:
            Py_XDECREF(self.keys[i])
            Py_XDECREF(self.texts[i])
        Py_INCREF(key)
        self.keys[i] = <PyObject *>key
        self.values[i] = value
        if text is None:
            self.texts[i] = NULL
        else:
            Py_INCREF(text)
            self.texts[i] = <PyObject *>text


cdef class _MatcherState:
    """Everything remembered for one matcher, found with one lookup per capture."""
    cdef Generations names, members, codes
    # per (url, secrets): index 2 * url + secrets
    cdef list keys, py_keys, plain, key_addresses, plain_addresses

    def __init__(self):
        self.names = Generations(CACHE_GENERATION)
        self.members = Generations(CACHE_GENERATION)
        self.codes = Generations(CACHE_GENERATION)
        self.keys = [Generations(CACHE_GENERATION) for _ in range(4)]
        self.py_keys = [None, None, None, None]
        self.plain = [Generations(CACHE_GENERATION) for _ in range(4)]
        self.key_addresses = [AddressCache() for _ in range(4)]
        self.plain_addresses = [AddressCache() for _ in range(4)]


cdef _MatcherState _state_for(object matcher):
    state = _NAME_CACHES.get(matcher)
    if state is None:
        if len(_NAME_CACHES) >= MATCHER_CACHE_SIZE:
            _NAME_CACHES.clear()
        state = _NAME_CACHES.setdefault(matcher, _MatcherState())
    return <_MatcherState>state


cdef class Policy:
    """One capture's masking settings; the same attributes as policy.Policy, so the
    Python twin can run with it when a value is handed over."""

    def __init__(self, matcher, mask_url_credentials, detect_secrets):
        self.matcher = matcher
        self.mask_url_credentials = mask_url_credentials
        self.detect_secrets = detect_secrets
        self.url = bool(mask_url_credentials)
        self.secrets = bool(detect_secrets)
        self.has_mask = bool(matcher.has_mask)
        self.inert = not (self.has_mask or self.url or self.secrets)
        self._mask_search = matcher.mask_search
        self._classify = matcher.classify
        self._cmatcher = matcher if type(matcher) is Matcher else None
        self.frame_reads = {}
        cdef _MatcherState state = _state_for(matcher)
        cdef int variant = 2 * self.url + self.secrets
        self._names = state.names
        self._keys = state.keys[variant]
        self._plain = state.plain[variant]
        self._plain_addresses = state.plain_addresses[variant]
        self._key_addresses = state.key_addresses[variant]
        self._members = state.members
        self._codes = state.codes
        # The Python twin's key cache, for the parts handed to it.
        py_keys = state.py_keys[variant]
        if py_keys is None:
            py_keys = state.py_keys[variant] = _py.key_decisions_for(
                matcher, self.url, self.secrets)
        self.key_decisions = py_keys

    def mask_matches(self, text):
        return self.has_mask and bool(self._mask_search(text))

    cdef int classify_c(self, str name) except -1:
        bits = cache_get(self._names, name)
        if bits is not None:
            return bits
        if self._cmatcher is not None:
            bits = self._cmatcher.classify_str(name)
        else:
            bits = self._classify(name)
        if PyUnicode_GET_LENGTH(name) <= NAME_CACHE_MAX_LENGTH:
            self._names.store(name, bits)
        return bits

    cdef int mask_matches_c(self, str text) except -1:
        if not self.has_mask:
            return 0
        if self._cmatcher is not None:
            return self._cmatcher.mask_search_str(text)
        return 1 if self._mask_search(text) else 0


cdef str mask_string(Policy policy, str text):
    """policy.mask_string for an exact str."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
    if n > MAX_SCAN_LENGTH:
        return TOO_LONG
    cdef bint cacheable = n <= VALUE_CACHE_MAX_LENGTH
    if cacheable:
        if address_find(policy._plain_addresses, text) >= 0:
            return text
        if cache_get(policy._plain, text) is not None:
            policy._plain_addresses.store(text, 1, None)
            return text
    if policy.mask_matches_c(text):
        return REDACTED
    if policy.secrets and looks_like_secret(text):
        return REDACTED
    out = redact_embedded_credentials(text, policy.url)
    if cacheable and out is text:
        policy._plain.store(text, True)
        policy._plain_addresses.store(text, 1, None)
    return out


# ---------------------------------------------------------------- code not our own
# How many times the compiled engine has called code that is not its own: the Python
# twin, a value's __repr__, a hide flag's __bool__, an attribute read that may run a
# descriptor... Whoever holds something read before such a call (a frame's locals, read
# for the hidden check) may reuse it only while this count has not moved.

cdef unsigned long long _foreign_calls = 0


cdef void note_foreign_call() noexcept:
    global _foreign_calls
    _foreign_calls += 1


cdef unsigned long long foreign_calls() noexcept:
    return _foreign_calls
