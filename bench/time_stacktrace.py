"""Time exceptions_from_error_tuple on a workload: posthog against both fastvars twins.

Interleaved rounds, medians per call; ratios are posthog's median over the twin's in the
same round. Usage: python bench/time_stacktrace.py [workload] [rounds]
"""

import statistics
import sys
import time

from posthog import exception_utils as ph

from fastvars import stacktrace, workloads


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
        assert repr(function(exc_info, mechanism)) == repr(functions["posthog"](exc_info, mechanism))
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
    frames = sum(len(e.get("stacktrace", {}).get("frames", [])) for e in functions["posthog"](exc_info))
    print(f"{name}: {frames} frames, CPython {sys.version.split()[0]}")
    for key in functions:
        print(f"  {key:12s} {statistics.median(times[key]) * 1e6:9.1f} us   "
              f"{statistics.median(ratios[key]):6.2f}x posthog")


if __name__ == "__main__":
    main()
