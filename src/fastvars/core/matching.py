"""Name and value matching against the mask and ignore pattern lists, in pure Python.

This is the pure-Python twin of ``_matching.pyx``. The rule it implements is posthog's:

* a pattern made of inline flags that include ``i`` followed by plain text (no regex
  metacharacter), such as ``(?i)password``, matches when that text, lowercased, is a
  substring of ``name.lower()``;
* any other pattern matches when ``re.search(pattern, name)`` does;
* a pattern that does not compile is dropped (fastvars also logs one warning for it).

A :class:`Matcher` holds both lists, answers ``classify(name)`` with the bits
:data:`IGNORE` and :data:`MASK`, and keeps a bounded cache of its decisions on names,
because the same local names come back on every capture.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from re import Pattern
from typing import Any, Generic, TypeVar

from ..compiler import plain_caseless_text
from ..constants import (
    COMPILED_CACHE_SIZE,
    IGNORE,
    MASK,
    NAME_CACHE_MAX_LENGTH,
    NAME_CACHE_SIZE,
)
from .caches import Generations

log = logging.getLogger("fastvars")

# The name cache holds at most this many entries, in two generations (see caches.py),
# so that unbounded distinct names (generated identifiers, module globals) cannot grow
# a process without limit, yet the names that recur stay cached; and only names up to
# NAME_CACHE_MAX_LENGTH characters, so that it is bounded in bytes as well.
# (NAME_CACHE_SIZE, NAME_CACHE_MAX_LENGTH; and COMPILED_CACHE_SIZE compiled pattern sets
# are kept, keyed by content: all in constants.py.)


_warned_patterns: set[str] = set()
_warned_lock = threading.Lock()


def _warn_invalid(pattern: str, error: BaseException) -> None:
    """Log one warning per distinct invalid pattern for the life of the process."""
    with _warned_lock:
        if pattern in _warned_patterns:
            return
        _warned_patterns.add(pattern)
    log.warning("fastvars: ignoring pattern %r, which does not compile: %s", pattern, error)


class PatternList:
    """One pattern list split the way posthog splits it: caseless substrings and regexes."""

    __slots__ = ("_substring_re", "patterns", "regexes", "substrings")

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns: tuple[str, ...] = tuple(patterns)
        substrings: list[str] = []
        regexes: list[Pattern[str]] = []
        for pattern in self.patterns:
            if not isinstance(pattern, str):
                raise TypeError(
                    f"fastvars: patterns must be str, not {type(pattern).__name__}: {pattern!r}"
                )
            text = plain_caseless_text(pattern)
            if text is not None:
                substrings.append(text)
                continue
            try:
                regexes.append(re.compile(pattern))
            except Exception as error:  # re.error, OverflowError, RecursionError...
                _warn_invalid(pattern, error)
        self.substrings = tuple(substrings)
        self.regexes = tuple(regexes)
        # One alternation finds any of the substrings in one scan of the lowered text.
        self._substring_re = (
            re.compile("|".join(map(re.escape, substrings))) if substrings else None
        )

    @property
    def empty(self) -> bool:
        """True when nothing in the list can match (posthog then has no matcher at all)."""
        return not self.substrings and not self.regexes

    def search(self, text: Any) -> bool:
        """True when any pattern of the list matches ``text`` (exact posthog semantics)."""
        if self._substring_re is not None and self._substring_re.search(text.lower()):
            return True
        for regex in self.regexes:
            if regex.search(text):
                return True
        return False


class Matcher:
    """The mask and ignore lists of one configuration, with a cache of name decisions."""

    __slots__ = ("_cache", "has_ignore", "has_mask", "ignore", "mask")

    def __init__(self, mask_patterns: Sequence[str], ignore_patterns: Sequence[str]) -> None:
        self.mask = PatternList(mask_patterns)
        self.ignore = PatternList(ignore_patterns)
        self.has_mask = not self.mask.empty
        self.has_ignore = not self.ignore.empty
        self._cache = Generations(NAME_CACHE_SIZE // 2)

    @property
    def mask_patterns(self) -> tuple[str, ...]:
        return self.mask.patterns

    @property
    def ignore_patterns(self) -> tuple[str, ...]:
        return self.ignore.patterns

    def classify(self, name: str) -> int:
        """``IGNORE | MASK`` bits for a variable name."""
        if type(name) is not str:
            # A str subclass may override lower() or hashing: never cache it.
            return self._classify_uncached(name)
        cache = self._cache
        bits = cache.young.get(name)
        if bits is None:
            bits = cache.recall(name)
            if bits is None:
                bits = self._classify_uncached(name)
                if len(name) <= NAME_CACHE_MAX_LENGTH:
                    cache.put(name, bits)
        return bits

    def _classify_uncached(self, name: str) -> int:
        bits = 0
        if self.has_ignore and self.ignore.search(name):
            bits |= IGNORE
        if self.has_mask and self.mask.search(name):
            bits |= MASK
        return bits

    def classify_many(self, names: Iterable[str], cache: bool = True) -> list[int]:
        """``classify`` for each name, in order; ``cache=False`` bypasses the name cache."""
        classify = self.classify if cache else self._classify_uncached
        return [classify(name) for name in names]

    def mask_search(self, text: str) -> bool:
        """Whether a mask pattern matches anywhere in a value (values are not cached)."""
        return self.has_mask and self.mask.search(text)

    def stats(self) -> dict[str, Any]:
        """What was compiled: the twin of the compiled matcher's stats (no automaton)."""
        return {
            "patterns": len(self.mask.patterns) + len(self.ignore.patterns),
            "substrings": len(self.mask.substrings) + len(self.ignore.substrings),
            "regexes": len(self.mask.regexes) + len(self.ignore.regexes),
        }

    def __repr__(self) -> str:
        return (
            f"<fastvars.Matcher python mask={len(self.mask.patterns)} "
            f"ignore={len(self.ignore.patterns)}>"
        )


def _as_tuple(patterns: Iterable[str] | None) -> tuple[Any, ...]:
    return () if patterns is None else tuple(patterns)


#: The matcher class a cache holds: this module's, or the compiled twin's.
M = TypeVar("M")


class MatcherCache(Generic[M]):
    """Matchers by the content of their two lists, so that lists set per request through
    a context are compiled once. Bounded: past COMPILED_CACHE_SIZE it starts over."""

    def __init__(self, factory: Callable[[tuple[Any, ...], tuple[Any, ...]], M]) -> None:
        self._factory = factory
        self._matchers: dict[tuple[tuple[Any, ...], tuple[Any, ...]], M] = {}

    def get(self, mask_patterns: Iterable[str] | None, ignore_patterns: Iterable[str] | None) -> M:
        key = (_as_tuple(mask_patterns), _as_tuple(ignore_patterns))
        try:
            matcher = self._matchers.get(key)
        except TypeError:  # an unhashable item: the factory fails with a clear message
            return self._factory(*key)
        if matcher is None:
            matcher = self._factory(*key)
            if len(self._matchers) >= COMPILED_CACHE_SIZE:
                self._matchers.clear()
            self._matchers[key] = matcher
        return matcher


_cache = MatcherCache(Matcher)


def compile_patterns(
    mask_patterns: Iterable[str] | None, ignore_patterns: Iterable[str] | None
) -> Matcher:
    """A matcher for the two lists, shared by every caller that passes the same lists.

    ``None`` stands for an empty list. A pattern that is not a ``str`` raises
    ``TypeError``; one that does not compile is dropped with a warning.
    """
    return _cache.get(mask_patterns, ignore_patterns)
