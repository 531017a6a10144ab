from typing import Any, Optional, Sequence

def handle_in_app(
    event: Any,
    in_app_exclude: Optional[Sequence[str]] = ...,
    in_app_include: Optional[Sequence[str]] = ...,
    project_root: Optional[str] = ...,
) -> Any: ...
