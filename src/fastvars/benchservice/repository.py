"""The repository: where the query runs, and where the workload's own frames begin."""

from __future__ import annotations

from typing import Callable


def fetch_order(order_id: int, include_items: bool, work: Callable[[], None]) -> None:
    sql = "SELECT * FROM orders WHERE id = %(id)s"
    params = {"id": order_id, "items": include_items}
    database_url = "postgres://orders:db-pw-55@db.internal:5432/orders"
    timeout_ms = 2500
    work()
    del sql, params, database_url, timeout_ms  # never reached
