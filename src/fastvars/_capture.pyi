from types import FrameType, TracebackType
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ._encoding import Budget as Budget
from ._policy import Policy as Policy

def visible_entries(tb: Optional[TracebackType], policy: Optional[Policy] = ...) -> List[TracebackType]: ...
def frame_variables(frame: FrameType, policy: Policy, budget: Budget) -> Dict[str, Any]: ...
def exception_tracebacks(
    exc_info: Tuple[Any, Any, Any],
) -> List[Tuple[Optional[BaseException], Optional[TracebackType]]]: ...
def collect_variables(
    serialized: Sequence[Any],
    entries: Sequence[TracebackType],
    policy: Policy,
    budget: Budget,
    frame_variables: Callable[[FrameType, Policy, Budget], Dict[str, Any]],
) -> List[Tuple[Dict[str, Any], Dict[str, Any]]]: ...
def plan(
    engine: Any,
    all_exceptions: Any,
    exc_info: Tuple[Any, Any, Any],
    mask_patterns: Any,
    ignore_patterns: Any,
    mask_url_credentials: bool,
    detect_secrets: bool,
) -> List[Tuple[Dict[str, Any], Dict[str, Any]]]: ...
def write_variables(found: List[Tuple[Dict[str, Any], Dict[str, Any]]]) -> None: ...
