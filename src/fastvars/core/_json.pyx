# cython: language_level=3
"""JSON text as ``json.dumps(value, allow_nan=False)`` writes it, into a C buffer.

Only the pieces the compiled masking walk needs: ensure_ascii string escaping, Python's
float repr, decimal integers, the 1,024-character cut of the finished text, and the
masked values the Python twin hands back (emit_masked).
"""

from cpython.mem cimport PyMem_Malloc, PyMem_Realloc, PyMem_Free
from cpython.unicode cimport PyUnicode_KIND, PyUnicode_DATA, PyUnicode_READ, PyUnicode_GET_LENGTH
from cpython.conversion cimport PyOS_double_to_string, Py_DTSF_ADD_DOT_0
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.list cimport PyList_Check
from cpython.tuple cimport PyTuple_Check
from libc.math cimport isfinite
from libc.string cimport memcpy, strlen

from ._typeprobes cimport is_scalar_kind

cdef extern from "Python.h":
    str PyUnicode_New(Py_ssize_t size, Py_UCS4 maxchar)
    void *PyUnicode_DATA(object)

cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    /* Whether any of the 8 bytes in w must be escaped in JSON text: below 0x20, 0x7f
       or above, '"' or '\\'. Word-at-a-time zero-byte tests (exact for existence). */
    static inline int fv_needs_escape8(uint64_t w) {
        const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
        uint64_t below_space = (w - ones * 0x20) & ~w;
        uint64_t quote = w ^ (ones * 0x22), backslash = w ^ (ones * 0x5c);
        uint64_t del = w ^ (ones * 0x7f);
        return ((below_space | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash)
                 | ((del - ones) & ~del) | w) & high) != 0;
    }
    /* Copy the leading run of one-byte text that needs no escape, 8 bytes at a time;
       returns its length. */
    static inline Py_ssize_t fv_copy_plain_run(char *dst, const unsigned char *src,
                                               Py_ssize_t n) {
        Py_ssize_t i = 0;
        uint64_t w;
        while (i + 8 <= n) {
            memcpy(&w, src + i, 8);
            if (fv_needs_escape8(w)) break;
            memcpy(dst + i, &w, 8);
            i += 8;
        }
        return i;
    }
    """
    bint fv_needs_escape8(unsigned long long w) noexcept nogil
    Py_ssize_t fv_copy_plain_run(char *dst, const unsigned char *src, Py_ssize_t n) noexcept nogil

cdef extern from "floatrepr.h":
    Py_ssize_t fv_float_repr_length_fast(double x) noexcept nogil

cdef const char *HEX = b"0123456789abcdef"
# Same numbers as constants.MAX_VALUE_LENGTH, checked by tests/test_compiled_capture.py.
cdef enum:
    MAX_VALUE_LENGTH = 1024


cdef void out_init(Out *o) noexcept:
    o.buf = o.inline_buf
    o.len = 0
    o.cap = sizeof(o.inline_buf)


cdef void out_free(Out *o) noexcept:
    if o.buf != o.inline_buf:
        PyMem_Free(o.buf)
    o.buf = o.inline_buf
    o.len = 0
    o.cap = sizeof(o.inline_buf)


cdef int out_grow(Out *o, Py_ssize_t extra) except -1:
    cdef Py_ssize_t need = o.len + extra
    if need <= o.cap:
        return 0
    cdef Py_ssize_t cap = o.cap * 2
    while cap < need:
        cap *= 2
    cdef char *buf
    if o.buf == o.inline_buf:
        buf = <char *>PyMem_Malloc(cap)
        if buf == NULL:
            raise MemoryError()
        memcpy(buf, o.buf, o.len)
    else:
        buf = <char *>PyMem_Realloc(o.buf, cap)
        if buf == NULL:
            raise MemoryError()
    o.buf = buf
    o.cap = cap
    return 0


cdef int out_write(Out *o, const char *text, Py_ssize_t n) except -1:
    if o.len + n > o.cap:
        out_grow(o, n)
    memcpy(o.buf + o.len, text, n)
    o.len += n
    return 0


cdef inline void _put_u(char *p, unsigned int c) noexcept:
    p[0] = b'\\'
    p[1] = b'u'
    p[2] = HEX[(c >> 12) & 15]
    p[3] = HEX[(c >> 8) & 15]
    p[4] = HEX[(c >> 4) & 15]
    p[5] = HEX[c & 15]


cdef unsigned char PLAIN[256]
for _c in range(0x20, 0x7f):
    PLAIN[_c] = _c != 0x22 and _c != 0x5c


cdef inline char _short_escape(unsigned int c) noexcept:
    """The letter of json's two-character escape of c (\\n \\r \\t \\b \\f), or 0."""
    if c == 0x0a:
        return b'n'
    if c == 0x0d:
        return b'r'
    if c == 0x09:
        return b't'
    if c == 0x08:
        return b'b'
    if c == 0x0c:
        return b'f'
    return 0


cdef inline char *_escape(char *p, unsigned int c) noexcept:
    """Write the escape of a character below U+10000 that is not plain ASCII."""
    if c == 0x22 or c == 0x5c:
        p[0] = b'\\'
        p[1] = <char>c
        return p + 2
    cdef char letter = _short_escape(c)
    if letter:
        p[0] = b'\\'
        p[1] = letter
        return p + 2
    _put_u(p, c)
    return p + 6


cdef int emit_str(Out *o, str text) except -1:
    """A JSON string literal with json's ensure_ascii escapes (lowercase hex, surrogate
    pairs above the BMP, short escapes for \\" \\\\ \\n \\r \\t \\b \\f)."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    # Worst case: 12 bytes per astral character, 6 for any other.
    out_grow(o, n * (12 if kind == 4 else 6) + 2)
    cdef char *p = o.buf + o.len
    cdef Py_ssize_t i, run, stop
    cdef unsigned int c, v
    cdef const unsigned char *s1
    p[0] = b'"'
    p += 1
    if kind == 1:
        # One-byte text (nearly all of it): printable ASCII is copied through a table.
        s1 = <const unsigned char *>data
        # Runs of plain text go 8 bytes at a time; a word holding an escape, and the
        # tail, byte by byte through the table.
        i = 0
        while i < n:
            run = fv_copy_plain_run(p, s1 + i, n - i)
            p += run
            i += run
            stop = min(i + 8, n)
            while i < stop:
                c = s1[i]
                if PLAIN[c]:
                    p[0] = <char>c
                    p += 1
                else:
                    p = _escape(p, c)
                i += 1
        p[0] = b'"'
        o.len = p + 1 - o.buf
        return 0
    for i in range(n):
        c = PyUnicode_READ(kind, data, i)
        if 0x20 <= c <= 0x7e and c != 0x22 and c != 0x5c:
            p[0] = <char>c
            p += 1
        elif c == 0x22 or c == 0x5c:
            p[0] = b'\\'
            p[1] = <char>c
            p += 2
        elif _short_escape(c):
            p[0] = b'\\'
            p[1] = _short_escape(c)
            p += 2
        elif c >= 0x10000:
            v = c - 0x10000
            _put_u(p, 0xd800 | ((v >> 10) & 0x3ff))
            _put_u(p + 6, 0xdc00 | (v & 0x3ff))
            p += 12
        else:
            _put_u(p, c)
            p += 6
    p[0] = b'"'
    p += 1
    o.len = p - o.buf
    return 0


cdef int emit_float(Out *o, double value) except -1:
    """float.__repr__, which json uses for finite floats."""
    cdef char *text = PyOS_double_to_string(value, b'r', 0, Py_DTSF_ADD_DOT_0, NULL)
    try:
        out_write(o, text, strlen(text))
    finally:
        PyMem_Free(text)
    return 0


cdef Py_ssize_t float_repr_length(double value) except -1:
    cdef Py_ssize_t n = fv_float_repr_length_fast(value)
    if n >= 0:
        return n
    return _formatted_length(value)


cdef Py_ssize_t _formatted_length(double value) except -1:
    cdef char *text = PyOS_double_to_string(value, b'r', 0, Py_DTSF_ADD_DOT_0, NULL)
    if text == NULL:
        raise MemoryError()
    cdef Py_ssize_t n = strlen(text)
    PyMem_Free(text)
    return n


cdef str out_text_cut(Out *o):
    """The buffer as a str, cut like every encoded value: past 1,024 characters, the
    first 1,021 and '...'."""
    cdef Py_ssize_t n = o.len
    cdef bint cut = n > MAX_VALUE_LENGTH
    if cut:
        n = MAX_VALUE_LENGTH
    cdef str text = PyUnicode_New(n, 127)
    cdef char *dst = <char *>PyUnicode_DATA(text)
    if cut:
        memcpy(dst, o.buf, MAX_VALUE_LENGTH - 3)
        memcpy(dst + MAX_VALUE_LENGTH - 3, b"...", 3)
    else:
        memcpy(dst, o.buf, n)
    return text


# ---------------------------------------------------------------- masked values
# What the Python twin hands back (a masked part of a value: exact containers of
# scalars) written as json.dumps(value, allow_nan=False) writes it. Each returns
# NOT_JSON where json.dumps would raise instead (a NaN, an int past the str-conversion
# limit, a key json cannot write), with the text written so far left for the caller to
# drop.

cdef int emit_big_int(Out *o, object value) except -1:
    """emit_int for an int past the long long range."""
    try:
        text = int.__repr__(value)
    except ValueError:
        return NOT_JSON
    encoded = (<str>text).encode("ascii")
    return out_write(o, encoded, len(encoded))


cdef int emit_key(Out *o, object key, str key_text) except -1:
    """A key as json writes one: strings escaped, numbers as their text, in quotes."""
    if type(key) is str:
        return emit_str(o, <str>key)
    if key is True:
        return out_write(o, b'"true"', 6)
    if key is False:
        return out_write(o, b'"false"', 7)
    if key is None:
        return out_write(o, b'"null"', 6)
    return emit_str(o, key_text)  # int and float: their repr, which is ASCII


cdef bint json_is_native(object value) except -1:
    """Whether json.dumps writes this masked value without running any code: exact
    containers of scalars (str, int and float subclasses are written by their value).
    A list or dict subclass is iterated by its own __iter__ or items(), and any other
    leaf goes to json's `default`."""
    cdef object t = type(value)
    if value is None or t is bool or is_scalar_kind(value):
        return True
    if t is list or t is tuple:
        for part in value:
            if not json_is_native(part):
                return False
        return True
    if t is dict:
        for part in (<dict>value).values():
            if not json_is_native(part):
                return False
        return True
    return False


cdef int emit_masked(Out *o, object value) except -1:
    """json.dumps(value, allow_nan=False) for a masked value that json_is_native."""
    cdef double d
    cdef Py_ssize_t i
    cdef bint first = True
    if value is None:
        return out_write(o, b"null", 4)
    if value is True:
        return out_write(o, b"true", 4)
    if value is False:
        return out_write(o, b"false", 5)
    if isinstance(value, str):
        return emit_str(o, <str>value)  # (a cast: str subclasses are written as their text)
    if isinstance(value, int):
        return emit_int(o, value)
    if isinstance(value, float):
        d = PyFloat_AS_DOUBLE(value)
        if not isfinite(d):
            return NOT_JSON
        return emit_float(o, d)
    if PyList_Check(value) or PyTuple_Check(value):
        out_char(o, b'[')
        for i in range(len(value)):
            if i:
                out_pair(o, b',', b' ')
            if emit_masked(o, value[i]):
                return NOT_JSON
        return out_char(o, b']')
    if type(value) is not dict:
        return NOT_JSON
    out_char(o, b'{')
    for key, item_value in (<dict>value).items():
        if not first:
            out_pair(o, b',', b' ')
        first = False
        if isinstance(key, str):
            emit_str(o, <str>key)
        elif isinstance(key, float):
            d = PyFloat_AS_DOUBLE(key)
            if not isfinite(d):
                return NOT_JSON
            out_char(o, b'"')
            emit_float(o, d)
            out_char(o, b'"')
        elif key is True or key is False or key is None:
            emit_key(o, key, None)
        elif isinstance(key, int):
            out_char(o, b'"')
            if emit_int(o, key):
                return NOT_JSON
            out_char(o, b'"')
        else:
            return NOT_JSON
        out_pair(o, b':', b' ')
        if emit_masked(o, item_value):
            return NOT_JSON
    return out_char(o, b'}')


def float_repr_length_c(double value):
    """For tests: the fast exact length of repr(value), or -1 where it defers."""
    return fv_float_repr_length_fast(value)
