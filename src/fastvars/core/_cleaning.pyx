# cython: language_level=3
"""Compiled twin of cleaning.py: posthog's event ``clean`` pass.

The same decisions as cleaning.py, read from it (posthog's clean, the depth bound, the
stack headroom, which container types are fast), so the two twins cannot drift apart:
exact built-in types are cleaned here, everything else goes whole to posthog's clean.
"""

from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE, PyList_GetSlice
from cpython.dict cimport PyDict_Copy, PyDict_Next, PyDict_Size
from cpython.object cimport PyObject

from abc import get_cache_token as _get_cache_token
from collections import deque as _deque
from datetime import date as _date, datetime as _datetime

from . import cleaning as _py

cdef object _posthog_clean = _py.posthog_clean
cdef object _warn_dropped_value = _py.warn_dropped_value
cdef object _NestedTooDeep = _py.NestedTooDeep
cdef object _stack_has_headroom = _py.stack_has_headroom
cdef object _fast_types = _py.FAST_TYPES
cdef int _MAX_FAST_DEPTH = _py.MAX_FAST_DEPTH
cdef bint _fast_path_available = _py.FAST_PATH_UNAVAILABLE_REASON is None

cdef type _NoneType = type(None)
cdef type _deque_type = _deque
cdef type _datetime_type = _datetime
cdef type _date_type = _date

cdef enum:
    FAST_DICT = 1
    FAST_LIST = 2
    FAST_TUPLE = 4
    FAST_SET = 8
    FAST_FROZENSET = 16
    FAST_DEQUE = 32

# Whether a call has let user code run (cleaning._Call.user_code_ran), as a count: a call
# records the count when it starts, and while no call in any thread has moved it, it
# may still restart in posthog. Every increment happens under the GIL, with no Python
# code between its read and its write.
cdef unsigned long long _user_code_runs = 0

# cleaning.FastTypes' answer as bits, for the ABC cache token it was computed under.
cdef object _flags_token = None
cdef int _flags = 0


cdef int _current_flags() except -1:
    global _flags_token, _flags
    token = _get_cache_token()
    if token is _flags_token or token == _flags_token:
        return _flags
    fast = _fast_types.refresh()
    sequences = fast.sequences
    cdef int flags = 0
    if fast.dict:
        flags |= FAST_DICT
    if list in sequences:
        flags |= FAST_LIST
    if tuple in sequences:
        flags |= FAST_TUPLE
    if set in sequences:
        flags |= FAST_SET
    if frozenset in sequences:
        flags |= FAST_FROZENSET
    if _deque in sequences:
        flags |= FAST_DEQUE
    # No Python code runs between these two stores, so another thread never sees a
    # token with the other token's flags.
    _flags = flags
    _flags_token = token
    return flags


cdef inline bint _returned_as_is(type kind):
    # PERF: the types an event is mostly made of, tested first, by identity.
    return kind is str or kind is int or kind is bool or kind is _NoneType or kind is float


cdef inline bint _plain_key(type kind):
    # cleaning.PLAIN_KEY_TYPES: keys whose hashing runs no user code.
    return kind is str or kind is int or kind is float or kind is bool or kind is _NoneType


def clean(object item):
    """``posthog.utils.clean(item)``: the same result, warnings and exceptions."""
    if not _fast_path_available or not _stack_has_headroom():
        return _posthog_clean(item)
    try:
        return _clean(item, 0, _current_flags(), _user_code_runs)
    except _NestedTooDeep:
        return _posthog_clean(item)


cdef object _clean(object item, int depth, int flags, unsigned long long started):
    global _user_code_runs
    cdef type kind = type(item)
    if _returned_as_is(kind):
        return item
    if (kind is dict or kind is list or kind is tuple or kind is set
            or kind is frozenset or kind is _deque_type):
        if depth >= _MAX_FAST_DEPTH:
            # See cleaning.MAX_FAST_DEPTH: restart in posthog while no user code ran.
            if _user_code_runs == started:
                raise _NestedTooDeep()
        elif kind is dict:
            if flags & FAST_DICT:
                return _clean_dict(<dict>item, depth + 1, flags, started)
        elif kind is list:
            if flags & FAST_LIST:
                return _clean_list(<list>item, depth + 1, flags, started)
        elif kind is tuple:
            if flags & FAST_TUPLE:
                return [_clean(element, depth + 1, flags, started) for element in <tuple>item]
        elif ((kind is set and flags & FAST_SET)
              or (kind is frozenset and flags & FAST_FROZENSET)
              or (kind is _deque_type and flags & FAST_DEQUE)):
            # Parity: a live iterator, as posthog's list comprehension uses (a set or
            # deque changed by user code meanwhile raises the same RuntimeError).
            return [_clean(element, depth + 1, flags, started) for element in iter(item)]
    elif kind is complex or kind is _datetime_type or kind is _date_type:
        return item
    _user_code_runs += 1
    return _posthog_clean(item)


cdef bint _all_returned_as_is(list items):
    # True when every element is one posthog returns as is (no user code can run).
    cdef Py_ssize_t index
    for index in range(PyList_GET_SIZE(items)):
        if not _returned_as_is(type(<object>PyList_GET_ITEM(items, index))):
            return False
    return True


cdef list _clean_list(list items, int depth, int flags, unsigned long long started):
    # PERF: a list of plain values (a frame's pre_context) is cleaned into an equal new
    # list with no user code run: a slice is that list, made in one step.
    if _all_returned_as_is(items):
        return PyList_GetSlice(items, 0, PyList_GET_SIZE(items))
    # Parity with a list iterator: the length is read again before every element, so
    # a list that user code grows or shrinks meanwhile is read as posthog reads it.
    cdef list cleaned = []
    cdef Py_ssize_t index = 0
    while index < PyList_GET_SIZE(items):
        element = <object>PyList_GET_ITEM(items, index)
        index += 1
        cleaned.append(_clean(element, depth, flags, started))
    return cleaned


# A dict copied with at most this many of its values replaced by list copies.
cdef enum:
    MAX_LIST_VALUES = 8


cdef object _shallow_copy(dict mapping, bint lists_fast):
    # PERF: the dict cleaned, or None when it is not of the shape this takes: every key
    # an exact str and every value one posthog returns as is, or (``lists_fast``) an
    # exact list of such values. Cleaned, such a dict is a copy (the same keys in the
    # same order) whose list values are new lists of the same elements, as posthog's
    # clean makes them; replacing an existing key's value moves no key. Only exact
    # types are read, and no code runs between the scan and the copy, so the keys kept
    # (borrowed from the dict) stay its own.
    cdef Py_ssize_t position = 0
    cdef PyObject *key_ref
    cdef PyObject *value_ref
    cdef PyObject *list_keys[MAX_LIST_VALUES]
    cdef PyObject *list_values[MAX_LIST_VALUES]
    cdef int lists = 0
    cdef int index
    while PyDict_Next(mapping, &position, &key_ref, &value_ref):
        if type(<object>key_ref) is not str:
            return None
        if _returned_as_is(type(<object>value_ref)):
            continue
        if (lists_fast and lists < MAX_LIST_VALUES and type(<object>value_ref) is list
                and _all_returned_as_is(<list>value_ref)):
            list_keys[lists] = key_ref
            list_values[lists] = value_ref
            lists += 1
            continue
        return None
    cdef dict cleaned = PyDict_Copy(mapping)
    for index in range(lists):
        cleaned[<object>list_keys[index]] = PyList_GetSlice(
            <object>list_values[index], 0, PyList_GET_SIZE(<object>list_values[index]))
    return cleaned


cdef dict _clean_dict(dict mapping, int depth, int flags, unsigned long long started):
    global _user_code_runs
    # PERF: a dict of str keys and plain values (a frame's code_variables, most of an
    # event) is cleaned into an equal dict in the same order, with no user code run
    # (a str key hashes from its cache): a copy is the same dict, made in one step.
    # With lists of plain values too (a serialized frame: its pre_context and
    # post_context), those lists are copied into the copy. Such a list is cleaned fast
    # only below the depth bound (see _clean), so deeper, the loop below decides.
    copied = _shallow_copy(mapping, (flags & FAST_LIST) != 0 and depth < _MAX_FAST_DEPTH)
    if copied is not None:
        return <dict>copied
    # Parity with posthog's _clean_dict: a fresh dict filled in the source's order (the
    # same key hashing), a value whose cleaning raises TypeError dropped with posthog's
    # warning, any other exception propagated.
    #
    # Parity with the `for k, v in dict_.items()` iterator posthog loops with, which
    # matters only when user code run by the cleaning changes this dict: the size is
    # compared before every step and an entry found past the expected count raises,
    # the two checks of CPython's dict iterator (3.10-3.13), whose position also moves
    # as PyDict_Next's does.
    cdef dict cleaned = {}
    cdef Py_ssize_t position = 0
    cdef PyObject *key_ref
    cdef PyObject *value_ref
    cdef Py_ssize_t size = PyDict_Size(mapping)
    cdef Py_ssize_t remaining = size
    while True:
        if PyDict_Size(mapping) != size:
            raise RuntimeError("dictionary changed size during iteration")
        if not PyDict_Next(mapping, &position, &key_ref, &value_ref):
            break
        if remaining == 0:
            raise RuntimeError("dictionary keys changed during iteration")
        remaining -= 1
        # Owned references from here on: user code may drop the dict's own.
        key = <object>key_ref
        value = <object>value_ref
        if type(key) is str and _returned_as_is(type(value)):
            # PERF: a str key hashes from its cache and a plain value is kept as it
            # is: nothing here can raise TypeError, so no try block is needed.
            cleaned[key] = value
            continue
        if not _plain_key(type(key)):
            _user_code_runs += 1
        try:
            cleaned[key] = _clean(value, depth, flags, started)
        except TypeError:
            _user_code_runs += 1
            _warn_dropped_value(key, value)
    return cleaned
