"""A small web service's request path, one module per layer, for ``fastvars-bench``.

The end-to-end benchmark raises each workload's exception beneath this stack, as a real
service would: ``server`` (where the error is caught, as an error handler would), three
``middleware`` layers, ``router``, ``views``, ``services`` and ``repository``, which
calls the workload (handed over through ``context``, never a local of a layer). Each
layer is a real source file, so posthog's frame serialization reads source lines from
several files, as it does in production.
"""

from __future__ import annotations

from collections.abc import Callable

from . import context, server


def raise_in_request(work: Callable[[], None]) -> BaseException:
    """Run ``work`` (which must raise) beneath the request stack and return what it
    raised, its traceback starting at the server's frame."""
    context.set_work(work)
    return server.handle_request({"method": "GET", "path": "/orders/42", "query": "expand=items"})
