"""Stage 3 of the pattern compiler: Thompson's construction of one NFA for every pattern.

Takes each supported pattern's parse tree (:mod:`.syntax`) with its bit, IGNORE or MASK;
gives one NFA for the union of all patterns (:class:`Nfa`), whose accepting nodes carry
the bits and whose CHAR nodes consume atoms of :mod:`.alphabet`. A construct it cannot
represent exactly raises :class:`~.syntax.Unsupported`. The subset construction
(:mod:`.dfa`) turns the NFA into tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..constants import IGNORE, MASK
from .alphabet import ALL_SYMBOLS, NEWLINE, charset, literal
from .syntax import F_M, F_S, C, Unsupported

# An NFA bigger than this for one pattern is residual.
MAX_NFA_NODES_PER_PATTERN = 2000

# Node kinds. EPS and ASSERT are followed by the closure; CHAR consumes one symbol;
# ACCEPT sets its bit where it is reached; EOT sets its bit only at the end of the text.
EPS, ASSERT, CHAR, ACCEPT, EOT = range(5)
# Assertion contexts: at position 0, right after a newline, anywhere else.
CTX_START, CTX_NL, CTX_OTHER = 0, 1, 2
AT_TEXT_START, AT_LINE_START = 0, 1


class Nfa:
    """The nodes of the NFA, as parallel lists, starting with the ACCEPT and EOT nodes of
    IGNORE and MASK that every pattern of that bit ends in."""

    def __init__(self) -> None:
        self.kind: list[int] = []
        self.arg: list[Any] = []  # CHAR: symbol mask; ASSERT: which; ACCEPT/EOT: bit
        self.out: list[Any] = []  # EPS: list of nodes; others: one node (or None)
        self.accept: dict[int, int] = {}
        self.eot: dict[int, int] = {}
        self.chains: list[int] = []  # counter runs, see Builder.repeat
        for bit in (IGNORE, MASK):
            self.accept[bit] = self.add(ACCEPT, bit, None)
            self.eot[bit] = self.add(EOT, bit, None)

    def add(self, kind: int, arg: Any, out: Any) -> int:
        self.kind.append(kind)
        self.arg.append(arg)
        self.out.append(out)
        return len(self.kind) - 1


class Builder:
    """Thompson construction of one pattern, built back to front by continuation."""

    def __init__(self, nfa: Nfa, bit: int, max_nodes: int = MAX_NFA_NODES_PER_PATTERN) -> None:
        self.nfa = nfa
        self.bit = bit
        self.accept = nfa.accept[bit]
        self.first = len(nfa.kind)
        self.max_nodes = max_nodes
        self.chains: list[int] = []

    def _add(self, kind: int, arg: Any, out: Any) -> int:
        if len(self.nfa.kind) - self.first > self.max_nodes:
            raise Unsupported("NFA too large")
        return self.nfa.add(kind, arg, out)

    def seq(self, items: Sequence[tuple[Any, Any]], flags: int, cont: int, head: bool) -> int:
        items = list(items)
        for index in range(len(items) - 1, -1, -1):
            cont = self.item(items[index], flags, cont, head and index == 0)
        return cont

    def item(self, item: tuple[Any, Any], flags: int, cont: int, head: bool) -> int:
        op, av = item
        if op is C.LITERAL:
            return self._add(CHAR, literal(av, flags), cont)
        if op is C.NOT_LITERAL:
            return self._add(CHAR, ALL_SYMBOLS & ~literal(av, flags), cont)
        if op is C.ANY:
            mask = ALL_SYMBOLS if flags & F_S else ALL_SYMBOLS & ~(1 << NEWLINE)
            return self._add(CHAR, mask, cont)
        if op is C.IN:
            return self._add(CHAR, charset(av, flags), cont)
        if op is C.BRANCH:
            return self._add(EPS, None, [self.seq(alt, flags, cont, head) for alt in av[1]])
        if op is C.SUBPATTERN:
            _group, add, remove, body = av
            return self.seq(body, (flags | add) & ~remove, cont, head)
        if op is C.MAX_REPEAT or op is C.MIN_REPEAT:
            # Laziness does not change whether a match exists.
            return self.repeat(av, flags, cont, head)
        if op is C.AT:
            return self.at(av, flags, cont)
        raise Unsupported(str(op))

    def repeat(self, av: tuple[int, int, Any], flags: int, cont: int, head: bool) -> int:
        low, high, body = av
        if cont == self.accept or head:
            # For search presence, X{m,n} at either end of a pattern is X{m}: a match
            # with more copies contains one with m copies (ending earlier or starting later).
            high = low
        # A run X{m} of one atom that ends the pattern, or feeds X*, is a counter: a
        # thread further along it accepts everything a thread behind it does, so the DFA
        # keeps only the most advanced one (else `sk-X{20}` grows a state per subset of
        # the `sk-` starts in the last 20 characters).
        single = len(body) == 1 and body[0][0] in (C.LITERAL, C.NOT_LITERAL, C.ANY, C.IN)
        chain = 0
        if high is C.MAXREPEAT or high == C.MAXREPEAT:
            loop = self._add(EPS, None, [])
            self.nfa.out[loop] = [self.seq(body, flags, loop, False), cont]
            start = loop
            if single:
                chain = 1 << self.nfa.out[loop][0]
        else:
            start = cont
            for _ in range(high - low):
                start = self._add(EPS, None, [self.seq(body, flags, start, False), cont])
            if single and high == low and cont == self.accept:
                chain = -1
        for _ in range(low):
            start = self.seq(body, flags, start, False)
            if chain:
                chain = (chain if chain > 0 else 0) | (1 << start)
        if chain > 0 and chain & (chain - 1):
            # Built back to front: the lowest node id is the most advanced position.
            self.chains.append(chain)
        return start

    def at(self, code: Any, flags: int, cont: int) -> int:
        if code is C.AT_BEGINNING_STRING or (code is C.AT_BEGINNING and not flags & F_M):
            return self._add(ASSERT, AT_TEXT_START, cont)
        if code is C.AT_BEGINNING:
            return self._add(ASSERT, AT_LINE_START, cont)
        if code in (C.AT_END, C.AT_END_STRING):
            # Lookahead assertions are supported only where the pattern ends, where they
            # become nodes that accept at the end of the text (or at a newline).
            if cont != self.accept:
                raise Unsupported("end assertion before more pattern")
            eot = self.nfa.eot[self.bit]
            if code is C.AT_END_STRING:
                return eot
            newline = 1 << NEWLINE
            if flags & F_M:  # end of text, or before any newline
                return self._add(EPS, None, [eot, self._add(CHAR, newline, self.accept)])
            # Python's `$`: end of text, or before a newline that ends the text.
            return self._add(EPS, None, [eot, self._add(CHAR, newline, eot)])
        raise Unsupported(f"assertion {code}")


def plain_items(text: str) -> list[tuple[Any, Any]]:
    """A ``(?i)text`` pattern as a sequence of literals that ``str.lower()`` maps to text."""
    if not text.isascii():
        raise Unsupported("non-ASCII caseless text")
    # text is already lowercased: an ASCII character lowers to it iff it is it or its
    # upper case (non-ASCII ones that lower to ASCII are CASE_FOLD_CODE_POINTS).
    return [(C.LITERAL, ord(ch)) for ch in text]
