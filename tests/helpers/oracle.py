"""posthog itself as the oracle: serialize an exception the way a posthog client does,
then attach code variables with posthog's implementation or with fastvars."""

import copy
import sys

import fastvars
from fastvars.bench.oracle import (  # noqa: F401  (shared with fastvars-bench)
    posthog_capture,
    posthog_capture_own_tracebacks,
    serialized_exceptions,
)


def fastvars_capture(
    engine, exceptions, exc_info, mask, ignore, url=True, secrets=True, allow_fallback=False
):
    """Capture with one engine. A fallback would let another engine answer for the one
    under test, so unless the caller expects one, it fails the test."""
    out = copy.deepcopy(exceptions)
    before = fastvars.capture.stats.snapshot()
    fastvars.attach_code_variables(out, exc_info, mask, ignore, url, secrets, engine=engine)
    after = fastvars.capture.stats.snapshot()
    if not allow_fallback and after["fallbacks"] != before["fallbacks"]:
        raise AssertionError(f"{engine.name} engine fell back: {after['last_fallback_reason']}")
    return out


def code_variables(exceptions):
    return [
        [frame.get("code_variables") for frame in e.get("stacktrace", {}).get("frames", [])]
        for e in exceptions
    ]


def raise_and_catch(fn, *args, **kwargs):
    """The exc_info of what ``fn(*args, **kwargs)`` raises (it must raise)."""
    try:
        fn(*args, **kwargs)
    except BaseException:
        return sys.exc_info()
    raise AssertionError(f"{getattr(fn, '__name__', fn)} did not raise")


def client_event(client_class, exception, **flags):
    """The event a real posthog client (``posthog.Posthog`` or ``posthog.AsyncPosthog``,
    ``send=False``) builds for ``exception``, without its ``uuid`` and ``timestamp``.
    The async client runs ``before_send`` later, in an event loop it never starts when
    it does not send, so its event is kept where it is prepared, as the self-check does."""
    import posthog

    seen = []
    sync = client_class is posthog.Posthog
    options = {"capture_exception_code_variables": True, **({"sync_mode": True} if sync else {})}
    client = client_class(
        "phc_x", send=False, before_send=lambda e: seen.append(e) and None, **{**options, **flags}
    )
    if not sync:
        prepare = client._prepare_event

        def prepare_and_keep(*args, **kwargs):
            prepared = prepare(*args, **kwargs)
            seen.append(prepared[0])
            return prepared

        client._prepare_event = prepare_and_keep
    client.capture_exception(exception, distinct_id="d")
    (event,) = seen
    return {k: v for k, v in event.items() if k not in ("uuid", "timestamp")}


def chain_variables_aside(event):
    """The event without the code variables of a chain's non-primary exceptions: there
    fastvars differs from posthog on purpose (tests/test_differential.py checks those
    against posthog's own capture of each exception's traceback)."""
    for exception in event["properties"]["$exception_list"][1:]:
        for frame in exception.get("stacktrace", {}).get("frames", []):
            frame.pop("code_variables", None)
    return event


def forget_captured(exc_info):
    """posthog skips an exception it captured before (it marks it): capture the same
    one again, so that both events show the very same objects."""
    for name in [n for n in vars(exc_info[1]) if n.startswith("__posthog_exception_")]:
        delattr(exc_info[1], name)
