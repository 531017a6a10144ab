"""Instructions per capture, for before/after comparisons that timings on a shared
machine cannot settle. Run twice, with N captures and with none, and subtract:

    PYTHONHASHSEED=0 setarch x86_64 -R valgrind --tool=callgrind \\
        --callgrind-out-file=/dev/null python bench/callgrind_capture.py 300 standard
    (the same with 0), then (Collected(300) - Collected(0)) / 300

A fixed hash seed and no address randomization keep dict layouts and the address
caches' collisions the same between runs; without them counts vary by a few percent.
Workloads are fastvars-bench's (standard, wide, chained, ...), captured by the
compiled engine as fastvars-bench does, after 30 warm-up captures.

``--end-to-end`` counts ``client.capture_exception(exc)`` instead, through a real
sync posthog client as fastvars-bench's end-to-end view runs it (a before_send that
drops the event, the workload raised beneath the service's request stack, a fresh
exception per capture, all raised before the loop). Raising is not a capture's cost:
give the 0-capture run ``--raised N`` so that both runs raise the same exceptions.
With it:

    --code-variables off   the client's capture_exception_code_variables=False
    --posthog              posthog's own functions (fastvars not enabled)
    --floor                fastvars enabled, but each step fastvars stands in for
                           (exceptions_from_error_tuple, handle_in_app, clean, code
                           variables) answered at no cost with a result computed
                           before the loop: what posthog's own code around the steps
                           costs, the part no speed-up of fastvars' can remove
"""

import argparse
import gc

from posthog import exception_utils as ph

try:
    from fastvars.bench import engines as benchengines
    from fastvars.bench import workloads
except ImportError:  # a tree from before fastvars/bench/, for before/after counts
    from fastvars import benchengines, workloads  # type: ignore[no-redef]


def _engine_step(count: int, which: str) -> None:
    exc_info = getattr(workloads, which)()
    exceptions = ph.exceptions_from_error_tuple(exc_info)
    for exception in exceptions:
        for frame in exception.get("stacktrace", {}).get("frames", []):
            frame["in_app"] = True
    engine = benchengines.build(["fastvars-c"])[0][0]
    runner = engine.prepare(exc_info, exceptions)
    for _ in range(30 + count):
        runner.capture()


def _free_steps(client_modules: tuple[str, ...], sample: BaseException, client: object) -> None:
    """Answer every step fastvars stands in for with a precomputed result (``--floor``)."""
    import importlib

    import posthog.client

    exc_info = (type(sample), sample, sample.__traceback__)
    exceptions = posthog.client.exceptions_from_error_tuple(exc_info)
    event = posthog.client.handle_in_app(
        {"exception": {"values": exceptions}},
        in_app_include=getattr(client, "in_app_modules", None),
        project_root=getattr(client, "project_root", None),
    )
    exceptions = event["exception"]["values"]
    for name in client_modules:
        module = importlib.import_module(name)
        module.exceptions_from_error_tuple = lambda exc_info, mechanism=None: exceptions
        module.handle_in_app = lambda event, **kwargs: event
        module.clean = lambda item: item
        module.try_attach_code_variables_to_frames = lambda *args, **kwargs: None


def _end_to_end(count: int, raised: int, which: str, code_variables: bool, mode: str) -> None:
    import fastvars

    workload = workloads.WORKLOADS[which]
    modules = benchengines._frame_modules(workload.raise_in_request())
    client = benchengines._dropping_client(code_variables, modules)
    if mode != "posthog" and not fastvars.enable():
        raise SystemExit(f"fastvars.enable() failed: {fastvars.status().get('reason')}")
    if mode == "floor":
        _free_steps(("posthog.client",), workload.raise_in_request(), client)
    warm = 30
    pool = [workload.raise_in_request() for _ in range(warm + max(count, raised))]
    gc.collect()
    gc.disable()  # as fastvars-bench times: no collection inside the loop
    for _ in range(warm + count):
        client.capture_exception(pool.pop())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", type=int)
    parser.add_argument("workload")
    parser.add_argument("--end-to-end", action="store_true")
    parser.add_argument("--raised", type=int, default=0, help="exceptions to raise (at least N)")
    parser.add_argument("--code-variables", choices=("on", "off"), default="on")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--posthog", action="store_true")
    group.add_argument("--floor", action="store_true")
    args = parser.parse_args()
    if not args.end_to_end:
        _engine_step(args.count, args.workload)
        return
    mode = "posthog" if args.posthog else "floor" if args.floor else "fastvars"
    _end_to_end(args.count, args.raised, args.workload, args.code_variables == "on", mode)


if __name__ == "__main__":
    main()
