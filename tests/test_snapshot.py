"""fastvars.snapshot(): the engine without a posthog client."""

import pytest

import fastvars
from helpers.corpus import CHAINED, SCENARIOS
from helpers.oracle import raise_and_catch

# What depends on which engine is live: run again with FASTVARS_NO_EXTENSIONS=1
# (scripts/test.sh, CI) as well as in the suite.
pytestmark = pytest.mark.live_engine


def test_snapshot_of_exception_and_exc_info(engine):
    exc_info = raise_and_catch(SCENARIOS["nested_calls"])
    by_exc = fastvars.snapshot(exc_info[1], engine=engine)
    by_info = fastvars.snapshot(exc_info, engine=engine)
    assert by_exc == by_info
    (only,) = by_exc
    assert only["type"] == "IndexError" and only["message"] == "deep"
    functions = [f["function"] for f in only["frames"]]
    assert functions[-3:] == ["level1", "level2", "level3"]
    assert "hidden_frame" not in functions  # __traceback_hide__
    level3 = only["frames"][-1]
    assert level3["variables"] == {
        "local3": "three",
        "token_3": "$$_posthog_redacted_based_on_masking_rules_$$",
    }
    assert level3["filename"].endswith("corpus.py") and isinstance(level3["lineno"], int)


def test_snapshot_chain_has_each_exceptions_own_locals(engine):
    exc_info = raise_and_catch(CHAINED["cause"])
    outer, inner = fastvars.snapshot(exc_info[1], engine=engine)
    assert (outer["type"], inner["type"]) == ("ValueError", "KeyError")
    inner_frame = next(f for f in inner["frames"] if f["function"] == "inner_chain")
    assert inner_frame["variables"] == {"inner_local": "INNER"}


def test_snapshot_custom_patterns(engine):
    exc_info = raise_and_catch(SCENARIOS["nested_calls"])
    (only,) = fastvars.snapshot(
        exc_info, mask_patterns=["local"], ignore_patterns=["token"], engine=engine
    )
    assert only["frames"][-1]["variables"] == {
        "local3": "$$_posthog_redacted_based_on_masking_rules_$$"
    }


@pytest.mark.parametrize("bad", [None, 42, "ValueError", (1, 2)])
def test_snapshot_rejects_what_is_not_an_exception(bad):
    with pytest.raises(TypeError, match="exception or an exc_info"):
        fastvars.snapshot(bad)


def test_snapshot_of_unraised_exception_has_no_frames(engine):
    (only,) = fastvars.snapshot(ValueError("never raised"), engine=engine)
    assert only["frames"] == [] and only["message"] == "never raised"


def test_snapshot_of_frame_it_cannot_read_has_no_variables(engine):
    namespace = {"__name__": "weird_module"}
    code = "a = 1\nglobals()[7] = 'seven'\nraise ValueError('module level')\n"
    try:
        exec(compile(code, "<weird>", "exec"), namespace)
    except ValueError as error:
        exc = error
    (only,) = fastvars.snapshot(exc, engine=engine)
    module_frame = next(f for f in only["frames"] if f["filename"] == "<weird>")
    assert module_frame["variables"] == {}
