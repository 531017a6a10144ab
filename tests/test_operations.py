"""What an operator uses without a code change: the FASTVARS_DISABLE off-switch, the
``python -m fastvars`` diagnosis, ``--version``, and ``fastvars-run``, which runs a
program unchanged with fastvars enabled in it and in its Python subprocesses."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import fastvars
from fastvars import engine as fv_engine
from fastvars.integration import control, launcher

# What depends on which engine is live: run again with FASTVARS_NO_EXTENSIONS=1
# (scripts/test.sh, CI) as well as in the suite.
pytestmark = pytest.mark.live_engine

TIMEOUT = 120
REDACTED = "$$_posthog_redacted_based_on_masking_rules_$$"


@pytest.fixture
def off(engine, monkeypatch):
    monkeypatch.setattr(fv_engine, "ACTIVE", engine)
    fastvars.disable()
    yield engine
    fastvars.disable()


def test_fastvars_disable_keeps_fastvars_off_and_names_the_variable(off, monkeypatch):
    monkeypatch.setenv("FASTVARS_DISABLE", "1")
    assert fastvars.enable() is False
    status = fastvars.status()
    assert not status["active"] and status["disabled_by_environment"]
    assert "FASTVARS_DISABLE" in status["reason"] and status["patched_modules"] == []
    monkeypatch.setenv("FASTVARS_DISABLE", "0")  # "0" and "" mean: not disabled
    assert fastvars.enable() is True


def python(*args, env=None, cwd=None):
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=TIMEOUT, env=env, cwd=cwd
    )


def environment(**changes):
    env = dict(os.environ)
    env.pop("FASTVARS_DISABLE", None)
    env.update(changes)
    return env


def test_python_m_fastvars_exits_0_when_fastvars_would_be_active():
    done = python("-m", "fastvars", env=environment())
    assert done.returncode == 0, done.stderr
    assert "fastvars would be active" in done.stdout
    assert f"implementation: {fastvars.implementation}" in done.stdout
    assert "self-check: passed in" in done.stdout
    assert "posthog.client" in done.stdout  # what enable() would patch


def test_python_m_fastvars_exits_1_and_says_why_when_off():
    done = python("-m", "fastvars", env=environment(FASTVARS_DISABLE="1"))
    assert done.returncode == 1
    assert "fastvars would be OFF: FASTVARS_DISABLE is set in the environment" in done.stdout


def test_python_m_fastvars_names_the_real_reason_for_pure_python():
    done = python("-m", "fastvars", env=environment(FASTVARS_NO_EXTENSIONS="1"))
    assert done.returncode == 0, done.stderr
    assert (
        "implementation: python (the compiled engine is not in use: FASTVARS_NO_EXTENSIONS is set)"
        in done.stdout
    )


@pytest.mark.parametrize("disabled", [False, True])
def test_python_m_fastvars_json(disabled):
    env = environment(FASTVARS_DISABLE="1") if disabled else environment()
    done = python("-m", "fastvars", "--json", env=env)
    assert done.returncode == (1 if disabled else 0), done.stderr
    found = json.loads(done.stdout)
    assert found["would_be_active"] is (not disabled)
    assert found["implementation"] == fastvars.implementation
    assert (
        found["posthog_version_verified"] is True
        and found["fastvars_version"] == fastvars.__version__
    )
    if disabled:
        assert found["selfcheck_ms"] is None and found["would_patch"] == []
    else:
        assert found["selfcheck_ms"] > 0 and "posthog.client" in found["would_patch"]


@pytest.mark.parametrize(
    "command",
    [["-m", "fastvars"], ["-m", "fastvars.bench"], ["-m", "fastvars.integration.launcher"]],
)
def test_version(command):
    done = python(*command, "--version", env=environment())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(fastvars.__version__)


def test_python_m_fastvars_rejects_bad_arguments():
    assert python("-m", "fastvars", "--frobnicate", env=environment()).returncode == 2


# ------------------------------------------------------------------ fastvars-run


def fastvars_run():
    """The installed console script, or the same entry point run as a module."""
    script = shutil.which("fastvars-run", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "fastvars.integration.launcher"]


APP = """
import json, subprocess, sys
import posthog

events = []
client = posthog.Posthog("phc_x", send=False, sync_mode=True,
                         capture_exception_code_variables=True,
                         before_send=lambda e: events.append(e) and None)

def charge():
    password, amount = "hunter2", 42
    raise ValueError("card declined")

try:
    charge()
except ValueError as error:
    client.capture_exception(error, distinct_id="d")
frames = events[0]["properties"]["$exception_list"][0]["stacktrace"]["frames"]
fastvars = sys.modules.get("fastvars")  # never imported here: only looked at
report = {"variables": frames[-1]["code_variables"],
          "status": fastvars.status() if fastvars else None}
if sys.argv[1:] == ["spawn"]:
    child = subprocess.run([sys.executable, __file__], capture_output=True, text=True)
    report["child"] = json.loads(child.stdout.splitlines()[-1])
print(json.dumps(report))
"""


def run_app(tmp_path, *app_args, env=None, via_launcher=True):
    app = tmp_path / "app.py"
    app.write_text(textwrap.dedent(APP))
    command = fastvars_run() if via_launcher else []
    done = subprocess.run(
        [*command, sys.executable, str(app), *app_args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env or environment(),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1]), done.stderr


def assert_went_through_fastvars(report):
    assert report["variables"] == {"password": REDACTED, "amount": 42}
    status = report["status"]
    assert status is not None, "fastvars was not loaded in the program"
    assert status["active"] and status["reason"] is None
    assert status["captures"] == 1 and status["fallbacks"] == 0  # the program's own capture


def test_fastvars_run_enables_fastvars_in_a_program_that_never_imports_it(tmp_path):
    report, stderr = run_app(tmp_path)
    assert_went_through_fastvars(report)
    assert stderr == ""


def test_fastvars_run_reaches_python_subprocesses(tmp_path):
    report, _ = run_app(tmp_path, "spawn")
    assert_went_through_fastvars(report)
    assert_went_through_fastvars(report["child"])


def test_without_fastvars_run_the_program_runs_posthogs_own(tmp_path):
    report, _ = run_app(tmp_path, via_launcher=False)
    assert report["variables"] == {"password": REDACTED, "amount": 42}
    assert report["status"] is None


def test_fastvars_run_costs_nothing_to_a_program_without_posthog(tmp_path):
    done = subprocess.run(
        [
            *fastvars_run(),
            sys.executable,
            "-c",
            (
                "import sys; print(sorted(m for m in sys.modules"
                " if m.split('.')[0] in ('fastvars', 'posthog')))"
            ),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=environment(),
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_fastvars_run_chains_to_the_sitecustomize_it_shadows(tmp_path):
    own = tmp_path / "own"
    own.mkdir()
    (own / "sitecustomize.py").write_text(
        "import builtins\nbuiltins.OWN_SITECUSTOMIZE_RAN = True\n"
    )
    env = environment(PYTHONPATH=str(own))
    done = subprocess.run(
        [
            *fastvars_run(),
            sys.executable,
            "-c",
            (
                "import builtins, sys, posthog;"
                " print(getattr(builtins, 'OWN_SITECUSTOMIZE_RAN', False),"
                " sys.modules['fastvars'].is_enabled(), sys.modules['sitecustomize'].__file__,"
                " any('_bootstrap' in p for p in sys.path))"
            ),
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    ran, enabled, module_file, hook_on_path = done.stdout.split()
    assert (ran, enabled, hook_on_path) == ("True", "True", "False")
    assert Path(module_file) == own / "sitecustomize.py"


def test_fastvars_run_with_fastvars_disable_runs_the_program_and_says_why_once(tmp_path):
    report, stderr = run_app(tmp_path, env=environment(FASTVARS_DISABLE="1"))
    assert report["variables"] == {"password": REDACTED, "amount": 42}
    assert report["status"]["active"] is False
    assert stderr.count("fastvars-run: fastvars is off: FASTVARS_DISABLE is set") == 1


def test_an_error_in_the_launchers_start_up_never_stops_the_program(tmp_path):
    broken = tmp_path / "broken"
    (broken / "fastvars").mkdir(parents=True)
    (broken / "fastvars" / "__init__.py").write_text(
        "raise RuntimeError('fastvars is broken here')\n"
    )
    env = launcher.environment(environment())
    env["PYTHONPATH"] += os.pathsep + str(broken)  # after the hook, before site-packages
    report, stderr = run_app(tmp_path, env=env, via_launcher=False)
    assert report["variables"] == {"password": REDACTED, "amount": 42}
    assert stderr.count("fastvars-run: fastvars is off: RuntimeError: fastvars is broken here") == 1


def test_fastvars_run_usage():
    done = subprocess.run(fastvars_run(), capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 2 and "usage: fastvars-run" in done.stderr
    done = subprocess.run(
        [*fastvars_run(), "no-such-program-anywhere"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 127 and "cannot run 'no-such-program-anywhere'" in done.stderr


def test_launcher_environment_puts_the_hook_first_once():
    env = launcher.environment(
        {"PYTHONPATH": os.pathsep.join(["/a", launcher.bootstrap_dir(), "/b"])}
    )
    assert env["PYTHONPATH"].split(os.pathsep) == [launcher.bootstrap_dir(), "/a", "/b"]
    assert (Path(launcher.bootstrap_dir()) / "sitecustomize.py").is_file()
    assert control.DISABLE_VARIABLE == "FASTVARS_DISABLE"
