"""``fastvars-bench``: how much faster fastvars captures exception locals than posthog
on this machine, how much memory a capture costs, and proof that the output is the same.

Exit status: 0 on success, 1 when a fastvars engine's output differs from posthog's
(the differences are printed), 2 for bad arguments (one line on stderr).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import textwrap
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

from .. import __version__
from . import engines as benchengines
from . import oracle, workloads
from . import report as benchreport
from . import run as benchrun

PROG = "fastvars-bench"


class UsageError(Exception):
    """Bad arguments: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse prints the whole usage; one line is easier to read and to test.
        raise UsageError(message)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _split(values: list[str] | None) -> list[str]:
    return [part.strip() for value in values or () for part in value.split(",") if part.strip()]


def _parser() -> _Parser:
    workload_help = "\n".join(
        textwrap.fill(w.summary, 79, initial_indent=f"  {w.name:<13} ", subsequent_indent=" " * 16)
        for w in workloads.WORKLOADS.values()
    )
    engine_help = "\n".join(
        f"  {name:<13} {benchengines.DESCRIPTIONS[name]}" for name in benchengines.ENGINE_NAMES
    )
    parser = _Parser(
        prog=PROG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.fill(
            "Benchmark fastvars against posthog's own capture of exception locals (and "
            "Sentry's, and the standard library's), after proving that both fastvars "
            "engines produce exactly posthog's output on every workload.",
            79,
        ),
        epilog=f"workloads:\n{workload_help}\n  module:function  your own function, "
        f"called with no arguments; it must raise\n\nengines (missing optional ones "
        f"are skipped):\n{engine_help}\n\nexit status: 0 ok, 1 an output differs "
        f"from posthog's, 2 bad arguments",
    )
    parser.add_argument(
        "--workload",
        "-w",
        action="append",
        metavar="NAME",
        help="a workload name or module:function; repeat or separate "
        "with commas (default: every built-in workload)",
    )
    parser.add_argument(
        "--engines",
        action="append",
        metavar="LIST",
        help="comma-separated engines to run (posthog, the baseline, always runs; default: all)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer, shorter rounds: the whole run in under 15 s"
    )
    parser.add_argument("--rounds", type=_positive, help="interleaved rounds per workload")
    parser.add_argument("--warmup", type=_positive, help="warm-up captures per engine")
    parser.add_argument(
        "--batch-ms", type=float, metavar="MS", help="wall time of one engine's batch in a round"
    )
    parser.add_argument(
        "--threads",
        type=_positive,
        default=1,
        metavar="N",
        help="also measure captures/s with N threads capturing at once",
    )
    parser.add_argument(
        "--json",
        nargs="?",
        const="-",
        metavar="FILE",
        help="write every figure and the environment as JSON to FILE, "
        "or to stdout instead of the table",
    )
    parser.add_argument(
        "--plot",
        metavar="FILE",
        help="bar chart of the speed-ups per workload (.png or .svg; needs matplotlib)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress display on stderr")
    parser.add_argument("--version", action="version", version=f"fastvars-bench {__version__}")
    return parser


class _Progress:
    """One rewritten status line on a terminal; plain lines per workload otherwise."""

    def __init__(self, stream: TextIO, enabled: bool) -> None:
        self.stream = stream
        self.enabled = enabled
        self.tty = enabled and stream.isatty()
        self.prefix = ""

    def workload(self, text: str) -> None:
        self.prefix = text
        if self.tty:
            self.stream.write(f"\r\033[K{PROG}: {text}")
            self.stream.flush()
        elif self.enabled:
            print(f"{PROG}: {text}", file=self.stream, flush=True)

    def __call__(self, step: str) -> None:
        if self.tty:
            self.stream.write(f"\r\033[K{PROG}: {self.prefix}: {step}")
            self.stream.flush()

    def done(self) -> None:
        if self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _settings(args: argparse.Namespace) -> benchrun.Settings:
    settings = benchrun.QUICK if args.quick else benchrun.Settings()
    changes: dict[str, Any] = {"threads": args.threads}
    if args.rounds:
        changes["rounds"] = args.rounds
        changes["end_to_end_rounds"] = None  # --rounds counts for both views
    if args.warmup:
        changes["warmup"] = args.warmup
    if args.batch_ms is not None:
        if args.batch_ms <= 0:
            raise UsageError(f"--batch-ms must be positive, not {args.batch_ms}")
        changes["batch_seconds"] = args.batch_ms / 1000
    return dataclasses.replace(settings, **changes)


def _engines(args: argparse.Namespace) -> tuple[list[benchengines.BenchEngine], dict[str, str]]:
    wanted = _split(args.engines) or list(benchengines.ENGINE_NAMES)
    unknown = [name for name in wanted if name not in benchengines.ENGINE_NAMES]
    if unknown:
        known = ", ".join(benchengines.ENGINE_NAMES)
        raise UsageError(f"unknown engine {unknown[0]!r} (known: {known})")
    if "posthog" not in wanted:
        wanted.append("posthog")  # every ratio is taken against it
    return benchengines.build(wanted)


def _write_json(document: dict[str, Any], target: str) -> None:
    text = json.dumps(document, indent=2, allow_nan=False)
    if target == "-":
        print(text)
        return
    try:
        with open(target, "w", encoding="utf-8") as out:
            out.write(text + "\n")
    except OSError as error:
        raise UsageError(f"cannot write --json {target}: {error.strerror}") from None


def _end_to_end(
    workload: workloads.Workload, settings: benchrun.Settings, progress: _Progress
) -> dict[str, Any]:
    """capture_exception through a real client, posthog against fastvars, for one
    workload raised beneath the benchservice request stack."""
    sample = workload.raise_in_request()
    exceptions = oracle.serialized_exceptions((type(sample), sample, sample.__traceback__))
    frames = [f for e in exceptions for f in e.get("stacktrace", {}).get("frames", [])]
    runners = benchengines.end_to_end_runners(workload.raise_in_request)
    # One thread only: the threaded pass is the code-variables view's.
    results = benchrun.time_end_to_end(runners, dataclasses.replace(settings, threads=1), progress)
    return {
        "exceptions": len(exceptions),
        "frames": len(frames),
        "source_files": len({f.get("abs_path") for f in frames}),
        "engines": {name: result.summary(1) for name, result in results.items()},
    }


def run(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = _settings(args)
    if args.plot:
        problem = benchreport.plot_problem(args.plot)
        if problem:
            raise UsageError(problem)
    try:
        chosen = workloads.resolve(_split(args.workload) or list(workloads.WORKLOADS))
    except workloads.WorkloadError as error:
        raise UsageError(str(error)) from None
    engines, skipped = _engines(args)
    progress = _Progress(sys.stderr, not args.no_progress)
    document: dict[str, Any] = {
        "fastvars_bench": 1,
        "environment": benchreport.environment(),
        "settings": {
            **dataclasses.asdict(settings),
            "quick": args.quick,
            "workloads": [w.name for w in chosen],
        },
        "engines": {e.name: e.description for e in engines},
        "end_to_end_engines": dict(benchengines.END_TO_END_DESCRIPTIONS),
        "skipped": skipped,
        "equality": {},
        "results": [],
    }

    # Proof of equality, for every workload, before any timing.
    cases = []
    failed = False
    for index, workload in enumerate(chosen, 1):
        progress.workload(f"[{index}/{len(chosen)}] {workload.name}: proof of equality")
        try:
            exc_info = workload.make()
        except workloads.WorkloadError as error:
            raise UsageError(str(error)) from None
        exceptions = oracle.serialized_exceptions(exc_info)
        proof = benchrun.prove(exc_info, exceptions, engines)
        document["equality"][workload.name] = proof
        for name, problems in proof.items():
            for problem in problems:
                failed = True
                print(
                    f"{PROG}: {workload.name}: {name} differs from posthog: {problem}",
                    file=sys.stderr,
                )
        cases.append((workload, exc_info, exceptions))
    if failed:
        progress.done()
        print(f"{PROG}: outputs differ from posthog's; no timing done", file=sys.stderr)
        if args.json:
            _write_json(document, args.json)
        return 1

    end_to_end_problem = benchengines.end_to_end_problem()
    if end_to_end_problem:
        document["skipped"]["end to end"] = end_to_end_problem
    for index, (workload, exc_info, exceptions) in enumerate(cases, 1):
        end_to_end = None
        if not end_to_end_problem:
            progress.workload(f"[{index}/{len(cases)}] {workload.name}: end to end")
            end_to_end = _end_to_end(workload, settings, progress)
        progress.workload(f"[{index}/{len(cases)}] {workload.name}: timing")
        runners = {e.name: e.prepare(exc_info, exceptions) for e in engines}
        results = benchrun.time_engines(runners, settings, progress)
        benchrun.measure_memory(runners, settings, results, progress)
        if settings.threads > 1:
            benchrun.measure_threads(engines, exc_info, exceptions, settings, results, progress)
        document["results"].append(
            {
                "workload": workload.name,
                "exceptions": len(exceptions),
                "frames": sum(len(e.get("stacktrace", {}).get("frames", [])) for e in exceptions),
                "engines": {
                    name: result.summary(settings.threads) for name, result in results.items()
                },
                "end_to_end": end_to_end,
            }
        )
    progress.done()

    if args.json:
        _write_json(document, args.json)
    if args.json != "-":
        if any(r.get("end_to_end") for r in document["results"]):
            print(benchreport.end_to_end_table(document))
            print()
        print(benchreport.table(document))
        print()
        print(benchreport.legend(document))
    if args.plot:
        try:
            benchreport.plot(document, args.plot)
        except OSError as error:
            raise UsageError(f"cannot write --plot {args.plot}: {error.strerror}") from None
        print(f"{PROG}: chart written to {args.plot}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return run(argv)
    except UsageError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
