"""The self-check that ``fastvars.enable()`` runs before it leaves posthog routed
through fastvars.

It goes through posthog's real call path: a real ``posthog.Posthog`` and a real
``posthog.AsyncPosthog`` client (no network: ``send=False``; a ``before_send`` that keeps
the event and drops it) capture a handful of really raised exceptions, first with
posthog's own functions, then with fastvars' stand-ins installed, and the two events are
compared whole (everything but their ``uuid`` and ``timestamp``). A posthog release that
calls the capture differently (new arguments, another helper, another order) shows here,
as a difference, as a call fastvars handed back to posthog, or as a stand-in the client
never reached. Each engine a capture may fall back to is also checked on its own.

The corpus is small on purpose: the check runs at application start-up and must cost a
few milliseconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from .. import capture as _capture
from .. import engine as _engine
from . import posthog_api
from ._selfcheck_corpus import CASES, raised
from .replacements import NotAnswered, Probe, probes

ExcInfo = tuple[Any, Any, Any]
Event = dict[str, Any]

_QUIET = logging.getLogger("fastvars.selfcheck.posthog")
_QUIET.disabled = True
_QUIET.propagate = False


# The code-variables settings, given to the clients as posthog's init flags.
def _settings() -> list[dict[str, Any]]:
    defaults = {
        "code_variables_mask_patterns": posthog_api.lookup(
            posthog_api.EXCEPTION_UTILS, "DEFAULT_CODE_VARIABLES_MASK_PATTERNS"
        ),
        "code_variables_ignore_patterns": posthog_api.lookup(
            posthog_api.EXCEPTION_UTILS, "DEFAULT_CODE_VARIABLES_IGNORE_PATTERNS"
        ),
        "code_variables_mask_url_credentials": True,
        "code_variables_detect_secrets": True,
    }
    custom = {
        "code_variables_mask_patterns": [r"(?i).*account.*", r"^temp_", "(?i)NOTE"],
        "code_variables_ignore_patterns": [r"^__", r"^nothing$"],
        "code_variables_mask_url_credentials": False,
        "code_variables_detect_secrets": False,
    }
    return [defaults, custom]


class _Recorder:
    """A ``before_send`` that keeps every event and drops it (nothing is sent)."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)
        return None

    def observe_async(self, client: Any) -> None:
        """The async client runs ``before_send`` later, in its event loop, which a
        client that does not send never starts: its event is kept where it is built,
        cleaned, before it would be queued (``_prepare_event``, in 7.91.1)."""
        prepare = getattr(client, "_prepare_event", None)
        if not callable(prepare):
            return  # then no event is seen, and the check says so

        def prepare_and_keep(*args: Any, **kwargs: Any) -> Any:
            prepared = prepare(*args, **kwargs)
            if isinstance(prepared, tuple) and prepared and isinstance(prepared[0], dict):
                self.events.append(prepared[0])
            return prepared

        client._prepare_event = prepare_and_keep


def _clients(
    recorder: _Recorder,
) -> list[tuple[str, Any, dict[str, Any], Sequence[Callable[[], None]]]]:
    """(label, client, its settings, the cases it captures): the sync client with the
    default and with other settings, the async client with the defaults. Created for
    each check: a release may change what a client does at creation."""
    sync_class = posthog_api.lookup("posthog", "Posthog")
    async_class = posthog_api.lookup("posthog", "AsyncPosthog")
    common = {
        "send": False,
        "before_send": recorder,
        "capture_exception_code_variables": True,
        # The corpus's frames are fastvars' own: make them in-app wherever it is installed.
        "in_app_modules": [CASES[0].__module__],
    }
    defaults, custom = _settings()
    clients = [
        (
            "sync client",
            sync_class("phc_fastvars_selfcheck", sync_mode=True, **common, **defaults),
            defaults,
            CASES,
        ),
        (
            "sync client, other settings",
            sync_class("phc_fastvars_selfcheck", sync_mode=True, **common, **custom),
            custom,
            CASES,
        ),
    ]
    if async_class is not None:
        async_client = async_class("phc_fastvars_selfcheck", **common, **defaults)
        recorder.observe_async(async_client)
        clients.append(("async client", async_client, defaults, CASES))
    for _, client, _, _ in clients:
        client.log = _QUIET  # a failing capture is the check's to report, not posthog's
    return clients


Captured = tuple[str, ExcInfo, Event | None, dict[str, Any]]


def _capture_all(
    clients: list[tuple[str, Any, dict[str, Any], Sequence[Callable[[], None]]]],
    recorder: _Recorder,
    probe: Probe | None = None,
) -> list[Captured]:
    """Each client's cases: (where, the exc_info, the event or None, the settings).
    With a probe, a capture that does not reach every stand-in it names, or that one
    hands back to posthog, raises _NotAnswered."""
    out = []
    for label, client, settings, cases in clients:
        for case in cases:
            where = f"{label}, {case.__name__}"
            exc_info = raised(case)  # fresh: posthog skips an exception captured before
            del recorder.events[:]
            if probe is not None:
                del probe.reached[:]
            client.capture_exception(exc_info[1], distinct_id="fastvars-selfcheck")
            if probe is not None:
                probe.check(where)
            event = recorder.events[0] if len(recorder.events) == 1 else None
            out.append((where, exc_info, event, settings))
    return out


def _without_variables(exceptions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy of an exception list as it was before code variables were attached
    (shallow where nothing is written)."""
    out = []
    for exception in exceptions:
        stacktrace = exception.get("stacktrace")
        if isinstance(stacktrace, dict) and isinstance(stacktrace.get("frames"), list):
            frames = [
                {k: v for k, v in f.items() if k != "code_variables"} for f in stacktrace["frames"]
            ]
            exception = {**exception, "stacktrace": {**stacktrace, "frames": frames}}
        out.append(exception)
    return out


def _comparable(event: Event) -> Event:
    return {k: v for k, v in event.items() if k not in ("uuid", "timestamp")}


def _chain(exc: BaseException | None) -> dict[str, BaseException]:
    """The exceptions of the corpus's chains, by type name (each type appears once)."""
    found: dict[str, BaseException] = {}
    while exc is not None and type(exc).__name__ not in found:
        found[type(exc).__name__] = exc
        exc = exc.__cause__ or exc.__context__
    return found


def _with_own_tracebacks(event: Event, exc_info: ExcInfo, settings: dict[str, Any]) -> Event:
    """posthog's event, but each exception of a chain given the locals of its own
    traceback: fastvars' one intended difference (posthog pairs every exception with
    the primary traceback's frames). The primary exception keeps posthog's values."""
    exceptions = event["properties"]["$exception_list"]
    if len(exceptions) < 2:
        return event
    attach = posthog_api.lookup(posthog_api.EXCEPTION_UTILS, "attach_code_variables_to_frames")
    exceptions = exceptions[:1] + _without_variables(exceptions[1:])
    event = {**event, "properties": {**event["properties"], "$exception_list": exceptions}}
    by_type = _chain(exc_info[1])
    for exception in exceptions[1:]:
        own = by_type.get(exception.get("type"))
        if own is not None:
            attach(
                [exception],
                (type(own), own, own.__traceback__),
                settings["code_variables_mask_patterns"],
                settings["code_variables_ignore_patterns"],
                settings["code_variables_mask_url_credentials"],
                settings["code_variables_detect_secrets"],
            )
    return event


def _check_fallback_engine(expected: Sequence[Captured]) -> str | None:
    """The pure-Python engine, which a capture falls back to when the compiled one
    fails, checked on its own (the clients' run shows only the engine that answered):
    its variables must be the expected event's."""
    if _engine.ACTIVE is _engine.PYTHON:
        return None  # the clients' run checks it
    for where, exc_info, event, settings in expected:
        assert event is not None
        want = event["properties"]["$exception_list"]
        got = _without_variables(want)
        try:
            # The engine's plan directly: attach_code_variables() would hide a
            # failing engine behind its fallback.
            plan = _capture._plan(
                _engine.PYTHON,
                got,
                exc_info,
                settings["code_variables_mask_patterns"],
                settings["code_variables_ignore_patterns"],
                settings["code_variables_mask_url_credentials"],
                settings["code_variables_detect_secrets"],
            )
        except Exception as error:
            return f"python engine raised {type(error).__name__}: {error} ({where})"
        for frame_dict, variables in plan:
            frame_dict["code_variables"] = variables
        if repr(got) != repr(want):
            return f"python engine: code variables differ from posthog's ({where})"
    return None


def run(install: Callable[[], None], names: Sequence[str]) -> str | None:
    """Capture the corpus with posthog's own functions, then ``install()`` fastvars'
    stand-ins and capture it again. None when every event is posthog's (chained
    exceptions aside, as documented) and every stand-in in ``names`` answered its
    calls itself; else why not. The caller undoes ``install()`` on failure."""
    recorder = _Recorder()
    clients = _clients(recorder)
    expected = []
    for where, exc_info, event, settings in _capture_all(clients, recorder):
        if event is None:
            return f"posthog's own capture sent no event ({where})"
        expected.append(
            (where, exc_info, _with_own_tracebacks(event, exc_info, settings), settings)
        )

    failure = _check_fallback_engine(expected)
    if failure is not None:
        return failure

    install()
    probe = probes.current = Probe(expected=list(names))
    try:
        with _capture.stats.watching() as fallbacks:
            after = _capture_all(clients, recorder, probe)
    except NotAnswered as failure:
        return str(failure)
    finally:
        probes.current = None
    if fallbacks:
        return f"a capture fell back ({fallbacks[0]})"
    for (where, _, want, _), (_, _, got, _) in zip(expected, after):
        if got is None:
            return f"no event sent with fastvars ({where})"
        if repr(_comparable(got)) != repr(_comparable(want)):
            return f"the event differs from posthog's ({where})"
    return None
