"""A whole capture per workload: posthog 7.91.1, fastvars' Python engine, its compiled
engine, and the floor (a Python loop calling repr() on every local of the same frames).

Run (medians side by side, one group per workload):
    pytest bench/bench_capture.py --benchmark-only --benchmark-group-by=group \
        --benchmark-columns=median,iqr,rounds --benchmark-sort=name
Ratios against posthog are printed at the end by bench/bench_capture.py --summary
(python bench/bench_capture.py), which runs the same four callables with timeit.
"""

from __future__ import annotations

import os
import statistics
import sys
import timeit

import pytest
from posthog import exception_utils as ph

sys.path.insert(0, os.path.dirname(__file__))
import fastvars
import workloads
from fastvars import engine as fv_engine
from fastvars.constants import DEFAULT_IGNORE_PATTERNS, DEFAULT_MASK_PATTERNS

MASK = list(DEFAULT_MASK_PATTERNS)
IGNORE = list(DEFAULT_IGNORE_PATTERNS)


def _posthog(exc_info, exceptions):
    return lambda: ph.attach_code_variables_to_frames(
        exceptions, exc_info, MASK, IGNORE, True, True
    )


def _fastvars(engine):
    def make(exc_info, exceptions):
        return lambda: fastvars.attach_code_variables(
            exceptions, exc_info, MASK, IGNORE, True, True, engine=engine
        )

    return make


def _repr_floor(exc_info, exceptions):
    frames = workloads.frame_locals(exc_info)

    def run():
        for frame in frames:
            for value in frame.f_locals.values():
                repr(value)

    return run


CONTENDERS = {"posthog": _posthog, "fastvars-python": _fastvars(fv_engine.PYTHON)}
if fv_engine.COMPILED is not None:
    CONTENDERS["fastvars-c"] = _fastvars(fv_engine.COMPILED)
CONTENDERS["repr-floor"] = _repr_floor

_PREPARED = {}


def _prepared(name):
    if name not in _PREPARED:
        _PREPARED[name] = workloads.WORKLOADS[name]()
    return _PREPARED[name]


@pytest.mark.parametrize("contender", list(CONTENDERS))
@pytest.mark.parametrize("workload", list(workloads.WORKLOADS))
def test_capture(benchmark, workload, contender):
    exc_info, exceptions = _prepared(workload)
    benchmark.group = workload
    benchmark.name = contender
    benchmark(CONTENDERS[contender](exc_info, exceptions))


def _median_us(fn, repeat, number):
    return (
        statistics.median(t / number for t in timeit.repeat(fn, repeat=repeat, number=number)) * 1e6
    )


def summary(repeat=15, scale=1.0):
    """Medians in µs and speed-ups against posthog, every workload, one process."""
    print(
        f"{'workload':<14}"
        + "".join(f"{c:>17}" for c in CONTENDERS)
        + f"{'c/posthog':>11}{'c/floor':>9}{'py/posthog':>12}"
    )
    for name in workloads.WORKLOADS:
        exc_info, exceptions = _prepared(name)
        fns = {c: make(exc_info, exceptions) for c, make in CONTENDERS.items()}
        base = _median_us(fns["posthog"], 3, 3)
        number = max(3, int(scale * 20000 / max(base, 1.0)))
        # Interleaved rounds: each contender timed in every round, then medians.
        samples = {c: [] for c in fns}
        for _ in range(repeat):
            for c, fn in fns.items():
                samples[c].append(min(timeit.repeat(fn, repeat=1, number=number)) / number * 1e6)
        med = {c: statistics.median(s) for c, s in samples.items()}
        row = f"{name:<14}" + "".join(f"{med[c]:>15.1f}µs" for c in fns)
        if "fastvars-c" in med:
            row += f"{med['posthog'] / med['fastvars-c']:>10.1f}x"
            row += f"{med['fastvars-c'] / med['repr-floor']:>8.2f}x"
        row += f"{med['posthog'] / med['fastvars-python']:>11.2f}x"
        print(row, flush=True)


if __name__ == "__main__":
    summary(scale=float(os.environ.get("FASTVARS_BENCH_SCALE", "1")))
