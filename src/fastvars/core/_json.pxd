from cpython.long cimport PyLong_AsLongLongAndOverflow

cdef extern from "intdigits.h":
    int fv_u64_digits(unsigned long long u) noexcept nogil
    void fv_write_u64_back(char *end, unsigned long long u) noexcept nogil

# A growable ASCII buffer and the JSON emitters that write into it. The JSON text that
# posthog stores is json.dumps(masked, allow_nan=False) with default separators and
# ensure_ascii, so it is pure ASCII: one byte per character, len(text) == byte count.

cdef struct Out:
    char *buf           # inline_buf until the text outgrows it, then heap memory
    Py_ssize_t len
    Py_ssize_t cap
    char inline_buf[1024]

cdef void out_init(Out *o) noexcept
cdef void out_free(Out *o) noexcept
cdef int out_grow(Out *o, Py_ssize_t extra) except -1
cdef int out_write(Out *o, const char *text, Py_ssize_t n) except -1
cdef int emit_str(Out *o, str text) except -1
cdef int emit_float(Out *o, double value) except -1
cdef Py_ssize_t float_repr_length(double value) except -1
cdef str out_text_cut(Out *o)

# Returned by the emitters of masked values where json.dumps would raise.
cdef enum:
    NOT_JSON = 1

cdef int emit_big_int(Out *o, object value) except -1
cdef int emit_key(Out *o, object key, str key_text) except -1
cdef bint json_is_native(object value) except -1
cdef int emit_masked(Out *o, object value) except -1

cdef inline int out_char(Out *o, char c) except -1:
    if o.len >= o.cap:
        out_grow(o, 1)
    o.buf[o.len] = c
    o.len += 1
    return 0


cdef inline int out_pair(Out *o, char a, char b) except -1:
    """Two characters (the separators ", " and ": "), without a call."""
    if o.len + 2 > o.cap:
        out_grow(o, 2)
    o.buf[o.len] = a
    o.buf[o.len + 1] = b
    o.len += 2
    return 0


# Inline here (PERF: the masking walk writes an int per list item, and a call across
# modules goes through a pointer that the C compiler cannot inline).
cdef inline Py_ssize_t longlong_length(long long value) noexcept:
    """The length of the decimal text of value."""
    cdef unsigned long long u = <unsigned long long>value
    if value < 0:
        return fv_u64_digits(0 - u) + 1
    return fv_u64_digits(u)


cdef inline int emit_longlong(Out *o, long long value) except -1:
    """value's decimal text, written straight into the buffer."""
    cdef unsigned long long u = <unsigned long long>value
    cdef Py_ssize_t n
    if value < 0:
        u = 0 - u
    n = fv_u64_digits(u) + (value < 0)
    if o.len + n > o.cap:
        out_grow(o, n)
    if value < 0:
        o.buf[o.len] = b'-'
    fv_write_u64_back(o.buf + o.len + n, u)
    o.len += n
    return 0


cdef inline int emit_int(Out *o, object value) except -1:
    """An int's decimal text (an exact int or a subclass, written by its value); NOT_JSON
    past the int/str digit limit (json.dumps raises there, see masking.py)."""
    cdef int overflow
    cdef long long v = PyLong_AsLongLongAndOverflow(value, &overflow)
    if not overflow:
        return emit_longlong(o, v)
    return emit_big_int(o, value)
