"""Bounded caches that keep their hot set: two generations.

Answers are stored in the young generation; when it is full it becomes the old one and
a new young one starts (the previous old one is dropped). A lookup that misses the
young generation but hits the old one moves the entry back into the young one. An
entry used at least once per generation therefore survives every turnover, while a
stream of distinct keys (dict keys of JSON payloads, module globals of a large app)
only ever costs the entries it pushes out, never the whole cache: the cache is bounded
at 2 * ``generation`` entries. A cache that cleared itself whole when full made every
capture in that regime pay the cold path for its hot names too.

The hit path is one probe of ``young`` (a plain dict), which callers read directly;
``recall`` is for a miss there. The compiled twin is ``_caches.pyx``.
"""

from __future__ import annotations

from typing import Any


class Generations:
    """A bounded map of cached answers (never None) that keeps its hot set."""

    __slots__ = ("generation", "old", "young")

    def __init__(self, generation: int) -> None:
        self.young: dict[Any, Any] = {}
        self.old: dict[Any, Any] = {}
        self.generation = generation

    def get(self, key: Any) -> Any | None:
        hit = self.young.get(key)
        return hit if hit is not None else self.recall(key)

    def recall(self, key: Any) -> Any | None:
        """The answer for a key that missed the young generation, moved back into it."""
        hit = self.old.get(key)
        if hit is not None:
            self.put(key, hit)
        return hit

    def put(self, key: Any, value: Any) -> None:
        young = self.young
        if len(young) >= self.generation:
            self.old = young
            self.young = young = {}
        young[key] = value

    def clear(self) -> None:
        self.young = {}
        self.old = {}

    def __len__(self) -> int:
        """Entries held (a key promoted from the old generation counts twice)."""
        return len(self.young) + len(self.old)

    def __contains__(self, key: Any) -> bool:
        return key in self.young or key in self.old
