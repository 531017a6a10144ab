# fastvars.core._planning is core/planning.py compiled in Cython's pure-Python mode.
from collections.abc import Callable, Iterable, Sequence
from types import FrameType, TracebackType
from typing import Any

from .errors import NotPlain as NotPlain

__all__ = [
    "NotPlain",
    "check_plain",
    "collect_variables",
    "exception_tracebacks",
    "plan",
    "same_frames",
    "visible_entries",
    "write_variables",
]

CODE_VARIABLES: str
MAX_EXCEPTIONS: int
MAX_GROUP_MEMBER_INSPECTIONS: int

def check_plain(all_exceptions: list[Any]) -> None: ...
def exception_tracebacks(
    exc_info: tuple[Any, Any, Any],
) -> list[tuple[BaseException | None, TracebackType | None]]: ...
def visible_entries(
    tb: TracebackType | None,
    policy: Any,
    hidden: Callable[[FrameType, Any], bool],
) -> list[TracebackType]: ...
def collect_variables(
    serialized: Sequence[Any],
    entries: Sequence[TracebackType],
    policy: Any,
    budget: Any,
    variables_of: Callable[[FrameType, Any, Any], dict[str, Any]],
) -> list[tuple[dict[str, Any], dict[str, Any]]]: ...
def same_frames(serialized: Sequence[Any], entries: Sequence[Any]) -> bool: ...
def plan(
    engine: Any,
    all_exceptions: Iterable[Any],
    exc_info: tuple[Any, Any, Any],
    mask_patterns: Any,
    ignore_patterns: Any,
    mask_url_credentials: bool,
    detect_secrets: bool,
) -> list[tuple[dict[str, Any], dict[str, Any]]]: ...
def write_variables(found: list[tuple[dict[str, Any], dict[str, Any]]]) -> None: ...
