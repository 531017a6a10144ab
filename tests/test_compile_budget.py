"""Bounded pattern compiles (issue 14, item 5): the automaton's compile has a work
budget; a pattern past it takes the residual path (exact ``re.search``, as posthog
matches it), while every pattern style that is cheap stays on the automaton. The
compile times themselves are measured in bench/bench_compile.py, not asserted here."""

import random

import pytest
from posthog import exception_utils as ph

import fastvars
from fastvars import compiler
from fastvars import engine as fv_engine
from fastvars.constants import DEFAULT_IGNORE_PATTERNS, DEFAULT_MASK_PATTERNS

WORDS = [p[len("(?i)") :] for p in DEFAULT_MASK_PATTERNS]

ON_THE_AUTOMATON = {
    "defaults": (list(DEFAULT_MASK_PATTERNS), list(DEFAULT_IGNORE_PATTERNS)),
    "docs style .*word.*": ([f"(?i).*{w}.*" for w in WORDS], ["^__.*"]),
    "anchored": (["^api_", "(?i)^x_.*_key$"], ["^__.*", "^_[a-z]+$", "^tmp"]),
    "plain words, 100": ([f"(?i)w{i:03d}pass" for i in range(100)], ["^__.*"]),
    "defaults twice over": (list(DEFAULT_MASK_PATTERNS) * 2, list(DEFAULT_IGNORE_PATTERNS)),
}

OVER_BUDGET = {
    "issue: .{1990}z": [".{1990}z"],
    "issue: .{1900}z, .{1900}y": [".{1900}z", ".{1900}y"],
    "100 of .{1900+i}z": [f".{{{1900 + i}}}z" for i in range(100)],
    "100 of 2,000 characters": [
        "".join(random.Random(i).choice("ab.") for _ in range(2000)) for i in range(100)
    ],
}


def _tables(mask, ignore):
    return compiler.compile_tables(mask, ignore, lambda pattern, error: None)


@pytest.mark.parametrize("name", sorted(ON_THE_AUTOMATON))
def test_cheap_styles_stay_on_the_automaton(name):
    mask, ignore = ON_THE_AUTOMATON[name]
    tables = _tables(mask, ignore)
    assert tables.stats["residual_patterns"] == 0, tables.stats["residual"]
    assert tables.stats["work"] <= compiler.DFA_WORK_BUDGET


@pytest.mark.parametrize("name", sorted(OVER_BUDGET))
def test_patterns_past_the_budget_are_residual(name):
    mask = OVER_BUDGET[name]
    tables = _tables(mask, [])
    assert tables.stats["residual_patterns"] >= 1
    reasons = {reason for _, reason in tables.stats["residual"]}
    assert reasons <= {"work budget", "automaton size cap or work budget", "NFA too large"}
    # Spent at most one state's work past the budget.
    assert tables.stats["work"] <= compiler.DFA_WORK_BUDGET * 1.6


def test_a_budget_failure_keeps_what_fits_on_the_automaton():
    mask = list(DEFAULT_MASK_PATTERNS) + [".{1990}z"]
    tables = _tables(mask, list(DEFAULT_IGNORE_PATTERNS))
    assert [pattern for pattern, _ in tables.stats["residual"]] == [".{1990}z"]
    assert tables.stats["automaton_patterns"] == len(mask)


def test_a_tiny_budget_sends_everything_to_the_exact_path():
    tables = compiler.compile_tables(
        list(DEFAULT_MASK_PATTERNS), ["^__.*"], lambda pattern, error: None, work_budget=10
    )
    assert tables.stats["automaton_patterns"] == 0
    assert tables.stats["residual_patterns"] == len(DEFAULT_MASK_PATTERNS) + 1


NAMES = [
    "password",
    "x" * 1989 + "z",
    "a" * 1995 + "z",
    "b" * 1905 + "y",
    "y" * 1899 + "z",
    "\n" * 1990 + "z",
    "short_z",
    "__dunder__",
    "api_key",
    "token",
    "ab." * 700,
    "a" * 1990 + "\nz",
    "é" * 1995 + "z",
    "\u212a" * 1992 + "z",
]


def _posthog_bits(mask, ignore, name):
    m = ph._build_matcher(ph._compile_patterns(mask or []))
    i = ph._build_matcher(ph._compile_patterns(ignore or []))
    return (fastvars.IGNORE if ph._matcher_matches(name, i) else 0) | (
        fastvars.MASK if ph._matcher_matches(name, m) else 0
    )


@pytest.mark.parametrize("name", sorted(OVER_BUDGET))
def test_residual_patterns_answer_as_posthog(engine, name):
    mask = OVER_BUDGET[name]
    ignore = list(DEFAULT_IGNORE_PATTERNS)
    matcher = engine.compile_patterns(mask, ignore)
    for text in NAMES:
        assert matcher.classify(text) == _posthog_bits(mask, ignore, text), text[:20]
        assert matcher.mask_search(text) == bool(_posthog_bits(mask, [], text)), text[:20]


@pytest.mark.c_extension
def test_compiled_matcher_reports_the_residual_path():
    stats = fv_engine.COMPILED.compile_patterns([".{1990}z"], ["^__.*"]).stats()
    assert stats["residual"] == [(".{1990}z", "automaton size cap or work budget")]
    assert stats["automaton_patterns"] == 1


def test_warm_compiles_for_every_engine_into_the_capture_caches(monkeypatch):
    mask = [f"(?i)warm_only_{i}" for i in range(3)]
    assert fv_engine.warm((p for p in mask), None) is True
    calls = []
    real = compiler.compile_tables
    monkeypatch.setattr(
        compiler, "compile_tables", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    for current in fv_engine.available().values():
        current.compile_patterns(tuple(mask), ())
    assert calls == []  # every engine's cache already held them
    assert fv_engine.warm([1], None) is False  # never raises
