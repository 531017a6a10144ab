"""One capture's masking settings, and the rules they apply to a single string.

A string is shown as it is unless it is too long to scan (marked so), matches a mask
pattern or looks like a secret (redacted whole), or carries credentials in a URL or an
Authorization value (those parts rewritten: see :mod:`.credentials`). The Policy also
holds, per matcher and toggles, the decisions already taken on mapping keys.

The compiled twin is ``_policy.pyx``.
"""

from __future__ import annotations

from typing import Any

from ..constants import (
    CACHE_GENERATION,
    MAX_SCAN_LENGTH,
    REDACTED,
    TOO_LONG,
)
from ..types import Matcher
from .caches import Generations
from .credentials import redact_embedded_credentials
from .secret_detection import looks_like_secret


class Policy:
    """One capture's masking settings: the compiled patterns and the two toggles."""

    __slots__ = (
        "detect_secrets",
        "has_mask",
        "inert",
        "key_decisions",
        "mask_url_credentials",
        "matcher",
    )

    def __init__(self, matcher: Matcher, mask_url_credentials: bool, detect_secrets: bool) -> None:
        self.matcher = matcher
        self.mask_url_credentials = mask_url_credentials
        self.detect_secrets = detect_secrets
        self.has_mask = matcher.has_mask
        # With no pattern and both toggles off, values pass through untouched.
        self.inert = not (self.has_mask or mask_url_credentials or detect_secrets)
        self.key_decisions = key_decisions_for(
            matcher, bool(mask_url_credentials), bool(detect_secrets)
        )

    def mask_matches(self, text: str) -> bool:
        return self.has_mask and self.matcher.mask_search(text)


# Decisions on short str mapping keys, per matcher and toggles: keys recur like local
# names do (attribute names, config keys), and deciding one runs every pattern. Two
# generations of KEY_CACHE_GENERATION keys each, like the matcher's name cache (the
# keys that recur survive a stream of distinct ones); a key whose text the credentials
# rewrite would change is never stored.
KEY_CACHE_GENERATION = CACHE_GENERATION
_key_decision_caches: dict[Any, Generations] = {}


def key_decisions_for(matcher: Any, url: bool, secrets: bool) -> Generations:
    key = (matcher, url, secrets)
    cache = _key_decision_caches.get(key)
    if cache is None:
        if len(_key_decision_caches) >= 256:
            _key_decision_caches.clear()
        cache = _key_decision_caches.setdefault(key, Generations(KEY_CACHE_GENERATION))
    return cache


def mask_string(text: str, policy: Policy) -> str:
    if len(text) > MAX_SCAN_LENGTH:
        return TOO_LONG
    if policy.mask_matches(text):
        return REDACTED
    if policy.detect_secrets and looks_like_secret(text):
        return REDACTED
    return redact_embedded_credentials(text, policy.mask_url_credentials)
