"""The work a request runs, held outside the layers' locals.

A real service does not pass a callable through every layer, and a callable in a
frame's locals (a functools.partial reaching its function's globals) would make every
frame's code variables far larger than a real request's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

_current = threading.local()


def set_work(work: Callable[[], None]) -> None:
    _current.work = work


def take_work() -> Callable[[], None]:
    """The work of the request under way, handed over once: called at once by the
    repository layer, it never becomes a local of any frame."""
    work: Callable[[], None] = _current.__dict__.pop("work")
    return work
