# cython: language_level=3
"""The compiled twin of :mod:`fastvars.core.matching`: same interface, same answers.

Patterns are compiled by :mod:`fastvars.compiler` into one DFA for both lists; the C
loop in ``csrc/automaton.c`` classifies a name in one pass. Text the tables cannot decide
(a case-fold special code point, an astral code point where unicode categories matter)
takes the exact pure-Python path, and patterns the automaton cannot represent are run by
Python's ``re`` only for a bit the automaton did not already set.
"""

from cpython.list cimport PyList_New, PyList_SET_ITEM
from cpython.ref cimport Py_INCREF, PyObject
from cpython.unicode cimport PyUnicode_GET_LENGTH
from libc.stdint cimport uint8_t, uint32_t

from ._caches cimport Generations, cache_get, probe

from . import matching as _py
from .. import compiler as _compiler
from ..constants import IGNORE, MASK

cdef extern from "Python.h":
    int PyUnicode_KIND(object o)
    void *PyUnicode_DATA(object o)
    bint Py_UNICODE_ISALNUM(Py_UCS4 ch)
    bint Py_UNICODE_ISDECIMAL(Py_UCS4 ch)
    bint Py_UNICODE_ISSPACE(Py_UCS4 ch)
    object PySequence_Fast(object o, const char *m)
    Py_ssize_t PySequence_Fast_GET_SIZE(object o)
    ctypedef struct PyTypeObject:
        pass
    PyTypeObject PyUnicode_Type
    bint Py_IS_TYPE(PyObject *o, PyTypeObject *t)
    PyObject *PySequence_Fast_GET_ITEM(object o, Py_ssize_t i)
    # Unlike PyDict_GetItem, no save/restore of the exception state on every probe;
    # an exact str key cannot raise (its hash is cached, comparison is str's own).
    PyObject *PyDict_GetItemWithError(object d, object k) except? NULL

# C constants: the Python IGNORE / MASK would be a module-global lookup per name.
cdef enum:
    BIT_IGNORE = 1
    BIT_MASK = 2
assert IGNORE == BIT_IGNORE and MASK == BIT_MASK

NAME_CACHE_SIZE = _py.NAME_CACHE_SIZE
NAME_CACHE_MAX_LENGTH = _py.NAME_CACHE_MAX_LENGTH
COMPILED_CACHE_SIZE = _py.COMPILED_CACHE_SIZE
cdef Py_ssize_t _NAME_CACHE_MAX_LENGTH = NAME_CACHE_MAX_LENGTH

# The C loop's copies of compiler constants, as this build compiled them, for
# tests/test_c_constants.py to check against their one Python definition.
_C_CONSTANTS = {
    "alphabet.CASE_FOLD_CODE_POINTS": (
        <uint32_t>FV_CASE_FOLD_0, <uint32_t>FV_CASE_FOLD_1,
        <uint32_t>FV_CASE_FOLD_2, <uint32_t>FV_CASE_FOLD_3,
    ),
    "tables.STOP_ALL": <uint32_t>FV_STOP_ALL,
    "tables.STOP_MASK": <uint32_t>FV_STOP_MASK,
    "tables.ROW": <uint32_t>FV_ROW,
}


cdef bytes _build_na_kind():
    """Unicode \\w / \\d / \\s kind of each BMP code point, as sre sees them: 0 other,
    1 word, 2 digit (decimal, also word), 3 space."""
    cdef bytearray table = bytearray(65536)
    cdef unsigned int c
    for c in range(65536):
        if Py_UNICODE_ISDECIMAL(<Py_UCS4>c):
            table[c] = 2
        elif Py_UNICODE_ISALNUM(<Py_UCS4>c):
            table[c] = 1
        elif Py_UNICODE_ISSPACE(<Py_UCS4>c):
            table[c] = 3
    return bytes(table)


cdef bytes _NA_KIND = _build_na_kind()
# Cached small ints, so classify_many builds its list without allocating.
cdef tuple _BITS = (0, 1, 2, 3)


cdef class Matcher:
    """The mask and ignore lists of one configuration, with a cache of name decisions."""

    def __init__(self, mask_patterns, ignore_patterns):
        self._mask_patterns = tuple(mask_patterns)
        self._ignore_patterns = tuple(ignore_patterns)
        tables = _compiler.compile_tables(
            self._mask_patterns, self._ignore_patterns, _py._warn_invalid
        )
        self._tables = tables
        self._a.n_classes = tables.n_classes
        self._a.start = tables.start
        self._a.ascii_class = <const uint8_t *><bytes>tables.ascii_class
        for i in range(4):
            self._a.na_class[i] = tables.na_class[i]
        self._a.na_kind = <const uint8_t *>_NA_KIND if tables.uses_categories else NULL
        self._a.uses_case = tables.uses_case
        self._a.trans = <const uint32_t *><const char *><bytes>tables.trans
        self._a.acc = <const uint8_t *><bytes>tables.acc
        self._a.eot = <const uint8_t *><bytes>tables.eot
        self._residual_ignore = list(tables.residual_ignore)
        self._residual_mask = list(tables.residual_mask)
        self._has_mask = bool(tables.bits & MASK) or bool(self._residual_mask)
        self._has_ignore = bool(tables.bits & IGNORE) or bool(self._residual_ignore)
        self._cache = Generations(NAME_CACHE_SIZE // 2)
        self._exact = None

    @property
    def has_mask(self):
        return self._has_mask

    @property
    def has_ignore(self):
        return self._has_ignore

    @property
    def mask_patterns(self):
        return self._mask_patterns

    @property
    def ignore_patterns(self):
        return self._ignore_patterns

    def stats(self):
        """What the compile produced: pattern counts, residual patterns and why, states,
        classes, table bytes, compile time."""
        return dict(self._tables.stats)

    cdef object _exact_matcher(self):
        if self._exact is None:
            self._exact = _py.Matcher(self._mask_patterns, self._ignore_patterns)
        return self._exact

    cdef int _classify_str(self, str name) except -1:
        cdef int bits = fv_run(&self._a, FV_STOP_ALL, PyUnicode_KIND(name),
                               PyUnicode_DATA(name), PyUnicode_GET_LENGTH(name))
        if bits < 0:
            return self._exact_matcher()._classify_uncached(name)
        if self._residual_ignore and not bits & BIT_IGNORE:
            for search in self._residual_ignore:
                if search(name):
                    bits |= BIT_IGNORE
                    break
        if self._residual_mask and not bits & BIT_MASK:
            for search in self._residual_mask:
                if search(name):
                    bits |= BIT_MASK
                    break
        return bits

    cdef object _lookup(self, object name):
        """classify() for one name, through the bounded cache (exact str only)."""
        cdef int bits
        if type(name) is not str:
            # A str subclass may override lower() or hashing: never cache it.
            return self._exact_matcher()._classify_uncached(name)
        found = cache_get(self._cache, name)
        if found is not None:
            return found
        bits = self._classify_str(<str>name)
        result = _BITS[bits]
        if PyUnicode_GET_LENGTH(name) <= _NAME_CACHE_MAX_LENGTH:
            self._cache.store(name, result)
        return result

    cdef int classify_str(self, str name) except -1:
        """classify() for an exact str, for the compiled capture: no call through Python."""
        cdef PyObject *hit = probe(<PyObject *>self._cache.young, <PyObject *>name)
        if hit is not NULL:
            return <int><long>(<object>hit)
        return <int><long>self._lookup(name)

    def classify(self, name):
        """``IGNORE | MASK`` bits for a variable name."""
        return self._lookup(name)

    def classify_many(self, names, bint cache=True):
        """``classify`` for each name, in order. ``cache=False`` bypasses the name cache
        (it measures the automaton itself)."""
        cdef object seq = PySequence_Fast(names, "names must be iterable")
        cdef Py_ssize_t n = PySequence_Fast_GET_SIZE(seq)
        cdef list out = PyList_New(n)
        cdef Generations cache_d = self._cache
        cdef Py_ssize_t i
        cdef PyObject *item
        cdef PyObject *hit
        cdef object result
        if not cache:
            for i in range(n):
                item = PySequence_Fast_GET_ITEM(seq, i)
                if Py_IS_TYPE(item, &PyUnicode_Type):
                    result = _BITS[self._classify_str(<str>item)]
                else:
                    result = self._lookup(<object>item)
                Py_INCREF(result)
                PyList_SET_ITEM(out, i, result)
            return out
        for i in range(n):
            # Borrowed pointers on the hit path: one dict probe and one incref a name.
            item = PySequence_Fast_GET_ITEM(seq, i)
            if Py_IS_TYPE(item, &PyUnicode_Type):
                hit = probe(<PyObject *>cache_d.young, item)
                if hit is not NULL:
                    Py_INCREF(<object>hit)
                    PyList_SET_ITEM(out, i, <object>hit)
                    continue
            result = self._lookup(<object>item)
            Py_INCREF(result)
            PyList_SET_ITEM(out, i, result)
        return out

    cdef int mask_search_str(self, str text) except -1:
        """mask_search() for an exact str, for the compiled capture: 1 or 0."""
        cdef int bits
        if not self._has_mask:
            return 0
        bits = fv_run(&self._a, FV_STOP_MASK, PyUnicode_KIND(text),
                      PyUnicode_DATA(text), PyUnicode_GET_LENGTH(text))
        if bits < 0:
            # A code point the tables cannot decide: the exact Python path.
            return 1 if self._exact_matcher().mask_search(text) else 0
        if bits & BIT_MASK:
            return 1
        for search in self._residual_mask:
            if search(text):
                return 1
        return 0

    def mask_search(self, text):
        """Whether a mask pattern matches anywhere in a value (values are not cached)."""
        if not self._has_mask:
            return False
        if type(text) is not str:
            return self._exact_matcher().mask_search(text)
        return self.mask_search_str(<str>text) == 1

    def __repr__(self):
        return (
            f"<fastvars.Matcher c mask={len(self._mask_patterns)} "
            f"ignore={len(self._ignore_patterns)}>"
        )


cdef object _cache = _py.MatcherCache(Matcher)
# The cache's own dict (it is cleared, never replaced), for the probe below.
cdef dict _matchers = _cache._matchers
cdef tuple NO_PATTERNS = ()


cdef tuple plain_patterns(object patterns):
    """The patterns as the cache's key holds them, for None or an exact list or tuple
    of exact str (whose hashing runs no code); None for anything else."""
    cdef object t = type(patterns)
    if patterns is None:
        return NO_PATTERNS
    if t is not list and t is not tuple:
        return None
    found = tuple(patterns)
    for pattern in found:
        if type(pattern) is not str:
            return None
    return found


def compile_patterns(mask_patterns, ignore_patterns):
    """A matcher for the two lists, shared by every caller that passes the same lists.

    ``None`` stands for an empty list. A pattern that is not a ``str`` raises
    ``TypeError``; one that does not compile is dropped with a warning.
    """
    # Speed: the key MatcherCache.get makes, made and probed in C when building it
    # runs no code (every capture passes its settings' lists; the cache's Python
    # method cost as much as the rest of a short capture's setup). A miss, or any
    # other input, takes the cache's own path.
    mask = plain_patterns(mask_patterns)
    if mask is not None:
        ignore = plain_patterns(ignore_patterns)
        if ignore is not None:
            hit = _matchers.get((mask, ignore))
            if hit is not None:
                return hit
    return _cache.get(mask_patterns, ignore_patterns)
