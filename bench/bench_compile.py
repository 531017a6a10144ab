"""Pattern compiles: how long compiler.compile_tables takes for the lists of issue 14
(item 5) and for the usual styles, and how much of it is re.compile (which checks every
pattern; posthog compiles each with re.compile too).

Run: pytest bench/bench_compile.py --benchmark-only
 or: python bench/bench_compile.py   (a table: total, re.compile alone, the rest, path)

Every round starts with re's cache purged, as a process's first compile would.
Measured on the 2-core host, CPython 3.11.7, before the work budget (commit 33826b4):
`[".{1990}z"]` 3,369 ms, `[".{1900}z", ".{1900}y"]` 14,767 ms, the defaults 6.4 ms.
"""

import random
import re
import sys
import time

import pytest

from fastvars import compiler
from fastvars.constants import DEFAULT_IGNORE_PATTERNS, DEFAULT_MASK_PATTERNS

WORDS = [p[len("(?i)") :] for p in DEFAULT_MASK_PATTERNS]
LISTS = {
    "issue: .{1990}z": ([".{1990}z"], []),
    "issue: .{1900}z, .{1900}y": ([".{1900}z", ".{1900}y"], []),
    "100 x .{1900+i}z": ([f".{{{1900 + i}}}z" for i in range(100)], []),
    "100 x 2,000 chars of [ab.]": (
        ["".join(random.Random(i).choice("ab.") for _ in range(2000)) for i in range(100)],
        [],
    ),
    "100 x (a|b){400}": (["(a|b)" * 400 + str(i) for i in range(100)], []),
    "defaults": (list(DEFAULT_MASK_PATTERNS), list(DEFAULT_IGNORE_PATTERNS)),
    "docs .*word.*": ([f"(?i).*{w}.*" for w in WORDS], ["^__.*"]),
    "100 plain words": (
        [
            "(?i)" + "".join(random.Random(i).choice("abcdefghijklmnop_") for _ in range(12))
            for i in range(100)
        ],
        ["^__.*"],
    ),
}


def _compile(mask, ignore):
    return compiler.compile_tables(mask, ignore, lambda pattern, error: None)


@pytest.mark.parametrize("name", list(LISTS))
def test_compile(benchmark, name):
    mask, ignore = LISTS[name]
    benchmark.pedantic(_compile, args=(mask, ignore), setup=re.purge, rounds=3, iterations=1)


def _re_compile_only(mask, ignore):
    for pattern in list(mask) + list(ignore):
        if compiler.plain_caseless_text(pattern) is None:
            try:
                re.compile(pattern)
            except re.error:
                pass


def main() -> None:
    print(f"CPython {sys.version.split()[0]}, DFA_WORK_BUDGET {compiler.DFA_WORK_BUDGET}")
    print(f"{'list':30} {'total ms':>9} {'re.compile':>10} {'rest':>7}  automaton/residual")
    for name, (mask, ignore) in LISTS.items():
        re.purge()
        began = time.perf_counter()
        tables = _compile(mask, ignore)
        total = (time.perf_counter() - began) * 1000
        re.purge()
        began = time.perf_counter()
        _re_compile_only(mask, ignore)
        alone = (time.perf_counter() - began) * 1000
        stats = tables.stats
        print(
            f"{name:30} {total:9.1f} {alone:10.1f} {total - alone:7.1f}  "
            f"{stats['automaton_patterns']}/{stats['residual_patterns']}"
        )


if __name__ == "__main__":
    main()
