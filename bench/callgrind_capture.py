"""Instructions per capture, for before/after comparisons that timings on a shared
machine cannot settle. Run twice, with N captures and with none, and subtract:

    PYTHONHASHSEED=0 setarch x86_64 -R valgrind --tool=callgrind \\
        --callgrind-out-file=/dev/null python bench/callgrind_capture.py 300 standard
    (the same with 0), then (Collected(300) - Collected(0)) / 300

A fixed hash seed and no address randomization keep dict layouts and the address
caches' collisions the same between runs; without them counts vary by a few percent.
Workloads are fastvars-bench's (standard, wide, chained, ...), captured by the
compiled engine as fastvars-bench does, after 30 warm-up captures.
"""

import sys

from posthog import exception_utils as ph

try:
    from fastvars.bench import engines as benchengines
    from fastvars.bench import workloads
except ImportError:  # a tree from before fastvars/bench/, for before/after counts
    from fastvars import benchengines, workloads  # type: ignore[no-redef]


def main() -> None:
    count, which = int(sys.argv[1]), sys.argv[2]
    exc_info = getattr(workloads, which)()
    exceptions = ph.exceptions_from_error_tuple(exc_info)
    for exception in exceptions:
        for frame in exception.get("stacktrace", {}).get("frames", []):
            frame["in_app"] = True
    engine = benchengines.build(["fastvars-c"])[0][0]
    runner = engine.prepare(exc_info, exceptions)
    for _ in range(30 + count):
        runner.capture()


if __name__ == "__main__":
    main()
