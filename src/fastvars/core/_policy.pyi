from typing import Any

class Policy:
    matcher: Any
    mask_url_credentials: Any
    detect_secrets: Any
    has_mask: bool
    inert: bool
    def __init__(self, matcher: Any, mask_url_credentials: Any, detect_secrets: Any) -> None: ...
    def mask_matches(self, text: str) -> bool: ...
