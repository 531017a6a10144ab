"""The types of fastvars' public API, for type checkers and for the reader.

``Matcher`` is what :func:`fastvars.compile_patterns` returns, whichever engine is live
(the compiled ``_matching.Matcher`` or the pure-Python ``matching.Matcher``: two classes,
one protocol). ``Status`` is the dict :func:`fastvars.status` returns, key by key.
``CaptureEngine`` is what :func:`fastvars.snapshot` and
:func:`fastvars.attach_code_variables` accept as ``engine=``: one of
``fastvars.engine.available()``'s values.

Nothing here runs on a capture: the module holds declarations only, and importing it
imports nothing but ``typing``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any, Literal, Protocol, TypedDict, runtime_checkable

#: The name of an engine: the compiled extension, or the pure-Python engine. (Written
#: as a union of two literals: stubtest reads ``Literal["c", "python"]`` as a union and
#: finds none at runtime.)
ImplementationName = Literal["c"] | Literal["python"]

#: What a capture pairs: a serialized frame dict of the event and the encoded
#: variables it gets as its ``code_variables``.
FrameVariables = tuple[dict[str, Any], dict[str, Any]]


@runtime_checkable
class Matcher(Protocol):
    """The mask and ignore pattern lists of one configuration, compiled."""

    @property
    def has_mask(self) -> bool:
        """Whether the mask list has a pattern that compiled."""
        ...

    @property
    def has_ignore(self) -> bool:
        """Whether the ignore list has a pattern that compiled."""
        ...

    @property
    def mask_patterns(self) -> tuple[str, ...]:
        """The mask patterns that compiled, in their order."""
        ...

    @property
    def ignore_patterns(self) -> tuple[str, ...]:
        """The ignore patterns that compiled, in their order."""
        ...

    def classify(self, name: str) -> int:
        """The bits ``fastvars.IGNORE`` and ``fastvars.MASK`` for a variable name, each
        set exactly when posthog's matcher for that list matches ``name``."""
        ...

    def classify_many(self, names: Iterable[str], cache: bool = ...) -> list[int]:
        """``classify`` for each name, in order; ``cache=False`` bypasses the name cache."""
        ...

    def mask_search(self, text: str) -> bool:
        """Whether a mask pattern matches anywhere in ``text``."""
        ...

    def stats(self) -> dict[str, Any]:
        """What the compile produced (pattern counts; the compiled engine adds its
        automaton's sizes and the patterns it left to regexes)."""
        ...


class SourceCacheStats(TypedDict):
    """``status()["source_cache"]``: the source-lines cache."""

    entries: int
    bytes: int
    limit_bytes: int
    hits: int
    misses: int


class CaptureCounts(TypedDict):
    """The capture counters of ``status()`` (the self-check's captures not counted)."""

    captures: int
    fallbacks: int
    last_fallback_reason: str | None


class PassthroughCounts(TypedDict):
    """The pass-through counters of ``status()``: calls handed to posthog's own
    function because fastvars did not understand them."""

    passthroughs: int
    passthrough_reasons: dict[str, int]
    last_passthrough_reason: str | None


class Status(CaptureCounts, PassthroughCounts):
    """What :func:`fastvars.status` returns (the README's ``fastvars.status()`` table
    says what each key means)."""

    active: bool
    reason: str | None
    implementation: ImplementationName
    engines_available: list[ImplementationName]
    compiled_unavailable_reason: str | None
    posthog_version: str
    posthog_version_verified: bool
    verified_posthog_versions: list[str]
    patched_modules: list[str]
    stand_ins: list[str]
    selfcheck_ms: float | None
    disabled_by_environment: bool
    source_cache: SourceCacheStats | None


class CaptureEngine(Protocol):
    """One implementation of the per-frame work of a capture (``fastvars.engine``'s
    ``PYTHON`` or ``COMPILED``), as the orchestration in ``fastvars.capture`` uses it.
    Its steps take the engine's own policy, budget and traceback objects, which differ
    between engines: they are ``Any`` here."""

    @property
    def name(self) -> ImplementationName: ...
    @property
    def compile_patterns(
        self,
    ) -> Callable[[Iterable[str] | None, Iterable[str] | None], Matcher]: ...
    @property
    def make_policy(self) -> Callable[[Matcher, bool, bool], Any]: ...
    @property
    def make_budget(self) -> Callable[[], Any]: ...
    # (frame, policy) -> whether a stack trace leaves the frame out
    @property
    def is_hidden(self) -> Callable[[Any, Any], bool]: ...
    # (frame, policy, budget) -> the frame's masked, encoded variables
    @property
    def frame_variables(self) -> Callable[[Any, Any, Any], dict[str, Any]]: ...
    # The walk that drives the steps above (fastvars.core.planning, or its compiled
    # build): plan(engine, ...) computes a capture, write_variables(plan) writes it.
    @property
    def planner(self) -> ModuleType: ...


__all__ = [
    "CaptureCounts",
    "CaptureEngine",
    "FrameVariables",
    "ImplementationName",
    "Matcher",
    "PassthroughCounts",
    "SourceCacheStats",
    "Status",
]
