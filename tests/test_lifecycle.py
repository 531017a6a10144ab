"""fastvars over a process's whole life: fork at any moment (during enable(), while
other threads capture), and captures at interpreter shutdown (atexit handlers,
threading.excepthook). Each scenario runs in a subprocess of its own, under a timeout:
a hang is a failure, not a stuck suite."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

TIMEOUT = 60

PRELUDE = """
import json, os, sys, threading, time
import posthog
import fastvars
from fastvars import engine as fv_engine
fv_engine.ACTIVE = fv_engine.available()[{engine!r}]

events = []
client = posthog.Posthog("phc_x", send=False, sync_mode=True,
                         capture_exception_code_variables=True,
                         before_send=lambda e: events.append(e) and None)

def handler():
    password, count = "hunter2", 7
    raise ValueError("boom")

def capture_one():
    del events[:]
    try:
        handler()
    except ValueError as error:
        client.capture_exception(error, distinct_id="d")
    frames = events[0]["properties"]["$exception_list"][0]["stacktrace"]["frames"]
    return frames[-1]["code_variables"]
"""


def run(engine, body, timeout=TIMEOUT):
    code = textwrap.dedent(PRELUDE.format(engine=engine.name)) + textwrap.dedent(body)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout
    )
    return done


def results(done):
    assert done.returncode == 0, done.stderr
    return [json.loads(line[7:]) for line in done.stdout.splitlines() if line.startswith("RESULT ")]


EXPECTED_VARIABLES = {"password": "$$_posthog_redacted_based_on_masking_rules_$$", "count": 7}

CHILD_REPORT = """
def child_report(label):
    # status() and a capture must answer (a child that hangs is killed by the parent,
    # and reported as hung).
    status = fastvars.status()
    got = capture_one()
    before = fastvars.status()["captures"]
    fastvars.disable(); off = fastvars.is_enabled()
    again = fastvars.enable()
    after = capture_one()
    print("RESULT " + json.dumps({"label": label, "status_active": status["active"],
          "variables": got, "again": again, "off": off, "after": after,
          "captures_went_up": fastvars.status()["captures"] > before}), flush=True)

def fork_and_report(label):
    pid = os.fork()
    if pid == 0:
        try:
            child_report(label)
        finally:
            os._exit(0)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, 9)
    print("RESULT " + json.dumps({"label": label, "hung": True}), flush=True)
"""


def check_children(found):
    assert found, "no child reported"
    for child in found:
        assert not child.get("hung"), child
        assert child["variables"] == EXPECTED_VARIABLES, child
        assert child["after"] == EXPECTED_VARIABLES, child
        assert child["again"] is True and child["off"] is False, child
        assert child["captures_went_up"], child


def test_fork_while_another_thread_is_inside_enable(engine):
    body = (
        CHILD_REPORT
        + """
from fastvars.integration import selfcheck
real_run = selfcheck.run
inside = threading.Event()
def slow_run(install, names):
    def slow_install():
        install()
        inside.set()
        time.sleep(0.3)  # the fork lands here: stand-ins in, not yet kept
    return real_run(slow_install, names)
selfcheck.run = slow_run

for attempt in range(5):
    fastvars.disable()
    inside.clear()
    enabler = threading.Thread(target=fastvars.enable)
    enabler.start()
    inside.wait(5)
    fork_and_report(f"during enable, try {attempt}")
    enabler.join(5)
    assert fastvars.is_enabled()
"""
    )
    check_children(results(run(engine, body)))


def test_fork_with_the_lock_held_for_longer_than_the_wait_repairs_the_child(engine):
    body = (
        CHILD_REPORT
        + """
from fastvars.integration import control, selfcheck
control.FORK_WAIT_SECONDS = 0.05  # enable() outlasts the fork's wait
real_run = selfcheck.run
inside = threading.Event()
def stuck_run(install, names):
    def stuck_install():
        install()
        inside.set()
        time.sleep(0.5)
    return real_run(stuck_install, names)
selfcheck.run = stuck_run
enabler = threading.Thread(target=fastvars.enable)
enabler.start()
inside.wait(5)
pid = os.fork()
if pid == 0:
    try:
        status = fastvars.status()  # must not hang on the parent's lock
        print("RESULT " + json.dumps({"active": status["active"], "reason": status["reason"],
              "patched": status["patched_modules"],
              "holder": getattr(posthog.client, "try_attach_code_variables_to_frames").__module__}),
              flush=True)
        selfcheck.run = real_run
        print("RESULT " + json.dumps({"enabled": fastvars.enable(), "variables": capture_one()}),
              flush=True)
    finally:
        os._exit(0)
os.waitpid(pid, 0)
enabler.join(5)
"""
    )
    first, second = results(run(engine, body))
    assert first["active"] is False and "fork interrupted enable()" in first["reason"]
    assert first["patched"] == [] and first["holder"] == "posthog.exception_utils"
    assert second == {"enabled": True, "variables": EXPECTED_VARIABLES}


def test_fork_while_other_threads_capture(engine):
    body = (
        CHILD_REPORT
        + """
assert fastvars.enable()
stop = threading.Event()
# The other threads capture code variables through the stand-in the clients call. Not
# through a whole capture_exception: posthog's own (with or without fastvars) imports
# opentelemetry on every capture, and a fork while another thread holds that module's
# import lock leaves the child stuck in the next import, a CPython hazard of posthog's.
attach = posthog.client.try_attach_code_variables_to_frames
def capture_forever(n):
    while not stop.is_set():
        try:
            handler()
        except ValueError:
            exc_info = sys.exc_info()
        tb, frames = exc_info[2], []
        while tb is not None:
            frames.append({"in_app": True, "lineno": tb.tb_lineno})
            tb = tb.tb_next
        exceptions = [{"stacktrace": {"frames": frames}}]
        attach(exceptions, exc_info, mask_patterns=None, ignore_patterns=None,
               mask_url_credentials=True, detect_secrets=True)
        assert frames[-1]["code_variables"]["count"] == 7
threads = [threading.Thread(target=capture_forever, args=(n,)) for n in range(4)]
for t in threads:
    t.start()
for attempt in range(10):
    time.sleep(0.02)
    fork_and_report(f"while capturing, try {attempt}")
stop.set()
for t in threads:
    t.join(5)
"""
    )
    check_children(results(run(engine, body)))


def test_captures_at_shutdown_neither_hang_nor_raise(engine):
    body = """
import atexit
assert fastvars.enable()

def at_exit():
    print("RESULT " + json.dumps({"where": "atexit", "variables": capture_one(),
                                  "active": fastvars.status()["active"]}), flush=True)

atexit.register(at_exit)

def thread_hook(args):
    client.capture_exception(args.exc_value, distinct_id="d")
    frames = events[-1]["properties"]["$exception_list"][0]["stacktrace"]["frames"]
    variables = frames[-1]["code_variables"]
    print("RESULT " + json.dumps({"where": "excepthook", "variables": variables}), flush=True)

threading.excepthook = thread_hook

def late_failure():
    time.sleep(0.2)  # still running while the main thread finishes
    password, count = "hunter2", 7
    raise ValueError("in a thread at shutdown")

threading.Thread(target=late_failure).start()
"""
    done = run(engine, body)
    found = {r["where"]: r for r in results(done)}
    assert found["atexit"]["variables"] == EXPECTED_VARIABLES and found["atexit"]["active"]
    assert found["excepthook"]["variables"] == EXPECTED_VARIABLES
    assert "Traceback" not in done.stderr, done.stderr
