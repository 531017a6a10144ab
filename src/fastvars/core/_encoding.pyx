# cython: language_level=3
"""Compiled twin of encoding.py: one frame's locals into its wire dict.

Names are classified through the policy's name cache, split into scalars and the rest,
each group sorted by name in C; values are masked and encoded by _masking, charging the
shared Budget. A value the compiled walk hands over is encoded by encoding.encode_variable
with this Policy and Budget, so both engines charge one budget the same way.
"""

from cpython.dict cimport PyDict_Next
from cpython.tuple cimport PyTuple_GET_ITEM
from cpython.list cimport PyList_GET_ITEM
from cpython.object cimport PyObject
from cpython.ref cimport Py_INCREF, Py_DECREF
from cpython.mem cimport PyMem_Malloc, PyMem_Free
from cpython.long cimport PyLong_AsLongLongAndOverflow
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.unicode cimport PyUnicode_GET_LENGTH, PyUnicode_Substring
from libc.math cimport isfinite, isnan
from libc.stdlib cimport qsort

from ._json cimport float_repr_length, longlong_length
from cpython.weakref cimport PyWeakref_NewRef

cdef extern from "weakrefs.h":
    bint fv_weakref_is(object ref, object target) noexcept

from ._caches cimport Generations, cache_get
from ._policy cimport Policy, mask_string, note_foreign_call
from ._masking cimport masked_text, is_failed, class_read_is_plain
from ._typeprobes cimport is_scalar_kind

from . import encoding as _py
from ..constants import (
    IGNORE as _IGNORE,
    MASK as _MASK,
    MAX_VALUE_LENGTH as _MAX_VALUE_LENGTH,
    REDACTED as _REDACTED,
    TOTAL_SIZE_BUDGET as _TOTAL_SIZE_BUDGET,
)

cdef extern from "Python.h":
    # Unlike PyDict_GetItem, no save and restore of the exception state on every probe:
    # an exact str key cannot raise (str's own hash and comparison).
    PyObject *PyDict_GetItemWithError(object d, object k) except? NULL

cdef extern from *:
    """
    typedef struct {
        PyObject *name;
        PyObject *value;
        int bits;
        int scalar;
        Py_ssize_t rank;
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
        Py_ssize_t rank
    int fv_entry_cmp(const void *x, const void *y) noexcept nogil

cdef int IGNORE = _IGNORE
cdef int MASK = _MASK
cdef Py_ssize_t MAX_VALUE_LENGTH = _MAX_VALUE_LENGTH
cdef str REDACTED = _REDACTED
cdef Py_ssize_t REDACTED_SIZE = len(_REDACTED)
cdef object py_encode_variable = _py.encode_variable
cdef object py_encode_failed = _py.encode_failed
cdef object py_encode_masked = _py.encode_masked
cdef object py_is_scalar = _py.is_scalar

cdef enum:
    INLINE_ENTRIES = 64
    INLINE_SLOTS = 128


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
    elif not policy.inert and not is_scalar_kind(value) and class_read_is_plain(value):
        text = masked_text(policy, value)
        if type(text) is str:
            return cut_and_charge(text, budget)
        if is_failed(text):
            # Where the twin's walk raises: its fallback, without walking again.
            note_foreign_call()
            return py_encode_failed(value, policy, budget)
        if text is not None:
            # A str subclass (a __repr__'s): the twin encodes it with its own len().
            note_foreign_call()
            try:
                return py_encode_masked(text, policy, budget)
            except Exception:
                return py_encode_failed(value, policy, budget)
    note_foreign_call()
    return py_encode_variable(value, policy, budget)


cdef class KeyOrder:
    """The names of a frame's locals dict in the order it lists them, with their table
    entries: frames of one function list the same interned names in the same order, so
    a name is matched by address at its position instead of by a hash probe."""
    cdef tuple names
    cdef long *packed
    cdef Py_ssize_t n

    def __dealloc__(self):
        PyMem_Free(self.packed)


cdef KeyOrder learn_order(list names, dict table):
    """The order of these names (a frame's locals, as it lists them), every one of them
    being in the table."""
    cdef KeyOrder order = KeyOrder.__new__(KeyOrder)
    cdef Py_ssize_t i, n = len(names)
    order.packed = <long *>PyMem_Malloc(max(n, 1) * sizeof(long))
    if order.packed == NULL:
        raise MemoryError()
    for i in range(n):
        order.packed[i] = <long>(<object>table[names[i]])
    order.names = tuple(names)
    order.n = n
    return order


cdef class CodeTable:
    """For a function's code object: {local name: its bits | its rank in name order << 2},
    built once per matcher and code. A function's locals are drawn from these names, so
    its frames are ordered by rank, without comparing names."""
    # A weak reference: the code (and the constants it holds) is the user's, and is
    # never kept alive by being remembered. Its id is the cache key; the reference
    # tells whether the code at that id is still the one the table was built for.
    cdef object code_ref
    cdef dict table
    cdef KeyOrder order  # the last key order seen, or None


# Codes with more local names than this get no table (they are sorted by name
# instead): the cache is bounded in bytes as well as in entries.
cdef Py_ssize_t MAX_TABLE_NAMES = 1024


cdef CodeTable code_table(Policy policy, object code):
    """The code's table, None for code whose names are not all str."""
    cdef Generations codes = policy._codes
    # The table found last first (PERF: a stack's frames come in runs of one function,
    # a recursion or a chain of middleware; a hit skips making an int of the code's
    # address and the cache probe with it). It is checked as the cache's entries are,
    # by its weak reference to the code. A local reference: another thread may
    # replace it meanwhile.
    last = codes.last
    if last is not None and fv_weakref_is((<CodeTable>last).code_ref, code):
        return <CodeTable>last
    # Keyed by id: hashing a code object hashes its bytecode and constants every time.
    key = id(code)
    entry = cache_get(codes, key)
    if entry is not None and fv_weakref_is((<CodeTable>entry).code_ref, code):
        codes.last = entry
        return <CodeTable>entry
    try:
        names = code.co_varnames + code.co_cellvars + code.co_freevars
    except Exception:
        return None
    if type(names) is not tuple or len(<tuple>names) > MAX_TABLE_NAMES:
        return None
    for name in names:
        if type(name) is not str:
            return None
    try:
        code_ref = PyWeakref_NewRef(code, None)
    except TypeError:  # not a real code object: nothing to key a table on
        return None
    table = {}
    for rank, name in enumerate(sorted(set(names))):
        table[name] = policy.classify_c(name) | (rank << 2)
    cdef CodeTable found = CodeTable.__new__(CodeTable)
    found.code_ref = code_ref
    found.table = table
    found.order = None
    policy._codes.store(key, found)
    policy._codes.last = found
    return found


# ---------------------------------------------------------------- one frame's variables
# Three ways in, one per shape of a frame's locals: a dict ordered by its code's table
# (encode_locals), a dict ordered by name (encode_locals_by_name), and names and values
# as two lists (encode_local_lists). Each reads the variables into Entries, then has
# them ordered and encoded by emit_ranked or emit_by_name.

cdef struct Entries:
    # One frame's variables as read (owned references), not yet ordered or encoded; on
    # the C stack up to INLINE_ENTRIES (PERF: most frames have a few).
    fv_entry *at
    Py_ssize_t n          # kept (ignored names are dropped)
    Py_ssize_t capacity   # the number of variables the frame had when reading began
    Py_ssize_t read       # read so far, ignored ones included: a position in a KeyOrder
    fv_entry inline_entries[INLINE_ENTRIES]


cdef int entries_open(Entries *e, Py_ssize_t size) except -1:
    e.n = 0
    e.read = 0
    e.capacity = size
    e.at = e.inline_entries
    if size > INLINE_ENTRIES:
        e.at = <fv_entry *>PyMem_Malloc(size * sizeof(fv_entry))
        if e.at == NULL:
            e.at = e.inline_entries
            e.capacity = 0
            raise MemoryError()
    return 0


cdef void entries_close(Entries *e) noexcept:
    cdef Py_ssize_t i
    for i in range(e.n):
        Py_DECREF(<object>e.at[i].name)
        Py_DECREF(<object>e.at[i].value)
    e.n = 0
    if e.at != e.inline_entries:
        PyMem_Free(e.at)
        e.at = e.inline_entries


cdef inline int entries_room(Entries *e) except -1:
    """Before each variable read: the frame's locals did not grow meanwhile."""
    if e.n >= e.capacity:
        raise RuntimeError("fastvars: locals changed while being read")
    return 0


cdef int entry_add(Entries *e, PyObject *kp, PyObject *vp, long packed) except -1:
    """One variable read, its name's bits and rank packed as a code table holds them:
    dropped when ignored, else kept with whether it is a scalar."""
    e.read += 1
    cdef int bits = packed & 3
    if bits & IGNORE:
        return 0
    name = <object>kp
    value = <object>vp
    Py_INCREF(name)
    Py_INCREF(value)
    cdef fv_entry *entry = &e.at[e.n]
    entry.name = <PyObject *>name
    entry.value = <PyObject *>value
    entry.bits = bits
    entry.rank = packed >> 2
    if value is None or is_scalar_kind(value):
        entry.scalar = True
    elif class_read_is_plain(value):
        entry.scalar = False
    else:  # isinstance() runs its class's code: ask it as the twin does
        note_foreign_call()
        entry.scalar = py_is_scalar(value)
    e.n += 1
    return 0


cdef inline str checked_name(PyObject *kp):
    name = <object>kp
    if type(name) is not str:
        # As the Python twin: posthog fails on such a name (module globals can have any
        # key), so the capture is handed back.
        raise TypeError(f"local variable name is not a str: {type(name).__name__}")
    return <str>name


cdef long table_entry(dict table, PyObject *kp) except -2:
    """The name's packed entry in a code table; -1 for a name it does not list."""
    cdef PyObject *hit = PyDict_GetItemWithError(table, checked_name(kp))
    if hit == NULL:
        return -1
    return <long>(<object>hit)


cdef inline bint next_in_order(Entries *e, KeyOrder order, PyObject *kp) noexcept:
    """Whether this name is the one the last frame of this code listed here (PERF: a
    pointer comparison instead of a table probe)."""
    return e.read < order.n and kp == PyTuple_GET_ITEM(order.names, e.read)


cdef dict encode_locals(dict local_vars, Policy policy, Budget budget, object code):
    """encoding.encode_variables for a dict of locals (read here, never kept), ordered by
    its code's table; by name when the code has none, or a name is not the code's own."""
    cdef CodeTable codes = code_table(policy, code) if code is not None else None
    if codes is None:
        return encode_locals_by_name(local_vars, policy, budget)
    cdef Entries e
    cdef Py_ssize_t pos = 0, before
    cdef PyObject *kp
    cdef PyObject *vp
    cdef long packed
    # A local reference: another thread may replace the table's order meanwhile.
    cdef KeyOrder order = codes.order
    cdef bint in_order = order is not None and order.n == len(local_vars)
    entries_open(&e, len(local_vars))
    try:
        while True:
            before = pos
            if not PyDict_Next(local_vars, &pos, &kp, &vp):
                break
            entries_room(&e)
            if in_order and next_in_order(&e, order, kp):
                packed = order.packed[e.read]
            else:
                in_order = False
                packed = table_entry(codes.table, kp)
                if packed < 0:
                    # A name from elsewhere (f_locals written to): this one and the rest
                    # are classified by name, and all sorted by name.
                    read_by_name(&e, local_vars, before, policy)
                    return emit_by_name(&e, policy, budget)
            entry_add(&e, kp, vp, packed)
        return emit_ranked(&e, codes, in_order, local_vars, policy, budget)
    finally:
        entries_close(&e)


cdef dict encode_locals_by_name(dict local_vars, Policy policy, Budget budget):
    """encoding.encode_variables for a dict of locals, sorted by name."""
    cdef Entries e
    entries_open(&e, len(local_vars))
    try:
        read_by_name(&e, local_vars, 0, policy)
        return emit_by_name(&e, policy, budget)
    finally:
        entries_close(&e)


cdef object encode_local_lists(list names, list values, Policy policy, Budget budget,
                               object code):
    """The same for a frame's locals given as its names and their values, in the order
    the frame lists them (3.13's FrameLocalsProxy keys() and values(): two lists, where
    items() would make a tuple for each variable and a dict copy a table of them). None
    when they are not all the function's own distinct names (f_locals written to): the
    caller then encodes a dict of them, which settles a repeated name as a copy does."""
    cdef Py_ssize_t size = len(names), pos
    if len(values) != size:
        return None
    cdef CodeTable codes = code_table(policy, code) if code is not None else None
    if codes is None:
        return None
    cdef Entries e
    cdef PyObject *kp
    cdef long packed
    cdef KeyOrder order = codes.order  # (a local reference, as above)
    cdef bint in_order = order is not None and order.n == size
    entries_open(&e, size)
    try:
        for pos in range(size):
            kp = PyList_GET_ITEM(names, pos)
            entries_room(&e)
            if in_order and next_in_order(&e, order, kp):
                packed = order.packed[e.read]
            else:
                in_order = False
                packed = table_entry(codes.table, kp)
                if packed < 0:
                    return None  # a name from elsewhere: the dict decides
            entry_add(&e, kp, PyList_GET_ITEM(values, pos), packed)
        return emit_ranked(&e, codes, in_order, names, policy, budget)
    finally:
        entries_close(&e)


cdef int read_by_name(Entries *e, dict local_vars, Py_ssize_t pos, Policy policy) except -1:
    """The dict's variables from position `pos` on, each name classified by the policy."""
    cdef PyObject *kp
    cdef PyObject *vp
    while PyDict_Next(local_vars, &pos, &kp, &vp):
        entries_room(e)
        entry_add(e, kp, vp, policy.classify_c(checked_name(kp)))
    return 0


cdef object emit_ranked(Entries *e, CodeTable codes, bint in_order, object listed,
                        Policy policy, Budget budget):
    """The variables encoded in their table's rank order (a counting sort: scalars
    first, then the rest, each by name); None for a name listed twice (only lists can
    list one twice: the dict decides). The order they were read in (`listed`, a list of
    names or the dict) is remembered for the next frame of this code."""
    cdef Py_ssize_t inline_slots[INLINE_SLOTS]
    cdef Py_ssize_t *slots = &inline_slots[0]
    cdef Py_ssize_t i, j, m = len(codes.table)
    cdef dict result = {}
    if m > INLINE_SLOTS:
        slots = <Py_ssize_t *>PyMem_Malloc(m * sizeof(Py_ssize_t))
        if slots == NULL:
            raise MemoryError()
    try:
        for j in range(m):
            slots[j] = -1
        for i in range(e.n):
            if slots[e.at[i].rank] >= 0:
                return None
            slots[e.at[i].rank] = i
        if not in_order and e.capacity:
            codes.order = learn_order(
                <list>listed if type(listed) is list else list(listed), codes.table)
        for i in (1, 0):  # scalars, then the rest
            for j in range(m):
                if slots[j] >= 0 and e.at[slots[j]].scalar == i:
                    if not emit_entry(&e.at[slots[j]], result, policy, budget):
                        return result
        return result
    finally:
        if slots != &inline_slots[0]:
            PyMem_Free(slots)


cdef dict emit_by_name(Entries *e, Policy policy, Budget budget):
    """The variables encoded sorted by name, scalars first."""
    cdef Py_ssize_t i
    cdef dict result = {}
    qsort(e.at, e.n, sizeof(fv_entry), fv_entry_cmp)
    for i in range(e.n):
        if not emit_entry(&e.at[i], result, policy, budget):
            break
    return result


cdef bint emit_entry(fv_entry *entry, dict result, Policy policy, Budget budget) except -1:
    """One variable into the frame's dict; False once the budget is spent."""
    name = <object>entry.name
    if entry.bits & MASK:  # the value is never read
        if not budget.take_c(REDACTED_SIZE):
            return False
        result[name] = REDACTED
        return True
    encoded = encode_value(policy, budget, <object>entry.value)
    if encoded is None:
        return False
    result[name] = encoded
    return True
