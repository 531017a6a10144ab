from collections.abc import Callable, Sequence
from types import FrameType, TracebackType
from typing import Any

from ._encoding import Budget as Budget
from ._policy import Policy as Policy

# As the module's own (write_variables is not in it, but is there).
__all__ = [
    "Budget",
    "Policy",
    "collect_variables",
    "exception_tracebacks",
    "frame_variables",
    "plan",
    "visible_entries",
]

def visible_entries(
    tb: TracebackType | None, policy: Policy | None = ...
) -> list[TracebackType]: ...
def frame_variables(frame: FrameType, policy: Policy, budget: Budget) -> dict[str, Any]: ...
def exception_tracebacks(
    exc_info: tuple[Any, Any, Any],
) -> list[tuple[BaseException | None, TracebackType | None]]: ...
def collect_variables(
    serialized: Sequence[Any],
    entries: Sequence[TracebackType],
    policy: Policy,
    budget: Budget,
    frame_variables: Callable[[FrameType, Policy, Budget], dict[str, Any]],
) -> list[tuple[dict[str, Any], dict[str, Any]]]: ...
def plan(
    engine: Any,
    all_exceptions: Any,
    exc_info: tuple[Any, Any, Any],
    mask_patterns: Any,
    ignore_patterns: Any,
    mask_url_credentials: bool,
    detect_secrets: bool,
) -> list[tuple[dict[str, Any], dict[str, Any]]]: ...
def write_variables(found: list[tuple[dict[str, Any], dict[str, Any]]]) -> None: ...
