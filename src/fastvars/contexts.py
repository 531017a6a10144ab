"""posthog's own context setters, importable from fastvars.

These are not copies: they are posthog's functions, so a value set through fastvars
is the one posthog's clients read, and the other way round, with posthog's nesting,
thread and asyncio isolation.

Looked up guardedly: ``import fastvars`` works whatever posthog looks like. A setter
that the installed posthog lacks (or posthog not installed at all) is replaced by a
function that raises ``RuntimeError`` naming what is missing, when it is called.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .integration import posthog_api

__all__ = [
    "get_capture_exception_code_variables_context",
    "get_code_variables_detect_secrets_context",
    "get_code_variables_ignore_patterns_context",
    "get_code_variables_mask_patterns_context",
    "get_code_variables_mask_url_credentials_context",
    "new_context",
    "set_capture_exception_code_variables_context",
    "set_code_variables_detect_secrets_context",
    "set_code_variables_ignore_patterns_context",
    "set_code_variables_mask_patterns_context",
    "set_code_variables_mask_url_credentials_context",
]


def _unavailable(name: str) -> Callable[..., Any]:
    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError(
            f"posthog {posthog_api.version()} has no posthog.contexts.{name}, "
            "so fastvars cannot re-export it"
        )

    unavailable.__name__ = unavailable.__qualname__ = name
    return unavailable


def _posthogs(name: str) -> Callable[..., Any]:
    found = posthog_api.lookup(posthog_api.CONTEXTS, name)
    return found if callable(found) else _unavailable(name)


new_context = _posthogs("new_context")
set_capture_exception_code_variables_context = _posthogs(
    "set_capture_exception_code_variables_context"
)
set_code_variables_mask_patterns_context = _posthogs("set_code_variables_mask_patterns_context")
set_code_variables_ignore_patterns_context = _posthogs("set_code_variables_ignore_patterns_context")
set_code_variables_mask_url_credentials_context = _posthogs(
    "set_code_variables_mask_url_credentials_context"
)
set_code_variables_detect_secrets_context = _posthogs("set_code_variables_detect_secrets_context")
get_capture_exception_code_variables_context = _posthogs(
    "get_capture_exception_code_variables_context"
)
get_code_variables_mask_patterns_context = _posthogs("get_code_variables_mask_patterns_context")
get_code_variables_ignore_patterns_context = _posthogs("get_code_variables_ignore_patterns_context")
get_code_variables_mask_url_credentials_context = _posthogs(
    "get_code_variables_mask_url_credentials_context"
)
get_code_variables_detect_secrets_context = _posthogs("get_code_variables_detect_secrets_context")
