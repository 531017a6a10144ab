"""The property that holds whatever posthog release is installed (scripts/test.sh also
runs this file against the newest posthog 7.x the package index offers): either
``enable()`` returns True and every event through a real client is that posthog's own
(each exception of a chain with its own traceback's locals, the documented
difference), or ``enable()`` returns False with a reason, and the events are posthog's
own because fastvars is not in the way."""

import posthog
import pytest

import fastvars
from helpers import corpus
from helpers.oracle import (
    chain_variables_aside,
    client_event,
    forget_captured,
    raise_and_catch,
)

pytestmark = pytest.mark.usefixtures("engine_off")


CASES = {**corpus.SCENARIOS, **corpus.CHAINED}


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
