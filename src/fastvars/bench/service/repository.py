"""The repository: where the query runs, and where the workload's own frames begin."""

from __future__ import annotations

from . import context


def fetch_order(order_id: int, include_items: bool) -> None:
    sql = "SELECT * FROM orders WHERE id = %(id)s"
    params = {"id": order_id, "items": include_items}
    database_url = "postgres://orders:db-pw-55@db.internal:5432/orders"
    timeout_ms = 2500
    context.take_work()()
    del sql, params, database_url, timeout_ms  # never reached
