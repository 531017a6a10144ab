from types import FrameType
from typing import Any

from ._encoding import Budget
from ._policy import Policy

__all__ = ["frame_variables", "is_hidden"]

def is_hidden(frame: FrameType, policy: Policy | None = ...) -> bool: ...
def frame_variables(frame: FrameType, policy: Policy, budget: Budget) -> dict[str, Any]: ...
