"""PostHog's code-variables documentation (posthog-code-variables-docs.txt), its
examples run as written with fastvars enabled, against the loopback ingest server.

The snippets below are the documentation's text with its indentation restored (the
stored copy lost it); when that copy is present, a test checks them line for line.
The only thing changed around them is where ``Posthog(...)`` sends: ``posthog.Posthog``
is swapped for a subclass that defaults ``host`` to the loopback server, so the
snippets' own ``from posthog import Posthog`` reaches it. The functions the snippets
call are defined here to raise and capture.
"""

import os
import sys
import textwrap

import posthog
import pytest
from posthog.exception_utils import CODE_VARIABLES_REDACTED_VALUE as REDACTED

import fastvars
from helpers.ingest_server import variables

# What depends on which engine is live: run again with FASTVARS_NO_EXTENSIONS=1
# (scripts/test.sh, CI) as well as in the suite.
pytestmark = pytest.mark.live_engine

# PostHog's documentation of the feature, as this project started from it (a copy is kept
# with the tests so that the check runs on any clone).
DOCS = os.path.join(os.path.dirname(__file__), "data", "posthog-code-variables-docs.txt")
TIMEOUT = 20

GLOBAL_INIT = """
from posthog import Posthog
posthog = Posthog(
    "<ph_project_token>",
    enable_exception_autocapture=True,
    capture_exception_code_variables=True,
)
"""

SCOPED_ENABLE = """
from posthog import new_context
# Enable for a specific block (when disabled globally)
with new_context():
    set_capture_exception_code_variables_context(True)
    will_capture_variables()
"""

SCOPED_DISABLE = """
# Disable for a specific block (when enabled globally)
with new_context():
    set_capture_exception_code_variables_context(False)
    will_not_capture_variables()
"""

CUSTOM_MASK = """
posthog = Posthog(
    "<ph_project_token>",
    enable_exception_autocapture=True,
    capture_exception_code_variables=True,
    code_variables_mask_patterns=[
        r".*password.*", # Mask any variable containing "password"
        r".*token.*", # Mask any variable containing "token"
        r".*secret.*", # Mask any variable containing "secret"
        r"client_secret", # Mask specific variable names
        r"private_key", # Mask specific variable names
    ],
)
"""

SCOPED_MASK = """
with new_context():
    set_code_variables_mask_patterns_context([r".*password.*"])
    mask_patterns_will_only_apply_to_this_method()
"""

CUSTOM_IGNORE = """
posthog = Posthog(
    "<ph_project_token>",
    enable_exception_autocapture=True,
    capture_exception_code_variables=True,
    code_variables_ignore_patterns=[
        r"^__.*", # Python internals
        r"^_.*", # Private variables
        r"temp_.*", # Temporary variables
        r"cache_.*", # Cache variables
        r"debug_.*", # Debug variables
    ],
)
"""

SCOPED_IGNORE = """
with new_context():
    set_code_variables_ignore_patterns_context([r"cache_.*"])
    ignore_patterns_will_only_apply_to_this_method()
"""

SNIPPETS = [
    GLOBAL_INIT,
    SCOPED_ENABLE,
    SCOPED_DISABLE,
    CUSTOM_MASK,
    SCOPED_MASK,
    CUSTOM_IGNORE,
    SCOPED_IGNORE,
]


def test_snippets_are_the_documentation_verbatim():
    with open(DOCS, encoding="utf-8") as f:
        doc = [line.strip() for line in f]
    for snippet in SNIPPETS:
        lines = [line.strip() for line in textwrap.dedent(snippet).strip().splitlines()]
        starts = [i for i in range(len(doc)) if doc[i : i + len(lines)] == lines]
        assert starts, f"not in the documentation:\n{snippet}"


@pytest.fixture
def docs(ingest, route, monkeypatch):
    """A namespace to run snippets in, its client's events landing in ``ingest``."""

    class LoopbackPosthog(posthog.Posthog):
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("host", ingest.url)
            kwargs.setdefault("sync_mode", True)
            kwargs.setdefault("project_root", os.path.dirname(__file__))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(posthog, "Posthog", LoopbackPosthog)
    # enable_exception_autocapture installs hooks; put back the test runner's
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    ns = {
        name: getattr(fastvars, name)
        for name in fastvars.__all__
        if name.startswith(("set_", "new_"))
    }
    ns["Posthog"] = LoopbackPosthog
    ns["run"] = lambda snippet: exec(textwrap.dedent(snippet), ns)
    ns["events"] = lambda n: ingest.wait_for(n, TIMEOUT)
    return ns


def raise_and_capture(ns, fn_name, body):
    """Define ``fn_name`` in the namespace: it runs ``body`` (locals), then raises, and
    the exception is captured by the namespace's client, named ``posthog``."""
    code = (
        f"def {fn_name}():\n    try:\n        _{fn_name}()\n    except Exception as e:\n"
        f"        posthog.capture_exception(e, distinct_id={fn_name!r})\n"
        f"def _{fn_name}():\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
        + "    raise ValueError('documented')\n"
    )
    # a file name under the project root, so that posthog counts these frames in-app
    exec(compile(code, os.path.join(os.path.dirname(__file__), "docs_example.py"), "exec"), ns)


def frame_vars(ns, fn_name, count):
    event = [e for e in ns["events"](count) if e["distinct_id"] == fn_name][-1]
    return variables(event, f"_{fn_name}")


def test_global_init_flags(docs, route):
    docs["run"](GLOBAL_INIT)
    raise_and_capture(docs, "fails", 'user = "alice"\npassword = "hunter2"\n')
    docs["fails"]()
    assert frame_vars(docs, "fails", 1) == {"user": "alice", "password": REDACTED}
    route.check(1)


def test_scoped_enable_when_disabled_globally(docs, route):
    docs["posthog"] = docs["Posthog"]("<ph_project_token>", capture_exception_code_variables=False)
    raise_and_capture(docs, "will_capture_variables", "order_id = 17\n")
    docs["run"](SCOPED_ENABLE)
    assert frame_vars(docs, "will_capture_variables", 1) == {"order_id": 17}
    route.check(1)


def test_scoped_disable_when_enabled_globally(docs, route):
    docs["run"](GLOBAL_INIT)
    raise_and_capture(docs, "will_not_capture_variables", "order_id = 17\n")
    docs["new_context"] = fastvars.new_context  # the snippet assumes the import above it
    docs["run"](SCOPED_DISABLE)
    assert frame_vars(docs, "will_not_capture_variables", 1) is None
    route.check(0)


def test_custom_mask_patterns(docs, route):
    docs["run"](CUSTOM_MASK)
    raise_and_capture(
        docs,
        "fails",
        """
        db_password = "a"
        refresh_token = "b"
        my_secret = "c"
        client_secret = "d"
        private_key = "e"
        username = "alice"
    """,
    )
    docs["fails"]()
    assert frame_vars(docs, "fails", 1) == {
        "db_password": REDACTED,
        "refresh_token": REDACTED,
        "my_secret": REDACTED,
        "client_secret": REDACTED,
        "private_key": REDACTED,
        "username": "alice",
    }
    route.check(1)


def test_scoped_mask_patterns(docs, route):
    docs["run"](GLOBAL_INIT)  # default patterns outside the block
    body = 'user_password = "a"\napi_token = "b"\n'
    raise_and_capture(docs, "mask_patterns_will_only_apply_to_this_method", body)
    raise_and_capture(docs, "elsewhere", body)
    docs["run"](SCOPED_MASK)
    docs["elsewhere"]()
    inside = frame_vars(docs, "mask_patterns_will_only_apply_to_this_method", 2)
    assert inside == {"user_password": REDACTED, "api_token": "b"}  # only the block's pattern
    assert frame_vars(docs, "elsewhere", 2) == {"user_password": REDACTED, "api_token": REDACTED}
    route.check(2)


def test_custom_ignore_patterns(docs, route):
    docs["run"](CUSTOM_IGNORE)
    raise_and_capture(
        docs,
        "fails",
        """
        __internal = 1
        _private = 2
        temp_value = 3
        cache_hits = 4
        debug_info = 5
        result = 6
    """,
    )
    docs["fails"]()
    assert frame_vars(docs, "fails", 1) == {"result": 6}
    route.check(1)


def test_scoped_ignore_patterns(docs, route):
    docs["run"](GLOBAL_INIT)
    body = 'cache_key = "k"\nresult = 6\n'
    raise_and_capture(docs, "ignore_patterns_will_only_apply_to_this_method", body)
    raise_and_capture(docs, "elsewhere", body)
    docs["run"](SCOPED_IGNORE)
    docs["elsewhere"]()
    assert frame_vars(docs, "ignore_patterns_will_only_apply_to_this_method", 2) == {"result": 6}
    assert frame_vars(docs, "elsewhere", 2) == {"cache_key": "k", "result": 6}
    route.check(2)
