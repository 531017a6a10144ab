"""The property that holds whatever posthog release is installed (scripts/test.sh also
runs this file against the newest posthog 7.x the package index offers): either
``enable()`` returns True and every event through a real client is that posthog's own
(each exception of a chain with its own traceback's locals, the documented
difference), or ``enable()`` returns False with a reason, and the events are posthog's
own because fastvars is not in the way."""

import posthog
import pytest

import corpus
import fastvars
from oracle import client_event, raise_and_catch

pytestmark = pytest.mark.usefixtures("engine_off")


def chain_variables_aside(event):
    """The event without the code variables of a chain's non-primary exceptions: there
    fastvars differs from posthog on purpose (tests/test_differential.py checks those
    against posthog's own capture of each exception's traceback)."""
    for exception in event["properties"]["$exception_list"][1:]:
        for frame in exception.get("stacktrace", {}).get("frames", []):
            frame.pop("code_variables", None)
    return event


CASES = {**corpus.SCENARIOS, **corpus.CHAINED}


def forget_captured(exc_info):
    """posthog skips an exception it captured before (it marks it): capture the same
    one again, so that both events show the very same objects."""
    for name in [n for n in vars(exc_info[1]) if n.startswith("__posthog_exception_")]:
        delattr(exc_info[1], name)


@pytest.mark.parametrize("client_class", [posthog.Posthog, posthog.AsyncPosthog])
def test_either_enabled_and_identical_or_off_with_a_reason(client_class):
    raised = {name: raise_and_catch(fn) for name, fn in CASES.items()}
    off_events = {
        name: client_event(client_class, exc_info[1]) for name, exc_info in raised.items()
    }
    enabled = fastvars.enable()
    if not enabled:
        assert fastvars.status()["reason"], "off without a reason"
    for name, exc_info in raised.items():
        forget_captured(exc_info)
        on_event = client_event(client_class, exc_info[1])
        want = chain_variables_aside(off_events[name]) if enabled else off_events[name]
        got = chain_variables_aside(on_event) if enabled else on_event
        assert repr(got) == repr(want), name
