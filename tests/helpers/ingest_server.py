"""A loopback stand-in for PostHog's ingestion API: records what a real posthog client
sends over the socket and decodes it the way the server would.

posthog's legacy ``/batch/`` body is JSON ``{"batch": [...], "api_key", "sent_at"}``,
gzip-compressed when the client has ``gzip=True``; the v1 ``/i/v1/analytics/events``
body is ``{"created_at", "batch": [...]}``, gzip or zlib-deflate compressed, and wants a
``results`` map back. Both are accepted here; any other path gets an empty JSON object.

Its fixtures (``ingest``, ``route``) reach the test modules as a pytest plugin
(conftest.py's ``pytest_plugins``); the functions that read events are imported.
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

import fastvars
from fastvars import capture as fv_capture
from fastvars import engine as fv_engine
from helpers import implementations


class _Handler(BaseHTTPRequestHandler):
    server: IngestServer

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        encoding = (self.headers.get("Content-Encoding") or "").lower()
        if encoding == "gzip":
            raw = gzip.decompress(raw)
        elif encoding == "deflate":
            raw = zlib.decompress(raw)
        try:
            body = json.loads(raw.decode("utf-8")) if raw else {}
        except ValueError:
            body = {}
        reply: dict[str, Any] = {"status": 1}
        if isinstance(body, dict) and isinstance(body.get("batch"), list):
            self.server.record(self.path, encoding, body["batch"])
            # v1 clients read a per-event result; legacy clients ignore it.
            reply["results"] = {e.get("uuid"): {"result": "ok"} for e in body["batch"]}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class IngestServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)  # port 0: the OS picks a free one
        self.events: list[dict[str, Any]] = []
        self.encodings: list[str] = []
        self._cond = threading.Condition()
        self._thread = threading.Thread(
            target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def record(self, path: str, encoding: str, batch: list[dict[str, Any]]) -> None:
        with self._cond:
            self.encodings.append(encoding)
            self.events.extend(batch)
            self._cond.notify_all()

    def start(self) -> IngestServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)

    def wait_for(
        self, count: int, timeout: float = 10.0, event: str = "$exception"
    ) -> list[dict[str, Any]]:
        """The first ``count`` events named ``event``, waiting at most ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [e for e in self.events if e.get("event") == event]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{len(found)} of {count} {event} events after {timeout}s")
                self._cond.wait(left)


# -- reading what arrived -----------------------------------------------------------


def exception_list(event: dict[str, Any]) -> list[dict[str, Any]]:
    return event["properties"]["$exception_list"]


def frames_by_function(event: dict[str, Any], index: int = 0) -> dict[str, dict[str, Any]]:
    """The frames of the ``index``-th exception of an event, by function name."""
    return {f["function"]: f for f in exception_list(event)[index]["stacktrace"]["frames"]}


def variables(event: dict[str, Any], function: str, index: int = 0) -> dict[str, Any] | None:
    """``code_variables`` of one function's frame in the ``index``-th exception."""
    return frames_by_function(event, index)[function].get("code_variables")


def by_distinct_id(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["distinct_id"]: e for e in events}


# -- fixtures shared by the end-to-end test files (a pytest plugin: conftest.py) -----

# "c" and "python": fastvars enabled with that engine; "posthog": fastvars disabled, so
# the same assertions must hold through posthog's own implementation.
ROUTES = [*implementations.IMPLEMENTATIONS, "posthog"]


@pytest.fixture
def ingest():
    server = IngestServer().start()
    try:
        yield server
    finally:
        server.stop()


class Route:
    """Which implementation a test runs through, and proof that it really did."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.fastvars = name != "posthog"
        self._before = fv_capture.stats.snapshot()

    def captures(self) -> int:
        return fv_capture.stats.snapshot()["captures"] - self._before["captures"]

    def check(self, expected_captures: int) -> None:
        """fastvars did exactly ``expected_captures`` captures (none when disabled),
        without falling back."""
        now = fv_capture.stats.snapshot()
        assert now["fallbacks"] == self._before["fallbacks"], now["last_fallback_reason"]
        assert self.captures() == (expected_captures if self.fastvars else 0)


@pytest.fixture(params=ROUTES)
def route(request, monkeypatch):
    if request.param != "posthog":
        monkeypatch.setattr(fv_engine, "ACTIVE", implementations.engine_named(request.param))
        assert fastvars.enable(), fastvars.status()["reason"]
    else:
        fastvars.disable()
    try:
        yield Route(request.param)
    finally:
        fastvars.disable()
