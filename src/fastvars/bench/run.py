"""How ``fastvars-bench`` measures: proof of equality first, then warm-up, interleaved
rounds, a tracemalloc pass and an optional threaded pass, for one workload at a time.

Method, and why:
* Rounds interleave the engines (A, B, C, A, B, C, ... with the starting engine
  rotated each round), so drift of a shared machine hits every engine alike. Each
  round is a batch of captures per engine, every capture timed on its own, so the
  figures are per-capture medians, minima, maxima and 99th percentiles.
* The ratio to posthog is taken per round (posthog's median in that round over the
  engine's median in the same round) and the median of those ratios is reported:
  a ratio of two numbers measured side by side, not of two distant medians.
* The garbage collector is paused while a batch is timed and run between batches,
  as ``timeit`` does, so a collection triggered by one engine is not billed to the
  next. Memory is measured in a separate pass because tracemalloc slows everything.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import statistics
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..capture import stats as capture_stats
from . import oracle
from .engines import END_TO_END_BASELINES, IGNORE, MASK, BenchEngine, ExcInfo, Runner

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Settings:
    # Many short rounds rather than few long ones: the finer the interleaving, the
    # more evenly a burst of load from elsewhere on the machine is shared out.
    rounds: int = 25
    warmup: int = 10
    batch_seconds: float = 0.015  # wall time of one engine's batch in one round
    max_batch: int = 1000
    memory_repeats: int = 3
    threads: int = 1
    thread_seconds: float = 1.0
    # Rounds of the end-to-end view, when not `rounds`: its posthog captures take
    # milliseconds, so a round of its five configurations costs as much as a workload's
    # whole code-variables round.
    end_to_end_rounds: int | None = None


QUICK = Settings(
    rounds=12,
    warmup=3,
    batch_seconds=0.008,
    max_batch=200,
    memory_repeats=1,
    thread_seconds=0.15,
    end_to_end_rounds=6,
)


@dataclass
class EngineResult:
    samples_ns: list[float] = field(default_factory=list)
    round_medians_ns: list[float] = field(default_factory=list)
    # Derived engines only: the base's timings, and each capture minus the base run
    # right after it (the two share the machine's state of the moment).
    base_samples_ns: list[float] = field(default_factory=list)
    pair_differences_ns: list[float] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)  # posthog / this, per round
    peak_bytes: float | None = None
    threaded_per_s: float | None = None
    batch: int = 0

    def _figures(self, samples: list[float]) -> list[float]:
        ordered = sorted(samples)
        return [statistics.median(ordered), ordered[0], ordered[-1], _percentile(ordered, 0.99)]

    def summary(self, threads: int) -> dict[str, Any]:
        figures = self._figures(self.samples_ns)
        if self.base_samples_ns:
            # A derived engine. Median: of the paired differences. Min: best capture
            # minus best base. Tail (max, p99): the capture's tail minus the base's
            # median, since the tail of a difference of two noisy timings means
            # nothing (one slow base sample would make a cost negative).
            base_median, base_min = self._figures(self.base_samples_ns)[:2]
            figures = [
                statistics.median(self.pair_differences_ns),
                figures[1] - base_min,
                figures[2] - base_median,
                figures[3] - base_median,
            ]
        median, low, high, p99 = figures
        out: dict[str, Any] = {
            "median_us": median / 1e3,
            "min_us": low / 1e3,
            "max_us": high / 1e3,
            "p99_us": p99 / 1e3,
            "captures_per_s": 1e9 / median if median > 0 else None,
            "samples": len(self.samples_ns),
            "rounds": len(self.round_medians_ns),
            "batch": self.batch,
            "peak_bytes_per_capture": self.peak_bytes,
        }
        # None when no round gave a positive time (a derived cost lost in the noise).
        out["ratio_to_posthog"] = (
            {
                "median": statistics.median(self.ratios),
                "min": min(self.ratios),
                "max": max(self.ratios),
            }
            if self.ratios
            else None
        )
        # The per-round figures behind the summary, for anyone who wants to redo it.
        out["round_medians_us"] = [m / 1e3 for m in self.round_medians_ns]
        out["round_ratios"] = list(self.ratios)
        if threads > 1:
            out["threads"] = {"n": threads, "captures_per_s": self.threaded_per_s}
        return out


def _percentile(ordered: Sequence[float], q: float) -> float:
    # Nearest rank: with few samples, p99 is honestly the maximum.
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 1))))
    return ordered[rank - 1]


# ------------------------------------------------------------------ proof


def prove(
    exc_info: ExcInfo, exceptions: Sequence[dict[str, Any]], engines: Sequence[BenchEngine]
) -> dict[str, list[str]]:
    """Each fastvars engine's output against posthog's (per-exception locals for a
    chain): the differences by engine, empty lists when identical. A silent fallback
    to another engine counts as a difference: the engine did not do the work."""
    expected = oracle.expected_capture(exceptions, exc_info, MASK, IGNORE)
    found: dict[str, list[str]] = {}
    for bench_engine in engines:
        if bench_engine.fastvars_engine is None:
            continue
        runner = bench_engine.prepare(exc_info, exceptions)
        before = capture_stats.snapshot()["fallbacks"]
        runner.capture()
        after = capture_stats.snapshot()
        problems = []
        if after["fallbacks"] != before:
            problems.append(f"fell back to another engine: {after['last_fallback_reason']}")
        problems += oracle.differences(expected, runner.output or [])
        found[bench_engine.name] = problems
    return found


# ------------------------------------------------------------------ timing


def _timed_batch(fn: Callable[[], Any], n: int) -> list[float]:
    clock = time.perf_counter_ns
    samples: list[float] = []
    gc.disable()
    try:
        for _ in range(n):
            start = clock()
            fn()
            samples.append(clock() - start)
    finally:
        gc.enable()
    return samples


def _timed_pairs(
    first: Callable[[], Any], second: Callable[[], Any], n: int
) -> tuple[list[float], list[float]]:
    clock = time.perf_counter_ns
    a: list[float] = []
    b: list[float] = []
    gc.disable()
    try:
        for _ in range(n):
            start = clock()
            first()
            middle = clock()
            second()
            b.append(clock() - middle)
            a.append(middle - start)
    finally:
        gc.enable()
    return a, b


def _calibrate(runner: Runner, settings: Settings) -> int:
    """Warm up (caches, first-call costs) and choose a batch size for the time budget."""
    if runner.before_batch is not None:
        runner.before_batch(settings.warmup)
    warm = _timed_batch(runner.capture, settings.warmup)
    if runner.base is not None:
        warm = [a + b for a, b in zip(warm, _timed_batch(runner.base, settings.warmup))]
    per_capture = max(statistics.median(warm), 1.0)
    return max(1, min(settings.max_batch, int(settings.batch_seconds * 1e9 / per_capture)))


@contextlib.contextmanager
def _frozen_heap() -> Iterator[None]:
    """Move every object alive now out of the collector's sight: a full collection
    between batches then costs what the engines' garbage costs (microseconds), not a
    walk over everything the process holds (tens of milliseconds per batch)."""
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def time_engines(
    runners: dict[str, Runner],
    settings: Settings,
    progress: Progress,
    baselines: dict[str, str] | None = None,
) -> dict[str, EngineResult]:
    """Interleaved rounds of every runner. ``baselines`` maps a runner to the one its
    per-round ratio is taken against; by default every runner against "posthog"."""
    with _frozen_heap():
        return _time_engines(runners, settings, progress, baselines)


def _time_engines(
    runners: dict[str, Runner],
    settings: Settings,
    progress: Progress,
    baselines: dict[str, str] | None,
) -> dict[str, EngineResult]:
    names = list(runners)
    results = {name: EngineResult() for name in names}
    for name in names:
        progress(f"warm-up {name}")
        results[name].batch = _calibrate(runners[name], settings)
    for round_index in range(settings.rounds):
        progress(f"round {round_index + 1}/{settings.rounds}")
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            runner, result = runners[name], results[name]
            if runner.before_batch is not None:
                runner.before_batch(result.batch)
            gc.collect()
            if runner.base is None:
                samples = _timed_batch(runner.capture, result.batch)
                result.round_medians_ns.append(statistics.median(samples))
            else:
                # The engine's cost is its capture minus the same work without locals,
                # the two alternated so that a burst of machine noise hits both.
                samples, base = _timed_pairs(runner.capture, runner.base, result.batch)
                pairs = [a - b for a, b in zip(samples, base)]
                result.base_samples_ns += base
                result.pair_differences_ns += pairs
                result.round_medians_ns.append(statistics.median(pairs))
            result.samples_ns += samples
    if baselines is None:
        baselines = dict.fromkeys(results, "posthog") if "posthog" in results else {}
    for name, baseline_name in baselines.items():
        if name in results and baseline_name in results:
            baseline = results[baseline_name].round_medians_ns
            results[name].ratios = [
                p / e for p, e in zip(baseline, results[name].round_medians_ns) if e > 0
            ]
    return results


def time_end_to_end(
    runners: dict[str, Runner], settings: Settings, progress: Progress
) -> dict[str, EngineResult]:
    """The end-to-end runners (engines.end_to_end_runners), interleaved like the
    engines; fastvars is switched on or off before each batch, outside the timing, and
    left as it was found."""
    import fastvars

    if settings.end_to_end_rounds is not None:
        settings = dataclasses.replace(settings, rounds=settings.end_to_end_rounds)
    was_enabled = fastvars.is_enabled()
    try:
        return time_engines(runners, settings, progress, END_TO_END_BASELINES)
    finally:
        if was_enabled:
            fastvars.enable()
        else:
            fastvars.disable()


# ------------------------------------------------------------------ memory


def _peak(fn: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.reset_peak()
    start = tracemalloc.get_traced_memory()[0]
    result = fn()
    peak = tracemalloc.get_traced_memory()[1] - start
    del result
    return peak


def measure_memory(
    runners: dict[str, Runner],
    settings: Settings,
    results: dict[str, EngineResult],
    progress: Progress,
) -> None:
    """Peak traced memory of one capture, median of a few. tracemalloc sees the
    Python allocators, which the compiled engine also allocates its objects from."""
    progress("memory")
    with _frozen_heap():
        _measure_memory(runners, settings, results)


def _measure_memory(
    runners: dict[str, Runner], settings: Settings, results: dict[str, EngineResult]
) -> None:
    tracemalloc.start()
    try:
        for name, runner in runners.items():
            peaks = []
            for _ in range(settings.memory_repeats):
                runner.reset()
                peak = _peak(runner.capture)
                if runner.base is not None:
                    peak -= _peak(runner.base)
                peaks.append(peak)
            results[name].peak_bytes = float(statistics.median(peaks))
    finally:
        tracemalloc.stop()


# ------------------------------------------------------------------ threads


def _throughput(
    make_runner: Callable[[], Runner], use_base: bool, threads: int, seconds: float
) -> float:
    """Captures per second with ``threads`` threads capturing at once."""
    runners = [make_runner() for _ in range(threads)]
    counts = [0] * threads
    barrier = threading.Barrier(threads + 1)
    stop = threading.Event()

    def work(index: int) -> None:
        fn = runners[index].base if use_base else runners[index].capture
        assert fn is not None
        barrier.wait()
        while not stop.is_set():
            fn()
            counts[index] += 1

    pool = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    time.sleep(seconds)
    stop.set()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - start
    return sum(counts) / elapsed


def measure_threads(
    engines: Sequence[BenchEngine],
    exc_info: ExcInfo,
    exceptions: Sequence[dict[str, Any]],
    settings: Settings,
    results: dict[str, EngineResult],
    progress: Progress,
) -> None:
    for bench_engine in engines:
        progress(f"{settings.threads} threads: {bench_engine.name}")
        # Bound now, not looked up when called: each runner is this engine's.
        make: Callable[[], Runner] = functools.partial(bench_engine.prepare, exc_info, exceptions)
        rate = _throughput(make, False, settings.threads, settings.thread_seconds)
        if make().base is not None:
            # Time per capture adds up: 1/rate(with) - 1/rate(without) is the cost.
            base_rate = _throughput(make, True, settings.threads, settings.thread_seconds)
            extra = 1 / rate - 1 / base_rate
            results[bench_engine.name].threaded_per_s = 1 / extra if extra > 0 else None
        else:
            results[bench_engine.name].threaded_per_s = rate
