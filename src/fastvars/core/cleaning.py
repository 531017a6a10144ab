"""The event's ``clean`` pass, the pure-Python twin of ``_cleaning.pyx``.

posthog's client runs ``posthog.utils.clean(msg)`` in ``_enqueue`` over every event
before ``before_send``. Its type tests are ``isinstance`` chains (one of them against
the ``numbers.Number`` ABC) that cost far more than the work on the plain ``str``,
``int``, ``list`` and ``dict`` values an exception event is made of.

Here values of a few exact built-in types are handled directly, with what posthog 7.91.1
does for them; every other value (subclasses of built-ins included) is handed whole to
posthog's own ``clean``, so its result, its warnings and the user code it runs
(``model_dump``, ``asdict``, ``__float__``...) are posthog's by construction. The one
piece of posthog's logic written again here is the dict loop, because a value posthog
drops (its ``clean`` raised ``TypeError``) must be dropped, with posthog's warning, at
the dict level where posthog drops it.

Nothing here is faster than posthog at being wrong: a container type that someone has
registered as a virtual ``numbers.Number`` (posthog then returns it as is), a posthog
whose ``Decimal``/``UUID``/``datetime``/``deque`` names are not the standard ones, or a
call stack too close to the recursion limit, and the whole value goes to posthog.
"""

from __future__ import annotations

import abc
import numbers
import sys
from collections import deque
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from posthog import utils as _posthog_utils

# posthog's own clean, held from import time so that replacing the name in posthog's
# client modules (what enable() does) never makes fastvars delegate to itself.
posthog_clean: Callable[[Any], Any] = _posthog_utils.clean

# Parity: the text and arguments of posthog 7.91.1's warning for a dropped dict value
# (posthog/utils.py, _clean_dict), emitted on posthog's logger.
DROPPED_VALUE_WARNING = (
    'Dictionary values must be serializeable to JSON "%s" value %s of type %s is unsupported.'
)

# Nesting the fast path handles. Deeper, posthog's own recursion decides where
# RecursionError comes, so the fast path must not have changed how deep the stack is
# when posthog reaches the same value: at this depth, while no user code has run yet,
# the whole value is redone by posthog's clean (a cyclic list therefore raises exactly
# posthog's RecursionError). Once user code has run, a redo would run it twice, so the
# deeper value alone is handed to posthog: the stack is then shallower than posthog's
# would be, and a value nested hundreds of levels deep may be cleaned where posthog
# runs out of stack (never the other way round). The bound also keeps the compiled
# twin's C recursion small.
MAX_FAST_DEPTH = 32

# posthog spends two or three Python frames per level of nesting (clean, _clean_dict or
# _clean_list, and a list comprehension before 3.12); the fast path spends none (C) or
# at most two (this twin). Where posthog could run out of stack inside the levels the
# fast path takes, the fast path is skipped.
STACK_HEADROOM = 3 * MAX_FAST_DEPTH + 64

# Exact types posthog returns as they are: its `isinstance(item, (str, bool,
# numbers.Number, datetime, date, type(None)))`. int, float and complex are Numbers
# through the numbers module's own registrations, which cannot be undone.
IDENTITY_TYPES: frozenset[type] = frozenset(
    (str, int, float, bool, complex, type(None), datetime, date)
)

# Exact types posthog turns into a list: its `isinstance(item, (set, frozenset, list,
# tuple, deque))`, unless one is a virtual Number (checked before it).
SEQUENCE_TYPES: tuple[type, ...] = (list, tuple, set, frozenset, deque)


def _posthog_names_are_standard() -> str | None:
    """Why the fast path cannot be trusted with this posthog, or None."""
    expected = {
        "Decimal": Decimal,
        "UUID": UUID,
        "datetime": datetime,
        "date": date,
        "deque": deque,
        "numbers": numbers,
    }
    for name, value in expected.items():
        if getattr(_posthog_utils, name, None) is not value:
            return f"posthog.utils.{name} is not the standard one"
    if getattr(posthog_clean, "__module__", None) != "posthog.utils":
        return "posthog.utils.clean is not posthog's own"
    return None


FAST_PATH_UNAVAILABLE_REASON: str | None = _posthog_names_are_standard()


class FastTypes:
    """Which exact container types the fast path may take, for one ABC cache token.

    ``numbers.Number.register(list)`` (or a Number subclass whose ``__subclasshook__``
    claims ``dict``) would make posthog return that container as is. The ABC caches
    that answer until the next ``register()`` anywhere, which changes
    ``abc.get_cache_token()``; so the answer is recomputed exactly when the token
    changes, with the same ``issubclass`` posthog's ``isinstance`` consults.
    """

    __slots__ = ("dict", "sequences", "token")

    def __init__(self) -> None:
        self.token: object = None
        self.sequences: frozenset[type] = frozenset()
        self.dict = False

    def refresh(self) -> FastTypes:
        token = abc.get_cache_token()
        if token != self.token:
            self.sequences = frozenset(
                kind for kind in SEQUENCE_TYPES if not issubclass(kind, numbers.Number)
            )
            self.dict = not issubclass(dict, numbers.Number)
            self.token = token
        return self


FAST_TYPES = FastTypes()


def stack_has_headroom() -> bool:
    """True when the stack is more than STACK_HEADROOM frames below the recursion limit.

    ``sys._getframe(n)`` walks at most the stack's actual depth, so this costs a few
    pointer hops on an ordinary stack.
    """
    deepest_allowed = sys.getrecursionlimit() - STACK_HEADROOM
    if deepest_allowed <= 0:
        return False
    try:
        sys._getframe(deepest_allowed)
    except ValueError:
        return True
    return False


class NestedTooDeep(Exception):
    """The fast path reached MAX_FAST_DEPTH before any user code ran: posthog's clean
    redoes the whole value. Never escapes ``clean``."""


# Key types whose hashing runs no user code.
PLAIN_KEY_TYPES: frozenset[type] = frozenset((str, int, float, bool, type(None)))


def warn_dropped_value(key: Any, value: Any) -> None:
    """posthog's warning for a dict value its clean rejected, on posthog's logger as
    posthog looks it up (a module global, read at call time)."""
    _posthog_utils.log.warning(DROPPED_VALUE_WARNING, key, value, type(value))


class _Call:
    """One clean() call's state: the fast types, and whether the fast path has let user
    code run (posthog's clean on a value, a warning's handlers, hashing a key of a type
    other than the plain ones). Until it has, the call may still restart in posthog."""

    __slots__ = ("fast", "user_code_ran")

    def __init__(self, fast: FastTypes) -> None:
        self.fast = fast
        self.user_code_ran = False


def clean(item: Any) -> Any:
    """``posthog.utils.clean(item)``: the same result, warnings and exceptions."""
    if FAST_PATH_UNAVAILABLE_REASON is not None or not stack_has_headroom():
        return posthog_clean(item)
    try:
        return _clean(item, 0, _Call(FAST_TYPES.refresh()))
    except NestedTooDeep:
        return posthog_clean(item)


def _clean(item: Any, depth: int, call: _Call) -> Any:
    kind = type(item)
    if kind in IDENTITY_TYPES:
        return item
    if kind is dict or kind in SEQUENCE_TYPES:
        if depth >= MAX_FAST_DEPTH:
            if not call.user_code_ran:
                raise NestedTooDeep
        elif kind is dict:
            if call.fast.dict:
                return _clean_dict(item, depth + 1, call)
        elif kind in call.fast.sequences:
            # Parity: posthog iterates with a live iterator too (a list that user code
            # grows while it is cleaned is read to its new end; a set raises).
            return [_clean(element, depth + 1, call) for element in item]
    call.user_code_ran = True
    return posthog_clean(item)


def _clean_dict(mapping: dict[Any, Any], depth: int, call: _Call) -> dict[Any, Any]:
    # Parity with posthog's _clean_dict: a fresh dict filled in the source's order
    # (the same key hashing), a value whose cleaning raises TypeError dropped with
    # posthog's warning, any other exception propagated.
    cleaned = {}
    for key, value in mapping.items():
        if type(key) not in PLAIN_KEY_TYPES:
            call.user_code_ran = True
        try:
            cleaned[key] = _clean(value, depth, call)
        except TypeError:
            call.user_code_ran = True
            warn_dropped_value(key, value)
    return cleaned
