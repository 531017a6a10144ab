"""handle_in_app, differentially against posthog's own, on both twins.

Each event is generated once and copied for posthog and for fastvars; the marked
events must be equal and each call must return the event it was given.
"""

from __future__ import annotations

import copy
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from posthog import exception_utils as posthog_exception_utils

from fastvars import workloads
from fastvars.core import inapp
from helpers import implementations
from helpers.sizes import scaled

handle_in_app = implementations.twin_fixture(
    "fastvars.core.inapp", "fastvars.core._inapp", "handle_in_app"
)


_parts = st.sampled_from(["app", "app.views", "lib", "site", "dist", "packages", "", "a.b", "x"])
_modules = st.one_of(
    st.none(),
    st.builds(".".join, st.lists(_parts, min_size=1, max_size=3)),
    st.text(max_size=6),
    st.sampled_from([1, b"app"]),  # not str: posthog's own must do the work
)
_path_pieces = st.sampled_from(
    [
        "/",
        "\\",
        "site-packages",
        "dist-packages",
        "-packages",
        "site",
        "dist",
        "packages",
        "/usr/lib/python3/",
        "C:\\Python\\Lib\\",
        "srv/app/",
        "app.py",
        "Site-packages",
        "/site-packages",
        "site-packages/",
        "/dist-packages\\",
        "x",
    ]
)
_paths = st.one_of(
    st.none(),
    st.builds("".join, st.lists(_path_pieces, max_size=6)),
    st.text(max_size=10),
    st.just(42),
)
_in_app = st.sampled_from([None, True, False, 0, "", "yes"])


@st.composite
def _frames(draw):
    frame = {}
    if draw(st.booleans()):
        frame["in_app"] = draw(_in_app)
    if draw(st.booleans()):
        frame["module"] = draw(_modules)
    if draw(st.booleans()):
        frame["abs_path"] = draw(_paths)
    frame["lineno"] = 1
    return frame


_stacktraces = st.one_of(
    st.fixed_dictionaries({"frames": st.lists(_frames(), max_size=6), "type": st.just("raw")}),
    st.fixed_dictionaries({"frames": st.none()}),
    st.fixed_dictionaries({}),
)
_exceptions = st.lists(
    st.one_of(
        st.fixed_dictionaries({"type": st.just("E"), "stacktrace": _stacktraces}),
        st.fixed_dictionaries({"type": st.just("E")}),
    ),
    max_size=4,
)
_events = st.one_of(
    st.builds(lambda values: {"exception": {"values": values}}, _exceptions),
    st.builds(lambda values: {"exception": {"values": tuple(values)}}, _exceptions),
    st.builds(
        lambda stacktrace, values: {"stacktrace": stacktrace, "exception": {"values": values}},
        _stacktraces,
        _exceptions,
    ),
    st.just({}),
    st.just({"exception": {}}),
    st.sampled_from(
        [
            {"exception": {"values": ""}},
            {"exception": {"values": 0}},
            {"exception": {"values": None}},
            {"exception": None},
            [],
            None,
        ]
    ),
)
_patterns = st.one_of(
    st.none(),
    st.lists(st.builds(".".join, st.lists(_parts, min_size=1, max_size=2)), max_size=3),
    st.lists(_parts, max_size=2).map(tuple),
    st.lists(_parts, max_size=2).map(set),  # not a list or tuple: posthog's own
    st.just([1]),
)
_roots = st.one_of(st.none(), st.sampled_from(["/", "srv/app", "C:\\", "", "/usr"]), st.just(3))


def _compare(handle_in_app, event, exclude, include, root):
    expected_event, actual_event = copy.deepcopy(event), copy.deepcopy(event)
    expected_error = actual_error = None
    try:
        returned = posthog_exception_utils.handle_in_app(
            expected_event, in_app_exclude=exclude, in_app_include=include, project_root=root
        )
        assert returned is expected_event
    except Exception as error:
        expected_error = type(error)
    try:
        returned = handle_in_app(
            actual_event, in_app_exclude=exclude, in_app_include=include, project_root=root
        )
        assert returned is actual_event
    except Exception as error:
        actual_error = type(error)
    assert actual_error == expected_error
    assert actual_event == expected_event


@settings(
    max_examples=scaled(400),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(event=_events, exclude=_patterns, include=_patterns, root=_roots)
def test_generated_events_are_marked_as_posthog_marks_them(
    handle_in_app, event, exclude, include, root
):
    _compare(handle_in_app, event, exclude, include, root)


@pytest.mark.parametrize(
    "path",
    [
        "/usr/lib/python3/site-packages/x.py",
        "/a/dist-packages\\b.py",
        "C:\\Lib\\site-packages\\m.py",
        "site-packages/x.py",
        "/site-packages",
        "/xsite-packages/",
        "/site-packagesx/",
        "/sitepackages/",
        "/site-packages-packages/",
        "//site-packages//",
        "/dist-/site-packages/",
        "-packages/site-packages/",
    ],
)
def test_external_source_paths(handle_in_app, path):
    event = {
        "exception": {"values": [{"stacktrace": {"frames": [{"abs_path": path, "module": "m"}]}}]}
    }
    _compare(handle_in_app, event, None, None, "/")


def test_the_clients_events_are_marked_as_posthog_marks_them(handle_in_app):
    for workload in workloads.WORKLOADS.values():
        error = workload.raise_in_request()
        values = posthog_exception_utils.exceptions_from_error_tuple(
            (type(error), error, error.__traceback__)
        )
        for include in (None, ["fastvars.bench.service"], ["fastvars"]):
            for root in (os.getcwd(), None, "/"):
                _compare(handle_in_app, {"exception": {"values": values}}, None, include, root)


class Truthy:
    """values of another type: posthog asks it for its truth once, and so may fastvars."""

    calls = 0

    def __bool__(self):
        Truthy.calls += 1
        return False


def test_user_code_in_the_event_runs_as_often_as_in_posthog(handle_in_app):
    Truthy.calls = 0
    posthog_exception_utils.handle_in_app({"exception": {"values": Truthy()}})
    expected, Truthy.calls = Truthy.calls, 0
    handle_in_app({"exception": {"values": Truthy()}})
    assert Truthy.calls == expected == 1


def test_the_clients_events_take_the_fast_path(monkeypatch):
    def must_not_be_called(*args, **kwargs):
        raise AssertionError("delegated to posthog's handle_in_app")

    monkeypatch.setattr(inapp, "posthog_handle_in_app", must_not_be_called)
    error = workloads.WORKLOADS["chained"].raise_in_request()
    values = posthog_exception_utils.exceptions_from_error_tuple(
        (type(error), error, error.__traceback__)
    )
    event = inapp.handle_in_app({"exception": {"values": values}}, None, ["fastvars"], os.getcwd())
    assert all(
        frame["in_app"] is True
        for value in event["exception"]["values"]
        for frame in value["stacktrace"]["frames"]
    )
