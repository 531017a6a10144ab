from types import FrameType, TracebackType
from typing import Any, Dict, List, Optional

from ._encoding import Budget as Budget
from ._masking import Policy as Policy

def visible_entries(tb: Optional[TracebackType]) -> List[TracebackType]: ...
def frame_variables(frame: FrameType, policy: Policy, budget: Budget) -> Dict[str, Any]: ...
