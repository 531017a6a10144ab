"""Putting fastvars' stand-ins into posthog's modules, and taking them out again.

posthog's clients call module-level names that they import from the module defining
them (``from posthog.exception_utils import try_attach_code_variables_to_frames``). A
stand-in replaces the name in the defining module first, so that a posthog module
imported from then on takes the stand-in, and then in every posthog module already
imported that holds the original. Clients look the name up in their module at call
time, so clients created before ``enable()`` are covered too. Undoing puts back, module
by module, the very object each one held.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Any

from . import posthog_api
from .replacements import Replacement


class Patches:
    """The stand-ins currently in posthog's modules and what they replaced."""

    def __init__(self) -> None:
        # (module name, function name) -> the object that module held before.
        self.replaced: dict[tuple[str, str], Any] = {}
        # function name -> (stand-in, posthog's original)
        self.stand_ins: dict[str, tuple[Callable[..., Any], Any]] = {}

    def install(self, replacements: Sequence[Replacement]) -> None:
        for replacement in replacements:
            stand_in = replacement.stand_in()
            self.stand_ins[replacement.name] = (stand_in, replacement.original)
            names = (
                list(replacement.only_in)
                if replacement.only_in is not None
                else [replacement.module] + posthog_api.loaded_posthog_modules()
            )
            for module_name in names:
                self._swap_in(module_name, replacement.name, replacement.original, stand_in)

    def _swap_in(self, module_name: str, name: str, original: Any, stand_in: Any) -> None:
        module = sys.modules.get(module_name)
        key = (module_name, name)
        if module is None or key in self.replaced:
            return
        if getattr(module, name, None) is original:
            self.replaced[key] = original
            setattr(module, name, stand_in)

    def uninstall(self) -> None:
        for (module_name, name), previous in self.replaced.items():
            module = sys.modules.get(module_name)
            stand_in = self.stand_ins[name][0]
            if module is not None and getattr(module, name, None) is stand_in:
                setattr(module, name, previous)
        # Modules imported while installed took a stand-in from the defining module:
        # they get back posthog's original.
        for module_name in posthog_api.loaded_posthog_modules():
            module = sys.modules.get(module_name)
            if module is None:
                continue
            for name, (stand_in, original) in self.stand_ins.items():
                if getattr(module, name, None) is stand_in:
                    setattr(module, name, original)
        self.replaced.clear()
        self.stand_ins.clear()

    def modules(self) -> list[str]:
        return sorted({module_name for module_name, _ in self.replaced})

    def stand_in(self, name: str) -> Any:
        """The stand-in installed for ``name``, or None."""
        entry = self.stand_ins.get(name)
        return entry[0] if entry else None

    def original(self, name: str) -> Any:
        """posthog's function that the stand-in for ``name`` replaced, or None."""
        entry = self.stand_ins.get(name)
        return entry[1] if entry else None
