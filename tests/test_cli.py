"""fastvars-bench, run in-process with tiny repetition counts (and once as a process)."""

import dataclasses
import json
import os
import subprocess
import sys

import pytest

import fastvars
from fastvars import engine as fv_engine
from fastvars.bench import cli, workloads
from fastvars.bench import engines as benchengines
from fastvars.bench import report as benchreport

# One round of one short batch: these tests check the command, not the figures.
TINY = ["--quick", "--rounds", "1", "--warmup", "1", "--batch-ms", "0.1", "--no-progress"]
FAST = TINY + ["-w", "chained", "--engines", "fastvars-c,fastvars-py,posthog,stdlib"]


@pytest.fixture(autouse=True)
def stand_in_compiled(monkeypatch):
    """The pure-Python engine posing as the compiled one: these tests are about the
    command, and must not depend on whether (or how well) the extension is built;
    the differential suite tests the compiled engine itself."""
    engines = {"python": fv_engine.PYTHON, "c": dataclasses.replace(fv_engine.PYTHON, name="c")}
    monkeypatch.setattr(fv_engine, "available", lambda: engines)


def run(capsys, *argv):
    status = cli.main([*argv])
    out, err = capsys.readouterr()
    return status, out, err


def _code_variables_header(out):
    lines = out.splitlines()
    return lines[lines.index(benchreport.CODE_VARIABLES_TITLE) + 2]


def test_table_is_printed(capsys):
    status, out, err = run(capsys, *FAST)
    assert status == 0, err
    header = _code_variables_header(out)
    for column in (
        "workload",
        "engine",
        "median us",
        "p99 us",
        "captures/s",
        "vs posthog",
        "peak KiB",
    ):
        assert column in header
    assert "chained (3e/10f)" in out
    for name in ("fastvars-py", "posthog", "stdlib"):
        assert f" {name} " in out
    assert "CPython" in out


def test_json_holds_every_engines_figures(capsys):
    status, out, err = run(capsys, *TINY, "-w", "chained,standard", "--json")
    assert status == 0, err
    document = json.loads(out)  # only JSON on stdout
    env = document["environment"]
    for key in (
        "python",
        "python_implementation",
        "posthog",
        "fastvars",
        "fastvars_implementation",
        "cpu",
    ):
        assert env[key]
    assert [r["workload"] for r in document["results"]] == ["chained", "standard"]
    assert set(document["engines"]) >= {"fastvars-py", "posthog", "stdlib"}
    assert set(document["engines"]) | set(document["skipped"]) == {
        "fastvars-c",
        "fastvars-py",
        "posthog",
        "sentry",
        "stdlib",
    }
    keys = {
        "median_us",
        "min_us",
        "max_us",
        "p99_us",
        "captures_per_s",
        "samples",
        "rounds",
        "batch",
        "peak_bytes_per_capture",
        "ratio_to_posthog",
        "round_medians_us",
        "round_ratios",
    }
    for result in document["results"]:
        assert set(result["engines"]) == set(document["engines"])
        for name, figures in result["engines"].items():
            assert set(figures) == keys
            if name in ("sentry", "stdlib"):
                continue  # a difference of two timings: one tiny round may leave none
            for key in keys - {"ratio_to_posthog", "round_medians_us", "round_ratios"}:
                assert isinstance(figures[key], (int, float)), key
            assert set(figures["ratio_to_posthog"]) == {"median", "min", "max"}
            assert len(figures["round_medians_us"]) == figures["rounds"] == 1
        assert result["engines"]["posthog"]["ratio_to_posthog"]["median"] == 1.0
    for proof in document["equality"].values():
        assert all(problems == [] for problems in proof.values())


def test_end_to_end_table_comes_first(capsys):
    status, out, err = run(capsys, *FAST)
    assert status == 0, err
    lines = out.splitlines()
    assert lines[0] == benchreport.END_TO_END_TITLE
    header = lines[2]
    for column in (
        "workload",
        "code variables",
        "posthog us",
        "fastvars us",
        "vs posthog",
        "trivial event us",
    ):
        assert column in header
    first, second = lines[4], lines[5]  # title, blank, header, rule, then the rows
    assert first.startswith("chained (3e/") and " files)" in first and "  on  " in first
    assert "  off  " in second and second.startswith(" ")
    # The code-variables table follows, and the legend explains the floor.
    assert out.index(benchreport.END_TO_END_TITLE) < out.index(benchreport.CODE_VARIABLES_TITLE)
    assert "posthog's per-event floor" in out


def test_json_has_the_end_to_end_view_per_workload(capsys):
    status, out, err = run(
        capsys, *TINY, "-w", "chained,standard", "--engines", "posthog", "--json"
    )
    assert status == 0, err
    document = json.loads(out)
    assert set(document["end_to_end_engines"]) == set(benchengines.END_TO_END_NAMES)
    for result in document["results"]:
        end_to_end = result["end_to_end"]
        assert end_to_end["exceptions"] == result["exceptions"]
        # The workload's frames beneath the 8 frames of the request stack (which only
        # the last exception of a chain propagates through)...
        assert end_to_end["frames"] == result["frames"] + 8
        # ...from the six layer modules and the workload's own file.
        assert end_to_end["source_files"] == 7
        assert list(end_to_end["engines"]) == list(benchengines.END_TO_END_NAMES)
        for name, figures in end_to_end["engines"].items():
            assert figures["median_us"] > 0 and figures["samples"] >= 1
            if name in benchengines.END_TO_END_BASELINES:
                assert set(figures["ratio_to_posthog"]) == {"median", "min", "max"}
            else:
                assert figures["ratio_to_posthog"] is None


@pytest.mark.parametrize("enabled_before", [False, True])
def test_end_to_end_leaves_fastvars_as_it_was(capsys, enabled_before):
    if enabled_before:
        assert fastvars.enable()
    else:
        fastvars.disable()
    try:
        status, _, err = run(capsys, *FAST)
        assert status == 0, err
        assert fastvars.is_enabled() is enabled_before
    finally:
        fastvars.disable()


def test_end_to_end_is_skipped_when_fastvars_does_not_enable(capsys, monkeypatch):
    monkeypatch.setattr(fastvars, "enable", lambda: False)
    status, out, err = run(capsys, *FAST, "--json")
    assert status == 0, err
    document = json.loads(out)
    assert "fastvars.enable() returned False" in document["skipped"]["end to end"]
    assert document["results"][0]["end_to_end"] is None
    status, out, err = run(capsys, *FAST)
    assert benchreport.END_TO_END_TITLE not in out
    assert "skipped end to end: fastvars.enable() returned False" in out


def test_json_to_a_file_keeps_the_table(capsys, tmp_path):
    target = tmp_path / "bench.json"
    status, out, _ = run(capsys, *FAST, "--json", str(target))
    assert status == 0
    assert "median us" in out
    assert json.loads(target.read_text())["results"][0]["workload"] == "chained"


def test_threads_figures(capsys):
    status, out, err = run(
        capsys,
        *TINY,
        "-w",
        "chained",
        "--engines",
        "fastvars-py,posthog",
        "--threads",
        "2",
        "--json",
    )
    assert status == 0, err
    figures = json.loads(out)["results"][0]["engines"]["fastvars-py"]
    assert figures["threads"]["n"] == 2 and figures["threads"]["captures_per_s"] > 0


def _tampered(frame_variables):
    base = fv_engine.PYTHON
    return dataclasses.replace(base, frame_variables=frame_variables)


def _adds_a_variable(frame, policy, budget):
    variables = fv_engine.PYTHON.frame_variables(frame, policy, budget)
    variables["injected"] = "not from posthog"
    return variables


def _raises(frame, policy, budget):
    raise RuntimeError("engine broke")


@pytest.mark.parametrize("slot, label", [("python", "fastvars-py"), ("c", "fastvars-c")])
def test_an_engine_that_differs_fails_the_command(capsys, monkeypatch, slot, label):
    engines = {"python": fv_engine.PYTHON, slot: _tampered(_adds_a_variable)}
    monkeypatch.setattr(fv_engine, "available", lambda: engines)
    status, out, err = run(capsys, *FAST)
    assert status == 1
    assert f"chained: {label} differs from posthog" in err
    assert "'injected' extra, got 'not from posthog'" in err
    assert "no timing done" in err
    assert out == ""


def test_a_silent_fallback_is_a_difference(capsys, monkeypatch):
    engines = {"python": fv_engine.PYTHON, "c": _tampered(_raises)}
    monkeypatch.setattr(fv_engine, "available", lambda: engines)
    status, _, err = run(capsys, *FAST)
    assert status == 1
    assert "fastvars-c differs from posthog: fell back to another engine" in err
    assert "engine broke" in err


def test_a_difference_is_in_the_json(capsys, monkeypatch):
    engines = {"python": _tampered(_adds_a_variable)}
    monkeypatch.setattr(fv_engine, "available", lambda: engines)
    status, out, _ = run(capsys, *FAST, "--json")
    assert status == 1
    problems = json.loads(out)["equality"]["chained"]["fastvars-py"]
    assert problems and "injected" in problems[0]


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    (tmp_path / "bench_user_mod.py").write_text(
        "def fails():\n"
        "    order = {'id': 7, 'password': 'pw'}\n"
        "    raise KeyError(order['id'])\n"
        "def succeeds():\n"
        "    return 1\n"
        "def needs(arg):\n"
        "    raise ValueError(arg)\n"
    )
    (tmp_path / "bench_broken_mod.py").write_text("import no_such_dependency_xyz\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    for name in ("bench_user_mod", "bench_broken_mod"):
        sys.modules.pop(name, None)


def test_user_workload(capsys, user_module):
    status, out, err = run(
        capsys, *TINY, "-w", "bench_user_mod:fails", "--engines", "fastvars-py,posthog", "--json"
    )
    assert status == 0, err
    document = json.loads(out)
    assert document["results"][0]["workload"] == "bench_user_mod:fails"
    assert document["equality"]["bench_user_mod:fails"]["fastvars-py"] == []


@pytest.mark.parametrize(
    "argv, message",
    [
        (["-w", "no_such_workload"], "unknown workload 'no_such_workload'"),
        (["-w", "no_such_module_xyz:f"], "cannot import module 'no_such_module_xyz'"),
        (["-w", "bench_broken_mod:f"], "cannot import module 'bench_broken_mod'"),
        (["-w", "bench_user_mod:missing"], "has no function 'missing'"),
        (["-w", "bench_user_mod:succeeds"], "returned without raising"),
        (["-w", "bench_user_mod:needs"], "must take no arguments"),
        (["--threads", "0"], "--threads: must be at least 1"),
        (["--threads", "many"], "--threads"),
        (["--engines", "bogus"], "unknown engine 'bogus'"),
        (["--plot", "chart.gif"], "must end in .png or .svg"),
        (["--no-such-option"], "unrecognized arguments"),
    ],
)
def test_bad_arguments_exit_2_on_one_line(capsys, user_module, argv, message):
    status, out, err = run(capsys, "--no-progress", *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("fastvars-bench: error: ")
    assert message in err
    assert "Traceback" not in err


def test_bad_arguments_as_a_process():
    done = subprocess.run(
        [sys.executable, "-m", "fastvars.bench", "--threads", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().count("\n") == 0 and "--threads" in done.stderr


def test_help_documents_every_workload(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    for name, workload in workloads.WORKLOADS.items():
        assert f"  {name} " in out and workload.summary[:30] in " ".join(out.split())
    assert "module:function" in out


def test_sentry_absent_is_skipped(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "sentry_sdk", None)  # import fails
    status, out, err = run(capsys, *TINY, "-w", "chained", "--engines", "sentry,posthog")
    assert status == 0, err
    assert "skipped sentry: sentry-sdk is not installed (pip install sentry-sdk)" in out


def test_sentry_when_installed(capsys):
    pytest.importorskip("sentry_sdk")
    status, out, err = run(capsys, *TINY, "-w", "chained", "--engines", "sentry", "--json")
    assert status == 0, err
    assert json.loads(out)["results"][0]["engines"]["sentry"]["median_us"] is not None


def test_compiled_absent_is_skipped(capsys, monkeypatch):
    monkeypatch.setattr(fv_engine, "available", lambda: {"python": fv_engine.PYTHON})
    status, out, _ = run(capsys, *FAST)
    assert status == 0
    assert "skipped fastvars-c: " in out


def test_plot_without_matplotlib(capsys, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    status, out, err = run(capsys, *FAST, "--plot", str(tmp_path / "chart.png"))
    assert status == 2 and out == ""
    assert "--plot needs matplotlib, which is not installed (pip install matplotlib)" in err
    assert not (tmp_path / "chart.png").exists()


@pytest.mark.parametrize("suffix, magic", [(".svg", b"<?xml"), (".png", b"\x89PNG")])
def test_plot_writes_a_chart(capsys, tmp_path, suffix, magic):
    pytest.importorskip("matplotlib")
    target = tmp_path / f"chart{suffix}"
    status, _, err = run(capsys, *FAST, "--plot", str(target))
    assert status == 0, err
    assert target.read_bytes().startswith(magic)


def test_every_workload_raises_fresh_exceptions():
    for workload in workloads.WORKLOADS.values():
        first, second = workload.make(), workload.make()
        assert first[1] is not second[1]
        assert first[2] is not None and first[1].__traceback__ is first[2]


def test_every_workload_raises_beneath_the_request_stack():
    layers = [
        "server",
        "middleware",
        "middleware",
        "middleware",
        "router",
        "views",
        "services",
        "repository",
    ]
    for workload in workloads.WORKLOADS.values():
        first, second = workload.raise_in_request(), workload.raise_in_request()
        assert first is not second and type(first) is type(workload.make()[1])
        modules, tb = [], first.__traceback__
        while tb is not None:
            modules.append(tb.tb_frame.f_globals["__name__"])
            tb = tb.tb_next
        assert modules[:8] == [f"fastvars.bench.service.{layer}" for layer in layers]
        assert len(modules) > 8


@pytest.mark.slow
def test_quick_run_of_the_installed_command():
    # The README's first command ends with this (how long it takes is the benchmark's
    # own report, not an assertion here: the machines are shared and noisy).
    script = os.path.join(os.path.dirname(sys.executable), "fastvars-bench")
    command = [script] if os.path.exists(script) else [sys.executable, "-m", "fastvars.bench"]
    done = subprocess.run(
        command + ["--quick", "--no-progress"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "standard (1e/22f)" in done.stdout and "chained (3e/10f)" in done.stdout
