from typing import Any, Optional

from ._policy import Policy

def masked_text_c(policy: Policy, value: Any) -> Optional[str]: ...
