# cython: language_level=3
"""Compiled twin of masking.py for the values that fill real frames.

The walk masks and encodes in one pass: a container's JSON text is written straight
into a C buffer (see _json.pxd), never built as Python objects first. It follows
masking.Walk decision for decision for exact str, int, bool, None, float, dict,
list, tuple, namedtuples and plain objects.

Anything else is handed to the Python twin at the point where the twin's own walk would
be, with the walk's visited set: a subclass value (before the walk touches it), or the
body of a mapping with keys that are not native JSON keys (tuples, objects: the twin
probes their text). The twin's masked result is then written as json.dumps writes it;
a part whose encoding runs code (a list subclass's __iter__, json's `default` for a
leaf) is encoded by json.dumps itself at the end of the walk, in order, as the twin's
single json.dumps of the whole value would.

User code runs at most once per capture, in the twin's order (parity with posthog):
once the walk has called any (a __repr__, a property, a __len__ through the twin...),
it never hands the whole variable over again. What user code already computed is
handed on instead (a repr's text, an object's __dict__), and where the twin's walk
raises (a hostile __len__, a dict changing size under its loop), the walk stops and
the variable is encoded as the twin encodes a failed one (Walk.failed, FAIL), without
walking it again. BAIL, the whole variable handed over, remains only for what the walk
meets before running any user code of the variable (late_handovers counts any other).
"""

from cpython.dict cimport PyDict_Next, PyDict_Copy
from cpython.object cimport PyObject, PyObject_RichCompareBool, Py_EQ, PyObject_Hash
from cpython.ref cimport Py_INCREF, Py_DECREF, Py_XDECREF
from cpython.long cimport PyLong_AsLongLongAndOverflow, PyLong_FromVoidPtr
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.unicode cimport (
    PyUnicode_GET_LENGTH, PyUnicode_KIND, PyUnicode_1BYTE_DATA, PyUnicode_Compare,
)
from cpython.type cimport PyType_Check
from cpython.dict cimport PyDict_Check
from cpython.list cimport PyList_Check
from libc.math cimport isfinite, isnan

cdef extern from "Python.h":
    # No save/restore of the exception state per probe, unlike PyDict_GetItem; an exact
    # str key cannot raise (str's own hash and comparison).
    PyObject *PyDict_GetItemWithError(object d, object k) except? NULL

from ._json cimport (
    Out, out_init, out_free, out_write, out_char, out_pair, emit_str, emit_float, emit_int,
    emit_key, emit_masked, json_is_native, out_text_cut,
)
from ._policy cimport (
    Policy, address_find, mask_string, note_foreign_call, foreign_calls, KEY_CACHE_MAX_LENGTH,
    MAX_MEMBER_NAMES_LENGTH,
)
from ._caches cimport Generations, cache_get
from ._secret_detection cimport looks_like_secret
from ._credentials cimport redact_embedded_credentials
from ._typeprobes cimport (
    is_scalar_kind, fv_plain_getattr, fv_plain_tuple, fv_type_has, fv_defined_below_object,
    fv_standard_getattro, fv_class_attribute, fv_type_version,
)

import json as _json_module

from . import masking as _py
from ..constants import (
    CACHE_GENERATION as _CACHE_GENERATION,
    CIRCULAR as _CIRCULAR,
    MAX_DEPTH as _MAX_DEPTH,
    MAX_ITEMS as _MAX_ITEMS,
    MAX_NODES as _MAX_NODES,
    MAX_SCAN_LENGTH as _MAX_SCAN_LENGTH,
    REDACTED as _REDACTED,
    REDACTED_KEY_FORMAT as _REDACTED_KEY_FORMAT,
    TOO_LONG as _TOO_LONG,
)

cdef enum:
    MAX_SEEN_INLINE = 128
    MAX_KEYS = 64

cdef Py_ssize_t MAX_DEPTH = _MAX_DEPTH
cdef Py_ssize_t MAX_ITEMS = _MAX_ITEMS
cdef Py_ssize_t MAX_NODES = _MAX_NODES
cdef Py_ssize_t MAX_SCAN_LENGTH = _MAX_SCAN_LENGTH
assert MAX_ITEMS + 2 <= MAX_KEYS and MAX_NODES + 1 <= MAX_SEEN_INLINE

cdef str REDACTED = _REDACTED
# Its JSON text, written as is: the most frequent leaf in masked containers.
cdef bytes REDACTED_JSON = _json_module.dumps(_REDACTED).encode("ascii")
cdef str TOO_LONG = _TOO_LONG
cdef str CIRCULAR = _CIRCULAR
cdef str CLASS_KEY = "__class__"
cdef str DATACLASS_FIELDS = "__dataclass_fields__"
cdef tuple PLACEHOLDERS = tuple(_REDACTED_KEY_FORMAT.format(n) for n in range(MAX_KEYS))
# Returned by the walk to hand a variable to the Python twin (before its user code ran),
# and to stop a walk that failed (Walk.failed).
cdef object BAIL = object()
# masked_text's answer for a variable whose walk failed where the twin's raises.
cdef object FAIL = object()
# A mark where json.dumps of the twin's masked value raises (a NaN, an int past the
# str-conversion limit): the variable fails once the walk is done.
cdef object JSON_FAILS = object()
# Times the whole variable was handed over after user code had run (see the top).
cdef Py_ssize_t late_handovers = 0

cdef object py_object_attributes = _py.object_attributes
cdef object py_attributes_from = _py.attributes_from
cdef object py_checked_repr = _py.checked_repr
cdef object py_check_repr_text = _py.check_repr_text
# The Python twin's walk, continued where this one hands a part over: Walk(policy, seen).
cdef object PyWalk = _py.Walk
cdef object py_sensitive_type_members = _py.sensitive_type_members
cdef object py_field_name = _py._FIELD_NAME.fullmatch

# ---------------------------------------------------------------- the visited set

cdef struct Seen:
    # masking's `seen` set for one variable's walk: the ids (addresses) visited. The
    # first ones live in a C array; any more (it keeps growing past MAX_NODES: each later
    # node is added, then marked too long), or whatever the Python twin added while a
    # part of the walk was handed to it (key-probe tags included), in a Python set.
    Py_ssize_t n          # total entries: len(seen)
    Py_ssize_t n_inline
    PyObject *extra
    void *ids[MAX_SEEN_INLINE]


cdef struct Walk:
    # One variable's walk, as masking.Walk: everything every step of it reads or adds
    # to, in one place instead of threaded through each call. On the C stack (PERF: a
    # capture walks many small variables; no allocation per walk).
    PyObject *policy  # borrowed: masked_text's caller holds the Policy for the walk
    Out out           # the JSON text written so far
    Seen seen
    # The Python twin's walk raises here (user code failed, a dict changed size): the
    # walk stops and the variable is encoded as a failed one.
    bint failed
    # [(offset, masked part)]: parts json.dumps encodes at the end of the walk (their
    # encoding runs code), or JSON_FAILS where json.dumps raises; NULL while none.
    PyObject *marks


cdef inline void walk_init(Walk *w, Policy policy) noexcept:
    w.policy = <PyObject *>policy
    out_init(&w.out)
    w.seen.n = 0
    w.seen.n_inline = 0
    w.seen.extra = NULL
    w.failed = False
    w.marks = NULL


cdef inline void walk_free(Walk *w) noexcept:
    out_free(&w.out)
    Py_XDECREF(w.seen.extra)
    w.seen.extra = NULL
    Py_XDECREF(w.marks)
    w.marks = NULL


cdef int mark(Walk *w, Py_ssize_t offset, object part) except -1:
    """Leave `part` (or JSON_FAILS) for the end of the walk, at this offset of the text."""
    if w.marks == NULL:
        marks = []
        Py_INCREF(marks)
        w.marks = <PyObject *>marks
    (<list>w.marks).append((offset, part))
    return 0


cdef set seen_extra(Seen *s):
    if s.extra == NULL:
        extra = set()
        Py_INCREF(extra)
        s.extra = <PyObject *>extra
    return <set>s.extra


cdef int seen_add(Seen *s, object value) except -1:
    """Add the id; 1 if it was there already."""
    cdef void *oid = <void *>value
    cdef Py_ssize_t i
    for i in range(s.n_inline):
        if s.ids[i] == oid:
            return 1
    if s.extra != NULL and id(value) in <set>s.extra:
        return 1
    if s.n_inline < MAX_SEEN_INLINE:
        s.ids[s.n_inline] = oid
        s.n_inline += 1
    else:
        seen_extra(s).add(id(value))
    s.n += 1
    return 0


cdef set seen_export(Seen *s):
    """The walk's visited set as the Python twin's `seen`; take it back with seen_import."""
    cdef Py_ssize_t i
    out = set(<set>s.extra) if s.extra != NULL else set()
    for i in range(s.n_inline):
        out.add(PyLong_FromVoidPtr(s.ids[i]))
    return out


cdef void seen_import(Seen *s, set visited) noexcept:
    Py_XDECREF(s.extra)
    Py_INCREF(visited)
    s.extra = <PyObject *>visited
    s.n_inline = 0
    s.n = len(visited)


# ---------------------------------------------------------------- mapping keys

cdef struct Keys:
    # The keys already in one masked mapping (owned references), for `key in result`.
    # Distinct source keys shown as themselves cannot collide with each other, only
    # with a key that was rewritten or replaced by a placeholder: until one of those
    # is written, a key shown as itself needs no check.
    Py_ssize_t n
    Py_ssize_t transformed  # keys written that are not their source key
    bint unique_sources     # the source keys are distinct (a dict's keys)
    # An object's or namedtuple's mapping, closed by its class: where the value of a
    # "__class__" key of its own lies in the text (class_start < 0: none), for the
    # class name to replace it, as the twin's `masked["__class__"] = ...` does.
    bint owned
    Py_ssize_t class_start
    Py_ssize_t class_end
    PyObject *keys[MAX_KEYS]


cdef inline void keys_init(Keys *k, bint unique_sources, bint owned) noexcept:
    k.n = 0
    k.transformed = 0
    k.unique_sources = unique_sources
    k.owned = owned
    k.class_start = -1
    k.class_end = -1


cdef void keys_free(Keys *k) noexcept:
    cdef Py_ssize_t i
    for i in range(k.n):
        Py_DECREF(<object>k.keys[i])
    k.n = 0


cdef int keys_has(Keys *k, object key) except -1:
    cdef Py_hash_t h = PyObject_Hash(key)
    cdef Py_ssize_t i
    for i in range(k.n):
        if k.keys[i] == <PyObject *>key:
            return 1
        if PyObject_Hash(<object>k.keys[i]) == h and PyObject_RichCompareBool(
                <object>k.keys[i], key, Py_EQ):
            return 1
    return 0


cdef int keys_add(Keys *k, object key, bint transformed) except -1:
    if k.n >= MAX_KEYS:
        raise RuntimeError("fastvars: too many keys in one mapping")
    Py_INCREF(key)
    k.keys[k.n] = <PyObject *>key
    k.n += 1
    k.transformed += transformed
    return 0


cdef inline bint needs_key_check(Keys *k) noexcept:
    """Whether a key shown as itself must still be checked against those written."""
    return k.transformed or not k.unique_sources


cdef str placeholder_key(Keys *k):
    """masking.placeholder_key: the first numbered placeholder not used yet."""
    cdef Py_ssize_t n = 0
    while True:
        key = PLACEHOLDERS[n] if n < MAX_KEYS else _REDACTED_KEY_FORMAT.format(n)
        if not keys_has(k, key):
            return key
        n += 1


cdef bint names_a_field(str key) except -1:
    """Whether a masked str key looks like a field name: [\\w.\\-]+ in full."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(key), i
    cdef const unsigned char *s
    cdef unsigned char c
    if n == 0:
        return False
    if PyUnicode_KIND(key) != 1:
        return py_field_name(key) is not None
    s = PyUnicode_1BYTE_DATA(key)
    for i in range(n):
        c = s[i]
        if c >= 0x80:
            return py_field_name(key) is not None
        if not (b'a' <= c <= b'z' or b'A' <= c <= b'Z' or b'0' <= c <= b'9'
                or c == b'_' or c == b'.' or c == b'-'):
            return False
    return True


cdef enum:
    KEY_MASKED = 1  # its value is redacted
    KEY_HIDDEN = 2  # shown as a placeholder (masked and no field name, or secret-looking)
    KEY_KEPT = 4    # shown as it is (credentials rewriting leaves it unchanged)


cdef int key_decision(Policy p, str key_text, bint is_str) except -1:
    """masking.Walk._output_key's decisions on a key text, cached for short str keys."""
    cdef bint cacheable = is_str and PyUnicode_GET_LENGTH(key_text) <= KEY_CACHE_MAX_LENGTH
    if cacheable:
        hit = cache_get(p._keys, key_text)
        if hit is not None:
            return hit
    cdef int decision = 0
    if p.mask_matches_c(key_text):
        decision = KEY_MASKED
    if (decision and is_str and not names_a_field(key_text)) or (
            p.secrets and looks_like_secret(key_text)):
        decision |= KEY_HIDDEN
    elif is_str and redact_embedded_credentials(key_text, p.url) is key_text:
        decision |= KEY_KEPT
    if cacheable and (decision & (KEY_HIDDEN | KEY_KEPT)):
        p._keys.store(key_text, decision)
    return decision


cdef bytes key_json(str key):
    """`"key": ` as written before a value."""
    cdef Out o
    out_init(&o)
    try:
        emit_str(&o, key)
        out_pair(&o, b':', b' ')
        return o.buf[:o.len]
    finally:
        out_free(&o)


cdef object map_item(Walk *w, Keys *k, object key, object value, int depth):
    """One (key, value) of masking.Walk.mapping, written as `"key": value`."""
    cdef Policy p = <Policy>w.policy
    cdef Out *o = &w.out
    cdef object kt = type(key)
    cdef str key_text
    cdef int overflow
    cdef bint is_str = kt is str
    cdef Py_ssize_t slot
    cdef int known
    if is_str:
        slot = address_find(p._key_addresses, key)
        if slot >= 0 and not needs_key_check(k):
            # Decided before and shown as itself: its text is ready.
            known = p._key_addresses.values[slot]
            text = <bytes>p._key_addresses.texts[slot]  # never NULL for a key
            if k.n:
                out_pair(o, b',', b' ')
            keys_add(k, key, False)
            out_write(o, text, len(text))
            if k.owned and is_class_key(k, key):
                return class_entry(w, k, known & KEY_MASKED, value, depth)
            if known & KEY_MASKED:
                out_write(o, REDACTED_JSON, len(REDACTED_JSON))
                return None
            return item(w, value, depth + 1)
        key_text = key
    elif key is True:
        key_text = "True"
    elif key is False:
        key_text = "False"
    elif key is None:
        key_text = "None"
    elif kt is int:
        PyLong_AsLongLongAndOverflow(key, &overflow)
        if overflow:
            return BAIL  # str() of a huge int may raise; leave it to the Python twin
        key_text = str(key)
    elif kt is float:
        if not isfinite(PyFloat_AS_DOUBLE(key)):
            return BAIL  # not a native JSON key: its text goes through a key probe
        key_text = repr(key)
    else:
        return BAIL
    if k.n:
        out_pair(o, b',', b' ')
    if PyUnicode_GET_LENGTH(key_text) > MAX_SCAN_LENGTH:
        out_key = placeholder_key(k)
        keys_add(k, out_key, True)
        emit_str(o, out_key)
        out_pair(o, b':', b' ')
        emit_str(o, TOO_LONG)
        return None
    cdef bint key_masked
    cdef int decision = key_decision(p, key_text, is_str)
    key_masked = decision & KEY_MASKED
    if decision & KEY_HIDDEN:
        out_key = placeholder_key(k)
    elif is_str and not (decision & KEY_KEPT):
        out_key = redact_embedded_credentials(key_text, p.url)
    else:
        out_key = key
    if (out_key is not key or needs_key_check(k)) and keys_has(k, out_key):
        out_key = placeholder_key(k)
    keys_add(k, out_key, out_key is not key)
    if out_key is key and is_str and PyUnicode_GET_LENGTH(key_text) <= KEY_CACHE_MAX_LENGTH:
        p._key_addresses.store(key, decision, key_json(key))
    emit_key(o, out_key, key_text)
    out_pair(o, b':', b' ')
    if k.owned and out_key is key and is_str and is_class_key(k, key):
        return class_entry(w, k, key_masked, value, depth)
    if key_masked:
        out_write(o, REDACTED_JSON, len(REDACTED_JSON))
        return None
    return item(w, value, depth + 1)


cdef inline bint is_class_key(Keys *k, str key) noexcept:
    """A key shown as itself that is "__class__" (its value is replaced at the close)."""
    return (PyUnicode_GET_LENGTH(key) == 9 and k.class_start < 0
            and PyUnicode_Compare(key, CLASS_KEY) == 0)


cdef object class_entry(Walk *w, Keys *k, bint key_masked, object value, int depth):
    """The value of an owned mapping's own "__class__" key, walked and written as any
    other (the twin walks it before replacing it), where its text lies noted."""
    cdef Out *o = &w.out
    k.class_start = o.len
    if key_masked:
        out_write(o, REDACTED_JSON, len(REDACTED_JSON))
        r = None
    else:
        r = item(w, value, depth + 1)
    k.class_end = o.len
    return r


cdef object close_with_class(Walk *w, Keys *k, object value):
    """masking._with_class: the `__class__` entry, last, or in place of the value of a
    "__class__" key the mapping has (the twin's `masked["__class__"] = name`)."""
    cdef Out *o = &w.out
    name = type_name(value)
    if keys_has(k, CLASS_KEY):
        if k.class_start < 0:
            return BAIL
        replace_text(w, k.class_start, k.class_end, name)
        out_char(o, b'}')
        return None
    if k.n:
        out_pair(o, b',', b' ')
    out_write(o, b'"__class__": ', 13)
    emit_name(w, name)
    out_char(o, b'}')
    return None


cdef int emit_name(Walk *w, object name) except -1:
    """A class name (a metaclass may make __qualname__ anything) as json.dumps writes it."""
    cdef Out *o = &w.out
    if type(name) is str:
        return emit_str(o, <str>name)
    return emit_handed(w, name)


cdef int replace_text(Walk *w, Py_ssize_t start, Py_ssize_t end, object name) except -1:
    """The text from start to end (a value, with the parts it left for the end of the
    walk) replaced by the class name; what follows it, and its marks, moved."""
    cdef Out *o = &w.out
    tail = o.buf[end:o.len]
    later = []
    if w.marks != NULL:
        kept = []
        for entry in <list>w.marks:
            offset = (<tuple>entry)[0]
            if offset < start:
                kept.append(entry)
            elif offset > end:
                later.append((offset - end, (<tuple>entry)[1]))
        Py_XDECREF(w.marks)
        Py_INCREF(kept)
        w.marks = <PyObject *>kept
    o.len = start
    emit_name(w, name)
    cdef Py_ssize_t new_end = o.len
    out_write(o, tail, len(tail))
    for offset, part in later:
        mark(w, new_end + <Py_ssize_t>offset, part)
    return 0


cdef extern from *:
    """
    /* type(value).__qualname__ for a class whose metaclass is `type` itself: the
       getter that attribute read reaches (type's own __qualname__ descriptor, which
       a class cannot shadow), called directly from 3.11 on (PERF: no attribute
       lookup through the metaclass's and the class's MROs). NULL before 3.11. */
    static PyObject *fv_plain_qualname(PyObject *tp) {
    #if PY_VERSION_HEX >= 0x030B0000
        return PyType_GetQualName((PyTypeObject *)tp);
    #else
        (void)tp;
        PyErr_SetString(PyExc_NotImplementedError, "PyType_GetQualName");
        return NULL;
    #endif
    }
    """
    object fv_plain_qualname(object tp)
    const int FV_HAS_QUALNAME_GETTER "(PY_VERSION_HEX >= 0x030B0000)"


cdef object type_name(object value):
    tp = type(value)
    if type(tp) is not type:
        note_foreign_call()  # a metaclass may compute __qualname__
    elif FV_HAS_QUALNAME_GETTER:
        try:
            return fv_plain_qualname(tp)
        except Exception:
            return "unknown"
    try:
        return tp.__qualname__
    except Exception:
        return "unknown"


# ---------------------------------------------------------------- the walk

cdef object item(Walk *w, object value, int depth):
    """masking.Walk.value for a value inside a container, written as JSON."""
    cdef Out *o = &w.out
    cdef object t = type(value)
    cdef double d
    if t is str:
        text = mask_string(<Policy>w.policy, value)
        if text is REDACTED:
            out_write(o, REDACTED_JSON, len(REDACTED_JSON))
        else:
            emit_str(o, text)
        return None
    if t is int:
        if emit_int(o, value):
            mark(w, o.len, JSON_FAILS)
        return None
    if value is True:
        out_write(o, b"true", 4)
        return None
    if value is False:
        out_write(o, b"false", 5)
        return None
    if value is None:
        out_write(o, b"null", 4)
        return None
    if t is float:
        d = PyFloat_AS_DOUBLE(value)
        if isfinite(d):
            emit_float(o, d)
        else:
            emit_str(o, "nan" if isnan(d) else ("inf" if d > 0 else "-inf"))
        return None
    if is_scalar_kind(value):
        # Subclasses of the scalars: never containers, so no visited set involved.
        note_foreign_call()
        try:
            masked = PyWalk(<Policy>w.policy, None).value(value, depth)
        except Exception:
            w.failed = True
            return BAIL
        emit_handed(w, masked)
        return None
    r = node(w, value, depth)
    if r is None or r is BAIL:
        return r
    emit_str(o, <str>r)
    return None


cdef object node(Walk *w, object value, int depth):
    """masking.Walk._node: a container's JSON is written and None returned; a leaf result
    (too long, circular, a checked repr) is returned as a str, not written; or BAIL."""
    cdef object t = type(value)
    fields = None
    if t is not dict and t is not list and t is not tuple:
        if PyDict_Check(value) or PyList_Check(value) or class_traits(t) & TRAIT_ODD_CLASS_READ:
            return delegate_value(w, value, depth)
        if isinstance(value, tuple):
            fields = namedtuple_fields(value)
            if fields is None:
                return delegate_value(w, value, depth)
    if depth >= MAX_DEPTH:
        return TOO_LONG
    if seen_add(&w.seen, value):
        return CIRCULAR
    if w.seen.n > MAX_NODES:
        return TOO_LONG
    if t is dict:
        if len(<dict>value) > MAX_ITEMS:
            return TOO_LONG
        return mapping(w, <dict>value, depth, None)
    if t is list or t is tuple:
        if len(value) > MAX_ITEMS:
            return TOO_LONG
        return sequence(w, value, depth)
    if fields is not None:
        return named_tuple(w, value, <tuple>fields, depth)
    return plain_object(w, value, depth)


cdef object namedtuple_fields(object value):
    """The `_fields` of a namedtuple the walk can read as a tuple, else None."""
    if not fv_plain_tuple(value):
        return None
    declared = <object>fv_class_attribute(type(value), FIELDS)
    if declared is not None and type(declared) is not tuple:
        # A descriptor (a property...) would run code: the twin reads it, untouched.
        return None
    try:
        # The instance's own dict, or the class's tuple: no code runs.
        fields = value._fields
    except Exception:
        return None
    return fields if type(fields) is tuple else None


# ---------------------------------------------------------------- handing parts over
# A part the walk does not handle natively goes to the Python twin with the walk's
# visited set, exactly where the twin would be in its own walk, and its masked result
# is written here as json.dumps writes it.

cdef object delegate_value(Walk *w, object value, int depth):
    """masking.Walk.value for one value, before the walk has touched it."""
    visited = seen_export(&w.seen)
    note_foreign_call()
    try:
        masked = PyWalk(<Policy>w.policy, visited).value(value, depth)
    except Exception:
        # (a hostile __len__, say): the twin's walk of the whole variable raises here
        w.failed = True
        return BAIL
    seen_import(&w.seen, visited)
    if isinstance(masked, str):
        return masked  # a leaf, as node() returns them
    emit_handed(w, masked)
    return None


cdef object delegate_mapping(Walk *w, object items, int depth, object owner):
    """masking.Walk.mapping (and _with_class) for a mapping with keys the walk does not
    handle natively (tuples, objects: the twin probes their text)."""
    visited = seen_export(&w.seen)
    note_foreign_call()
    try:
        masked = PyWalk(<Policy>w.policy, visited).mapping(items, depth)
    except Exception:
        w.failed = True
        return BAIL
    seen_import(&w.seen, visited)
    if owner is not None:
        masked[CLASS_KEY] = type_name(owner)
    emit_handed(w, masked)
    return None


cdef int emit_handed(Walk *w, object masked) except -1:
    """The twin's masked result for a part, as json.dumps writes it: now when that runs
    no code, else at the end of the walk (see finish_marked)."""
    cdef Out *o = &w.out
    cdef Py_ssize_t start = o.len
    if not json_is_native(masked):
        return mark(w, start, masked)
    if emit_masked(o, masked):
        o.len = start
        mark(w, start, JSON_FAILS)
    return 0


cdef bint native_key(object key) except -1:
    cdef object kt = type(key)
    cdef int overflow
    if kt is str or key is None or kt is bool:
        return True
    if kt is int:
        PyLong_AsLongLongAndOverflow(key, &overflow)
        return not overflow
    if kt is float:
        return isfinite(PyFloat_AS_DOUBLE(key))
    return False


cdef object sequence(Walk *w, object value, int depth):
    cdef Py_ssize_t i = 0
    cdef Out *o = &w.out
    out_char(o, b'[')
    # By index with the length read each time, as a list iterator does: a __repr__
    # further on may change the list.
    while i < len(value):
        if i:
            out_pair(o, b',', b' ')
        if item(w, value[i], depth + 1) is BAIL:
            return BAIL
        i += 1
    out_char(o, b']')
    return None


cdef object mapping(Walk *w, dict d, int depth, object owner):
    """masking.Walk.mapping over a dict's items; with `owner`, closed by its class."""
    cdef Out *o = &w.out
    cdef Keys k
    cdef Py_ssize_t pos = 0, size = len(d), walked = 0
    cdef PyObject *kp
    cdef PyObject *vp
    while PyDict_Next(d, &pos, &kp, &vp):
        if not native_key(<object>kp):
            return delegate_mapping(w, d.items(), depth, owner)
    pos = 0
    keys_init(&k, True, owner is not None)
    try:
        out_char(o, b'{')
        while PyDict_Next(d, &pos, &kp, &vp):
            if walked == size:
                # The twin's loop over items() raises "keys changed during iteration".
                w.failed = True
                return BAIL
            walked += 1
            key = <object>kp
            value = <object>vp
            if map_item(w, &k, key, value, depth) is BAIL:
                return BAIL
            if len(d) != size:
                # The twin's loop raises "changed size during iteration" (a __repr__
                # removed a key, say): the variable fails, as in posthog.
                w.failed = True
                return BAIL
        if owner is not None:
            return close_with_class(w, &k, owner)
        out_char(o, b'}')
        return None
    finally:
        keys_free(&k)


cdef object named_tuple(Walk *w, object value, tuple fields, int depth):
    cdef Out *o = &w.out
    if len(fields) > MAX_ITEMS:
        return TOO_LONG
    cdef Keys k
    cdef Py_ssize_t i, n = min(len(fields), len(<tuple>value))
    for i in range(n):
        if not native_key(fields[i]):
            return delegate_mapping(w, zip(fields, value), depth, value)
    keys_init(&k, False, True)  # a class's _fields may repeat a name
    try:
        out_char(o, b'{')
        for i in range(n):
            if map_item(w, &k, fields[i], (<tuple>value)[i], depth) is BAIL:
                return BAIL
        return close_with_class(w, &k, value)
    finally:
        keys_free(&k)


# ---------------------------------------------------------------- classes
# (Kept with the walk, its only owner, as every cache lives with its owner: _caches.pyx
# holds only the bounded map they are built from.)
#
# What the walk needs to know about a class, remembered under the version tag it had
# then: the MRO walks (class and metaclass) cost more than the rest of reading a small
# object. Only for classes whose metaclass is `type` itself, whose own dicts cannot
# change; CPython gives a class a new tag when it or any base changes, and never gives
# one tag to two classes. Keyed by the tag alone, so that no class is kept alive by
# being remembered (a freed class's entry is never matched again, and ages out).
cdef enum:
    TRAIT_DATACLASS = 1       # hasattr(cls, "__dataclass_fields__")
    TRAIT_ODD_CLASS_READ = 2  # reading __class__ may run its code (see below)
    TRAIT_ODD_DICT_READ = 4   # its __dict__ is not the standard descriptor

cdef Generations CLASS_TRAITS = Generations(_CACHE_GENERATION)
cdef str CLASS_ATTRIBUTE = "__class__"
cdef str GETATTRIBUTE = "__getattribute__"
cdef str DICT_ATTRIBUTE = "__dict__"
cdef str FIELDS = "_fields"
cdef object GETSET_DESCRIPTOR = type(type.__dict__["__dict__"])


# The last class asked about, by address and version tag: objects of one class come in
# runs (a frame's user object, then its attributes). No reference is held: a tag is
# never given to two classes, so a freed class's address cannot match with its tag.
cdef void *last_class = NULL
cdef unsigned int last_class_tag = 0
cdef int last_class_traits = 0


cdef int class_traits(object tp) except -1:
    global last_class, last_class_tag, last_class_traits
    cdef unsigned int tag = fv_type_version(tp) if type(tp) is type else 0
    if tag:
        if <void *>tp == last_class and tag == last_class_tag:
            return last_class_traits
        cached = cache_get(CLASS_TRAITS, tag)
        if cached is not None:
            last_class, last_class_tag = <void *>tp, tag
            last_class_traits = <long>cached
            return last_class_traits
    cdef int traits = 0
    if fv_type_has(tp, DATACLASS_FIELDS):
        traits |= TRAIT_DATACLASS
    # isinstance() reads `__class__` whenever the real type does not match, and the
    # Python twin (like posthog) asks isinstance() of every value many times: a class
    # that defines __class__ or __getattribute__ runs code there, so its instances go
    # to the twin whole.
    if fv_defined_below_object(tp, CLASS_ATTRIBUTE) or (
            not fv_standard_getattro(tp) and fv_defined_below_object(tp, GETATTRIBUTE)):
        traits |= TRAIT_ODD_CLASS_READ
    # An instance's __dict__ comes from a C getter, unless a class replaced it.
    descriptor = <object>fv_class_attribute(tp, DICT_ATTRIBUTE)
    if descriptor is not None and type(descriptor) is not GETSET_DESCRIPTOR:
        traits |= TRAIT_ODD_DICT_READ
    if tag and fv_type_version(tp) == tag:
        CLASS_TRAITS.store(tag, traits)
    return traits


cdef bint class_read_is_plain(object value) except -1:
    """Whether isinstance() can look at this value without running its class's code."""
    cdef object t = type(value)
    if t is dict or t is list or t is tuple:
        return True
    return not (class_traits(t) & TRAIT_ODD_CLASS_READ)


cdef object object_attributes(Walk *w, object value):
    """masking.object_attributes: a private dict copy, None, or BAIL (w.failed)."""
    if PyType_Check(value):
        return None
    cdef int traits = class_traits(type(value))
    if not fv_plain_getattr(value) or traits & TRAIT_DATACLASS:
        note_foreign_call()
        try:
            return py_object_attributes(value)
        except Exception:
            w.failed = True
            return BAIL
    if traits & TRAIT_ODD_DICT_READ:
        note_foreign_call()
    try:
        instance_dict = value.__dict__
    except Exception:
        return None
    if type(instance_dict) is dict:
        return PyDict_Copy(instance_dict) if instance_dict else None
    # The twin's rest of the steps (isinstance() reads its __class__, its truth and
    # dict() its own code), on the __dict__ already read.
    note_foreign_call()
    try:
        return py_attributes_from(instance_dict)
    except Exception:
        w.failed = True
        return BAIL


cdef object plain_object(Walk *w, object value, int depth):
    """masking.Walk._object."""
    cdef Policy p = <Policy>w.policy
    attributes = object_attributes(w, value)
    if attributes is BAIL:
        return BAIL
    if attributes is not None:
        if type(attributes) is not dict:
            return BAIL
        if len(<dict>attributes) > MAX_ITEMS:
            return TOO_LONG
        return mapping(w, <dict>attributes, depth, value)
    if p.has_mask:
        members = sensitive_type_members(w, value)
        if members is BAIL:
            return BAIL
        if members:
            if type(members) is not dict:
                return BAIL
            (<dict>members)[CLASS_KEY] = type_name(value)
            return redacted_members(w, <dict>members)
    return checked_repr(w, value)


cdef object sensitive_type_members(Walk *w, object value):
    """masking.sensitive_type_members, remembered per type under its version tag: CPython
    gives a type a new tag whenever it or any of its bases changes, so a remembered
    answer is used only while every class dict it was read from is unchanged. Keyed by
    the tag alone (no reference to the class; a tag is never reused), and only for a
    short list of names, so that the cache is bounded in bytes."""
    cdef Policy p = <Policy>w.policy
    tp = type(value)
    cdef unsigned int tag = fv_type_version(tp)
    cached = cache_get(p._members, tag) if tag else None
    if cached is not None:
        return dict.fromkeys(<tuple>cached, REDACTED)
    note_foreign_call()
    try:
        members = py_sensitive_type_members(value, p)
    except Exception:
        w.failed = True
        return BAIL
    if type(members) is dict and type(type(tp)) is type:
        tag = fv_type_version(tp)
        if tag and members_are_small(<dict>members):
            p._members.store(tag, tuple(members))
    return members


cdef bint members_are_small(dict members) except -1:
    """Whether member names may be remembered: exact str (a subclass instance is a
    user's object), and not many characters in all."""
    cdef Py_ssize_t total = 0
    for name in members:
        if type(name) is not str:
            return False
        total += PyUnicode_GET_LENGTH(<str>name)
    return total <= MAX_MEMBER_NAMES_LENGTH


cdef object redacted_members(Walk *w, dict members):
    cdef bint first = True
    cdef Out *o = &w.out
    out_char(o, b'{')
    for name, text in members.items():
        if not isinstance(name, str):
            return BAIL
        if not first:
            out_pair(o, b',', b' ')
        first = False
        emit_str(o, <str>name)
        out_pair(o, b':', b' ')
        emit_name(w, text)  # the marker, or the class name last
    out_char(o, b'}')
    return None


cdef object checked_repr(Walk *w, object value):
    """masking.checked_repr."""
    cdef Policy p = <Policy>w.policy
    note_foreign_call()
    try:
        text = repr(value)
    except Exception:
        name = type_name(value)
        if type(name) is str:
            return "<" + <str>name + ">"
        try:
            return "<" + name + ">"  # (a str subclass's __radd__ runs, as in the twin)
        except Exception:
            w.failed = True
            return BAIL
    if type(text) is not str:
        # A str subclass: the twin checks it (its own len() and lower() run), on the
        # text __repr__ already gave.
        try:
            return py_check_repr_text(text, p)
        except Exception:
            w.failed = True
            return BAIL
    if PyUnicode_GET_LENGTH(text) > MAX_SCAN_LENGTH or p.mask_matches_c(text):
        return REDACTED
    if p.secrets and looks_like_secret(text):
        return REDACTED
    return redact_embedded_credentials(text, p.url)


cdef object masked_text(Policy policy, object value):
    """The text of a container or object, masked: JSON text, or the leaf string it was
    replaced by, cut to the value length limit; None hands it to the Python twin."""
    global late_handovers
    cdef Walk w
    cdef unsigned long long calls_before = foreign_calls()
    walk_init(&w, policy)
    try:
        r = node(&w, value, 0)
        if w.failed:
            return FAIL
        if r is BAIL:
            if foreign_calls() != calls_before:
                late_handovers += 1
            return None
        if r is None:
            if w.marks != NULL:
                return finish_marked(&w)
            return out_text_cut(&w.out)
        return r
    finally:
        walk_free(&w)


cdef object finish_marked(Walk *w):
    """The text once the parts left for the end are encoded by json.dumps, in order, as
    the twin's json.dumps of the whole value encodes them; FAIL where it raises."""
    cdef Out whole
    cdef Out *o = &w.out
    cdef Py_ssize_t at = 0, offset
    policy = <Policy>w.policy
    note_foreign_call()

    def default(leaf):
        return py_checked_repr(leaf, policy)

    out_init(&whole)
    try:
        for entry in <list>w.marks:
            offset = (<tuple>entry)[0]
            part = (<tuple>entry)[1]
            out_write(&whole, o.buf + at, offset - at)
            at = offset
            if part is JSON_FAILS:
                return FAIL
            try:
                text = _json_module.dumps(part, default=default, allow_nan=False)
            except Exception:
                return FAIL
            encoded = (<str>text).encode("ascii")
            out_write(&whole, encoded, len(encoded))
        out_write(&whole, o.buf + at, o.len - at)
        return out_text_cut(&whole)
    finally:
        out_free(&whole)


cdef bint is_failed(object text) noexcept:
    return text is FAIL


def late_handovers_c():
    """For tests: how many variables were handed over whole after user code had run."""
    return late_handovers


def masked_text_c(Policy policy, value):
    """For tests: the compiled text of a non-scalar value, None when handed over, or
    the string "<failed>" where the twin's walk raises."""
    text = masked_text(policy, value)
    return "<failed>" if text is FAIL else text
