# cython: language_level=3
"""A C prefilter in front of credentials.py: the regexes run only when a text could match.

The prefilter may say "maybe" wrongly but never "no" wrongly:
* a URL credential needs '://' followed later by '@' (neither has a case variant);
* an Authorization value needs the word 'bearer' or 'basic' under re.IGNORECASE, where
  besides ASCII letters U+0130 and U+0131 match 'i' and U+017F matches 's' (U+212A, the
  Kelvin sign, matches 'k', which neither word has). tests/test_compiled_capture.py
  rechecks that list against re over every code point.
On "maybe", credentials.py does the exact rewrite, except URL credentials in one-byte
text, which are rewritten here (see _redact_url_one_byte).
"""

from libc.string cimport memchr
from cpython.unicode cimport PyUnicode_KIND, PyUnicode_DATA, PyUnicode_READ, PyUnicode_GET_LENGTH

from . import credentials as _py

from ..constants import REDACTED as _REDACTED

cdef object py_redact_url = _py.redact_url_credentials
cdef object py_redact_authorization = _py.redact_authorization_values
cdef str URL_REPLACEMENT = _REDACTED + "@"


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
    cdef const unsigned char *s
    cdef const unsigned char *hit
    if kind == 1:
        s = <const unsigned char *>data
        hit = <const unsigned char *>memchr(s, 0x3a, n)
        while hit != NULL:
            i = hit - s
            if i + 2 < n and s[i + 1] == 0x2f and s[i + 2] == 0x2f:
                return memchr(s + i + 3, 0x40, n - i - 3) != NULL
            hit = <const unsigned char *>memchr(s + i + 1, 0x3a, n - i - 1)
        return False
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
    cdef const unsigned char *s = <const unsigned char *>data
    for i in range(n - 4):
        if kind == 1:
            if (s[i] | 0x20) != 0x62:  # 'b' or 'B' (no other one-byte character folds)
                continue
        elif _fold(PyUnicode_READ(kind, data, i)) != 0x62:
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


# ---------------------------------------------------------------- URL credentials
# credentials._URL_WITH_CREDENTIALS, run natively on one-byte text (no character there
# case-folds onto ASCII, so IGNORECASE is plain ASCII case-insensitivity):
#     ([a-z][a-z0-9+.\-]{0,30}://)(?=[^/@\s]*:)[^/\s]*@   ->   \1 REDACTED @
# ':' is no scheme character, so a scheme ends at the first non-scheme character after
# its first letter: each '://' has at most one leftmost start, at most 31 characters
# before it, and starts of later '://'s come after it, so trying the '://'s in order
# finds the matches in re.sub's order.

cdef inline bint _is_letter(unsigned int c) noexcept:
    return 0x61 <= (c | 0x20) <= 0x7a


cdef inline bint _is_scheme(unsigned int c) noexcept:
    return _is_letter(c) or 0x30 <= c <= 0x39 or c == 0x2b or c == 0x2e or c == 0x2d


cdef inline bint _is_space(unsigned int c) noexcept:
    # Py_UNICODE_ISSPACE (re's unicode \s) over one-byte characters.
    return (0x09 <= c <= 0x0d) or (0x1c <= c <= 0x20) or c == 0x85 or c == 0xa0


cdef str _redact_url_one_byte(str text, const unsigned char *s, Py_ssize_t n):
    cdef Py_ssize_t pos = 0, c, lo, start, i, last_at
    cdef bint colon
    pieces = None
    c = 1
    while c + 2 < n:
        if not (s[c] == 0x3a and s[c + 1] == 0x2f and s[c + 2] == 0x2f):
            c += 1
            continue
        # The leftmost start: the scheme run before ':', at most 31 long, from a letter.
        lo = c
        while lo > pos and lo > c - 31 and _is_scheme(s[lo - 1]):
            lo -= 1
        start = lo
        while start < c and not _is_letter(s[start]):
            start += 1
        if start < c:
            # (?=[^/@\s]*:) then [^/\s]*@ (greedy: up to the run's last '@').
            colon = False
            i = c + 3
            while i < n and s[i] != 0x2f and s[i] != 0x40 and not _is_space(s[i]):
                if s[i] == 0x3a:
                    colon = True
                    break
                i += 1
            if colon:
                last_at = -1
                i = c + 3
                while i < n and s[i] != 0x2f and not _is_space(s[i]):
                    if s[i] == 0x40:
                        last_at = i
                    i += 1
                if last_at >= 0:
                    if pieces is None:
                        pieces = []
                    pieces.append(text[pos:c + 3])
                    pieces.append(URL_REPLACEMENT)
                    pos = last_at + 1
                    c = pos + 1
                    continue
        c += 1
    if pieces is None:
        return text
    pieces.append(text[pos:])
    return "".join(pieces)


cdef str redact_embedded_credentials(str text, bint mask_url_credentials):
    """credentials.redact_embedded_credentials, with the regexes run only when needed."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
    cdef int kind = PyUnicode_KIND(text)
    cdef void *data = PyUnicode_DATA(text)
    if mask_url_credentials and _may_hold_url_credentials(kind, data, n):
        if kind == 1:
            text = _redact_url_one_byte(text, <const unsigned char *>data, n)
        else:
            text = py_redact_url(text)
        n = PyUnicode_GET_LENGTH(text)
        kind = PyUnicode_KIND(text)
        data = PyUnicode_DATA(text)
    if _may_hold_authorization(kind, data, n):
        return py_redact_authorization(text)
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
