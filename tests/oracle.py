"""posthog itself as the oracle: serialize an exception the way a posthog client does,
then attach code variables with posthog's implementation or with fastvars."""

import copy
import sys

from posthog import exception_utils as ph

import fastvars
from fastvars.frames import exception_tracebacks


def serialized_exceptions(exc_info, in_app=True):
    """The exception list a posthog client builds, every frame marked in-app or not."""
    exceptions = ph.exceptions_from_error_tuple(exc_info)
    for exception in exceptions:
        for index, frame in enumerate(exception.get("stacktrace", {}).get("frames", [])):
            frame["in_app"] = in_app(index, frame) if callable(in_app) else in_app
    return exceptions


def posthog_capture(exceptions, exc_info, mask, ignore, url=True, secrets=True):
    out = copy.deepcopy(exceptions)
    ph.try_attach_code_variables_to_frames(out, exc_info, mask, ignore, url, secrets)
    return out


def posthog_capture_own_tracebacks(exceptions, exc_info, mask, ignore, url=True, secrets=True):
    """posthog's per-frame serializer, but each exception paired with its own traceback:
    what posthog would produce without its chained-exception bug."""
    out = copy.deepcopy(exceptions)
    tb = exc_info[2]
    if tb is None or not list(ph.iter_stacks(tb)):
        return out
    config = ph._MaskingConfig.build(
        mask_patterns=mask, ignore_patterns=ignore, mask_url_credentials=url, detect_secrets=secrets
    )
    limiter = ph.VariableSizeLimiter()
    chain = exception_tracebacks(exc_info)
    for exception, (_, own_tb) in zip(out, chain):
        stacktrace = exception.get("stacktrace")
        if not stacktrace or "frames" not in stacktrace:
            continue
        for frame, entry in zip(stacktrace["frames"], ph.iter_stacks(own_tb)):
            if frame.get("in_app"):
                variables = ph._serialize_frame_variables(entry.tb_frame, limiter, config)
                if variables:
                    frame["code_variables"] = variables
    return out


def fastvars_capture(engine, exceptions, exc_info, mask, ignore, url=True, secrets=True):
    out = copy.deepcopy(exceptions)
    fastvars.attach_code_variables(out, exc_info, mask, ignore, url, secrets, engine=engine)
    return out


def code_variables(exceptions):
    return [
        [frame.get("code_variables") for frame in e.get("stacktrace", {}).get("frames", [])]
        for e in exceptions
    ]


def raise_and_catch(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except BaseException:
        return sys.exc_info()
    raise AssertionError(f"{fn.__name__} did not raise")
