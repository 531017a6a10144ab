"""The C loop of ``csrc/automaton.c`` (``fv_run``) in Python, for tests.

Takes :class:`~.tables.Tables` and a text; gives the bits the automaton alone finds in
it, as the C loop would, or -1 where the C loop sends the text to the exact path. Not
an engine: the pure-Python engine (:mod:`fastvars.core.matching`) runs the patterns with
``re`` and never reads the tables. This copy lets the tests check the compiler's tables
against ``re.search`` on any interpreter, built or not (tests/test_matching_fuzz.py).
"""

from __future__ import annotations

from array import array

from ..constants import IGNORE, MASK
from .alphabet import CASE_FOLD_CODE_POINTS
from .tables import ROW, STOP_ALL, STOP_MASK, Tables


def run_tables(tables: Tables, text: str, want: int = IGNORE | MASK) -> int:
    """The C loop in Python: bits found in ``text`` by the automaton alone, or -1 when
    the text needs the exact path."""
    trans = array("I")
    trans.frombytes(tables.trans)
    flag = STOP_MASK if want == MASK else STOP_ALL
    n_classes = tables.n_classes
    row = tables.start
    if row & flag:
        return tables.acc[(row & ROW) // n_classes]
    for ch in text:
        code = ord(ch)
        if code < 128:
            cls = tables.ascii_class[code]
        else:
            if tables.uses_case and code in CASE_FOLD_CODE_POINTS:
                return -1
            if tables.uses_categories:
                if code > 0xFFFF:
                    return -1
                kind = 2 if ch.isdecimal() else 1 if ch.isalnum() else 3 if ch.isspace() else 0
                cls = tables.na_class[kind]
            else:
                cls = tables.na_class[0]
        row = trans[(row & ROW) + cls]
        if row & flag:
            return tables.acc[(row & ROW) // n_classes]
    return tables.eot[(row & ROW) // n_classes]
