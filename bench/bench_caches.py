"""Cached name classification when more distinct names pass than a cache holds.

Run: pytest bench/bench_caches.py --benchmark-only

A service whose frames and payloads hold more distinct names than the name cache
(dict keys of JSON payloads, module globals of a large app) streams 50,000 distinct
names through it, while a hot set (a request handler's locals, config keys) recurs in
every capture. Each round classifies COLD_PER_ROUND new names, then the hot set; the
benchmark times the hot set alone (per-name time = median / len(HOT)), which stays
cached only if the cache keeps its hot set when it turns over.
"""

import itertools

import pytest

from fastvars.constants import DEFAULT_IGNORE_PATTERNS, DEFAULT_MASK_PATTERNS
from fastvars.core import _matching, matching

DISTINCT = 50_000
COLD_PER_ROUND = 500
HOT = [f"{prefix}_{i}" for prefix in ("user", "order", "config", "request") for i in range(500)]
COLD = [f"payload_key_{i}" for i in range(DISTINCT)]


def _matchers():
    found = [matching]
    if getattr(_matching, "Matcher", None) is not None:
        found.append(_matching)
    return found


@pytest.mark.parametrize("impl", _matchers(), ids=lambda m: m.__name__.rsplit(".", 1)[-1])
def test_hot_names_among_50000_distinct(benchmark, impl):
    matcher = impl.Matcher(list(DEFAULT_MASK_PATTERNS), list(DEFAULT_IGNORE_PATTERNS))
    expected = matcher.classify_many(HOT, cache=False)
    cold = itertools.cycle(range(0, DISTINCT, COLD_PER_ROUND))

    def stream_cold():
        start = next(cold)
        matcher.classify_many(COLD[start : start + COLD_PER_ROUND])
        return (), {}

    for _ in range(DISTINCT // COLD_PER_ROUND):  # one full pass of the distinct names
        stream_cold()
        matcher.classify_many(HOT)
    benchmark.group = "classify: hot set among 50,000 distinct names"
    result = benchmark.pedantic(lambda: matcher.classify_many(HOT), setup=stream_cold, rounds=300)
    assert result == expected
