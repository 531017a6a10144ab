"""fastvars: the local variables of an exception's frames, captured for PostHog, fast.

    import fastvars
    fastvars.enable()   # posthog clients now capture code variables through fastvars

The output is byte for byte what posthog 7.91.1 produces (see the README for the one
intended difference, in chained exceptions). ``fastvars.implementation`` says whether
the compiled extension (``"c"``) or the pure-Python engine (``"python"``) is live;
``FASTVARS_NO_EXTENSIONS=1`` forces the latter.
"""

from collections.abc import Iterable

from . import engine as _engine
from .capture import attach_code_variables, snapshot
from .constants import (
    DEFAULT_IGNORE_PATTERNS,
    DEFAULT_MASK_PATTERNS,
    IGNORE,
    MASK,
    VERIFIED_POSTHOG_VERSIONS,
)
from .contexts import (
    new_context,
    set_capture_exception_code_variables_context,
    set_code_variables_detect_secrets_context,
    set_code_variables_ignore_patterns_context,
    set_code_variables_mask_patterns_context,
    set_code_variables_mask_url_credentials_context,
)
from .integration import disable, enable, is_enabled, status
from .types import CaptureEngine, ImplementationName, Matcher, Status

__version__ = "0.1.0"

#: "c" when the compiled extension is live, "python" for the pure-Python engine.
implementation: ImplementationName = _engine.ACTIVE.name


def compile_patterns(
    mask_patterns: Iterable[str] | None, ignore_patterns: Iterable[str] | None
) -> Matcher:
    """A matcher whose ``classify(name)`` returns the bits ``IGNORE`` and ``MASK``, each
    set exactly when posthog's matcher for that list matches ``name``."""
    return _engine.ACTIVE.compile_patterns(mask_patterns, ignore_patterns)


__all__ = [
    "DEFAULT_IGNORE_PATTERNS",
    "DEFAULT_MASK_PATTERNS",
    "IGNORE",
    "MASK",
    "VERIFIED_POSTHOG_VERSIONS",
    "CaptureEngine",
    "ImplementationName",
    "Matcher",
    "Status",
    "attach_code_variables",
    "compile_patterns",
    "disable",
    "enable",
    "implementation",
    "is_enabled",
    "new_context",
    "set_capture_exception_code_variables_context",
    "set_code_variables_detect_secrets_context",
    "set_code_variables_ignore_patterns_context",
    "set_code_variables_mask_patterns_context",
    "set_code_variables_mask_url_credentials_context",
    "snapshot",
    "status",
]
