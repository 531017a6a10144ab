"""Middleware layers: authentication, rate limiting, request logging."""

from __future__ import annotations

from typing import Any

from . import router


class Session:
    def __init__(self, user_id: int, email: str, session_token: str) -> None:
        self.user_id = user_id
        self.email = email
        self.session_token = session_token


def authenticate(request: dict[str, Any]) -> None:
    token = request["headers"]["authorization"].split(" ", 1)[1]
    session = Session(42, "alice@example.com", "sess_7c1f9e2d4b6a8c0e")
    api_secret = "sk_live_51HxQf2eZvKYlo2C8v0w1x2y3z"
    authenticated = True
    rate_limit(request, session)
    del token, api_secret, authenticated  # never reached


def rate_limit(request: dict[str, Any], session: Session) -> None:
    bucket = f"rate:{session.user_id}"
    allowed = 100
    used = 17
    window_seconds = 60.0
    log_requests(request, session)
    del bucket, allowed, used, window_seconds  # never reached


def log_requests(request: dict[str, Any], session: Session) -> None:
    fields = {"path": request["path"], "method": request["method"], "user": session.user_id}
    sampled = True
    router.dispatch(request, session)
    del fields, sampled  # never reached
