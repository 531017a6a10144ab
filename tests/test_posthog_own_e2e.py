"""posthog's own end-to-end tests for code variables, run with fastvars in every process.

Those tests (``TestEndToEnd`` and ``test_end_to_end_*`` in the installed wheel's
``posthog/test/test_code_variables.py``) start a fresh interpreter per case. A
``sitecustomize.py`` on PYTHONPATH reaches every one of them: it calls
``fastvars.enable()`` at start-up and, at exit, writes fastvars' status and counters to
a file, so we can show that fastvars did the captures. Run once more with fastvars off,
the same tests pass through posthog's own implementation, and the counters stay zero.
"""

import json
import os
import subprocess
import sys

import posthog

POSTHOG_TESTS = os.path.join(os.path.dirname(posthog.__file__), "test", "test_code_variables.py")
SELECT = "TestEndToEnd or test_end_to_end"

SITECUSTOMIZE = """
import atexit, json, os, sys

def _report():
    import fastvars
    path = os.path.join(os.environ["FASTVARS_E2E_REPORTS"], "%d.json" % os.getpid())
    with open(path, "w") as f:
        json.dump({"argv": sys.argv, **fastvars.status()}, f)

if os.environ.get("FASTVARS_E2E_ENABLE") == "1":
    import fastvars
    fastvars.enable()
atexit.register(_report)
"""


def run_posthog_tests(tmp_path, enable, extra_env=None):
    site = tmp_path / "site"
    reports = tmp_path / "reports"
    site.mkdir()
    reports.mkdir()
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE)
    env = {
        **os.environ,
        **(extra_env or {}),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
        "FASTVARS_E2E_ENABLE": "1" if enable else "0",
        "FASTVARS_E2E_REPORTS": str(reports),
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "-k",
            SELECT,
            POSTHOG_TESTS,
        ],
        cwd=str(tmp_path),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert " passed" in done.stdout and "failed" not in done.stdout
    apps = []
    for name in os.listdir(reports):
        with open(reports / name) as f:
            report = json.load(f)
        if report["argv"] and report["argv"][0].endswith("app.py"):
            apps.append(report)
    return done.stdout, apps


def passed_count(stdout):
    line = [text for text in stdout.splitlines() if " passed" in text][-1]
    return int(line.split(" passed")[0].split()[-1])


def test_posthogs_end_to_end_tests_pass_through_fastvars(tmp_path, engine):
    name = engine.name
    extra = {"FASTVARS_NO_EXTENSIONS": "1"} if name == "python" else {}
    stdout, apps = run_posthog_tests(tmp_path, enable=True, extra_env=extra)
    assert len(apps) == passed_count(stdout) >= 7  # one app process per test
    assert all(a["active"] and a["implementation"] == name for a in apps)
    assert all(a["fallbacks"] == 0 for a in apps)
    # every app captured through fastvars, except the one with capture switched off
    assert sorted(a["captures"] for a in apps).count(0) == 1
    assert all(a["captures"] in (0, 1) for a in apps)


def test_posthogs_end_to_end_tests_pass_with_fastvars_off(tmp_path):
    stdout, apps = run_posthog_tests(tmp_path, enable=False)
    assert len(apps) == passed_count(stdout) >= 7
    assert all(not a["active"] and a["captures"] == 0 for a in apps)
