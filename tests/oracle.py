"""posthog itself as the oracle: serialize an exception the way a posthog client does,
then attach code variables with posthog's implementation or with fastvars."""

import copy
import sys

import fastvars
from fastvars.oracle import (  # noqa: F401  (shared with fastvars-bench)
    posthog_capture,
    posthog_capture_own_tracebacks,
    serialized_exceptions,
)


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
