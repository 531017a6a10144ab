"""Routing posthog's code-variables capture through fastvars (placeholder until the
integration lands: enable() reports that it is not active)."""

from typing import Any, Dict


def enable() -> bool:
    return False


def disable() -> None:
    return None


def is_enabled() -> bool:
    return False


def status() -> Dict[str, Any]:
    return {"active": False, "reason": "not implemented yet"}
