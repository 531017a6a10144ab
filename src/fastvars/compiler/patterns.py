"""The pattern compiler's entry point: mask and ignore lists to one automaton's tables.

Takes the two pattern lists; gives :class:`~.tables.Tables` for the C loop
(``csrc/automaton.c``), kept apart from that loop the way RE2 keeps its compiler apart
from its DFA loop. The stages, one module each:

1. :mod:`.syntax`: each pattern parsed by Python's own parser; validity is exactly
   ``re.compile``'s, posthog's plain ``(?i)text`` patterns recognised.
2. :mod:`.alphabet`: character sets as bitmasks over 132 symbols.
3. :mod:`.nfa`: one Thompson NFA for the union of all supported patterns, whose
   accepting nodes carry the bit IGNORE or MASK.
4. :mod:`.dfa`: the subset construction, within a work budget.
5. :mod:`.tables`: the rows encoded as the C loop reads them.

This module runs them in order, within the compile's budgets, and keeps the residual
list: everything the automaton cannot represent exactly - lookaround, backreferences,
``\\b``, conditionals, possessive and atomic constructs, non-ASCII literals, an automaton
past its size cap or work budget - goes to ``re``, consulted only for a bit the
automaton did not set.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..constants import IGNORE, MASK
from .dfa import DFA_WORK_BUDGET, TooBig, WorkBudget, build_dfa
from .nfa import MAX_NFA_NODES_PER_PATTERN, Builder, Nfa, plain_items
from .syntax import F_I, Unsupported, parse, plain_caseless_text
from .tables import Residual, Tables

# The work budget of one compile, so that no list (up to 100 patterns of up to 2,000
# characters: tests/test_compile_budget.py, bench/bench_compile.py) makes the automaton
# cost more than a few tens of milliseconds; a pattern past it is residual, matched
# exactly by re.search as posthog matches it. Characters parsed for the automaton (the
# parser is pure Python, about 0.6 us a character; re.compile, which checks every
# pattern as posthog compiles it, is not counted), NFA nodes kept, NFA nodes built
# (kept or discarded), and DFA work (see DFA_WORK_BUDGET).
MAX_PARSED_CHARS = 10_000
MAX_NFA_NODES = 4_000
MAX_NFA_NODES_BUILT = 8_000


def _residual(pattern: str, plain: str | None) -> Residual:
    """The exact test of a pattern the automaton does not represent: posthog's own."""
    if plain is not None:

        def contains_plain(text: str, _plain: str = plain) -> bool:
            return _plain in text.lower()

        return contains_plain
    search = re.compile(pattern).search

    def matches(text: str, _search: Callable[[str], Any] = search) -> bool:
        return _search(text) is not None

    return matches


@dataclass
class _Entry:
    pattern: str
    bit: int
    plain: str | None  # posthog's caseless substring, for `(?i)text` patterns
    reason: str = ""  # why it is residual


def compile_tables(
    mask_patterns: Sequence[str],
    ignore_patterns: Sequence[str],
    on_invalid: Callable[[str, BaseException], None],
    work_budget: int = DFA_WORK_BUDGET,
) -> Tables:
    """Tables for the two lists. Invalid patterns are reported and dropped; a non-str
    pattern raises TypeError. The automaton work is bounded by ``work_budget`` (see
    DFA_WORK_BUDGET): patterns past it are residual, matched exactly by ``re``."""
    began = time.perf_counter()
    entries: list[_Entry] = []
    invalid = 0
    for bit, patterns in ((IGNORE, ignore_patterns), (MASK, mask_patterns)):
        for pattern in patterns:
            if not isinstance(pattern, str):
                raise TypeError(
                    f"fastvars: patterns must be str, not {type(pattern).__name__}: {pattern!r}"
                )
            plain = plain_caseless_text(pattern)
            entry = _Entry(pattern, bit, plain)
            if plain is None:
                try:
                    re.compile(pattern)  # validity is exactly re.compile's
                except Exception as error:
                    on_invalid(pattern, error)
                    invalid += 1
                    continue
            entries.append(entry)

    nfa = Nfa()
    built: list[tuple[_Entry, tuple[int, int, int, int]]] = []
    residual: list[_Entry] = []
    parse_left, nodes_left, built_left = MAX_PARSED_CHARS, MAX_NFA_NODES, MAX_NFA_NODES_BUILT
    for entry in entries:
        first = len(nfa.kind)
        parsed = 0 if entry.plain is not None else len(entry.pattern)
        if parsed > parse_left or min(nodes_left, built_left) <= 0:
            entry.reason = "work budget"
            residual.append(entry)
            continue
        parse_left -= parsed
        try:
            builder = Builder(
                nfa, entry.bit, min(MAX_NFA_NODES_PER_PATTERN, nodes_left, built_left)
            )
            if entry.plain is not None:
                items, flags = plain_items(entry.plain), F_I
            else:
                items, flags = parse(entry.pattern)
            start = builder.seq(items, flags, builder.accept, True)
        except (Unsupported, RecursionError) as why:
            entry.reason = str(why) or type(why).__name__
            built_left -= len(nfa.kind) - first
            del nfa.kind[first:], nfa.arg[first:], nfa.out[first:]
            residual.append(entry)
            continue
        built_left -= len(nfa.kind) - first
        nodes_left -= len(nfa.kind) - first
        nfa.chains.extend(builder.chains)
        built.append((entry, (start, entry.bit, first, len(nfa.kind))))

    budget = WorkBudget(work_budget)
    try:
        tables = build_dfa(nfa, [spec for _, spec in built], budget)
    except TooBig:
        spent = budget.spent
        budget = WorkBudget(work_budget // 2)
        budget.spent = spent
        tables, kept, dropped = _fit(nfa, built, budget)
        for entry in dropped:
            entry.reason = "automaton size cap or work budget"
        residual.extend(dropped)
        built = kept

    tables.residual_ignore = [_residual(e.pattern, e.plain) for e in residual if e.bit == IGNORE]
    tables.residual_mask = [_residual(e.pattern, e.plain) for e in residual if e.bit == MASK]
    tables.stats = {
        "patterns": len(mask_patterns) + len(ignore_patterns),
        "invalid": invalid,
        "automaton_patterns": len(built),
        "residual_patterns": len(residual),
        "residual": [(e.pattern, e.reason) for e in residual],
        "nfa_nodes": len(nfa.kind),
        "states": tables.n_states,
        "classes": tables.n_classes,
        "table_bytes": len(tables.trans) + 4 * tables.n_states + 132,  # + acc/eot/stops
        "work": budget.spent,
        "compile_ms": (time.perf_counter() - began) * 1000.0,
    }
    return tables


def _fit(
    nfa: Nfa, built: list[tuple[_Entry, tuple[int, int, int, int]]], budget: WorkBudget
) -> tuple[Tables, list[tuple[_Entry, tuple[int, int, int, int]]], list[_Entry]]:
    """The largest prefix of the patterns whose automaton fits; the rest is residual.

    Binary search keeps the number of rebuilds logarithmic in the number of patterns,
    and every rebuild draws on one budget: once it is spent, no prefix but the empty
    one fits (built from an empty NFA: a single state, nearly free).
    """
    low, high = 0, len(built)  # a prefix of `low` patterns fits; of `high` does not
    best = build_dfa(Nfa(), [], WorkBudget(1 << 20))  # no pattern: one state, no nodes
    while high - low > 1:
        middle = (low + high) // 2
        try:
            best_try = build_dfa(nfa, [spec for _, spec in built[:middle]], budget)
        except TooBig:
            high = middle
        else:
            low, best = middle, best_try
    return best, built[:low], [entry for entry, _ in built[low:]]
