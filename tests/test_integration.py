"""fastvars.enable()/disable()/status(): what gets patched and restored, the self-check,
the fallback when an engine breaks mid-capture, and the shared context setters."""

import asyncio
import copy
import dataclasses
import logging
import sys
import threading
import types

import posthog
import posthog.async_client
import posthog.client
import posthog.contexts
import pytest
from posthog import exception_utils

import fastvars
from fastvars import capture as fv_capture
from fastvars import engine as fv_engine
from fastvars.integration import control
from helpers.oracle import raise_and_catch, serialized_exceptions

# What depends on which engine is live: run again with FASTVARS_NO_EXTENSIONS=1
# (scripts/test.sh, CI) as well as in the suite.
pytestmark = pytest.mark.live_engine

NAME = "try_attach_code_variables_to_frames"
POSTHOG_MODULES = ("posthog.exception_utils", "posthog.client", "posthog.async_client")


@pytest.fixture
def active(engine, monkeypatch):
    """fastvars enabled with ``engine``, disabled again afterwards."""
    monkeypatch.setattr(fv_engine, "ACTIVE", engine)
    assert fastvars.enable(), fastvars.status()["reason"]
    yield engine
    fastvars.disable()


def holders():
    return {name: getattr(sys.modules[name], NAME) for name in POSTHOG_MODULES}


def test_enable_patches_every_posthog_module_and_disable_restores_the_originals(active):
    fastvars.disable()
    before = holders()
    assert fastvars.enable() and fastvars.enable()  # idempotent
    stand_in = control._patches.stand_in(NAME)
    assert stand_in is not None and stand_in is not before["posthog.exception_utils"]
    assert all(f is stand_in for f in holders().values())
    status = fastvars.status()
    assert status["active"] and status["reason"] is None
    assert set(POSTHOG_MODULES) <= set(status["patched_modules"])
    assert status["implementation"] == active.name
    fastvars.disable()
    fastvars.disable()
    after = holders()
    assert all(after[n] is before[n] for n in POSTHOG_MODULES)
    assert not fastvars.is_enabled() and fastvars.status()["reason"] == "disabled by disable()"


def test_a_module_imported_while_enabled_gets_fastvars_then_the_original(active):
    original = control._patches.original(NAME)
    module = types.ModuleType("posthog._late_import_probe")
    sys.modules[module.__name__] = module
    try:
        exec(f"from posthog.exception_utils import {NAME}", module.__dict__)
        assert getattr(module, NAME) is control._patches.stand_in(NAME)
        fastvars.disable()
        assert getattr(module, NAME) is original is getattr(exception_utils, NAME)
    finally:
        del sys.modules[module.__name__]


def test_concurrent_enable_and_disable_leave_a_consistent_state(active):
    fastvars.disable()
    before = holders()
    barrier = threading.Barrier(8, timeout=10)

    def flip(i):
        barrier.wait()
        for _ in range(20):
            fastvars.enable() if i % 2 else fastvars.disable()

    threads = [threading.Thread(target=flip, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    fastvars.disable()
    assert all(holders()[n] is before[n] for n in POSTHOG_MODULES)


def capture_with_client(client, exc):
    seen = []
    client.before_send = lambda event: seen.append(event) and None
    client.capture_exception(exc, distinct_id="d")
    return seen[0]["properties"]["$exception_list"]


def boom():
    password, count = "hunter2", 3
    raise ValueError("boom")


def test_clients_created_before_and_after_enable_go_through_fastvars(engine, monkeypatch):
    fastvars.disable()
    early = posthog.Posthog("phc_x", send=False, capture_exception_code_variables=True)
    monkeypatch.setattr(fv_engine, "ACTIVE", engine)
    assert fastvars.enable()
    try:
        late = posthog.Posthog("phc_x", send=False, capture_exception_code_variables=True)
        before = fv_capture.stats.snapshot()["captures"]
        for client in (early, late):
            out = capture_with_client(client, raise_and_catch(boom)[1])
            assert out[0]["stacktrace"]["frames"][-1]["code_variables"]["count"] == 3
        assert fv_capture.stats.snapshot()["captures"] == before + 2
    finally:
        fastvars.disable()


# ------------------------------------------------------------------ safety


def test_self_check_failure_keeps_posthog_and_says_why(engine, monkeypatch, caplog):
    fastvars.disable()

    def wrong(frame, policy, budget):
        return {**engine.frame_variables(frame, policy, budget), "extra": 1}

    monkeypatch.setattr(fv_engine, "ACTIVE", dataclasses.replace(engine, frame_variables=wrong))
    before = holders()
    with caplog.at_level(logging.WARNING, logger="fastvars"):
        assert fastvars.enable() is False
    assert holders() == before
    status = fastvars.status()
    assert not status["active"] and "self-check failed" in status["reason"]
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1


def test_self_check_failure_when_an_engine_raises(engine, monkeypatch):
    fastvars.disable()

    def broken(frame, policy, budget):
        raise MemoryError("simulated")

    monkeypatch.setattr(fv_engine, "ACTIVE", dataclasses.replace(engine, frame_variables=broken))
    assert fastvars.enable() is False
    assert "MemoryError: simulated" in fastvars.status()["reason"]


def test_unverified_posthog_version_warns_and_still_checks(engine, monkeypatch, caplog):
    fastvars.disable()
    monkeypatch.setattr(fv_engine, "ACTIVE", engine)
    monkeypatch.setattr(control, "VERIFIED_POSTHOG_VERSIONS", ("0.0.1",))
    monkeypatch.setattr(control, "_selfcheck_ms", None)
    try:
        with caplog.at_level(logging.WARNING, logger="fastvars"):
            assert fastvars.enable()
        assert any(posthog.VERSION in r.getMessage() for r in caplog.records)
        status = fastvars.status()
        assert status["posthog_version_verified"] is False and status["selfcheck_ms"] is not None
        assert status["verified_posthog_versions"] == ["0.0.1"]
    finally:
        fastvars.disable()


def fails_on_second_frame(real):
    calls = [0]

    def frame_variables(frame, policy, budget):
        calls[0] += 1
        if calls[0] == 2:  # mid-capture: one frame's variables are already computed
            raise RuntimeError("engine broke")
        return real(frame, policy, budget)

    return frame_variables


def deep():
    token, level = "t0k", 1
    deeper()


def deeper():
    secret_plan, level = "s", 2
    raise KeyError("deep")


@pytest.mark.parametrize("also_python_broken", [False, True], ids=["engine", "both"])
def test_engine_raising_mid_capture_gives_posthogs_output(active, monkeypatch, also_python_broken):
    broken = dataclasses.replace(
        active, frame_variables=fails_on_second_frame(active.frame_variables)
    )
    monkeypatch.setattr(fv_engine, "ACTIVE", broken)
    if also_python_broken:  # nothing left but posthog's own implementation
        python = fv_engine.PYTHON
        monkeypatch.setattr(
            fv_engine,
            "PYTHON",
            dataclasses.replace(
                python, frame_variables=fails_on_second_frame(python.frame_variables)
            ),
        )
    exc_info = raise_and_catch(deep)
    exceptions = serialized_exceptions(exc_info)
    expected = copy.deepcopy(exceptions)
    fv_capture._posthog_attach(expected, exc_info, None, None)
    before = fv_capture.stats.snapshot()
    posthog.client.try_attach_code_variables_to_frames(  # the name the client calls
        exceptions,
        exc_info,
        mask_patterns=None,
        ignore_patterns=None,
        mask_url_credentials=True,
        detect_secrets=True,
    )
    assert repr(exceptions) == repr(expected)
    after = fv_capture.stats.snapshot()
    assert after["fallbacks"] == before["fallbacks"] + (2 if also_python_broken else 1)
    assert "engine broke" in after["last_fallback_reason"]
    status = fastvars.status()
    assert status["fallbacks"] == after["fallbacks"] and status["last_fallback_reason"]


# ------------------------------------------------------------------ context setters

SETTERS = [
    "new_context",
    "set_capture_exception_code_variables_context",
    "set_code_variables_mask_patterns_context",
    "set_code_variables_ignore_patterns_context",
    "set_code_variables_mask_url_credentials_context",
    "set_code_variables_detect_secrets_context",
]


@pytest.mark.parametrize("name", SETTERS)
def test_context_setters_are_posthogs_own(name):
    # posthog's top-level names are thin wrappers over these; the story below shows
    # the two behave the same.
    assert getattr(fastvars, name) is getattr(posthog.contexts, name)


def context_story(setters):
    """Nesting, fresh contexts, a thread and two asyncio tasks; what each one sees."""
    get = posthog.contexts.get_code_variables_mask_patterns_context
    seen = {}
    with setters.new_context():
        setters.set_code_variables_mask_patterns_context(["outer"])
        with setters.new_context():
            seen["nested"] = get()
            setters.set_code_variables_mask_patterns_context(["inner"])
            seen["nested_set"] = get()
        seen["after_nested"] = get()
        with setters.new_context(fresh=True):
            seen["fresh"] = get()
        thread = threading.Thread(target=lambda: seen.__setitem__("thread", get()))
        thread.start()
        thread.join(5)

        async def task(label):
            with setters.new_context():
                setters.set_code_variables_mask_patterns_context([label])
                await asyncio.sleep(0)
                return get()

        async def both():
            return await asyncio.gather(task("a"), task("b"))

        seen["tasks"] = asyncio.run(both())
        seen["after_tasks"] = get()
    seen["outside"] = get()
    return seen


def test_contexts_isolate_exactly_as_posthogs_do():
    assert context_story(fastvars) == context_story(posthog)


def test_context_set_through_fastvars_is_read_by_posthogs_client(active):
    client = posthog.Posthog("phc_x", send=False, capture_exception_code_variables=False)
    with fastvars.new_context():
        fastvars.set_capture_exception_code_variables_context(True)
        fastvars.set_code_variables_mask_patterns_context([r"^count$"])
        out = capture_with_client(client, raise_and_catch(boom)[1])
    got = out[0]["stacktrace"]["frames"][-1]["code_variables"]
    assert got == {"password": "hunter2", "count": exception_utils.CODE_VARIABLES_REDACTED_VALUE}
    with posthog.new_context():
        posthog.set_capture_exception_code_variables_context(True)
        assert fastvars.contexts.get_capture_exception_code_variables_context() is True


@pytest.mark.parametrize("broken", ["missing", "stale"])
def test_unusable_extension_means_pure_python(monkeypatch, broken):
    """A compiled module that does not import, or one built from older sources that
    lacks a function, leaves the pure-Python engine in charge; importing never fails."""
    import types

    import fastvars.core

    stale = types.ModuleType("fastvars.core._frames")  # no functions at all
    module = None if broken == "missing" else stale
    monkeypatch.setitem(sys.modules, "fastvars.core._frames", module)
    if module is None:
        monkeypatch.delattr(fastvars.core, "_frames", raising=False)
    else:
        monkeypatch.setattr(fastvars.core, "_frames", module, raising=False)
    monkeypatch.delenv("FASTVARS_NO_EXTENSIONS", raising=False)
    compiled, reason = fv_engine._load_compiled()
    assert compiled is None and reason.startswith("compiled extension unavailable")


def test_enable_compiles_the_patterns_of_existing_clients_ahead_of_the_first_capture(
    engine, monkeypatch
):
    """A client's pattern list is compiled by enable(), not by the first capture that
    meets it (a service whose first exception meets a slow list must not stall)."""
    fastvars.disable()
    monkeypatch.setattr(fv_engine, "ACTIVE", engine)
    patterns = [f"(?i)warm_me_{i}" for i in range(3)]
    client = posthog.Posthog(
        "phc_warm",
        code_variables_mask_patterns=patterns,
        code_variables_ignore_patterns=[r"^__"],
        sync_mode=False,
    )
    monkeypatch.setattr(posthog, "default_client", client)
    warmed = []
    real_warm = fv_engine.warm
    monkeypatch.setattr(fv_engine, "warm", lambda m, i: warmed.append((m, i)) or real_warm(m, i))
    try:
        assert fastvars.enable()
        assert (patterns, [r"^__"]) in warmed
    finally:
        fastvars.disable()
        client.shutdown()


def test_each_step_twin_goes_with_the_active_engine(engine, monkeypatch):
    """One chooser for every step's twin (integration.standins.twin): the compiled one
    with the compiled engine, the pure-Python one with the pure-Python engine."""
    import importlib

    from fastvars.integration import standins

    monkeypatch.setattr(fv_engine, "ACTIVE", engine)
    for step, (python, compiled) in standins.TWINS.items():
        module, name = compiled if engine.name == "c" else python
        expected = getattr(importlib.import_module(f"fastvars.core.{module}"), name)
        assert standins.twin(step) is expected, step
