"""What ``fastvars-bench`` prints and writes: the environment, the table, the JSON
document and the optional bar chart."""

from __future__ import annotations

import os
import platform
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from .. import engine as _engine

PLOT_FORMATS = (".png", ".svg")


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as cpuinfo:
            for line in cpuinfo:
                if line.lower().startswith(("model name", "hardware", "cpu model")):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def environment() -> dict[str, Any]:
    import fastvars  # late: the CLI imports this module while fastvars initialises

    try:
        load: list[float] | None = list(os.getloadavg())
    except (AttributeError, OSError):
        load = None
    return {
        "python": platform.python_version(),
        "python_implementation": platform.python_implementation(),
        "python_build": sys.version.replace("\n", " "),
        "posthog": _version("posthog"),
        "fastvars": fastvars.__version__,
        "fastvars_implementation": fastvars.implementation,
        "fastvars_compiled_available": _engine.COMPILED is not None,
        "fastvars_compiled_unavailable_reason": _engine.COMPILED_UNAVAILABLE_REASON or None,
        "sentry_sdk": _version("sentry-sdk"),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "load_average_at_start": load,
    }


# ------------------------------------------------------------------ table


def _us(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _ratio(ratio: dict[str, float] | None) -> str:
    if not ratio:
        return "-"
    return f"{ratio['median']:.2f}x ({ratio['min']:.2f}-{ratio['max']:.2f})"


def _kib(value: float | None) -> str:
    return "-" if value is None else f"{value / 1024:,.1f}"


def _aligned(header: Sequence[str], rows: list[list[str] | None], names: int) -> str:
    """Fixed-width lines: the first ``names`` columns left-aligned, figures right-aligned;
    None in ``rows`` is a rule."""
    widths = [max([len(h)] + [len(r[i]) for r in rows if r]) for i, h in enumerate(header)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < names else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))
        ).rstrip()

    rule = "-" * len(line(header))
    return "\n".join([line(header)] + [rule if r is None else line(r) for r in rows])


END_TO_END_TITLE = (
    "End to end: client.capture_exception(exc) through a posthog.Posthog "
    "client (before_send drops the event)"
)


def end_to_end_table(document: dict[str, Any]) -> str:
    """The headline: per workload, capture_exception with posthog's code and with
    fastvars enabled, code variables on and off, and posthog's trivial-event floor."""
    header = [
        "workload",
        "code variables",
        "posthog us",
        "fastvars us",
        "vs posthog (min-max)",
        "trivial event us",
    ]
    rows: list[list[str] | None] = []
    for result in document["results"]:
        end_to_end = result.get("end_to_end")
        if not end_to_end:
            continue
        engines = end_to_end["engines"]
        rows.append(None)
        label = (
            f"{result['workload']} ({end_to_end['exceptions']}e/{end_to_end['frames']}f/"
            f"{end_to_end['source_files']} files)"
        )
        floor = _us(engines["trivial-event"]["median_us"])
        for setting, posthog_name, fastvars_name in (
            ("on", "posthog", "fastvars"),
            ("off", "posthog-off", "fastvars-off"),
        ):
            fastvars_figures = engines[fastvars_name]
            rows.append(
                [
                    label,
                    setting,
                    _us(engines[posthog_name]["median_us"]),
                    _us(fastvars_figures["median_us"]),
                    _ratio(fastvars_figures.get("ratio_to_posthog")),
                    floor,
                ]
            )
            label, floor = "", ""
    return END_TO_END_TITLE + "\n\n" + _aligned(header, rows, 2)


def table(document: dict[str, Any]) -> str:
    """A fixed-width text table, one block of rows per workload."""
    threads = document["settings"]["threads"]
    header = [
        "workload",
        "engine",
        "median us",
        "min us",
        "max us",
        "p99 us",
        "captures/s",
        "vs posthog (min-max)",
        "peak KiB",
    ]
    if threads > 1:
        header.append(f"captures/s x{threads} thr")
    rows: list[list[str] | None] = []
    for result in document["results"]:
        rows.append(None)  # separator
        label = f"{result['workload']} ({result['exceptions']}e/{result['frames']}f)"
        for name, figures in result["engines"].items():
            row = [
                label,
                name,
                _us(figures["median_us"]),
                _us(figures["min_us"]),
                _us(figures["max_us"]),
                _us(figures["p99_us"]),
                _rate(figures["captures_per_s"]),
                _ratio(figures.get("ratio_to_posthog")),
                _kib(figures["peak_bytes_per_capture"]),
            ]
            if threads > 1:
                row.append(_rate(figures.get("threads", {}).get("captures_per_s")))
            rows.append(row)
            label = ""
    return CODE_VARIABLES_TITLE + "\n\n" + _aligned(header, rows, 2)


CODE_VARIABLES_TITLE = (
    "Code variables alone: the attach_code_variables step of one capture, "
    "each engine on the workload's own frames"
)


def legend(document: dict[str, Any]) -> str:
    env = document["environment"]
    lines = [
        (
            f"CPython {env['python']} ({env['python_implementation']}), posthog {env['posthog']}, "
            f"fastvars {env['fastvars']} ({env['fastvars_implementation']}), sentry-sdk "
            f"{env['sentry_sdk'] or 'absent'}"
        ),
        f"CPU: {env['cpu']} x{env['cpu_count']}, {env['platform']}"
        + (
            f", load average {env['load_average_at_start'][0]:.2f} at start"
            if env["load_average_at_start"]
            else ""
        ),
        (
            "Times are per capture, default patterns, every frame in-app. 'vs posthog' is "
            "posthog's time over the engine's, per round (median, min-max): above 1 is faster."
        ),
        (
            "sentry and stdlib are costs above the same work without locals (tail figures: "
            "over its median); stdlib masks nothing (a floor). e/f: exceptions/frames."
        ),
    ]
    if any(r.get("end_to_end") for r in document["results"]):
        lines[2:2] = [
            (
                "End to end: each capture_exception on a fresh exception raised beneath a "
                "request stack of 8 frames in 6 modules (fastvars/bench/service), sync client, "
                "no network; fastvars = fastvars.enable(), switched per batch; every frame "
                "in-app; 'trivial event' is client.capture('evt'), posthog's per-event floor."
            ),
        ]
    for name, reason in document["skipped"].items():
        lines.append(f"skipped {name}: {reason}")
    return "\n".join(lines)


# ------------------------------------------------------------------ plot


def plot_problem(path: str) -> str | None:
    """Why a chart cannot be written to ``path``, or None when it can."""
    if os.path.splitext(path)[1].lower() not in PLOT_FORMATS:
        return f"--plot {path}: the file name must end in .png or .svg"
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return "--plot needs matplotlib, which is not installed (pip install matplotlib)"
    return None


def plot(document: dict[str, Any], path: str) -> None:
    """Grouped bars of the speed-ups over posthog per workload: the end-to-end view
    (code variables on and off) on top when it ran, each engine's code-variables step
    below."""
    import matplotlib

    matplotlib.use("Agg")  # files only; never open a window
    import matplotlib.pyplot as plt

    results = document["results"]
    panels = []
    end_to_end = [r for r in results if r.get("end_to_end")]
    if end_to_end:
        series = {
            f"capture_exception, code variables {setting}": [
                (r["end_to_end"]["engines"][name].get("ratio_to_posthog") or {}).get("median") or 0
                for r in end_to_end
            ]
            for setting, name in (("on", "fastvars"), ("off", "fastvars-off"))
        }
        panels.append(("end to end, fastvars enabled", [r["workload"] for r in end_to_end], series))
    engines = [name for name in document["engines"] if name != "posthog"]
    series = {
        name: [
            (r["engines"].get(name, {}).get("ratio_to_posthog") or {}).get("median") or 0
            for r in results
        ]
        for name in engines
    }
    panels.append(("code variables step alone", [r["workload"] for r in results], series))

    width_in = max(6.0, 1.4 * len(results) + 2)
    fig, axes = plt.subplots(len(panels), 1, figsize=(width_in, 4.5 * len(panels)), squeeze=False)
    env = document["environment"]
    for ax, (title, workloads, panel_series) in zip(axes[:, 0], panels):
        width = 0.8 / max(1, len(panel_series))
        for index, (label, values) in enumerate(panel_series.items()):
            xs = [w + (index - (len(panel_series) - 1) / 2) * width for w in range(len(workloads))]
            ax.bar(xs, [max(v, 1e-3) for v in values], width, label=label)
        ax.axhline(1.0, color="black", linewidth=0.8, linestyle="--", label="posthog = 1")
        ax.set_yscale("log")
        ax.set_xticks(range(len(workloads)))
        ax.set_xticklabels(workloads, rotation=20, ha="right")
        ax.set_ylabel("speed-up over posthog (log scale)")
        ax.set_title(f"{title}: CPython {env['python']}, posthog {env['posthog']}")
        ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
