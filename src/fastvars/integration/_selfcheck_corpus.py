"""The self-check's exceptions: really raised, with the kinds of locals the masking
rules treat differently. In a module of their own, and short, because posthog reads the
source file of every frame it serializes, on every capture."""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

# Assembled at run time so that no secret-looking literal sits in the source.
_STRIPE_LIKE = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
_HIGH_ENTROPY = "n8fK2pQ9" + "vX7mL4wR8tY3uZ6bC1dE5gH"


class _Account:
    def __init__(self) -> None:
        self.name = "alice"
        self.password = "hunter2"
        self.tags = ["a", "b"]


def _scalars_and_secrets() -> None:
    name = "bob"
    count = 42
    ratio = 0.5
    flag = True
    nothing = None
    password = "hunter2"  # masked by name
    handle = _HIGH_ENTROPY  # masked by value (entropy)
    key_holder = _STRIPE_LIKE  # masked by value (known prefix)
    dsn_url = "postgres://user:pw@db.example.com:5432/app"  # masked by name
    link = "https://user:pw@example.com/path?x=1"  # URL credentials
    note = "contains_password_here"
    __hidden = "ignored"
    raise ValueError("scalars")


def _containers_objects_and_a_chain() -> None:
    config = {"host": "db", "api_key": "k-123", "nested": {"token": "t", "port": 5432}}
    numbers = [1, 2.5, float("inf"), None, "x"]
    pair = ("a", 1)
    account = _Account()
    temp_value = "tmp"
    try:
        _scalars_and_secrets()
    except ValueError as error:
        raise RuntimeError("outer") from error  # a chain: the cause has its own frames


# One exception holds every kind of local, so that each client captures once: posthog's
# own capture of it, which the check must run, is most of the check's cost.
CASES: Sequence[Callable[[], None]] = (_containers_objects_and_a_chain,)


def raised(fn: Callable[[], None]) -> tuple[Any, Any, Any]:
    try:
        fn()
    except Exception:
        return sys.exc_info()
    raise AssertionError(f"{fn.__name__} did not raise")
