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
cdef int emit_longlong(Out *o, long long value) except -1
cdef Py_ssize_t longlong_length(long long value) noexcept
cdef str out_text_cut(Out *o)

# Returned by the emitters of masked values where json.dumps would raise.
cdef enum:
    NOT_JSON = 1

cdef int emit_int(Out *o, object value) except -1
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
