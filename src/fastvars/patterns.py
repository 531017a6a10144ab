"""Compile mask and ignore pattern lists into one deterministic automaton.

This is the compiler half of the matcher, kept apart from the C loop that runs its
tables (``csrc/automaton.c``), the way RE2 keeps its compiler apart from its DFA loop.

Each pattern is parsed by Python's own parser (``re._parser``, ``sre_parse`` on 3.10), so
syntax, flags and errors are exactly Python's. Supported constructs become one Thompson
NFA for the union of all patterns, whose accepting nodes carry the bit IGNORE or MASK.
A subset construction with search semantics (a match may start anywhere) turns it into a
DFA whose states also record the bits already found: once a bit is found, every NFA node
of the patterns with that bit is dropped, so the DFA stays small and the loop can stop as
soon as no bit can change any more.

Characters are mapped to classes: the 128 ASCII code points and four representatives of
"any other code point" (by its unicode \\w / \\d / \\s membership). That is exact because
supported patterns only mention ASCII characters, and a non-ASCII code point can only
differ from its representative through case folding onto ASCII (:data:`SPECIAL_CODE_POINTS`,
which send the whole text to the exact Python path) or through unicode categories (which
the C loop looks up in a table). Everything else - lookaround, backreferences, ``\\b``,
conditionals, possessive and atomic constructs, non-ASCII literals, an automaton past its
size cap - goes to a residual list that Python's ``re`` runs, consulted only for a bit the
automaton did not set.
"""

from __future__ import annotations

import re
import sys
import time
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .known_secrets import FORMAT_REGEXES, KNOWN_SECRET_RE  # noqa: F401  (re-exported)

if sys.version_info >= (3, 11):
    # typeshed has no stubs for re's private parser modules (sre_* below are the same)
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]
else:  # pragma: no cover - 3.10
    import sre_constants as C
    import sre_parse as P

IGNORE = 1
MASK = 2

# Non-ASCII code points that Python's regex IGNORECASE or str.lower() relate to an ASCII
# character: U+0130 (İ, lower 'i̇', simple lower 'i'), U+0131 (ı, upper 'I'), U+017F (ſ,
# folds to 's'), U+212A (Kelvin, lower 'k'). Found by scanning every code point (see
# tests/test_matching_unicode.py, which recomputes it). A text holding one takes the exact
# Python path.
SPECIAL_CODE_POINTS: tuple[int, ...] = (0x130, 0x131, 0x17F, 0x212A)

# Symbols of the class alphabet: 0..127 are ASCII code points, then one representative per
# kind of other code point: neither \w nor \s, \w but not \d, \d (always \w), \s.
NA_OTHER, NA_WORD, NA_DIGIT, NA_SPACE = 128, 129, 130, 131
N_SYMBOLS = 132
NA_REPRESENTATIVES = {NA_OTHER: "\u20ac", NA_WORD: "\u00e9", NA_DIGIT: "\u0663", NA_SPACE: "\u2003"}
ALL_SYMBOLS = (1 << N_SYMBOLS) - 1
NEWLINE = 10

# Bounds: an NFA bigger than this for one pattern, or a DFA with more states, is residual.
MAX_NFA_NODES_PER_PATTERN = 2000
MAX_DFA_STATES = 4000
MAX_TRANSITIONS = 1 << 18
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

_METACHARACTERS = frozenset("\\.^$*+?{}[]|()")
_CASELESS_FLAGS = re.compile(r"\(\?[aiLmsux]*i[aiLmsux]*\)")

_F_I = C.SRE_FLAG_IGNORECASE
_F_M = C.SRE_FLAG_MULTILINE
_F_S = C.SRE_FLAG_DOTALL
_F_A = C.SRE_FLAG_ASCII


class Unsupported(Exception):
    """The automaton cannot represent this pattern exactly: it goes to the residual list."""


def plain_caseless_text(pattern: str) -> str | None:
    """The lowercased text of a ``(?i)text`` pattern, or None (posthog's substring rule)."""
    flags = _CASELESS_FLAGS.match(pattern)
    if flags is None:
        return None
    text = pattern[flags.end() :]
    if not text or not _METACHARACTERS.isdisjoint(text):
        return None
    return text.lower()


# --- character sets as bitmasks over the symbol alphabet --------------------------------


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


def _fold(mask: int) -> int:
    """Add the other case of every ASCII letter in ``mask`` (IGNORECASE on ASCII)."""
    upper = (mask >> 97) & 0x3FFFFFF  # a..z
    lower = (mask >> 65) & 0x3FFFFFF  # A..Z
    return mask | (upper << 65) | (lower << 97)


def _literal(code: int, flags: int) -> int:
    if code >= 128:
        raise Unsupported("non-ASCII literal")
    mask = 1 << code
    return _fold(mask) if flags & _F_I else mask


def _charset(items: Sequence[tuple[Any, Any]], flags: int) -> int:
    mask = 0
    negate = False
    for op, av in items:
        if op is C.NEGATE:
            negate = True
        elif op is C.LITERAL:
            mask |= _literal(av, flags)
        elif op is C.RANGE:
            low, high = av
            if high >= 128:
                raise Unsupported("non-ASCII range")
            rng = ((1 << (high + 1)) - 1) & ~((1 << low) - 1)
            mask |= _fold(rng) if flags & _F_I else rng
        elif op is C.CATEGORY:
            mask |= _CATEGORIES[(av, bool(flags & _F_A))]
        else:
            raise Unsupported(f"set item {op}")
    return ALL_SYMBOLS & ~mask if negate else mask


# --- the NFA ---------------------------------------------------------------------------

# Node kinds. EPS and ASSERT are followed by the closure; CHAR consumes one symbol;
# ACCEPT sets its bit where it is reached; EOT sets its bit only at the end of the text.
EPS, ASSERT, CHAR, ACCEPT, EOT = range(5)
# Assertion contexts: at position 0, right after a newline, anywhere else.
CTX_START, CTX_NL, CTX_OTHER = 0, 1, 2
AT_TEXT_START, AT_LINE_START = 0, 1


class _Nfa:
    def __init__(self) -> None:
        self.kind: list[int] = []
        self.arg: list[Any] = []  # CHAR: symbol mask; ASSERT: which; ACCEPT/EOT: bit
        self.out: list[Any] = []  # EPS: list of nodes; others: one node (or None)
        self.accept: dict[int, int] = {}
        self.eot: dict[int, int] = {}
        self.chains: list[int] = []  # counter runs, see _Builder.repeat
        for bit in (IGNORE, MASK):
            self.accept[bit] = self.add(ACCEPT, bit, None)
            self.eot[bit] = self.add(EOT, bit, None)

    def add(self, kind: int, arg: Any, out: Any) -> int:
        self.kind.append(kind)
        self.arg.append(arg)
        self.out.append(out)
        return len(self.kind) - 1


class _Builder:
    """Thompson construction of one pattern, built back to front by continuation."""

    def __init__(self, nfa: _Nfa, bit: int, max_nodes: int = MAX_NFA_NODES_PER_PATTERN) -> None:
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
            return self._add(CHAR, _literal(av, flags), cont)
        if op is C.NOT_LITERAL:
            return self._add(CHAR, ALL_SYMBOLS & ~_literal(av, flags), cont)
        if op is C.ANY:
            mask = ALL_SYMBOLS if flags & _F_S else ALL_SYMBOLS & ~(1 << NEWLINE)
            return self._add(CHAR, mask, cont)
        if op is C.IN:
            return self._add(CHAR, _charset(av, flags), cont)
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
        if code is C.AT_BEGINNING_STRING or (code is C.AT_BEGINNING and not flags & _F_M):
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
            if flags & _F_M:  # end of text, or before any newline
                return self._add(EPS, None, [eot, self._add(CHAR, newline, self.accept)])
            # Python's `$`: end of text, or before a newline that ends the text.
            return self._add(EPS, None, [eot, self._add(CHAR, newline, eot)])
        raise Unsupported(f"assertion {code}")


def _plain_items(text: str) -> list[tuple[Any, Any]]:
    """A ``(?i)text`` pattern as a sequence of literals that ``str.lower()`` maps to text."""
    if not text.isascii():
        raise Unsupported("non-ASCII caseless text")
    # text is already lowercased: an ASCII character lowers to it iff it is it or its
    # upper case (non-ASCII ones that lower to ASCII are SPECIAL_CODE_POINTS).
    return [(C.LITERAL, ord(ch)) for ch in text]


# --- the residual list -----------------------------------------------------------------

Residual = Callable[[str], bool]


def _residual(pattern: str, plain: str | None) -> Residual:
    if plain is not None:

        def contains_plain(text: str, _plain: str = plain) -> bool:
            return _plain in text.lower()

        return contains_plain
    search = re.compile(pattern).search

    def matches(text: str, _search: Callable[[str], Any] = search) -> bool:
        return _search(text) is not None

    return matches


# --- the DFA ---------------------------------------------------------------------------


@dataclass
class Tables:
    """Everything the C loop needs, as flat byte strings, plus what the compile found."""

    n_states: int = 0
    n_classes: int = 0
    start: int = 0  # the start state's row, with its stop flags
    ascii_class: bytes = bytes(128)
    na_class: bytes = bytes(4)  # class of other code points: other, word, digit, space
    uses_categories: bool = False  # whether na_class differs by kind
    uses_case: bool = False  # whether SPECIAL_CODE_POINTS can change the answer
    trans: bytes = b""  # uint32, n_states * n_classes: see _encode_rows
    acc: bytes = b""  # bits found on reaching each state
    eot: bytes = b""  # bits found if the text ends in each state
    stop: bytes = b""  # 1 where no bit can change any more
    stop_mask: bytes = b""  # 1 where MASK is found or cannot be found any more
    bits: int = 0  # bits some automaton pattern can set
    residual_ignore: list[Residual] = field(default_factory=list)
    residual_mask: list[Residual] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)


class _TooBig(Exception):
    pass


# The DFA work a compile may spend, in units of about 0.06 us of CPython: per DFA state
# built, its NFA nodes times the NFA's width in 64-bit words (node sets are big
# integers, moved node by node) plus its row's entries. The 21 default patterns take
# about 7,600 units; 100 plain words 15,000 to 270,000; `.{1990}z`, which took
# seconds, would take about 60,000,000. The first build gets the budget; if it runs
# out, _fit's search for the largest prefix that fits gets half of it more, all of its
# builds drawing on that, so a compile's DFA work is bounded whatever the patterns;
# what does not fit is residual (exact re.search).
DFA_WORK_BUDGET = 300_000


class WorkBudget:
    """What is left of one compile's automaton work; spend() raises _TooBig past it."""

    __slots__ = ("left", "spent")

    def __init__(self, units: int) -> None:
        self.left = units
        self.spent = 0

    def spend(self, units: int) -> None:
        self.left -= units
        self.spent += units
        if self.left < 0:
            raise _TooBig()


def _partition(atoms: list[int]) -> tuple[list[int], list[int]]:
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


def _build_dfa(nfa: _Nfa, patterns: list[tuple[int, int, int, int]], budget: WorkBudget) -> Tables:
    """DFA tables for the given (start node, bit, first node, end node) patterns.
    Raises _TooBig past MAX_DFA_STATES states or when ``budget`` runs out."""
    kind, arg, out = nfa.kind, nfa.arg, nfa.out
    # Only the nodes of these patterns: _fit builds prefixes of a bigger NFA, whose
    # patterns' nodes come first (each pattern's nodes are consecutive, in order).
    used = max([end for _, _, _, end in patterns], default=len(nfa.accept) + len(nfa.eot))
    # Each node of a state is moved with big-integer operations as wide as the nodes.
    weight = 1 + used // 64
    char_nodes = [i for i in range(used) if kind[i] == CHAR]
    atom_ids: dict[int, int] = {}
    atoms: list[int] = []
    for node in char_nodes:
        if arg[node] not in atom_ids:
            atom_ids[arg[node]] = len(atoms)
            atoms.append(arg[node])
    symbol_class, reps = _partition(atoms)
    n_classes = len(reps)
    newline_class = symbol_class[NEWLINE]
    budget.spend(len(char_nodes) * n_classes // 4)  # node_classes below, for every CHAR node

    closures: dict[tuple[int, int], int] = {}

    def closure(node: int, ctx: int) -> int:
        key = (node, ctx)
        found = closures.get(key)
        if found is not None:
            return found
        seen = {node}
        stack = [node]
        mask = 0
        while stack:
            current = stack.pop()
            k = kind[current]
            if k == EPS:
                nexts = out[current]
            elif k == ASSERT:
                ok = ctx == CTX_START or (arg[current] == AT_LINE_START and ctx == CTX_NL)
                nexts = [out[current]] if ok else ()
            else:
                mask |= 1 << current
                continue
            for nxt in nexts:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        closures[key] = mask
        return mask

    # Which nodes each bit owns (dropped once the bit is found) and its start closures.
    owned = {0: 0, IGNORE: 0, MASK: 0}
    start_of = {IGNORE: [0, 0, 0], MASK: [0, 0, 0]}
    for start, bit, first, end in patterns:
        owned[bit] |= ((1 << end) - 1) & ~((1 << first) - 1)
        for ctx in (CTX_START, CTX_NL, CTX_OTHER):
            start_of[bit][ctx] |= closure(start, ctx)
    for bit in (IGNORE, MASK):
        owned[bit] |= (1 << nfa.accept[bit]) | (1 << nfa.eot[bit])
    owned[IGNORE | MASK] = owned[IGNORE] | owned[MASK]
    in_use = owned[IGNORE | MASK]
    inject = [
        [
            start_of[IGNORE][ctx] * (not acc & IGNORE) | start_of[MASK][ctx] * (not acc & MASK)
            for acc in range(4)
        ]
        for ctx in range(3)
    ]
    accept_nodes = {bit: 1 << nfa.accept[bit] for bit in (IGNORE, MASK)}
    eot_nodes = {bit: 1 << nfa.eot[bit] for bit in (IGNORE, MASK)}
    bits_present = (IGNORE if any(b == IGNORE for _, b, _, _ in patterns) else 0) | (
        MASK if any(b == MASK for _, b, _, _ in patterns) else 0
    )

    # The classes each CHAR node consumes.
    node_classes: dict[int, list[int]] = {}
    for node in char_nodes:
        atom = arg[node]
        node_classes[node] = [cls for cls, rep in enumerate(reps) if atom >> rep & 1]
    succ: list[dict[int, int]] = [{}, {}, {}]

    def step_target(node: int, ctx: int) -> int:
        table = succ[ctx]
        found = table.get(node)
        if found is None:
            found = table[node] = closure(out[node], ctx)
        return found

    chains = [c for c in nfa.chains if c & in_use]
    all_chains = 0
    for c in chains:
        all_chains |= c

    def finish(nodes: int, acc: int) -> tuple[int, int]:
        for bit in (IGNORE, MASK):
            if nodes & accept_nodes[bit]:
                acc |= bit
        nodes &= ~owned[acc]
        if nodes & all_chains:
            for chain in chains:
                on = nodes & chain
                if on & (on - 1):
                    nodes = (nodes & ~chain) | (on & -on)
        return nodes, acc

    ids: dict[tuple[int, int], int] = {}
    states: list[tuple[int, int]] = []
    initial = finish(inject[CTX_START][0], 0)
    ids[initial] = 0
    states.append(initial)
    trans: list[int] = []
    index = 0
    limit = min(MAX_DFA_STATES, MAX_TRANSITIONS // max(n_classes, 1))

    def state_id(key: tuple[int, int]) -> int:
        state = ids.get(key)
        if state is None:
            state = ids[key] = len(states)
            if state >= limit:
                raise _TooBig()
            states.append(key)
        return state

    # Every state holds the restart nodes of the bits not found yet (search semantics):
    # their moves are computed once per acc, and each state only adds its other nodes.
    base = [inject[CTX_OTHER][acc] & ~owned[acc] for acc in range(4)]
    base_step: list[list[int] | None] = [None] * 4
    base_row: list[list[int] | None] = [None] * 4

    def moves(nodes: int) -> dict[int, int]:
        live: dict[int, int] = {}
        while nodes:
            low = nodes & -nodes
            nodes ^= low
            for cls in node_classes.get(low.bit_length() - 1, ()):
                live[cls] = live.get(cls, 0) | low
        return live

    def target(movers: int, cls: int, acc: int) -> int:
        ctx = CTX_NL if cls == newline_class else CTX_OTHER
        found = inject[ctx][acc]
        while movers:
            low = movers & -movers
            movers ^= low
            found |= step_target(low.bit_length() - 1, ctx)
        return found

    while index < len(states):
        nodes, acc = states[index]
        index += 1
        # The work of a state grows with the NFA nodes it moves itself (the restart
        # nodes every state holds are moved once, below) and its row; charged before
        # the work, so a compile that would exceed its budget stops within one state.
        with_base = nodes & base[acc] == base[acc]
        own = nodes & ~base[acc] if with_base else nodes
        budget.spend(own.bit_count() * weight + n_classes)
        if with_base:
            if base_row[acc] is None:
                steps = [target(0, cls, acc) for cls in range(n_classes)]
                for cls, movers in moves(base[acc]).items():
                    steps[cls] = target(movers, cls, acc)
                base_step[acc] = steps
                base_row[acc] = [state_id(finish(t, acc)) for t in steps]
            # Set just above when None (mypy does not narrow an item by a variable index).
            row = list(base_row[acc])  # type: ignore[arg-type]
            steps = base_step[acc]  # type: ignore[assignment]
            for cls, movers in moves(nodes & ~base[acc]).items():
                row[cls] = state_id(finish(steps[cls] | target(movers, cls, acc), acc))
        else:
            row = [state_id(finish(target(0, cls, acc), acc)) for cls in range(n_classes)]
            for cls, movers in moves(nodes).items():
                row[cls] = state_id(finish(target(movers, cls, acc), acc))
        trans.extend(row)

    n_states = len(states)
    acc_bytes = bytes(acc for _, acc in states)
    eot_bytes = bytes(
        acc
        | (IGNORE if nodes & eot_nodes[IGNORE] else 0)
        | (MASK if nodes & eot_nodes[MASK] else 0)
        for nodes, acc in states
    )
    stop = bytearray(n_states)
    for state in range(n_states):
        row = trans[state * n_classes : (state + 1) * n_classes]
        if eot_bytes[state] == acc_bytes[state] and all(t == state for t in row):
            stop[state] = 1
    stop_mask = bytes(
        1 if stop[s] or acc_bytes[s] & MASK or not bits_present & MASK else 0
        for s in range(n_states)
    )
    na_class = bytes(symbol_class[s] for s in (NA_OTHER, NA_WORD, NA_DIGIT, NA_SPACE))
    # A case-fold special code point (SPECIAL_CODE_POINTS) can only behave unlike its
    # class representative in an atom that holds an ASCII letter (`(?i)s` holds 'ſ',
    # `[^s]` does not); with no such atom the representative is exact for it too.
    letters = (0x3FFFFFF << 65) | (0x3FFFFFF << 97)
    uses_case = any(atom & letters for atom in atoms)
    tables = Tables(
        n_states=n_states,
        n_classes=n_classes,
        ascii_class=bytes(symbol_class[:128]),
        na_class=na_class,
        uses_categories=len(set(na_class)) > 1,
        uses_case=uses_case,
        trans=_encode_rows(trans, n_classes, stop, stop_mask),
        start=_row(0, n_classes, stop, stop_mask),
        acc=acc_bytes,
        eot=eot_bytes,
        stop=bytes(stop),
        stop_mask=stop_mask,
        bits=bits_present,
    )
    return tables


# A transition is the target's row offset (state * n_classes), so the loop adds the
# class without a multiply, with two flags saying whether the target ends the search.
STOP_ALL = 1 << 31  # no bit can change any more
STOP_MASK = 1 << 30  # MASK is found or cannot be found any more (mask_search)
ROW = STOP_MASK - 1


def _row(state: int, n_classes: int, stop: bytes | bytearray, stop_mask: bytes) -> int:
    return (
        state * n_classes
        | (STOP_ALL if stop[state] else 0)
        | (STOP_MASK if stop_mask[state] else 0)
    )


def _encode_rows(
    trans: list[int], n_classes: int, stop: bytes | bytearray, stop_mask: bytes
) -> bytes:
    rows = [_row(state, n_classes, stop, stop_mask) for state in range(len(stop))]
    return array("I", [rows[t] for t in trans]).tobytes()  # native uint32, for the C loop


def run_tables(tables: Tables, text: str, want: int = IGNORE | MASK) -> int:
    """The C loop in Python: bits found in ``text`` by the automaton alone, or -1 when
    the text needs the exact path. Used by tests on interpreters without the build."""
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
            if tables.uses_case and code in SPECIAL_CODE_POINTS:
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


# --- the compiler entry point ----------------------------------------------------------


def _parse(pattern: str) -> tuple[Any, int]:
    # Any: sre_parse's stub on 3.10 declares no __iter__ (the class iterates by index).
    parsed: Any = P.parse(pattern, 0)
    return list(parsed), parsed.state.flags


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

    nfa = _Nfa()
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
            builder = _Builder(
                nfa, entry.bit, min(MAX_NFA_NODES_PER_PATTERN, nodes_left, built_left)
            )
            if entry.plain is not None:
                items, flags = _plain_items(entry.plain), _F_I
            else:
                items, flags = _parse(entry.pattern)
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
        tables = _build_dfa(nfa, [spec for _, spec in built], budget)
    except _TooBig:
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
    nfa: _Nfa, built: list[tuple[_Entry, tuple[int, int, int, int]]], budget: WorkBudget
) -> tuple[Tables, list[tuple[_Entry, tuple[int, int, int, int]]], list[_Entry]]:
    """The largest prefix of the patterns whose automaton fits; the rest is residual.

    Binary search keeps the number of rebuilds logarithmic in the number of patterns,
    and every rebuild draws on one budget: once it is spent, no prefix but the empty
    one fits (built from an empty NFA: a single state, nearly free).
    """
    low, high = 0, len(built)  # a prefix of `low` patterns fits; of `high` does not
    best = _build_dfa(_Nfa(), [], WorkBudget(1 << 20))  # no pattern: one state, no nodes
    while high - low > 1:
        middle = (low + high) // 2
        try:
            best_try = _build_dfa(nfa, [spec for _, spec in built[:middle]], budget)
        except _TooBig:
            high = middle
        else:
            low, best = middle, best_try
    return best, built[:low], [entry for entry, _ in built[low:]]


# --- posthog's known secret formats ----------------------------------------------------
# The table itself is data in known_secrets.py; here it becomes position chains.


@dataclass
class SecretTables:
    """The position automaton of the known secret formats, for fv_secrets_search."""

    n_pos: int
    cls: bytes  # 2 uint64 per position
    next: bytes  # int32 per position, -1 where a format completes
    loop: bytes  # 1 byte per position
    start_index: bytes  # 129 int32
    starts: bytes  # int32
    group: bytes  # int16 per position: its dominance group, or -1
    n_groups: int


def _chains(
    items: Sequence[tuple[Any, Any]], tail: bool, head: bool = False
) -> list[list[tuple[int, bool]]]:
    """Every way through ``items`` as a chain of (ASCII mask, repeats) positions."""
    chains: list[list[tuple[int, bool]]] = [[]]
    items = list(items)
    for index, (op, av) in enumerate(items):
        last = tail and index == len(items) - 1
        if head and index == 0 and op is C.MAX_REPEAT and not last and av[0] >= 2:
            # Presence: X{m} that starts a format is X{m,}, i.e. X{m-1}X+, whose
            # threads the dominance groups collapse into one (else m live threads).
            av = (av[0], C.MAXREPEAT, av[2])
        if op in (C.LITERAL, C.IN):
            mask = _literal(av, 0) if op is C.LITERAL else _charset(av, 0)
            if mask >> 128:
                raise Unsupported("secret formats are ASCII")
            options = [[(mask, False)]]
        elif op is C.SUBPATTERN:
            options = _chains(av[3], last)
        elif op is C.BRANCH:
            options = [c for alt in av[1] for c in _chains(alt, last)]
        elif op is C.MAX_REPEAT:
            low, high, body = av
            body_chains = _chains(body, False)
            if last or high == low:  # presence: a trailing X{m,n} is X{m}
                options = [sum(combo, []) for combo in _product(body_chains, low)]
            elif high is C.MAXREPEAT or high == C.MAXREPEAT:
                if len(body_chains) != 1 or len(body_chains[0]) != 1 or low < 1:
                    raise Unsupported("loop over more than one position")
                ((mask, _),) = body_chains[0]
                options = [[(mask, False)] * (low - 1) + [(mask, True)]]
            elif low == 0 and high == 1:
                options = [[]] + body_chains
            else:
                raise Unsupported("bounded repeat inside a format")
        else:
            raise Unsupported(str(op))
        chains = [chain + option for chain in chains for option in options]
    return chains


def _product(
    options: list[list[tuple[int, bool]]], count: int
) -> list[list[list[tuple[int, bool]]]]:
    combos: list[list[list[tuple[int, bool]]]] = [[]]
    for _ in range(count):
        combos = [combo + [option] for combo in combos for option in options]
    return combos


def compile_secret_tables(formats: Sequence[str] = FORMAT_REGEXES) -> SecretTables:
    chains = [chain for fmt in formats for chain in _chains(_parse(fmt)[0], True, True)]
    cls = array("Q")
    groups = array("h")
    n_groups = 0
    nexts = array("i")
    loops = bytearray()
    by_char: list[list[int]] = [[] for _ in range(128)]
    for chain in chains:
        first = len(nexts)
        for offset, (mask, repeats) in enumerate(chain):
            cls.extend((mask & (2**64 - 1), mask >> 64))
            nexts.append(first + offset + 1 if offset + 1 < len(chain) else -1)
            loops.append(1 if repeats else 0)
        for code in range(128):
            if chain[0][0] >> code & 1:
                by_char[code].append(first)
        # Dominance groups: a run of one mask that ends the chain, or ends in X+ of that
        # mask. A thread further along such a run accepts whatever one behind it does,
        # so the loop keeps only the most advanced (the highest position).
        chain_groups = [-1] * len(chain)
        for index in range(len(chain) - 1, -1, -1):
            mask, repeats = chain[index]
            if repeats or index == len(chain) - 1:
                run = index
                while run > 0 and chain[run - 1] == (mask, False):
                    run -= 1
                if index - run >= 1:
                    for k in range(run, index + 1):
                        chain_groups[k] = n_groups
                    n_groups += 1
        groups.extend(chain_groups)
    if len(nexts) > 2048 or n_groups > 256:
        raise Unsupported("too many secret positions")
    start_index = array("i", [0])
    starts = array("i")
    for code in range(128):
        starts.extend(by_char[code])
        start_index.append(len(starts))
    return SecretTables(
        len(nexts),
        cls.tobytes(),
        nexts.tobytes(),
        bytes(loops),
        start_index.tobytes(),
        starts.tobytes(),
        groups.tobytes(),
        n_groups,
    )
