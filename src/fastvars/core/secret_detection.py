"""Secret-looking strings, whatever their variable is called: the last line of masking.

Three tests, cheapest first: a PEM private-key marker anywhere; a long, high-entropy,
token-shaped string; a known vendor credential format. Pure-hex strings are ids and
digests (UUIDs, SHAs), never flagged. This is the pure-Python twin of
``_secret_detection.pyx``: its known-format search is posthog's, one alternation of the
formats (the data in :mod:`fastvars.compiler.known_secrets`) run by ``re``.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from typing import Final

from ..compiler.known_secrets import FORMAT_REGEXES, KNOWN_SECRET_FORMATS
from ..constants import (
    MAX_SCAN_LENGTH,
    PEM_PRIVATE_KEY_MARKER,
    SECRET_MIN_CHAR_CLASSES,
    SECRET_MIN_ENTROPY_BITS,
    SECRET_MIN_LENGTH,
)

_HEX = frozenset("0123456789abcdefABCDEF")
# Punctuation of reprs and structured text, never of a bare token.
_STRUCTURE_CHARS = frozenset("()[]{}<>'\"`,;")
_UUID = re.compile(r"\A[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\Z")
_PATH_WORD = re.compile(r"\A[a-z][a-z.]*\Z")

#: The known formats' union, posthog's search (test_matching_automaton checks it is
#: posthog's own pattern).
KNOWN_SECRET_RE: Final = re.compile("|".join(FORMAT_REGEXES))


def contains_known_secret(text: str) -> bool:
    """Whether any known format occurs anywhere in ``text``."""
    return KNOWN_SECRET_RE.search(text) is not None


def looks_like_path_or_url(text: str) -> bool:
    """URLs, Windows paths, and paths with two lowercase word segments."""
    if "://" in text or "\\" in text:
        return True
    if "/" not in text:
        return False
    words = 0
    for segment in text.split("/"):
        if segment and _PATH_WORD.match(segment):
            words += 1
            if words == 2:
                return True
    return False


def character_classes(distinct: Iterable[str]) -> int:
    """How many of lower, upper, digit, other the characters use; 0 for text with
    whitespace or made of hex digits only."""
    lower = upper = digit = other = False
    hex_only = True
    for ch in distinct:
        if ch.isspace():
            return 0
        if ch.islower():
            lower = True
            hex_only = hex_only and ch in _HEX
        elif ch.isupper():
            upper = True
            hex_only = hex_only and ch in _HEX
        elif ch.isdigit():
            digit = True
        else:
            other = True
            hex_only = False
    if hex_only:
        return 0
    return lower + upper + digit + other


def shannon_entropy(counts: Iterable[int], length: int) -> float:
    """Bits per character. The sum runs in first-occurrence order, so that the compiled
    twin, which adds the same terms in the same order, gets the same float."""
    bits = 0.0
    for occurrences in counts:
        p = occurrences / length
        bits -= p * math.log2(p)
    return bits


def is_high_entropy_token(text: str) -> bool:
    """Long, varied, random-looking text that is not prose, a path, a URL, a UUID or a repr.
    The caller has checked the minimum length."""
    if " " in text or looks_like_path_or_url(text) or _UUID.match(text):
        return False
    counts = Counter(text)
    if not _STRUCTURE_CHARS.isdisjoint(counts):
        return False
    if character_classes(counts) < SECRET_MIN_CHAR_CLASSES:
        return False
    return shannon_entropy(counts.values(), len(text)) >= SECRET_MIN_ENTROPY_BITS


def required_literals(formats: Iterable[tuple[str, str]]) -> list[str] | None:
    """For each format, literal strings one of which every match contains: a run of
    plain characters (at least two), or the alternatives of a group of plain
    alternatives such as (?:sk|pk|rk); the most selective. None when some format has
    neither, or a flag such as IGNORECASE: then no shortcut is taken."""
    try:
        # 3.11+; typeshed has no stub for re's private parser module
        from re import _parser as parser  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - 3.10
        import sre_parse as parser
    out = []
    for _, fmt in formats:
        parsed = parser.parse(fmt)
        if parsed.state.flags & ~32:  # anything but re.UNICODE, implied for str
            return None
        candidates = []
        run = []
        for op, av in list(parsed) + [(None, None)]:
            if str(op) == "LITERAL":
                run.append(chr(av))
                continue
            if len(run) >= 2:
                candidates.append(["".join(run)])
            run = []
            branch = None
            if str(op) == "BRANCH":  # the parser inlines (?:a|b) and factors prefixes
                branch = av
            elif str(op) == "SUBPATTERN":
                inner = list(av[len(av) - 1])
                if len(inner) == 1 and str(inner[0][0]) == "BRANCH":
                    branch = inner[0][1]
            if branch is not None:
                alternatives: list[str] = []
                for alt in branch[1]:
                    items = list(alt)
                    if len(items) >= 2 and all(str(o) == "LITERAL" for o, _ in items):
                        alternatives.append("".join(chr(a) for _, a in items))
                    else:
                        alternatives = []  # one alternative is not plain: none count
                        break
                if alternatives:
                    candidates.append(alternatives)
        if not candidates:
            return None
        out.extend(max(candidates, key=lambda c: min(map(len, c))))
    return out


# Texts this long must also hold one of those literals before the known-format search
# runs: in long prose that search is the costliest test, and a literal is rare.
_LITERAL_CHECK_LENGTH = 256
_LITERALS = required_literals(KNOWN_SECRET_FORMATS)


def looks_like_secret(text: str) -> bool:
    if PEM_PRIVATE_KEY_MARKER in text:
        return True
    length = len(text)
    if length < SECRET_MIN_LENGTH:
        return False
    if is_high_entropy_token(text):
        return True
    if length > MAX_SCAN_LENGTH:
        return False
    if (
        length >= _LITERAL_CHECK_LENGTH
        and _LITERALS is not None
        and not any(literal in text for literal in _LITERALS)
    ):
        return False
    return contains_known_secret(text)
