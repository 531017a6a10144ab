"""Stage 5 of the pattern compiler, the output: the tables the C loop reads.

Takes the DFA's states and transitions from :mod:`.dfa`; gives :class:`Tables`, flat byte
strings in the layout ``fv_automaton`` of ``csrc/automaton.h`` expects (the compiled
``_matching`` points its struct into them), plus what the compile found (the residual
patterns, statistics). The row encoding is here, written once: the C loop
(``csrc/automaton.c``) and its Python copy (:mod:`.reference`) decode it.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# A pattern the automaton does not represent, as a predicate on a text (exact ``re``).
Residual = Callable[[str], bool]


@dataclass
class Tables:
    """Everything the C loop needs, as flat byte strings, plus what the compile found."""

    n_states: int = 0
    n_classes: int = 0
    start: int = 0  # the start state's row, with its stop flags
    ascii_class: bytes = bytes(128)
    na_class: bytes = bytes(4)  # class of other code points: other, word, digit, space
    uses_categories: bool = False  # whether na_class differs by kind
    uses_case: bool = False  # whether CASE_FOLD_CODE_POINTS can change the answer
    trans: bytes = b""  # uint32, n_states * n_classes: see encode_rows
    acc: bytes = b""  # bits found on reaching each state
    eot: bytes = b""  # bits found if the text ends in each state
    stop: bytes = b""  # 1 where no bit can change any more
    stop_mask: bytes = b""  # 1 where MASK is found or cannot be found any more
    bits: int = 0  # bits some automaton pattern can set
    residual_ignore: list[Residual] = field(default_factory=list)
    residual_mask: list[Residual] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


# A transition is the target's row offset (state * n_classes), so the loop adds the
# class without a multiply, with two flags saying whether the target ends the search.
# The C loop's copies are FV_STOP_ALL, FV_STOP_MASK and FV_ROW in csrc/automaton.h;
# tests/test_c_constants.py checks that they agree with these.
STOP_ALL = 1 << 31  # no bit can change any more
STOP_MASK = 1 << 30  # MASK is found or cannot be found any more (mask_search)
ROW = STOP_MASK - 1


def encode_row(state: int, n_classes: int, stop: bytes | bytearray, stop_mask: bytes) -> int:
    """The word that leads to ``state``: its row offset with its stop flags."""
    return (
        state * n_classes
        | (STOP_ALL if stop[state] else 0)
        | (STOP_MASK if stop_mask[state] else 0)
    )


def encode_rows(
    trans: list[int], n_classes: int, stop: bytes | bytearray, stop_mask: bytes
) -> bytes:
    """The transition table (target states, row by row) as the C loop's uint32 words."""
    rows = [encode_row(state, n_classes, stop, stop_mask) for state in range(len(stop))]
    return array("I", [rows[t] for t in trans]).tobytes()  # native uint32, for the C loop
