"""exceptions_from_error_tuple per workload: posthog 7.91.1 against both fastvars twins.

pytest-benchmark, one group per workload:
    pytest bench/bench_stacktrace.py --benchmark-only --benchmark-group-by=group \
        --benchmark-columns=median,iqr,rounds --benchmark-sort=name
Ratios side by side (interleaved rounds, medians per call; posthog's median over the
twin's in the same round): python bench/bench_stacktrace.py [workload] [rounds]
"""

import statistics
import sys
import time

import pytest
from posthog import exception_utils as ph

from fastvars.bench import workloads
from fastvars.core import stacktrace

IMPLEMENTATIONS = {
    "posthog": ph.exceptions_from_error_tuple,
    "fastvars-py": stacktrace.python_exceptions_from_error_tuple,
    "fastvars-c": stacktrace.compiled_exceptions_from_error_tuple,
}


@pytest.mark.parametrize("implementation", list(IMPLEMENTATIONS))
@pytest.mark.parametrize("workload", list(workloads.WORKLOADS))
def test_exceptions_from_error_tuple(benchmark, workload, implementation):
    if implementation == "fastvars-c" and stacktrace.COMPILED_STACK is None:
        pytest.skip("compiled stacktrace unavailable")
    benchmark.group = workload
    exc_info = workloads.WORKLOADS[workload].make()
    function = IMPLEMENTATIONS[implementation]
    mechanism = {"type": "generic", "handled": True}
    benchmark(function, exc_info, mechanism)


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "standard"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    exc_info = workloads.WORKLOADS[name].make()
    functions = {
        "posthog": ph.exceptions_from_error_tuple,
        "fastvars-py": stacktrace.python_exceptions_from_error_tuple,
    }
    if stacktrace.COMPILED_STACK is not None:
        functions["fastvars-c"] = stacktrace.compiled_exceptions_from_error_tuple
    mechanism = {"type": "generic", "handled": True}
    for function in functions.values():
        assert repr(function(exc_info, mechanism)) == repr(
            functions["posthog"](exc_info, mechanism)
        )
    times = {key: [] for key in functions}
    ratios = {key: [] for key in functions}
    for _ in range(rounds):
        medians = {}
        for key, function in functions.items():
            samples = []
            for _ in range(30):
                start = time.perf_counter()
                function(exc_info, mechanism)
                samples.append(time.perf_counter() - start)
            medians[key] = statistics.median(samples)
            times[key].append(medians[key])
        for key in functions:
            ratios[key].append(medians["posthog"] / medians[key])
    frames = sum(
        len(e.get("stacktrace", {}).get("frames", [])) for e in functions["posthog"](exc_info)
    )
    print(f"{name}: {frames} frames, CPython {sys.version.split()[0]}")
    for key in functions:
        print(
            f"  {key:12s} {statistics.median(times[key]) * 1e6:9.1f} us   "
            f"{statistics.median(ratios[key]):6.2f}x posthog"
        )


if __name__ == "__main__":
    main()
