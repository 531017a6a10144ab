"""Source lines for posthog's frame context, through a cache that is never stale.

posthog 7.91.1 serializes every frame by calling the module loader's ``get_source()``,
which reads and decodes the whole file, then splits it with ``str.splitlines``, to keep
eleven lines. fastvars keeps the split lines of each file and answers from them while
the file is unchanged, so the result is what reading the file at that capture gives.

What is cached, and when (each rule is for parity with posthog):

- Only for a loader whose ``get_source`` is exactly the standard library's: an instance
  of exactly ``importlib.machinery.SourceFileLoader``, with the standard
  ``get_source``, ``get_filename`` and ``get_data`` (neither replaced on the class nor
  shadowed on the instance), an exact ``str`` ``name`` and ``path``, asked for exactly
  its own module name (the loader's name check raises ImportError otherwise, and
  posthog then reads ``linecache``). Every other loader goes posthog's way, uncached.
- A miss calls that same standard ``get_source``: decoding (encoding cookie, BOM,
  universal newlines) is importlib's own by construction, and what it raises is what
  posthog would meet.
- Every use is validated by ``os.stat`` of the loader's path: device, inode, mode,
  size, ``mtime_ns`` and ``ctime_ns`` must be those seen when the lines were read (the
  file stat'ed before and after the read, equal both times). A file modified within
  ``RACY_SECONDS`` of the stat is not cached at all: a rewrite inside one timestamp
  tick, of the same size, could not be told apart (git's "racy clean" rule).
- Bounded in bytes (``sys.getsizeof`` of the lines and their list); the oldest entries
  go first. The cap is :func:`cache_limit_bytes`, ``DEFAULT_CACHE_BYTES`` unless
  :func:`set_cache_limit_bytes` changed it.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from importlib.machinery import SourceFileLoader
from typing import Any

from ..types import SourceCacheStats

DEFAULT_CACHE_BYTES = 8 * 1024 * 1024
# A file whose mtime is this close to the moment it was stat'ed is re-read every time.
RACY_SECONDS = 2.0

# The standard methods, as the class hierarchy held them when fastvars was imported.
_STANDARD_GET_SOURCE = SourceFileLoader.get_source
# Callable: typeshed's signature for it is not the one the class holds at runtime.
_STANDARD_GET_FILENAME: Callable[..., Any] = SourceFileLoader.get_filename
_STANDARD_GET_DATA = SourceFileLoader.get_data
_SHADOWING_NAMES = ("get_source", "get_filename", "get_data")


class _NoSource:
    """The loader gave no source (``None``, ImportError or OSError): posthog reads linecache."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NO_SOURCE"


NO_SOURCE: Any = _NoSource()

# (st_dev, st_ino, st_mode, st_size, st_mtime_ns, st_ctime_ns)
StatKey = tuple[int, int, int, int, int, int]


def standard_loaders_unchanged() -> bool:
    """Whether ``SourceFileLoader``'s methods are still the standard ones (checked per use)."""
    return (
        SourceFileLoader.get_source is _STANDARD_GET_SOURCE
        and SourceFileLoader.get_filename is _STANDARD_GET_FILENAME
        and SourceFileLoader.get_data is _STANDARD_GET_DATA
    )


def cacheable_path(loader: Any, module: Any) -> str | None:
    """The file a standard source loader would read for ``module``, or None.

    None means fastvars does not reproduce this loader's ``get_source`` and posthog's
    own way must be taken. Reads only exact types and instance dicts: no user code.
    """
    if type(loader) is not SourceFileLoader or type(module) is not str:
        return None
    attributes = getattr(loader, "__dict__", None)
    if type(attributes) is not dict:
        return None
    for shadowing in _SHADOWING_NAMES:
        if shadowing in attributes:
            return None
    name = attributes.get("name")
    path = attributes.get("path")
    if type(name) is not str or type(path) is not str or name != module:
        return None
    if not standard_loaders_unchanged():
        return None
    return path


def stat_key(path: str) -> StatKey | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino, st.st_mode, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _lines_cost(lines: list[str]) -> int:
    return sys.getsizeof(lines) + sum(map(sys.getsizeof, lines))


class SourceCache:
    """Split source lines by path, each entry with the stat it was read under."""

    def __init__(self, limit_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        # path -> (stat key, lines, cost); a plain dict so the compiled twin reads it too.
        self.entries: dict[str, tuple[StatKey, list[str], int]] = {}
        self.limit_bytes = limit_bytes
        self.size_bytes = 0
        self.hits = 0
        self.misses = 0
        self._lock = threading.Lock()

    def lookup(self, path: str) -> list[str] | None:
        """The cached lines of ``path`` if the file is the one they were read from."""
        entry = self.entries.get(path)
        if entry is None:
            return None
        if stat_key(path) != entry[0]:
            self.discard(path)
            return None
        self.hits += 1
        return entry[1]

    def lines(self, loader: Any, path: str, module: str) -> Any:
        """What posthog's ``_get_source_lines`` gets from this standard loader.

        Returns the lines, or NO_SOURCE where posthog would go on to ``linecache``.
        Exceptions other than ImportError and OSError propagate, as in posthog.
        """
        cached = self.lookup(path)
        if cached is not None:
            return cached
        return self.read(loader, path, module)

    def read(self, loader: Any, path: str, module: str) -> Any:
        self.misses += 1
        before = stat_key(path)
        try:
            source = _STANDARD_GET_SOURCE(loader, module)
        except (OSError, ImportError):  # parity: the exceptions posthog catches
            return NO_SOURCE
        if source is None:
            return NO_SOURCE
        lines = source.splitlines()
        if (
            before is not None
            and before == stat_key(path)
            and time.time_ns() - max(before[4], before[5]) >= RACY_SECONDS * 1e9
        ):
            self.store(path, before, lines)
        return lines

    def store(self, path: str, key: StatKey, lines: list[str]) -> None:
        cost = _lines_cost(lines)
        with self._lock:
            if cost > self.limit_bytes:
                return
            old = self.entries.pop(path, None)
            if old is not None:
                self.size_bytes -= old[2]
            while self.entries and self.size_bytes + cost > self.limit_bytes:
                oldest = next(iter(self.entries))
                self.size_bytes -= self.entries.pop(oldest)[2]
            self.entries[path] = (key, lines, cost)
            self.size_bytes += cost

    def discard(self, path: str) -> None:
        with self._lock:
            old = self.entries.pop(path, None)
            if old is not None:
                self.size_bytes -= old[2]

    def clear(self) -> None:
        with self._lock:
            self.entries.clear()
            self.size_bytes = 0

    def _after_fork(self) -> None:
        # A lock held by another thread at fork time would never be released in the child.
        self._lock = threading.Lock()


CACHE = SourceCache()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=CACHE._after_fork)


def cache_limit_bytes() -> int:
    """The source cache's cap in bytes (for ``status()``)."""
    return CACHE.limit_bytes


def set_cache_limit_bytes(limit: int) -> None:
    """Change the cap; entries over it are dropped at once. 0 disables caching."""
    if type(limit) is not int or limit < 0:
        raise ValueError("the source cache limit must be a non-negative int")
    with CACHE._lock:
        CACHE.limit_bytes = limit
        while CACHE.entries and CACHE.size_bytes > limit:
            oldest = next(iter(CACHE.entries))
            CACHE.size_bytes -= CACHE.entries.pop(oldest)[2]


def cache_stats() -> SourceCacheStats:
    """Entries, bytes held, the cap, hits and misses of the source cache."""
    return {
        "entries": len(CACHE.entries),
        "bytes": CACHE.size_bytes,
        "limit_bytes": CACHE.limit_bytes,
        "hits": CACHE.hits,
        "misses": CACHE.misses,
    }


def clear_cache() -> None:
    CACHE.clear()
