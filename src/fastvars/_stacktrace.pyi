from types import TracebackType
from typing import Any, Dict, List, Optional

def serialize_stack(tb: Optional[TracebackType], max_length: int) -> List[Dict[str, Any]]: ...
