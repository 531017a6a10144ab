"""Memory over many captures, end to end: does anything grow?

    python bench/capture_memory.py [--captures 100000] [--cache-limit BYTES] [--posthog]

Runs ``client.capture_exception(exc)`` through a real sync posthog client (a
before_send that drops the event, as fastvars-bench's end-to-end view), fastvars
enabled, a fresh exception every time, cycling through fastvars-bench's workloads
(raised beneath the service's request stack: about ten real source files) and
alternating code variables on and off. After a warm-up it records, at ten checkpoints,
the live allocated blocks (``sys.getallocatedblocks()`` after a full collection),
the process RSS, fastvars' source cache (``fastvars.status()["source_cache"]``) and the
compiled serializer's memos; it prints them and whether the cache stayed within its
cap. ``--cache-limit`` sets a small cap (set_cache_limit_bytes) so that eviction is
exercised; ``--posthog`` runs posthog's own functions for comparison; ``--workloads``
chooses workloads (module_frame defines a new dataclass at every capture, so bounded
caches keyed by class, such as the masking's class traits, fill up to their bound
over the first ~100,000 captures: growth that stops, not a leak).
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from typing import Any


def rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS"):
                return int(line.split()[1])
    return -1


def snapshot(done: int) -> dict[str, Any]:
    import fastvars

    gc.collect()
    point: dict[str, Any] = {
        "captures": done,
        "blocks": sys.getallocatedblocks(),
        "rss_kib": rss_kib(),
        "source_cache": fastvars.status().get("source_cache"),
    }
    try:
        from fastvars.core import _stacktrace

        point["memos"] = _stacktrace.memo_sizes()
    except ImportError:
        pass
    return point


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--captures", type=int, default=100_000)
    parser.add_argument("--warmup", type=int, default=2_000)
    parser.add_argument("--cache-limit", type=int, default=None)
    parser.add_argument("--posthog", action="store_true")
    parser.add_argument("--workloads", help="comma-separated workload names (default: all)")
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args()

    import fastvars
    from fastvars.bench import engines, workloads
    from fastvars.core import sources

    names = [name for name, w in workloads.WORKLOADS.items() if w.raises is not None]
    if args.workloads:
        names = [name for name in args.workloads.split(",") if name in names]
    modules: list[str] = []
    for name in names:
        for module in engines._frame_modules(workloads.WORKLOADS[name].raise_in_request()):
            if module not in modules:
                modules.append(module)
    clients = [engines._dropping_client(on, modules) for on in (True, False)]
    if args.cache_limit is not None:
        sources.set_cache_limit_bytes(args.cache_limit)
    if not args.posthog and not fastvars.enable():
        raise SystemExit(f"fastvars.enable() failed: {fastvars.status().get('reason')}")

    def run(count: int, start: int) -> None:
        for index in range(start, start + count):
            workload = workloads.WORKLOADS[names[index % len(names)]]
            clients[(index // len(names)) % 2].capture_exception(workload.raise_in_request())

    run(args.warmup, 0)
    points = [snapshot(0)]
    step = max(1, args.captures // 10)
    done = 0
    began = time.perf_counter()
    while done < args.captures:
        count = min(step, args.captures - done)
        run(count, args.warmup + done)
        done += count
        points.append(snapshot(done))
    elapsed = time.perf_counter() - began

    cache = [p["source_cache"] for p in points if p["source_cache"]]
    within_cap = all(c["bytes"] <= c["limit_bytes"] for c in cache) if cache else None
    first, last = points[0], points[-1]
    report = {
        "engine": "posthog" if args.posthog else fastvars.implementation,
        "python": sys.version.split()[0],
        "captures": done,
        "seconds": round(elapsed, 1),
        "blocks_growth": last["blocks"] - first["blocks"],
        "rss_growth_kib": last["rss_kib"] - first["rss_kib"],
        "source_cache_within_cap": within_cap,
        "points": points,
    }
    print(f"{report['engine']} on CPython {report['python']}: {done:,} captures in {elapsed:.0f} s")
    columns = ("captures", 9), ("blocks", 9), ("rss KiB", 9), ("cache entries", 13)
    columns += ("cache bytes", 11), ("cap", 11)
    print(" ".join(f"{name:>{width}}" for name, width in columns))
    for p in points:
        c = p["source_cache"] or {}
        print(
            f"{p['captures']:>9,} {p['blocks']:>9,} {p['rss_kib']:>9,} "
            f"{c.get('entries', '-'):>13} {c.get('bytes', '-'):>11} {c.get('limit_bytes', '-'):>11}"
        )
    print(
        f"growth after warm-up: {report['blocks_growth']:+,} blocks, "
        f"{report['rss_growth_kib']:+,} KiB RSS; source cache within its cap: {within_cap}"
    )
    if args.json:
        with open(args.json, "w") as out:
            json.dump(report, out, indent=1)


if __name__ == "__main__":
    main()
