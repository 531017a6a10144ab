"""The server layer: parses a request and catches what the application raises."""

from __future__ import annotations

from typing import Any

from . import middleware


class WorkloadDidNotRaise(Exception):
    """The work under the request stack returned: a benchmark needs an exception."""


def handle_request(raw: dict[str, Any]) -> BaseException:
    request_id = "req-5b1e0c7a"
    remote_addr = "203.0.113.7"
    headers = {
        "host": "api.example.com",
        "user-agent": "bench/1.0",
        "authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl",
        "accept": "application/json",
    }
    request = {**raw, "id": request_id, "headers": headers, "remote_addr": remote_addr}
    try:
        middleware.authenticate(request)
    except Exception as error:  # the service's error handler: it would capture here
        return error
    raise WorkloadDidNotRaise(f"request {request_id} completed")
