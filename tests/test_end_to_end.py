"""Real posthog clients, sync and async, sending over a socket to a loopback ingestion
server; the assertions read ``code_variables`` from what actually arrived. Every test
runs through fastvars with each engine and, with fastvars disabled, through posthog's
own implementation: the same assertions hold for all, so they test the wire, not us."""

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import threading

import posthog
import pytest
from posthog.async_client import AsyncPosthog
from posthog.exception_utils import CODE_VARIABLES_REDACTED_VALUE as REDACTED

from helpers.ingest_server import by_distinct_id, exception_list, variables

# What depends on which engine is live: run again with FASTVARS_NO_EXTENSIONS=1
# (scripts/test.sh, CI) as well as in the suite.
pytestmark = pytest.mark.live_engine

TIMEOUT = 20


def sync_client(ingest, **options):
    options.setdefault("capture_exception_code_variables", True)
    return posthog.Posthog("phc_test", host=ingest.url, sync_mode=True, gzip=True, **options)


def checkout(card_number, amount):
    password = "hunter2"
    db_url = "postgres://admin:s3cr3t@db.example.com:5432/shop"
    cart = {"items": [1, 2, 3], "api_key": "k-123"}
    note = "contains_password_here"
    __hidden = "dunder"
    temp_total = amount * 2
    raise ValueError("payment declined")


def raised(fn, *args):
    try:
        fn(*args)
    except Exception as error:
        return error
    raise AssertionError("did not raise")


def assert_checkout_frame(got):
    assert got["card_number"] == "4111"
    assert got["amount"] == 42
    assert got["password"] == REDACTED
    # a neutral name: only the URL's credentials are masked, the rest stays readable
    assert got["db_url"] == f"postgres://{REDACTED}@db.example.com:5432/shop"
    assert json.loads(got["cart"]) == {"items": [1, 2, 3], "api_key": REDACTED}
    assert got["note"] == REDACTED
    assert "__hidden" not in got


def test_sync_client_values_masking_ignoring(ingest, route):
    client = sync_client(ingest, code_variables_ignore_patterns=[r"^__", r"^temp_"])
    client.capture_exception(raised(checkout, "4111", 42), distinct_id="sync")
    (event,) = ingest.wait_for(1, TIMEOUT)
    got = variables(event, "checkout")
    assert_checkout_frame(got)
    assert "temp_total" not in got
    assert "gzip" in ingest.encodings
    route.check(1)


@pytest.mark.parametrize("transport", ["v1", "default"])
def test_async_client_values_masking_ignoring(ingest, route, transport):
    if transport == "default":
        pytest.importorskip("httpx")  # the async client's default transport needs it
    options = {"capture_mode": "v1", "capture_compression": "deflate"} if transport == "v1" else {}

    async def main():
        client = AsyncPosthog(
            "phc_test",
            host=ingest.url,
            capture_exception_code_variables=True,
            **options,
        )
        client.capture_exception(raised(checkout, "4111", 42), distinct_id="async")
        await asyncio.wait_for(client.shutdown(), TIMEOUT)

    asyncio.run(main())
    (event,) = ingest.wait_for(1, TIMEOUT)
    got = variables(event, "checkout")
    assert_checkout_frame(got)
    assert got["temp_total"] == 84
    if transport == "v1":
        assert "deflate" in ingest.encodings
    route.check(1)


def test_url_credentials_and_secret_detection_switches(ingest, route):
    client = sync_client(
        ingest, code_variables_mask_url_credentials=False, code_variables_detect_secrets=False
    )

    def connect():
        link = "https://user:pw@example.com/x"
        handle = "n8fK2pQ9" + "vX7mL4wR8tY3uZ6bC1dE5gH"
        raise ConnectionError("down")

    client.capture_exception(raised(connect), distinct_id="off")
    client = sync_client(ingest)
    client.capture_exception(raised(connect), distinct_id="on")
    events = by_distinct_id(ingest.wait_for(2, TIMEOUT))
    off, on = variables(events["off"], "connect"), variables(events["on"], "connect")
    assert off == {
        "link": "https://user:pw@example.com/x",
        "handle": "n8fK2pQ9vX7mL4wR8tY3uZ6bC1dE5gH",
    }
    assert on == {"link": f"https://{REDACTED}@example.com/x", "handle": REDACTED}
    route.check(2)


def inner():
    inner_local = "INNER"
    raise KeyError("k")


def outer():
    outer_local = "OUTER"
    try:
        inner()
    except KeyError as e:
        raise ValueError("v") from e


def test_chained_exception_frames(ingest, route):
    sync_client(ingest).capture_exception(raised(outer), distinct_id="chain")
    (event,) = ingest.wait_for(1, TIMEOUT)
    assert [e["type"] for e in exception_list(event)] == ["ValueError", "KeyError"]
    assert variables(event, "outer", 0) == {"outer_local": "OUTER"}
    if route.fastvars:  # each exception gets the locals of its own traceback
        assert variables(event, "inner", 1) == {"inner_local": "INNER"}
        assert variables(event, "outer", 1) == {"outer_local": "OUTER"}
    else:  # posthog pairs the cause's frames with the primary traceback (REFERENCE.md)
        assert variables(event, "inner", 1) == {"outer_local": "OUTER"}
    route.check(1)


class Grumpy:
    """Whose repr fails, and reports its own failure through posthog first."""

    client = None
    reported = 0

    def __repr__(self):
        try:
            raise RuntimeError("no repr for you")
        except RuntimeError as error:
            if Grumpy.reported == 0:  # once: the nested capture reads this frame too
                Grumpy.reported += 1
                Grumpy.client.capture_exception(error, distinct_id="nested")
            raise


def test_capture_inside_a_running_capture(ingest, route):
    Grumpy.client, Grumpy.reported = sync_client(ingest), 0

    def fails():
        grumpy = Grumpy()
        plain = "visible"
        raise LookupError("outer")

    Grumpy.client.capture_exception(raised(fails), distinct_id="outer")
    events = by_distinct_id(ingest.wait_for(2, TIMEOUT))
    assert Grumpy.reported == 1
    got = variables(events["outer"], "fails")
    assert got["plain"] == "visible" and "grumpy" in got
    assert "__repr__" in {
        f["function"] for f in exception_list(events["nested"])[0]["stacktrace"]["frames"]
    }
    route.check(2)


def test_eight_threads_with_their_own_contexts(ingest, route):
    client = sync_client(ingest, capture_exception_code_variables=False)
    barrier = threading.Barrier(8, timeout=TIMEOUT)
    errors = []

    def work(i):
        try:
            with posthog.new_context(fresh=True):
                posthog.set_capture_exception_code_variables_context(True)
                posthog.set_code_variables_mask_patterns_context([f"^secret_{i}$"])
                posthog.set_code_variables_ignore_patterns_context([f"^skip_{i}$", r"^__"])
                posthog.set_code_variables_mask_url_credentials_context(i % 2 == 0)
                barrier.wait()
                client.capture_exception(raised(locals_of_all, i), distinct_id=f"t{i}")
        except Exception as error:  # surfaced below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not errors
    events = by_distinct_id(ingest.wait_for(8, TIMEOUT))
    for i in range(8):
        got = variables(events[f"t{i}"], "locals_of_all")
        for j in range(4):
            assert got[f"secret_{j}"] == (REDACTED if j == i else f"value{j}")
            assert (f"skip_{j}" in got) == (j != i)
        url = "https://u:p@h.example/"
        assert got["url"] == (url.replace("u:p", REDACTED) if i % 2 == 0 else url)
    route.check(8)


def locals_of_all(i):
    secret_0, secret_1, secret_2, secret_3 = "value0", "value1", "value2", "value3"
    skip_0 = skip_1 = skip_2 = skip_3 = skip_4 = skip_5 = skip_6 = skip_7 = 0
    url = "https://u:p@h.example/"
    raise ValueError(i)


AUTOCAPTURE_APP = """
import atexit, json, os, sys
import posthog
if os.environ["ROUTE"] != "posthog":
    import fastvars
    assert fastvars.enable(), fastvars.status()
    atexit.register(lambda: print("STATUS " + json.dumps(fastvars.status())))

client = posthog.Posthog(
    "phc_test", host=os.environ["INGEST_URL"], sync_mode=True,
    enable_exception_autocapture=True, capture_exception_code_variables=True,
    project_root=os.path.dirname(os.path.abspath(__file__)),  # makes this file in-app
)

def crash():
    api_token = "abc"
    count = 7
    raise RuntimeError("uncaught")

crash()
"""


def test_uncaught_exception_autocaptured_in_a_subprocess(ingest, route, tmp_path):
    app = tmp_path / "app.py"
    app.write_text(textwrap.dedent(AUTOCAPTURE_APP))
    env = {**os.environ, "INGEST_URL": ingest.url, "ROUTE": route.name}
    if route.name == "python":
        env["FASTVARS_NO_EXTENSIONS"] = "1"
    done = subprocess.run(
        [sys.executable, str(app)], env=env, capture_output=True, text=True, timeout=TIMEOUT
    )
    assert done.returncode == 1 and "RuntimeError: uncaught" in done.stderr
    (event,) = ingest.wait_for(1, TIMEOUT)
    assert variables(event, "crash") == {"api_token": REDACTED, "count": 7}
    if route.fastvars:
        status = json.loads(done.stdout.split("STATUS ", 1)[1])
        assert status["active"] and status["implementation"] == route.name
        assert (status["captures"], status["fallbacks"]) == (1, 0)
