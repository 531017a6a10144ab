"""fastvars against posthog releases it has never seen, simulated: a release that
calls the replaced function with a new argument, one that lacks a function fastvars
looks up, one whose output differs, and posthog missing altogether. In every case the
events still go out, and they are what that posthog sends on its own."""

import functools
import json
import logging
import subprocess
import sys
import textwrap

import posthog
import posthog.async_client
import posthog.client
import pytest
from posthog import exception_utils

import fastvars
from fastvars import engine as fv_engine
from fastvars.integration import posthog_api
from fastvars.integration.replacements import passthroughs
from helpers.oracle import client_event, raise_and_catch

NAME = "try_attach_code_variables_to_frames"
CLIENT_MODULES = (exception_utils, posthog.client, posthog.async_client)


@pytest.fixture(autouse=True)
def off_before_and_after(engine, monkeypatch):
    monkeypatch.setattr(fv_engine, "ACTIVE", engine)
    fastvars.disable()
    posthog_api.forget()
    passthroughs.reset()  # each reason is logged once per process: once per test here
    yield
    fastvars.disable()
    posthog_api.forget()


def handler():
    password, count, note = "hunter2", 3, "visible"
    raise ValueError("boom")


def capture(client_class=posthog.Posthog, **flags):
    """The event a real client sends for a fresh exception."""
    return client_event(client_class, raise_and_catch(handler)[1], **flags)


def frames_of(event):
    return event["properties"]["$exception_list"][0]["stacktrace"]["frames"]


# ------------------------------------------------------------------ (a) a new argument


def release_with_a_new_keyword(monkeypatch):
    """posthog N+1: try_attach_code_variables_to_frames takes ``max_depth``, and the
    clients pass it."""
    real_attach = exception_utils.attach_code_variables_to_frames
    calls = []

    def try_attach_code_variables_to_frames(
        all_exceptions,
        exc_info,
        mask_patterns,
        ignore_patterns,
        mask_url_credentials=True,
        detect_secrets=True,
        max_depth=None,
    ):
        calls.append(max_depth)
        try:
            real_attach(
                all_exceptions,
                exc_info,
                mask_patterns,
                ignore_patterns,
                mask_url_credentials,
                detect_secrets,
            )
        except Exception:
            pass

    for module in CLIENT_MODULES:
        monkeypatch.setattr(module, NAME, try_attach_code_variables_to_frames)
    for client_module, cls in (
        (posthog.client, posthog.client.Client),
        (posthog.async_client, posthog.async_client.AsyncClient),
    ):

        def attach(self, exceptions, exc_info, _module=client_module):
            getattr(_module, NAME)(
                exceptions,
                exc_info,
                mask_patterns=self.code_variables_mask_patterns,
                ignore_patterns=self.code_variables_ignore_patterns,
                mask_url_credentials=True,
                detect_secrets=True,
                max_depth=5,
            )

        monkeypatch.setattr(cls, "_attach_exception_code_variables", attach)
    return calls


@pytest.mark.parametrize("client_class", [posthog.Posthog, posthog.AsyncPosthog])
def test_a_release_passing_a_new_keyword_keeps_fastvars_off_and_sends_posthogs_events(
    monkeypatch, client_class
):
    calls = release_with_a_new_keyword(monkeypatch)
    alone = capture(client_class)
    assert fastvars.enable() is False
    reason = fastvars.status()["reason"]
    assert "max_depth" in reason and NAME in reason
    assert capture(client_class) == alone  # every event still arrives, posthog's own
    assert calls and set(calls) == {5}
    assert frames_of(alone)[-1]["code_variables"]["count"] == 3


def test_calls_the_stand_in_does_not_understand_go_to_posthogs_function_unchanged(
    monkeypatch, caplog
):
    original = getattr(exception_utils, NAME)
    seen = []

    @functools.wraps(original)  # the same signature, as far as inspect can tell
    def spy(*args, **kwargs):
        seen.append((args, kwargs))
        return original(*args, **kwargs)

    for module in CLIENT_MODULES:
        monkeypatch.setattr(module, NAME, spy)
    assert fastvars.enable(), fastvars.status()["reason"]
    stand_in = getattr(posthog.client, NAME)
    assert stand_in is not spy
    exc_info = raise_and_catch(handler)
    odd_calls = [
        ((exc_info,), {"mask_patterns": None}),  # a required argument missing
        (("E", exc_info, None, None, True, True, "extra"), {}),  # one positional too many
        (("E", exc_info, None, None), {"new_option": 1}),  # an unknown keyword
        (("E", exc_info, None, None), {"mask_patterns": []}),  # one argument given twice
        (("E", exc_info, iter(["(?i)password"]), None), {}),  # patterns as an iterator
        (("E", exc_info, None, None, 1, True), {}),  # 1 where a bool is expected
        (("E", list(exc_info), None, None), {}),  # exc_info as a list
    ]
    before = fastvars.status()["passthroughs"]
    with caplog.at_level(logging.DEBUG, logger="fastvars"):
        for args, kwargs in odd_calls:
            exceptions = [{"stacktrace": {"frames": [{"in_app": True}]}}]
            args = tuple(exceptions if a == "E" else a for a in args)
            del seen[:]
            try:
                stand_in(*args, **kwargs)
            except TypeError:
                pass  # posthog's own function refuses the call: what posthog alone does
            assert seen == [(args, kwargs)]  # the very arguments, untouched
        status = fastvars.status()
        with pytest.raises(TypeError):  # the same reason again: posthog's own answer
            stand_in(exceptions, exc_info, None, None, new_option=1)
    assert status["passthroughs"] == before + len(odd_calls)
    assert len(status["passthrough_reasons"]) == len(odd_calls)
    assert "unknown keyword argument 'new_option'" in " ".join(status["passthrough_reasons"])
    logged = [r.getMessage() for r in caplog.records if "handed to posthog" in r.getMessage()]
    assert len(logged) == len(set(logged)) == len(odd_calls)  # each reason logged once


def test_an_understood_call_is_answered_by_fastvars_and_equals_posthogs(monkeypatch):
    alone = capture()
    assert fastvars.enable()
    before = fastvars.status()
    assert capture() == alone
    after = fastvars.status()
    assert after["captures"] == before["captures"] + 1
    assert after["passthroughs"] == before["passthroughs"]


# ------------------------------------------------------------------ (b) a function missing


@pytest.mark.parametrize(
    "missing",
    [
        ("posthog.exception_utils", NAME),
        ("posthog.exception_utils", "attach_code_variables_to_frames"),
        ("posthog.exception_utils", "DEFAULT_CODE_VARIABLES_MASK_PATTERNS"),
        ("posthog", "Posthog"),
    ],
)
def test_a_release_lacking_a_function_keeps_fastvars_off_and_says_which(monkeypatch, missing):
    module_name, name = missing
    monkeypatch.delattr(sys.modules[module_name], name)
    assert fastvars.enable() is False
    assert f"{module_name}.{name}" in fastvars.status()["reason"]
    assert not fastvars.is_enabled() and fastvars.status()["patched_modules"] == []


def run_python(code, tmp_path, pythonpath=None):
    env_path = [str(pythonpath)] if pythonpath else []
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(env_path + [p for p in sys.path if p])
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


IMPORT_AND_ENABLE = """
    import json
    import fastvars
    ok = fastvars.enable()
    try:
        fastvars.set_code_variables_mask_patterns_context(["x"])
        setter = "works"
    except RuntimeError as error:
        setter = str(error)
    snap = fastvars.snapshot(ValueError("no traceback"))
    print(json.dumps({"enabled": ok, "reason": fastvars.status()["reason"],
                      "setter": setter, "snapshot": len(snap)}))
"""


def test_a_posthog_whose_modules_were_renamed_still_imports(tmp_path):
    package = tmp_path / "fake" / "posthog"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("VERSION = '7.99.0'\n")
    (package / "exception_utils.py").write_text("# everything renamed\n")
    got = run_python(IMPORT_AND_ENABLE, tmp_path, pythonpath=tmp_path / "fake")
    assert got["enabled"] is False
    assert "posthog 7.99.0 lacks" in got["reason"] and "posthog.Posthog" in got["reason"]
    assert "has no posthog.contexts.set_code_variables_mask_patterns_context" in got["setter"]
    assert got["snapshot"] == 1


def test_without_posthog_installed_fastvars_imports_and_stays_off(tmp_path):
    got = run_python(
        "import sys; sys.modules['posthog'] = None\n" + textwrap.dedent(IMPORT_AND_ENABLE), tmp_path
    )
    assert got == {
        "enabled": False,
        "reason": "posthog is not installed",
        "setter": got["setter"],
        "snapshot": 1,
    }
    assert "cannot re-export" in got["setter"]


# ------------------------------------------------------------------ (c) another output


def test_a_release_whose_output_differs_keeps_fastvars_off_and_its_output_goes_out(monkeypatch):
    real = exception_utils.attach_code_variables_to_frames

    def attach_code_variables_to_frames(all_exceptions, exc_info, *args, **kwargs):
        real(all_exceptions, exc_info, *args, **kwargs)
        for exception in all_exceptions:  # posthog N+1 also reports each frame's locals count
            for frame in exception.get("stacktrace", {}).get("frames", []):
                if "code_variables" in frame:
                    frame["code_variables_count"] = len(frame["code_variables"])

    monkeypatch.setattr(
        exception_utils, "attach_code_variables_to_frames", attach_code_variables_to_frames
    )
    alone = capture()
    assert frames_of(alone)[-1]["code_variables_count"] == 3
    assert fastvars.enable() is False
    reason = fastvars.status()["reason"]
    assert reason.startswith("self-check failed") and "differ" in reason
    assert capture() == alone


def test_a_release_whose_clients_no_longer_call_the_function_keeps_fastvars_off(monkeypatch):
    real = exception_utils.attach_code_variables_to_frames

    def attach(self, exceptions, exc_info):  # the client now calls attach directly
        real(
            exceptions,
            exc_info,
            self.code_variables_mask_patterns,
            self.code_variables_ignore_patterns,
            self.code_variables_mask_url_credentials,
            self.code_variables_detect_secrets,
        )

    monkeypatch.setattr(posthog.client.Client, "_attach_exception_code_variables", attach)
    assert fastvars.enable() is False
    assert "never called" in fastvars.status()["reason"]


def test_a_release_with_other_parameters_keeps_fastvars_off(monkeypatch):
    def try_attach_code_variables_to_frames(all_exceptions, exc_info, config):
        pass

    for module in CLIENT_MODULES:
        monkeypatch.setattr(module, NAME, try_attach_code_variables_to_frames)
    assert fastvars.enable() is False
    assert "does not take the parameters fastvars knows" in fastvars.status()["reason"]
    assert getattr(posthog.client, NAME) is try_attach_code_variables_to_frames


# ------------------------------------------------------------------ the event's other steps

STEPS = {"clean": posthog.utils, "handle_in_app": exception_utils}


def test_the_event_steps_are_stood_in_for_where_the_clients_call_them_only():
    defining = {name: getattr(module, name) for name, module in STEPS.items()}
    held = {
        (m.__name__, name): getattr(m, name)
        for name in STEPS
        for m in (posthog.client, posthog.async_client)
    }
    assert fastvars.enable(), fastvars.status()["reason"]
    assert set(STEPS) <= set(fastvars.status()["stand_ins"])
    for (module_name, name), original in held.items():
        assert getattr(sys.modules[module_name], name) is not original
    for name, module in STEPS.items():  # posthog's own calls inside its module stay posthog's
        assert getattr(module, name) is defining[name]
    fastvars.disable()
    for (module_name, name), original in held.items():
        assert getattr(sys.modules[module_name], name) is original


def test_a_step_fastvars_cannot_stand_in_for_is_left_to_posthog(monkeypatch):
    real = posthog.utils.clean

    def clean(item, strict=False):  # posthog N+1: clean takes another parameter
        return real(item)

    for module in (posthog.utils, posthog.client, posthog.async_client):
        monkeypatch.setattr(module, "clean", clean)
    assert fastvars.enable(), fastvars.status()["reason"]
    assert posthog.client.clean is clean
    stand_ins = fastvars.status()["stand_ins"]
    assert "clean" not in stand_ins and NAME in stand_ins


@pytest.mark.parametrize("step", sorted(STEPS))
def test_a_step_twin_that_differs_keeps_fastvars_off(monkeypatch, step):
    from fastvars.integration import standins

    real = standins.twin(step)

    def wrong(*args):
        result = real(*args)
        if step == "handle_in_app":  # marks the event's exceptions, returns the event
            for exception in result["exception"]["values"]:
                exception["extra"] = 1
        elif isinstance(result, dict):
            result = {**result, "extra": 1}
        return result

    original_twin = standins.twin
    monkeypatch.setattr(
        standins, "twin", lambda name: wrong if name == step else original_twin(name)
    )
    assert fastvars.enable() is False
    assert "differs" in fastvars.status()["reason"]


def test_a_call_of_a_step_with_an_unexpected_argument_is_posthogs(monkeypatch):
    assert fastvars.enable()
    stand_in = posthog.client.handle_in_app
    event = {"exception": {"values": []}}
    before = fastvars.status()["passthroughs"]
    assert stand_in(event, in_app_include=("mymodule",)) is event  # a tuple: posthog's own
    status = fastvars.status()
    assert status["passthroughs"] == before + 1
    assert "in_app_include" in status["last_passthrough_reason"]


def test_the_serializer_is_posthogs_own_once_a_helper_it_reproduces_was_replaced(monkeypatch):
    assert fastvars.enable(), fastvars.status()["reason"]
    assert "exceptions_from_error_tuple" in fastvars.status()["stand_ins"]
    real = exception_utils.serialize_frame
    calls = []

    def serialize_frame(*args, **kwargs):  # an application wraps one of posthog's helpers
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(exception_utils, "serialize_frame", serialize_frame)
    before = fastvars.status()["passthroughs"]
    event = capture()
    assert calls  # posthog's serializer ran, through the application's wrapper
    assert frames_of(event)[-1]["code_variables"]["count"] == 3
    assert fastvars.status()["passthroughs"] == before + 1
