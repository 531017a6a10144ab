"""posthog's own context setters, importable from fastvars.

These are not copies: they are posthog's functions, so a value set through fastvars
is the one posthog's clients read, and the other way round, with posthog's nesting,
thread and asyncio isolation.
"""

from posthog.contexts import (
    get_capture_exception_code_variables_context,
    get_code_variables_detect_secrets_context,
    get_code_variables_ignore_patterns_context,
    get_code_variables_mask_patterns_context,
    get_code_variables_mask_url_credentials_context,
    new_context,
    set_capture_exception_code_variables_context,
    set_code_variables_detect_secrets_context,
    set_code_variables_ignore_patterns_context,
    set_code_variables_mask_patterns_context,
    set_code_variables_mask_url_credentials_context,
)

__all__ = [
    "new_context",
    "set_capture_exception_code_variables_context",
    "set_code_variables_mask_patterns_context",
    "set_code_variables_ignore_patterns_context",
    "set_code_variables_mask_url_credentials_context",
    "set_code_variables_detect_secrets_context",
    "get_capture_exception_code_variables_context",
    "get_code_variables_mask_patterns_context",
    "get_code_variables_ignore_patterns_context",
    "get_code_variables_mask_url_credentials_context",
    "get_code_variables_detect_secrets_context",
]
