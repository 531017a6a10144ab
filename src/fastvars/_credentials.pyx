# cython: language_level=3
"""A C prefilter in front of credentials.py: the regexes run only when a text could match.

The prefilter may say "maybe" wrongly but never "no" wrongly:
* a URL credential needs '://' followed later by '@' (neither has a case variant);
* an Authorization value needs the word 'bearer' or 'basic' under re.IGNORECASE, where
  besides ASCII letters U+0130 and U+0131 match 'i' and U+017F matches 's' (U+212A, the
  Kelvin sign, matches 'k', which neither word has). tests/test_compiled_capture.py
  rechecks that list against re over every code point.
On "maybe", credentials.redact_embedded_credentials does the exact rewrite.
"""

from cpython.unicode cimport PyUnicode_KIND, PyUnicode_DATA, PyUnicode_READ, PyUnicode_GET_LENGTH

from . import credentials as _py

cdef object py_redact = _py.redact_embedded_credentials


cdef inline unsigned int _fold(unsigned int c) noexcept:
    """The ASCII lowercase letter a character matches case-insensitively, else c."""
    # (unsigned int, not Py_UCS4: Cython treats Py_UCS4 arithmetic as text.)
    if 0x41 <= c <= 0x5a:
        return c + 0x20
    if c == 0x130 or c == 0x131:
        return 0x69  # 'i'
    if c == 0x17f:
        return 0x73  # 's'
    return c


cdef bint _may_hold_url_credentials(int kind, void *data, Py_ssize_t n) noexcept:
    cdef Py_ssize_t i
    cdef bint scheme = False
    for i in range(n):
        if not scheme:
            if (i + 2 < n and PyUnicode_READ(kind, data, i) == 0x3a
                    and PyUnicode_READ(kind, data, i + 1) == 0x2f
                    and PyUnicode_READ(kind, data, i + 2) == 0x2f):
                scheme = True
        elif PyUnicode_READ(kind, data, i) == 0x40:
            return True
    return False


cdef bint _may_hold_authorization(int kind, void *data, Py_ssize_t n) noexcept:
    cdef Py_ssize_t i
    for i in range(n - 4):
        if _fold(PyUnicode_READ(kind, data, i)) != 0x62:  # 'b'
            continue
        if (_fold(PyUnicode_READ(kind, data, i + 1)) == 0x61  # a
                and _fold(PyUnicode_READ(kind, data, i + 2)) == 0x73  # s
                and _fold(PyUnicode_READ(kind, data, i + 3)) == 0x69  # i
                and _fold(PyUnicode_READ(kind, data, i + 4)) == 0x63):  # c
            return True
        if (i + 5 < n
                and _fold(PyUnicode_READ(kind, data, i + 1)) == 0x65  # e
                and _fold(PyUnicode_READ(kind, data, i + 2)) == 0x61  # a
                and _fold(PyUnicode_READ(kind, data, i + 3)) == 0x72  # r
                and _fold(PyUnicode_READ(kind, data, i + 4)) == 0x65  # e
                and _fold(PyUnicode_READ(kind, data, i + 5)) == 0x72):  # r
            return True
    return False


cdef str redact_embedded_credentials(str text, bint mask_url_credentials):
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    if ((mask_url_credentials and _may_hold_url_credentials(kind, data, n))
            or _may_hold_authorization(kind, data, n)):
        return py_redact(text, mask_url_credentials)
    return text


def redact_embedded_credentials_c(text: str, mask_url_credentials: bool) -> str:
    """The compiled entry, for tests: same result as credentials.redact_embedded_credentials."""
    return redact_embedded_credentials(text, mask_url_credentials)


def may_need_rewrite(text: str, mask_url_credentials: bool) -> bool:
    """Whether the prefilter sends ``text`` to the regexes."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    return bool((mask_url_credentials and _may_hold_url_credentials(kind, data, n))
                or _may_hold_authorization(kind, data, n))
