"""Stage 1 of the pattern compiler, the front end: a pattern as Python's own parser sees it.

Takes a pattern string; gives its parse tree (``re._parser``, ``sre_parse`` on 3.10) and
its global flags, so that syntax, flags and errors are exactly Python's. Also recognises
posthog's plain ``(?i)text`` patterns, which posthog matches as a lowercased substring,
and defines :class:`Unsupported`, which every later stage raises for a construct it
cannot represent exactly (the pattern then goes to the residual list, run by ``re``).
"""

from __future__ import annotations

import re
import sys
from typing import Any

if sys.version_info >= (3, 11):
    # typeshed has no stubs for re's private parser modules (sre_* below are the same)
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]
else:  # pragma: no cover - 3.10
    import sre_constants as C
    import sre_parse as P

__all__ = ["F_A", "F_I", "F_M", "F_S", "C", "Unsupported", "parse", "plain_caseless_text"]

_METACHARACTERS = frozenset("\\.^$*+?{}[]|()")
_CASELESS_FLAGS = re.compile(r"\(\?[aiLmsux]*i[aiLmsux]*\)")

F_I = C.SRE_FLAG_IGNORECASE
F_M = C.SRE_FLAG_MULTILINE
F_S = C.SRE_FLAG_DOTALL
F_A = C.SRE_FLAG_ASCII


class Unsupported(Exception):
    """The automaton cannot represent this pattern exactly: it goes to the residual list."""


def plain_caseless_text(pattern: str) -> str | None:
    """The lowercased text of a ``(?i)text`` pattern, or None (posthog's substring rule)."""
    flags = _CASELESS_FLAGS.match(pattern)
    if flags is None:
        return None
    text = pattern[flags.end() :]
    if not text or not _METACHARACTERS.isdisjoint(text):
        return None
    return text.lower()


def parse(pattern: str) -> tuple[Any, int]:
    """The parse tree of ``pattern`` (a list of ``(op, argument)`` items) and its flags."""
    parsed = P.parse(pattern, 0)
    return list(parsed), parsed.state.flags
