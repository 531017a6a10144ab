"""The posthog functions fastvars stands in for, and what fastvars answers for each.

Each entry names the posthog module that defines the function, the parameters of
posthog 7.91.1's version with the argument types fastvars understands, and the fast
path. A call outside that (see :mod:`.replacements`) is posthog's own.
"""

from __future__ import annotations

from typing import Any, Callable, List

from .. import capture as _capture
from . import posthog_api
from .replacements import Parameter, Replacement, exactly, exc_info_tuple, patterns

ATTACH = "try_attach_code_variables_to_frames"


def _attach_code_variables(
    all_exceptions: Any,
    exc_info: Any,
    mask_patterns: Any,
    ignore_patterns: Any,
    mask_url_credentials: bool,
    detect_secrets: bool,
    original: Callable[..., Any],
) -> None:
    args = (all_exceptions, exc_info, mask_patterns, ignore_patterns, mask_url_credentials, detect_secrets)
    if not _capture.attach_with_engines(args):
        # Every fastvars engine failed and wrote nothing: posthog's own function does
        # the whole capture (it swallows its own failures).
        original(*args)


def build() -> List[Replacement]:
    """Fresh entries, not yet bound to posthog's functions (``adopt`` does that)."""
    return [
        Replacement(
            module=posthog_api.EXCEPTION_UTILS,
            name=ATTACH,
            parameters=(
                Parameter("all_exceptions", exactly(list)),
                Parameter("exc_info", exc_info_tuple),
                Parameter("mask_patterns", patterns),
                Parameter("ignore_patterns", patterns),
                Parameter("mask_url_credentials", exactly(bool)),
                Parameter("detect_secrets", exactly(bool)),
            ),
            fast=_attach_code_variables,
        ),
    ]
