from typing import Any

from typing_extensions import disjoint_base

# cdef classes: Python code may subclass them, but nothing can share their C layout.
@disjoint_base
class AddressCache:
    """Decisions on exact str values, by address (C fields only)."""

@disjoint_base
class Policy:
    matcher: Any
    mask_url_credentials: Any
    detect_secrets: Any
    has_mask: bool
    inert: bool
    key_decisions: Any
    def __init__(self, matcher: Any, mask_url_credentials: Any, detect_secrets: Any) -> None: ...
    def mask_matches(self, text: str) -> bool: ...
