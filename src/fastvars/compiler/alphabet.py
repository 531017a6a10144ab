"""Stage 2 of the pattern compiler: the symbol alphabet and character sets over it.

Takes the character items of a parse tree (literals, ranges, categories, sets) with their
flags; gives each as a bitmask over :data:`N_SYMBOLS` symbols, the "atoms" the NFA
consumes, and (:func:`symbol_classes`) the partition of the symbols into the classes
that every atom of one automaton treats alike: the columns of its transition table.

The symbols are the 128 ASCII code points and four representatives of "any other code
point" (by its unicode \\w / \\d / \\s membership). That is exact because supported
patterns only mention ASCII characters, and a non-ASCII code point can only differ from
its representative through case folding onto ASCII (:data:`CASE_FOLD_CODE_POINTS`, which
send the whole text to the exact Python path) or through unicode categories (which the
C loop looks up in a table).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .syntax import F_A, F_I, C, Unsupported

# Non-ASCII code points that Python's regex IGNORECASE or str.lower() relate to an ASCII
# character: U+0130 (İ, lower 'i̇', simple lower 'i'), U+0131 (ı, upper 'I'), U+017F (ſ,
# folds to 's'), U+212A (Kelvin, lower 'k'). Found by scanning every code point (see
# tests/test_matching_automaton.py::test_special_code_points_are_complete, which
# recomputes it). A text holding one takes the exact Python path. The C loop has its
# own copy (FV_CASE_FOLD_* in csrc/automaton.h: immediates in its loop, for speed);
# tests/test_c_constants.py checks that they agree with these.
CASE_FOLD_CODE_POINTS: tuple[int, ...] = (0x130, 0x131, 0x17F, 0x212A)

# Symbols of the class alphabet: 0..127 are ASCII code points, then one representative per
# kind of other code point: neither \w nor \s, \w but not \d, \d (always \w), \s.
NA_OTHER, NA_WORD, NA_DIGIT, NA_SPACE = 128, 129, 130, 131
N_SYMBOLS = 132
NA_REPRESENTATIVES = {NA_OTHER: "\u20ac", NA_WORD: "\u00e9", NA_DIGIT: "\u0663", NA_SPACE: "\u2003"}
ALL_SYMBOLS = (1 << N_SYMBOLS) - 1
NEWLINE = 10
# The ASCII letters A..Z and a..z: the atoms a case-fold code point can differ in.
ASCII_LETTERS = (0x3FFFFFF << 65) | (0x3FFFFFF << 97)


def _category_masks() -> dict[tuple[Any, bool], int]:
    """Membership of every symbol in each category, measured with ``re`` itself."""
    escapes = {
        C.CATEGORY_DIGIT: r"\d",
        C.CATEGORY_NOT_DIGIT: r"\D",
        C.CATEGORY_SPACE: r"\s",
        C.CATEGORY_NOT_SPACE: r"\S",
        C.CATEGORY_WORD: r"\w",
        C.CATEGORY_NOT_WORD: r"\W",
    }
    masks = {}
    for category, escape in escapes.items():
        for ascii_only in (False, True):
            regex = re.compile(("(?a)" if ascii_only else "") + escape)
            mask = 0
            for code in range(128):
                if regex.match(chr(code)):
                    mask |= 1 << code
            for symbol, char in NA_REPRESENTATIVES.items():
                if regex.match(char):
                    mask |= 1 << symbol
            masks[(category, ascii_only)] = mask
    return masks


_CATEGORIES = _category_masks()


def fold(mask: int) -> int:
    """Add the other case of every ASCII letter in ``mask`` (IGNORECASE on ASCII)."""
    upper = (mask >> 97) & 0x3FFFFFF  # a..z
    lower = (mask >> 65) & 0x3FFFFFF  # A..Z
    return mask | (upper << 65) | (lower << 97)


def literal(code: int, flags: int) -> int:
    """The atom of one literal code point (with its other case under IGNORECASE)."""
    if code >= 128:
        raise Unsupported("non-ASCII literal")
    mask = 1 << code
    return fold(mask) if flags & F_I else mask


def charset(items: Sequence[tuple[Any, Any]], flags: int) -> int:
    """The atom of a ``[...]`` set: its literals, ranges and categories, maybe negated."""
    mask = 0
    negate = False
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            mask |= literal(av, flags)
        elif op is C.RANGE:
            low, high = av
            if high >= 128:
                raise Unsupported("non-ASCII range")
            rng = ((1 << (high + 1)) - 1) & ~((1 << low) - 1)
            mask |= fold(rng) if flags & F_I else rng
        elif op is C.CATEGORY:
            mask |= _CATEGORIES[(av, bool(flags & F_A))]
        else:
            raise Unsupported(f"set item {op}")
    return ALL_SYMBOLS & ~mask if negate else mask


def symbol_classes(atoms: list[int]) -> tuple[list[int], list[int]]:
    """Classes of symbols that every atom treats alike; newline always alone.

    Returns the class of each symbol and a representative symbol of each class.
    """
    signature: dict[tuple[int, ...], int] = {}
    symbol_class: list[int] = []
    reps: list[int] = []
    for symbol in range(N_SYMBOLS):
        bit = 1 << symbol
        sig = (symbol == NEWLINE,) + tuple(i for i, atom in enumerate(atoms) if atom & bit)
        cls = signature.get(sig)
        if cls is None:
            cls = signature[sig] = len(reps)
            reps.append(symbol)
        symbol_class.append(cls)
    return symbol_class, reps
