"""The known-secret compiler: posthog's vendor formats as a position automaton.

Takes the format regexes of :mod:`.known_secrets` (the data); gives
:class:`SecretTables`, the flat arrays ``fv_secrets`` of ``csrc/secret_chains.h``
expects, run by ``fv_secrets_search`` (``csrc/secret_chains.c``) for the compiled
``_secret_detection``. Each format becomes chains of positions, one per character it
must match, alternatives expanded into separate chains; a DFA for the union of the
formats would be the product of their counters, too big. Formats are ASCII and use
literals, sets, groups, alternation and repeats only (:class:`~.syntax.Unsupported`
otherwise).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .alphabet import charset, literal
from .known_secrets import FORMAT_REGEXES
from .syntax import C, Unsupported, parse

# The most positions and dominance groups the C search keeps on its stack. Its copies,
# FV_SECRETS_MAX_POS and FV_SECRETS_MAX_GROUPS in csrc/secret_chains.h, size its arrays;
# tests/test_c_constants.py checks that they agree.
MAX_SECRET_POSITIONS = 2048
MAX_SECRET_GROUPS = 256


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
            mask = literal(av, 0) if op is C.LITERAL else charset(av, 0)
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
                options = [
                    [pos for part in combo for pos in part] for combo in _product(body_chains, low)
                ]
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
    """The position automaton of ``formats`` (posthog's, by default) for the C search.
    Raises Unsupported for a format it cannot represent or tables past the C caps."""
    chains = [chain for fmt in formats for chain in _chains(parse(fmt)[0], True, True)]
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
    if len(nexts) > MAX_SECRET_POSITIONS or n_groups > MAX_SECRET_GROUPS:
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
