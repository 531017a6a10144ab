"""Views: turn a request into a service call."""

from __future__ import annotations

from typing import Any

from . import services


def order_detail(request: dict[str, Any], session: Any, params: dict[str, Any]) -> None:
    order_id = params["order_id"]
    expand = request["query"].split("=", 1)[1].split(",")
    locale = "en-GB"
    services.load_order(order_id, session.user_id, expand)
    del locale  # never reached
