# cython: language_level=3
"""Compiled twin of secret_detection.py: the same three tests on the same text.

One-byte strings (ASCII and Latin-1, nearly every real value) are scanned here, with the
character counting and entropy in C; wider strings go to the Python twin. The entropy is
summed in first-occurrence order with the same double operations as the Python twin, so
the float compared against the threshold is bit for bit the same. The known-format search
runs the position automaton that :mod:`fastvars.compiler.secret_chains` builds, in the C
of ``csrc/secret_chains.c``, where the Python twin runs posthog's union regex.
"""

from libc.math cimport log2
from libc.stdint cimport int16_t, int32_t, uint8_t, uint64_t
from libc.string cimport memchr, memcmp, memset
from cpython.unicode cimport PyUnicode_KIND, PyUnicode_1BYTE_DATA, PyUnicode_DATA
from cpython.unicode cimport PyUnicode_GET_LENGTH
from cpython.unicode cimport (
    Py_UNICODE_ISSPACE, Py_UNICODE_ISLOWER, Py_UNICODE_ISUPPER, Py_UNICODE_ISDIGIT,
)

from . import secret_detection as _py
from ..constants import (
    MAX_SCAN_LENGTH as _MAX_SCAN_LENGTH,
    PEM_PRIVATE_KEY_MARKER as _PEM,
    SECRET_MIN_CHAR_CLASSES as _MIN_CLASSES,
    SECRET_MIN_ENTROPY_BITS as _MIN_BITS,
    SECRET_MIN_LENGTH as _MIN_LENGTH,
)
from ..compiler import compile_secret_tables as _compile_secret_tables
from ..compiler.known_secrets import KNOWN_SECRET_FORMATS as _FORMATS

cdef extern from "secret_chains.h":
    enum:
        FV_SECRETS_MAX_POS
        FV_SECRETS_MAX_GROUPS
    ctypedef struct fv_secrets:
        int n_pos
        const uint64_t *cls
        const int32_t *next
        const uint8_t *loop
        const int32_t *start_index
        const int32_t *starts
        const int16_t *group
        int n_groups
    int fv_secrets_search(const fv_secrets *s, int kind, const void *data,
                          Py_ssize_t length) nogil

cdef Py_ssize_t MIN_LENGTH = _MIN_LENGTH
cdef Py_ssize_t MAX_SCAN_LENGTH = _MAX_SCAN_LENGTH
cdef double MIN_BITS = _MIN_BITS
cdef int MIN_CLASSES = _MIN_CLASSES
cdef bytes PEM = _PEM.encode("ascii")
cdef object py_looks_like_secret = _py.looks_like_secret


def _token_run_bound(formats) -> int:
    """The longest run of [A-Za-z0-9_-] that every known format is sure to contain, or 0.

    Every format in the table has a mandatory repeat of at least ten such characters, so
    a text without such a run cannot match any of them and the search is skipped. This is
    derived from the table at import, so a new format can only disable the shortcut."""
    try:
        from re import _parser as parser  # 3.11+
    except ImportError:
        import sre_parse as parser
    allowed = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    bound = None
    for _, fmt in formats:
        best = 0
        for op, av in parser.parse(fmt):
            if str(op) != "MAX_REPEAT" or len(av[2]) != 1:
                continue
            (inner_op, inner), = av[2]
            if str(inner_op) != "IN":
                continue
            codes = set()
            ok = True
            for kind, arg in inner:
                if str(kind) == "LITERAL":
                    codes.add(arg)
                elif str(kind) == "RANGE":
                    codes.update(range(arg[0], arg[1] + 1))
                else:
                    ok = False
            if ok and codes <= allowed:
                best = max(best, av[0])
        bound = best if bound is None else min(bound, best)
    return bound or 0


cdef Py_ssize_t TOKEN_RUN = _token_run_bound(_FORMATS)


_required_literals = _py.required_literals


# Bigram table: the first two characters of every required literal. A text without any
# of these bigrams cannot contain a known format.
cdef unsigned char BIGRAM[65536]
cdef bint USE_BIGRAMS = False
_literals = _required_literals(_FORMATS)
if _literals is not None and all(len(x) >= 2 and max(map(ord, x[:2])) < 256 for x in _literals):
    for _lit in _literals:
        BIGRAM[ord(_lit[0]) << 8 | ord(_lit[1])] = 1
    USE_BIGRAMS = True


# The literals themselves, for long texts where a bigram alone proves little.
cdef list LITERALS = [lit.encode("latin-1") for lit in _literals] if USE_BIGRAMS else []
cdef Py_ssize_t LITERAL_CHECK_LENGTH = _py._LITERAL_CHECK_LENGTH


cdef bint _has_literal(const unsigned char *s, Py_ssize_t n) except -1:
    cdef bytes lit
    for lit in LITERALS:
        if _contains(s, n, lit, len(lit)):
            return True
    return False


cdef bint _has_bigram(const unsigned char *s, Py_ssize_t n) noexcept:
    cdef Py_ssize_t i
    for i in range(n - 1):
        if BIGRAM[(<unsigned int>s[i]) << 8 | s[i + 1]]:
            return True
    return False

cdef unsigned char IS_TOKEN_CHAR[256]
cdef unsigned char IS_STRUCTURE[256]
cdef unsigned char IS_HEX[256]
for _c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-":
    IS_TOKEN_CHAR[ord(_c)] = 1
for _c in "()[]{}<>'\"`,;":  # secret_detection._STRUCTURE_CHARS
    IS_STRUCTURE[ord(_c)] = 1
for _c in "0123456789abcdefABCDEF":
    IS_HEX[ord(_c)] = 1


cdef bint _has_token_run(const unsigned char *s, Py_ssize_t n) noexcept:
    cdef Py_ssize_t run = 0, i
    for i in range(n):
        if IS_TOKEN_CHAR[s[i]]:
            run += 1
            if run >= TOKEN_RUN:
                return True
        else:
            run = 0
    return False


cdef bint _contains(const unsigned char *s, Py_ssize_t n, const char *needle,
                    Py_ssize_t m) noexcept:
    """Substring search: memchr (vectorised in every libc) for the first byte, then
    memcmp. (memmem would do, but MSVC's C library has none.)"""
    cdef const unsigned char *p = s
    cdef const unsigned char *end = s + n - m + 1
    cdef unsigned char first = <unsigned char>needle[0]
    if m > n:
        return False
    while p < end:
        p = <const unsigned char *>memchr(p, first, end - p)
        if p == NULL:
            return False
        if memcmp(p, needle, m) == 0:
            return True
        p += 1
    return False


cdef bint _is_path_word(const unsigned char *s, Py_ssize_t n) noexcept:
    # \A[a-z][a-z.]*\Z
    cdef Py_ssize_t i
    if n == 0 or not (b'a' <= s[0] <= b'z'):
        return False
    for i in range(1, n):
        if not (b'a' <= s[i] <= b'z' or s[i] == b'.'):
            return False
    return True


cdef bint _looks_like_path_or_url(const unsigned char *s, Py_ssize_t n) noexcept:
    if _contains(s, n, b"://", 3) or memchr(s, b'\\', n) != NULL:
        return True
    if memchr(s, b'/', n) == NULL:
        return False
    cdef Py_ssize_t start = 0, i
    cdef int words = 0
    for i in range(n + 1):
        if i == n or s[i] == b'/':
            if _is_path_word(s + start, i - start):
                words += 1
                if words == 2:
                    return True
            start = i + 1
    return False


cdef bint _is_uuid(const unsigned char *s, Py_ssize_t n) noexcept:
    cdef Py_ssize_t i
    if n != 36:
        return False
    for i in range(36):
        if i == 8 or i == 13 or i == 18 or i == 23:
            if s[i] != b'-':
                return False
        elif not IS_HEX[s[i]]:
            return False
    return True


cdef bint _is_high_entropy_token(const unsigned char *s, Py_ssize_t n) noexcept:
    if memchr(s, b' ', n) != NULL or _looks_like_path_or_url(s, n) or _is_uuid(s, n):
        return False
    # Texts here are at most 2,048 characters long (longer ones are never scanned), so
    # 16-bit counters suffice and the table is cheap to clear.
    cdef unsigned short counts[256]
    cdef unsigned char order[256]
    cdef int distinct = 0, j
    cdef Py_ssize_t i
    cdef unsigned char c
    if n > 65535:
        return False
    memset(counts, 0, sizeof(counts))
    for i in range(n):
        c = s[i]
        if counts[c] == 0:
            if IS_STRUCTURE[c]:
                return False
            order[distinct] = c
            distinct += 1
        counts[c] += 1
    # Character classes, as secret_detection.character_classes.
    cdef bint lower = False, upper = False, digit = False, other = False, hex_only = True
    for j in range(distinct):
        c = order[j]
        if Py_UNICODE_ISSPACE(c):
            return False
        if Py_UNICODE_ISLOWER(c):
            lower = True
            hex_only = hex_only and IS_HEX[c]
        elif Py_UNICODE_ISUPPER(c):
            upper = True
            hex_only = hex_only and IS_HEX[c]
        elif Py_UNICODE_ISDIGIT(c):
            digit = True
        else:
            other = True
            hex_only = False
    if hex_only or (<int>lower + <int>upper + <int>digit + <int>other) < MIN_CLASSES:
        return False
    # Shannon entropy: p = n_i / len; bits -= p * log2(p), in first-occurrence order.
    # The product goes through a volatile so no compiler fuses it into an FMA, which
    # would round differently from Python's two separate operations.
    cdef double bits = 0.0, p
    cdef volatile double term
    for j in range(distinct):
        p = <double>counts[order[j]] / <double>n
        term = p * log2(p)
        bits -= term
    return bits >= MIN_BITS


# --- known vendor formats ------------------------------------------------------------

# The C search's copies of the compiler's caps, as this build compiled them, for
# tests/test_c_constants.py to check against their one Python definition.
_C_CONSTANTS = {
    "secret_chains.MAX_SECRET_POSITIONS": FV_SECRETS_MAX_POS,
    "secret_chains.MAX_SECRET_GROUPS": FV_SECRETS_MAX_GROUPS,
}
_known_secret_search = _py.KNOWN_SECRET_RE.search
cdef fv_secrets _secrets
cdef object _secret_tables = None  # built on first use, kept alive for the struct


cdef int _load_secrets() except -1:
    global _secret_tables
    tables = _compile_secret_tables()
    _secrets.n_pos = tables.n_pos
    _secrets.cls = <const uint64_t *><const char *><bytes>tables.cls
    _secrets.next = <const int32_t *><const char *><bytes>tables.next
    _secrets.loop = <const uint8_t *><bytes>tables.loop
    _secrets.start_index = <const int32_t *><const char *><bytes>tables.start_index
    _secrets.starts = <const int32_t *><const char *><bytes>tables.starts
    _secrets.group = <const int16_t *><const char *><bytes>tables.group
    _secrets.n_groups = tables.n_groups
    _secret_tables = tables
    return 0


cdef int contains_known_secret_str(str text) except -1:
    """contains_known_secret() for an exact str: 1 or 0."""
    cdef int found
    if _secret_tables is None:
        _load_secrets()
    found = fv_secrets_search(&_secrets, PyUnicode_KIND(text), PyUnicode_DATA(text),
                              PyUnicode_GET_LENGTH(text))
    if found < 0:
        return 1 if _known_secret_search(text) is not None else 0
    return found


def contains_known_secret(text):
    """Whether one of posthog's known secret formats occurs anywhere in ``text``."""
    if type(text) is not str:
        return _known_secret_search(text) is not None
    return contains_known_secret_str(<str>text) == 1


cdef int looks_like_secret(str text) except -1:
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text)
    if n < MIN_LENGTH:
        # The PEM marker alone is as long as the minimum, so nothing shorter matches.
        return 0
    if PyUnicode_KIND(text) != 1:
        return 1 if py_looks_like_secret(text) else 0
    cdef const unsigned char *s = PyUnicode_1BYTE_DATA(text)
    if _contains(s, n, PEM, len(PEM)):
        return 1
    if _is_high_entropy_token(s, n):
        return 1
    if n > MAX_SCAN_LENGTH:
        return 0
    if USE_BIGRAMS and not _has_bigram(s, n):
        return 0
    if USE_BIGRAMS and n >= LITERAL_CHECK_LENGTH and not _has_literal(s, n):
        return 0  # in long prose some bigram is likely; a whole literal is not
    if TOKEN_RUN and not _has_token_run(s, n):
        return 0
    return contains_known_secret_str(text)


def looks_like_secret_c(text: str) -> bool:
    """The compiled test, for tests: same answer as secret_detection.looks_like_secret."""
    return looks_like_secret(text) == 1


def token_run_bound() -> int:
    return TOKEN_RUN


def required_literals():
    """The literals behind the bigram shortcut, or None when it is off (for tests)."""
    return _literals if USE_BIGRAMS else None
