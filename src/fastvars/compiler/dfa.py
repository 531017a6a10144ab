"""Stage 4 of the pattern compiler: the subset construction, NFA to DFA.

Takes the NFA of :mod:`.nfa` and the patterns to include, as (start node, bit, first
node, end node); gives :class:`~.tables.Tables`, or raises :class:`TooBig` past
:data:`MAX_DFA_STATES` states or when the compile's :class:`WorkBudget` runs out (the
caller, :mod:`.patterns`, then keeps the largest prefix of the patterns that fits).

The construction has search semantics (a match may start anywhere) and its states also
record the bits already found: once a bit is found, every NFA node of the patterns with
that bit is dropped, so the DFA stays small and the loop can stop as soon as no bit can
change any more. Built lazily from the start state, as RE2's DFA is, but to completion
and once per pattern list, within a bounded work budget.
"""

from __future__ import annotations

from ..constants import IGNORE, MASK
from .alphabet import ASCII_LETTERS, NA_DIGIT, NA_OTHER, NA_SPACE, NA_WORD, NEWLINE, symbol_classes
from .nfa import ASSERT, AT_LINE_START, CHAR, CTX_NL, CTX_OTHER, CTX_START, EPS, Nfa
from .tables import Tables, encode_row, encode_rows

# A DFA with more states (or transitions) than this is too big: its patterns go residual.
MAX_DFA_STATES = 4000
MAX_TRANSITIONS = 1 << 18


class TooBig(Exception):
    """The DFA would pass its size cap or its compile's work budget."""


# The DFA work a compile may spend, in units of about 0.06 us of CPython: per DFA state
# built, its NFA nodes times the NFA's width in 64-bit words (node sets are big
# integers, moved node by node) plus its row's entries. The 21 default patterns take
# about 7,600 units; 100 plain words 15,000 to 270,000; `.{1990}z`, which took
# seconds, would take about 60,000,000. The first build gets the budget; if it runs
# out, patterns._fit's search for the largest prefix that fits gets half of it more, all of its
# builds drawing on that, so a compile's DFA work is bounded whatever the patterns;
# what does not fit is residual (exact re.search).
DFA_WORK_BUDGET = 300_000


class WorkBudget:
    """What is left of one compile's automaton work; spend() raises TooBig past it."""

    __slots__ = ("left", "spent")

    def __init__(self, units: int) -> None:
        self.left = units
        self.spent = 0

    def spend(self, units: int) -> None:
        self.left -= units
        self.spent += units
        if self.left < 0:
            raise TooBig()


def build_dfa(nfa: Nfa, patterns: list[tuple[int, int, int, int]], budget: WorkBudget) -> Tables:
    """DFA tables for the given (start node, bit, first node, end node) patterns.
    Raises TooBig past MAX_DFA_STATES states or when ``budget`` runs out."""
    kind, arg, out = nfa.kind, nfa.arg, nfa.out
    # Only the nodes of these patterns: patterns._fit builds prefixes of a bigger NFA, whose
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
    symbol_class, reps = symbol_classes(atoms)
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
                raise TooBig()
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
    # A case-fold special code point (CASE_FOLD_CODE_POINTS) can only behave unlike its
    # class representative in an atom that holds an ASCII letter (`(?i)s` holds 'ſ',
    # `[^s]` does not); with no such atom the representative is exact for it too.
    uses_case = any(atom & ASCII_LETTERS for atom in atoms)
    tables = Tables(
        n_states=n_states,
        n_classes=n_classes,
        ascii_class=bytes(symbol_class[:128]),
        na_class=na_class,
        uses_categories=len(set(na_class)) > 1,
        uses_case=uses_case,
        trans=encode_rows(trans, n_classes, stop, stop_mask),
        start=encode_row(0, n_classes, stop, stop_mask),
        acc=acc_bytes,
        eot=eot_bytes,
        stop=bytes(stop),
        stop_mask=stop_mask,
        bits=bits_present,
    )
    return tables
