"""The engines ``fastvars-bench`` compares, each adapted to "one capture of this
exception", so the timing code treats them all alike.

An engine whose capture cannot be separated from other work (Sentry builds a whole
event; the standard library a whole TracebackException) is measured as a difference:
its ``base`` is the same work without local variables, and the benchmark reports the
capture minus the base.
"""

from __future__ import annotations

import copy
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from posthog import exception_utils as ph

from .. import engine as _engine
from ..capture import attach_code_variables
from ..constants import DEFAULT_IGNORE_PATTERNS, DEFAULT_MASK_PATTERNS

ExcInfo = tuple[Any, Any, Any]
MASK = list(DEFAULT_MASK_PATTERNS)
IGNORE = list(DEFAULT_IGNORE_PATTERNS)

# Display order; "posthog" is the baseline every ratio is taken against.
ENGINE_NAMES = ("fastvars-c", "fastvars-py", "posthog", "sentry", "stdlib")
DESCRIPTIONS = {
    "fastvars-c": "fastvars, compiled engine",
    "fastvars-py": "fastvars, pure-Python engine",
    "posthog": "posthog's attach_code_variables_to_frames (the baseline)",
    "sentry": "sentry-sdk include_local_variables: event with locals minus without",
    "stdlib": "traceback.TracebackException(capture_locals=True) minus False; no masking",
}


@dataclass
class Runner:
    """One engine, ready to capture one workload's exception again and again."""

    capture: Callable[[], Any]
    base: Callable[[], Any] | None = None  # same work without locals, to subtract
    reset: Callable[[], None] = lambda: None  # forget the last capture's output
    output: list[dict[str, Any]] | None = None  # where captures write, when they do
    # Called, untimed, before every batch of n captures (warm-up included): the
    # end-to-end runners raise n fresh exceptions and switch fastvars on or off here.
    before_batch: Callable[[int], None] | None = None


@dataclass(frozen=True)
class BenchEngine:
    name: str
    prepare: Callable[[ExcInfo, Sequence[dict[str, Any]]], Runner]
    fastvars_engine: _engine.Engine | None = None  # set for the engines under proof

    @property
    def description(self) -> str:
        return DESCRIPTIONS.get(self.name, self.name)


def _clear(exceptions: Sequence[dict[str, Any]]) -> None:
    for exception in exceptions:
        for frame in exception.get("stacktrace", {}).get("frames", []):
            frame.pop("code_variables", None)


def _attach_runner(
    attach: Callable[..., Any], exc_info: ExcInfo, exceptions: Sequence[dict[str, Any]]
) -> Runner:
    # Each runner writes into its own copy. Captures overwrite code_variables in
    # place, which costs what writing into a fresh event would.
    own = copy.deepcopy(list(exceptions))
    return Runner(
        capture=lambda: attach(own, exc_info, MASK, IGNORE, True, True),
        reset=lambda: _clear(own),
        output=own,
    )


def _fastvars(name: str, fv_engine: _engine.Engine) -> BenchEngine:
    def attach(exceptions: Any, exc_info: ExcInfo, *args: Any) -> None:
        attach_code_variables(exceptions, exc_info, *args, engine=fv_engine)

    return BenchEngine(name, lambda e, x: _attach_runner(attach, e, x), fv_engine)


def _posthog() -> BenchEngine:
    # The call a posthog client makes (its try_ wrapper swallows errors).
    return BenchEngine(
        "posthog", lambda e, x: _attach_runner(ph.try_attach_code_variables_to_frames, e, x)
    )


def _stdlib() -> BenchEngine:
    def prepare(exc_info: ExcInfo, _: Any) -> Runner:
        return Runner(
            capture=lambda: traceback.TracebackException(*exc_info, capture_locals=True),
            base=lambda: traceback.TracebackException(*exc_info, capture_locals=False),
        )

    return BenchEngine("stdlib", prepare)


def _sentry() -> tuple[BenchEngine | None, str]:
    try:
        import sentry_sdk
        from sentry_sdk.transport import Transport
        from sentry_sdk.utils import event_from_exception
    except ImportError:
        return None, "sentry-sdk is not installed (pip install sentry-sdk)"

    # Transport is Any to mypy where sentry-sdk (the bench extra) is not installed.
    class DropTransport(Transport):  # type: ignore[misc,unused-ignore]
        """Builds nothing, sends nothing: the benchmark must not touch the network."""

        def capture_envelope(self, envelope: Any) -> None:
            pass

    def client(include_locals: bool) -> Any:
        # A standalone client: sentry_sdk.init() would change the process's global hub.
        return sentry_sdk.Client(
            dsn="https://public@sentry.invalid/1",
            transport=DropTransport,
            include_local_variables=include_locals,
            default_integrations=False,
            auto_enabling_integrations=False,
            send_client_reports=False,
            enable_backpressure_handling=False,
        )

    def prepare(exc_info: ExcInfo, _: Any) -> Runner:
        with_locals, without = client(True), client(False)

        def send(c: Any) -> Any:
            event, hint = event_from_exception(exc_info, client_options=c.options)
            return c.capture_event(event, hint=hint)

        return Runner(capture=lambda: send(with_locals), base=lambda: send(without))

    return BenchEngine("sentry", prepare), ""


def build(selected: Sequence[str] | None = None) -> tuple[list[BenchEngine], dict[str, str]]:
    """The engines to run, in display order, and the skipped ones with the reason."""
    wanted = list(selected or ENGINE_NAMES)
    engines: list[BenchEngine] = []
    skipped: dict[str, str] = {}
    available = _engine.available()  # looked up at run time: tests substitute engines
    for name in ENGINE_NAMES:
        if name not in wanted:
            continue
        if name == "fastvars-c":
            if "c" in available:
                engines.append(_fastvars(name, available["c"]))
            else:
                reason = _engine.COMPILED_UNAVAILABLE_REASON or "compiled extension not built"
                skipped[name] = reason
        elif name == "fastvars-py":
            engines.append(_fastvars(name, available.get("python", _engine.PYTHON)))
        elif name == "posthog":
            engines.append(_posthog())
        elif name == "stdlib":
            engines.append(_stdlib())
        elif name == "sentry":
            sentry, reason = _sentry()
            if sentry is None:
                skipped[name] = reason
            else:
                engines.append(sentry)
    return engines, skipped


# ------------------------------------------------------------------ end to end

# What the end-to-end view times, in display order: client.capture_exception(exc)
# through a real posthog.Posthog client whose before_send drops the event (no network),
# with posthog's own code and with fastvars enabled, code variables on and off; and
# posthog's per-event floor, a trivial client.capture("evt") through the same client.
END_TO_END_NAMES = ("posthog", "fastvars", "posthog-off", "fastvars-off", "trivial-event")
END_TO_END_DESCRIPTIONS = {
    "posthog": "capture_exception, code variables on, posthog's own code",
    "fastvars": "capture_exception, code variables on, fastvars.enable()d",
    "posthog-off": "capture_exception, code variables off, posthog's own code",
    "fastvars-off": "capture_exception, code variables off, fastvars.enable()d",
    "trivial-event": "capture('evt') through the same client: posthog's per-event floor",
}
# Each fastvars configuration's ratio is taken against posthog's in the same one.
END_TO_END_BASELINES = {"fastvars": "posthog", "fastvars-off": "posthog-off"}


def _frame_modules(error: BaseException) -> list[str]:
    """The module names of every frame of the exception and its chain: given to the
    client as in_app_modules, so that every frame is in-app (as in the code-variables
    benchmark) even when fastvars is installed under site-packages."""
    names: list[str] = []
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        tb = current.__traceback__
        while tb is not None:
            name = tb.tb_frame.f_globals.get("__name__")
            if isinstance(name, str) and name not in names:
                names.append(name)
            tb = tb.tb_next
        pending += [current.__cause__, current.__context__]
    return names


def _dropping_client(code_variables: bool, in_app_modules: list[str]) -> Any:
    import posthog

    return posthog.Posthog(
        "phc_fastvars_bench",
        host="http://127.0.0.1:9",  # never contacted: before_send drops every event
        sync_mode=True,  # no consumer thread
        before_send=lambda event: None,
        capture_exception_code_variables=code_variables,
        in_app_modules=in_app_modules,
    )


def _set_fastvars(on: bool) -> None:
    import fastvars

    if on:
        if not fastvars.enable():
            raise RuntimeError(f"fastvars.enable() failed: {fastvars.status().get('reason')}")
    else:
        fastvars.disable()


def end_to_end_problem() -> str | None:
    """Why the end-to-end view cannot run here (fastvars does not enable), or None.
    Leaves fastvars as it found it."""
    import fastvars

    was_enabled = fastvars.is_enabled()
    try:
        if not fastvars.enable():
            return f"fastvars.enable() returned False: {fastvars.status().get('reason')}"
    except Exception as error:  # enable() should never raise; say so if it does
        return f"fastvars.enable() raised {type(error).__name__}: {error}"
    finally:
        if not was_enabled:
            fastvars.disable()
    return None


def end_to_end_runners(raise_in_request: Callable[[], BaseException]) -> dict[str, Runner]:
    """The END_TO_END_NAMES runners for one workload. Every capture_exception gets a
    fresh exception (posthog marks the ones it has captured and returns at once on
    them), raised before the batch and outside the timing."""
    modules = _frame_modules(raise_in_request())
    clients = {True: _dropping_client(True, modules), False: _dropping_client(False, modules)}

    def exception_runner(code_variables: bool, with_fastvars: bool) -> Runner:
        client = clients[code_variables]
        pool: list[BaseException] = []

        def before_batch(n: int) -> None:
            _set_fastvars(with_fastvars)
            pool[:] = [raise_in_request() for _ in range(n)]

        return Runner(
            capture=lambda: client.capture_exception(pool.pop()), before_batch=before_batch
        )

    trivial = clients[True]
    runners = {
        "posthog": exception_runner(True, False),
        "fastvars": exception_runner(True, True),
        "posthog-off": exception_runner(False, False),
        "fastvars-off": exception_runner(False, True),
        "trivial-event": Runner(
            capture=lambda: trivial.capture("evt", distinct_id="fastvars-bench"),
            before_batch=lambda n: _set_fastvars(False),
        ),
    }
    return runners
