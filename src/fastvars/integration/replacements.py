"""Forward-compatible stand-ins for the posthog functions fastvars answers.

A stand-in takes whatever its caller passes. It binds the call to the parameters it
knows (those of posthog 7.91.1's function, checked against the installed original when
it is installed) and checks each argument's type; only a call it fully understands is
answered by fastvars. Anything else (an unknown keyword, one positional argument too
many, an argument of a type fastvars does not expect) goes to posthog's original
function unchanged, and is counted with its reason. So a posthog release that calls the
function with one more argument still sends every event, exactly as posthog would.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..types import PassthroughCounts

log = logging.getLogger("fastvars")

#: A check of one argument: None when fastvars understands the value, else why not.
ArgumentCheck = Callable[[Any], str | None]

_MISSING = object()
# Distinct pass-through reasons kept for status(); past this many, they are summed
# under one entry so a caller with ever-new arguments cannot grow the table.
MAX_REASONS = 32


@dataclass(frozen=True)
class Parameter:
    name: str
    check: ArgumentCheck


@dataclass
class Replacement:
    """One posthog function, the parameters fastvars understands, and fastvars' answer.

    ``fast(*arguments, original)`` gets the bound arguments in parameter order and the
    original function, which it calls itself when it has to fall back (it must never
    raise where the original would not).
    """

    module: str  # the posthog module that defines the function
    name: str
    parameters: Sequence[Parameter]
    fast: Callable[..., Any]
    # A required stand-in that cannot be installed keeps fastvars off; an optional one
    # (a speed-up of one step) is left out, and posthog's own function does that step.
    required: bool = True
    # The modules to put the stand-in in; None: the defining module (so that posthog
    # modules imported later take it) and every imported posthog module holding the
    # original. A function posthog also calls inside its own module is patched only
    # where its clients call it, so that posthog's own calls stay posthog's.
    only_in: Sequence[str] | None = None
    # A step's answer that does not take posthog's original (``fast(*arguments)``):
    # the stand-in calls it directly (speed: one call fewer per capture). ``guard``,
    # when given, is asked before each such call whether posthog's module still holds
    # what ``fast`` reproduces; when it answers False, posthog's function does the step.
    takes_original: bool = True
    guard: Callable[[], bool] | None = None
    # Filled in when installed: posthog's function and its defaults by parameter name.
    original: Callable[..., Any] | None = None
    defaults: dict[str, Any] = field(default_factory=dict)
    # bind()'s tables, made by adopt() (speed: bind runs on every capture).
    _positions: dict[str, int] = field(default_factory=dict)
    _unbound: tuple[Any, ...] = ()
    _plan: tuple[tuple[str, ArgumentCheck, Any], ...] = ()

    def adopt(self, original: Callable[..., Any]) -> str | None:
        """Take ``original`` as the function to stand in for; None when its parameters
        are the ones fastvars knows, else why fastvars cannot stand in for it."""
        try:
            signature = inspect.signature(original)
        except (TypeError, ValueError) as error:
            return f"cannot read the signature of {self.qualified_name}: {error}"
        known = [p.name for p in self.parameters]
        found = list(signature.parameters.values())
        if [p.name for p in found] != known or any(
            p.kind is not p.POSITIONAL_OR_KEYWORD for p in found
        ):
            return (
                f"{self.qualified_name}{signature} does not take the parameters "
                f"fastvars knows ({', '.join(known)})"
            )
        self.original = original
        self.defaults = {p.name: p.default for p in found if p.default is not p.empty}
        self._positions = {parameter.name: index for index, parameter in enumerate(self.parameters)}
        self._unbound = (_MISSING,) * len(self.parameters)
        self._plan = tuple(
            (parameter.name, parameter.check, self.defaults.get(parameter.name, _MISSING))
            for parameter in self.parameters
        )
        return None

    @property
    def qualified_name(self) -> str:
        return f"{self.module}.{self.name}"

    def bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any] | str:
        """The arguments in parameter order, or why fastvars does not understand the
        call. Hand-written rather than ``inspect.Signature.bind`` (speed: this runs on
        every capture, and ``bind`` costs several microseconds), from the tables
        adopt() made."""
        unbound = self._unbound
        if len(args) > len(unbound):
            return f"{len(args)} positional arguments, fastvars knows {len(unbound)}"
        values = [*args, *unbound[len(args) :]]
        if kwargs:
            positions = self._positions
            for key, value in kwargs.items():
                index = positions.get(key, -1)
                if index < 0:
                    return f"unknown keyword argument {key!r}"
                if values[index] is not _MISSING:
                    return f"argument {key!r} given twice"
                values[index] = value
        for index, (name, check, default) in enumerate(self._plan):
            value = values[index]
            if value is _MISSING:
                if default is _MISSING:
                    return f"argument {name!r} missing"
                value = values[index] = default
            why = check(value)
            if why is not None:
                return f"argument {name!r}: {why}"
        return values

    def stand_in(self) -> Callable[..., Any]:
        """The function put in posthog's modules in place of the original."""
        bind, fast, name = self.bind, self.fast, self.name
        original = self.original
        assert original is not None, "adopt() first"
        takes_original, guard = self.takes_original, self.guard

        def stand_in(*args: Any, **kwargs: Any) -> Any:
            bound = bind(args, kwargs)
            if bound.__class__ is str:
                passthroughs.count(name, bound)
                return original(*args, **kwargs)
            probe = probes.current
            if probe is not None:
                probe.reached.append(name)
            if takes_original:
                return fast(*bound, original)
            if guard is not None and not guard():
                passthroughs.count(name, "a posthog function it reproduces was replaced")
                return original(*bound)
            return fast(*bound)

        stand_in.__name__ = stand_in.__qualname__ = self.name
        stand_in.__doc__ = f"fastvars' stand-in for {self.qualified_name}."
        stand_in.__wrapped_posthog__ = original  # type: ignore[attr-defined]
        return stand_in


# ------------------------------------------------------------------ argument checks


def exactly(*types: type) -> ArgumentCheck:
    names = " or ".join(t.__name__ for t in types)

    def check(value: Any) -> str | None:
        # type() rather than isinstance(): a subclass may behave in ways fastvars does
        # not reproduce (parity with posthog: such calls go to posthog).
        return None if type(value) in types else f"{type(value).__name__}, not {names}"

    return check


def anything(value: Any) -> str | None:
    return None


def exc_info_tuple(value: Any) -> str | None:
    if type(value) is not tuple or len(value) != 3:
        return f"{type(value).__name__}, not an (type, value, traceback) tuple"
    return None


def patterns(value: Any) -> str | None:
    if value is None or type(value) in (list, tuple):
        return None
    return f"{type(value).__name__}, not a list, a tuple or None"


# ------------------------------------------------------------------ counting


class PassThroughs:
    """Calls handed to posthog's original because fastvars did not understand them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.by_reason: dict[str, int] = {}
        self.total = 0
        self.last_reason: str | None = None

    def count(self, name: str, reason: str) -> None:
        key = f"{name}: {reason}"
        with self.lock:
            self.total += 1
            self.last_reason = key
            first = key not in self.by_reason
            if first and len(self.by_reason) >= MAX_REASONS:
                key = "(other reasons)"
            self.by_reason[key] = self.by_reason.get(key, 0) + 1
        if probes.current is not None:
            probes.current.passed_through.append(key)
        if first:
            log.debug("fastvars: call handed to posthog's own function (%s)", key)

    def snapshot(self) -> PassthroughCounts:
        with self.lock:
            return {
                "passthroughs": self.total,
                "passthrough_reasons": dict(self.by_reason),
                "last_passthrough_reason": self.last_reason,
            }

    def reset(self) -> None:
        with self.lock:
            self.by_reason.clear()
            self.total = 0
            self.last_reason = None

    def reset_after_fork(self) -> None:
        # The lock may have been held by a thread that does not exist in the child.
        self.lock = threading.Lock()


passthroughs = PassThroughs()


class NotAnswered(Exception):
    """A capture of the self-check that fastvars' stand-ins did not answer themselves."""


@dataclass
class Probe:
    """What the stand-ins did for one thread while the self-check ran."""

    expected: list[str] = field(default_factory=list)  # every capture must reach these
    reached: list[str] = field(default_factory=list)
    passed_through: list[str] = field(default_factory=list)

    def check(self, where: str) -> None:
        """After one capture: raise NotAnswered unless it reached every expected
        stand-in and none of them handed the call back to posthog."""
        if self.passed_through:
            raise NotAnswered(
                "posthog calls fastvars' stand-in in a way fastvars does not know "
                f"({self.passed_through[0]}; {where})"
            )
        unreached = [name for name in self.expected if name not in self.reached]
        if unreached:
            raise NotAnswered(f"posthog's client never called {', '.join(unreached)} ({where})")


class _Probes(threading.local):
    current: Probe | None = None


probes = _Probes()
