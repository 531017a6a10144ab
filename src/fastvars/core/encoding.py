"""Encode masked values for the wire, charging one size budget shared by a capture.

Finite numbers stay raw JSON numbers; None and booleans become their Python text;
strings are kept; containers become JSON text. Every value is cut to 1,024 characters,
and a capture stops adding values to a frame once the next one does not fit in the
10 KiB budget. Pure-Python twin of ``_encoding.pyx``.
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..constants import IGNORE, MASK, MAX_VALUE_LENGTH, REDACTED, TOTAL_SIZE_BUDGET
from .masking import checked_repr, mask_value, type_name
from .policy import Policy

_NAME_REDACTED_SIZE = len(REDACTED)


class Budget:
    """Characters left for the values of one capture."""

    __slots__ = ("limit", "used")

    def __init__(self, limit: int = TOTAL_SIZE_BUDGET) -> None:
        self.used = 0
        self.limit = limit

    def take(self, size: int) -> bool:
        """Charge ``size`` if it fits; False, and nothing charged, if it does not."""
        if self.used + size > self.limit:
            return False
        self.used += size
        return True


def _cut_and_charge(text: str, budget: Budget) -> str | None:
    if len(text) > MAX_VALUE_LENGTH:
        text = text[: MAX_VALUE_LENGTH - 3] + "..."
    return text if budget.take(len(text)) else None


def encode_masked(safe: Any, policy: Policy, budget: Budget) -> Any:
    """The wire form of an already masked value, or None when it does not fit."""
    if safe is None:
        text = "None"
    elif isinstance(safe, bool):
        text = str(safe)
    elif isinstance(safe, float) and not math.isfinite(safe):
        text = str(safe)  # only reachable when masking is off entirely
    elif isinstance(safe, (int, float)):
        # Raw numbers are charged their text length but never cut.
        return safe if budget.take(len(str(safe))) else None
    elif isinstance(safe, str):
        text = safe
    else:
        text = json.dumps(safe, default=lambda leaf: checked_repr(leaf, policy), allow_nan=False)
    return _cut_and_charge(text, budget)


def encode_variable(value: Any, policy: Policy, budget: Budget) -> Any:
    try:
        return encode_masked(mask_value(value, policy), policy, budget)
    except Exception:
        return encode_failed(value, policy, budget)


def encode_failed(value: Any, policy: Policy, budget: Budget) -> Any:
    """A variable whose masking or encoding raised (a hostile __len__, an unencodable
    leaf): a checked repr of the whole value rather than nothing. The compiled walk
    calls it where the Python twin's walk would have raised, without walking again."""
    try:
        text = checked_repr(value, policy)
    except Exception:
        text = f"<{type_name(value)}>"
    return _cut_and_charge(text, budget)


def is_scalar(value: Any) -> bool:
    """Scalars are encoded before containers, so they survive a tight budget."""
    return isinstance(value, (type(None), bool, int, float, str))


def encode_variables(local_vars: dict[str, Any], policy: Policy, budget: Budget) -> dict[str, Any]:
    """One frame's wire dict: ignored names dropped, masked names redacted without
    reading the value, scalars first then the rest, each group in name order; it ends
    at the first value that does not fit the budget."""
    classify = policy.matcher.classify
    scalars = []
    others = []
    for name, value in local_vars.items():
        if type(name) is not str:
            # posthog fails the rest of the capture on such a name (module globals can
            # have any key); raising here hands the capture back to posthog itself.
            raise TypeError(f"local variable name is not a str: {type(name).__name__}")
        bits = classify(name)
        if bits & IGNORE:
            continue
        (scalars if is_scalar(value) else others).append((name, value, bits))
    scalars.sort(key=_by_name)
    others.sort(key=_by_name)

    result: dict[str, Any] = {}
    for group in (scalars, others):
        for name, value, bits in group:
            if bits & MASK:  # the value is never read
                if not budget.take(_NAME_REDACTED_SIZE):
                    return result
                result[name] = REDACTED
                continue
            encoded = encode_variable(value, policy, budget)
            if encoded is None:
                return result
            result[name] = encoded
    return result


def _by_name(entry: tuple) -> str:
    return entry[0]
