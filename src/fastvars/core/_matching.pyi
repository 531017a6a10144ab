"""Type stubs for the compiled twin of fastvars.core.matching."""

from collections.abc import Iterable
from typing import Any

from typing_extensions import disjoint_base

from ..constants import IGNORE as IGNORE
from ..constants import MASK as MASK

NAME_CACHE_SIZE: int
NAME_CACHE_MAX_LENGTH: int
COMPILED_CACHE_SIZE: int

# A cdef class: Python code may subclass it, but nothing can share its C layout.
@disjoint_base
class Matcher:
    def __init__(self, mask_patterns: Iterable[str], ignore_patterns: Iterable[str]) -> None: ...
    @property
    def has_mask(self) -> bool: ...
    @property
    def has_ignore(self) -> bool: ...
    @property
    def mask_patterns(self) -> tuple[str, ...]: ...
    @property
    def ignore_patterns(self) -> tuple[str, ...]: ...
    def stats(self) -> dict[str, Any]: ...
    def classify(self, name: str) -> int: ...
    def classify_many(self, names: Iterable[str], cache: bool = ...) -> list[int]: ...
    def mask_search(self, text: str) -> bool: ...

def compile_patterns(
    mask_patterns: Iterable[str] | None, ignore_patterns: Iterable[str] | None
) -> Matcher: ...
