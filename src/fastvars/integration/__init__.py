"""fastvars inside posthog: the switch (``control``), the stand-ins for posthog's
functions (``standins``, ``replacements``, ``patching``), the guarded lookups of
posthog's internals (``posthog_api``), the self-check through posthog's real clients
(``selfcheck``), the diagnosis of ``python -m fastvars`` (``diagnose``) and the
zero-code launcher ``fastvars-run`` (``launcher``)."""

from .control import disable, enable, is_enabled, status

__all__ = ["disable", "enable", "is_enabled", "status"]
