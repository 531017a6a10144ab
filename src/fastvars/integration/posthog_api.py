"""Every posthog internal fastvars touches, looked up in one guarded place.

fastvars accepts any posthog ``>=7.91.1,<8``, and posthog ships minor releases often: a
name fastvars relies on may be renamed or removed in any of them. Nothing here raises.
A lookup answers the object or ``None``; :func:`missing` names what could not be found,
so ``enable()`` can stay off and say why instead of failing (and ``import fastvars``
works with posthog absent altogether).
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

#: The module that defines each posthog function fastvars uses or replaces.
EXCEPTION_UTILS = "posthog.exception_utils"
CONTEXTS = "posthog.contexts"
UTILS = "posthog.utils"
#: The modules holding posthog's clients; enable() imports them to patch them.
CLIENT_MODULES = ("posthog.client", "posthog.async_client")

# Why a module did not import, so that it is tried once and the reason can be shown.
# Names are not cached: a lookup is a getattr, and it sees what posthog's modules hold
# now (tests, and applications, may patch them).
_import_errors: dict[str, str] = {}


def module(name: str) -> ModuleType | None:
    """``name`` imported, or None when it does not import (the reason is kept)."""
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    if name in _import_errors:
        return None
    try:
        return importlib.import_module(name)
    except Exception as error:  # absent, or broken by a release: fastvars stays off
        _import_errors[name] = f"{type(error).__name__}: {error}"
        return None


def lookup(module_name: str, name: str) -> Any:
    """``module_name.name``, or None when the module or the name is missing."""
    holder = module(module_name)
    return None if holder is None else getattr(holder, name, None)


def missing(names: list[tuple[str, str]]) -> list[str]:
    """The ``module.name`` of each pair that :func:`lookup` cannot find."""
    gone = []
    for module_name, name in names:
        if lookup(module_name, name) is None:
            why = _import_errors.get(module_name)
            gone.append(f"{module_name}.{name}" + (f" ({why})" if why else ""))
    return gone


def installed() -> bool:
    return module("posthog") is not None


def version() -> str:
    """The installed posthog's version, ``"not installed"`` or ``"unknown"``."""
    package = module("posthog")
    if package is None:
        return "not installed"
    found = getattr(package, "VERSION", None) or getattr(package, "__version__", None)
    return str(found) if found else "unknown"


def loaded_posthog_modules() -> list[str]:
    """The names of the posthog modules imported so far (a snapshot: another thread
    may import while we look)."""
    return [n for n in list(sys.modules) if n == "posthog" or n.startswith("posthog.")]


def forget() -> None:
    """Forget which modules failed to import (tests simulating another release)."""
    _import_errors.clear()
