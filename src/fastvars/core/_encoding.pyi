from typing_extensions import disjoint_base

# cdef classes: Python code may subclass them, but nothing can share their C layout.
@disjoint_base
class Budget:
    used: int
    limit: int
    def __init__(self, limit: int = ...) -> None: ...
    def take(self, size: int) -> bool: ...

@disjoint_base
class KeyOrder:
    """A frame's local names in the order it lists them (C fields only)."""

@disjoint_base
class CodeTable:
    """A function's local names with their bits and rank (C fields only)."""
