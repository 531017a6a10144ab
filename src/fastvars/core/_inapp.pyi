from collections.abc import Sequence
from typing import Any

def handle_in_app(
    event: Any,
    in_app_exclude: Sequence[str] | None = ...,
    in_app_include: Sequence[str] | None = ...,
    project_root: str | None = ...,
) -> Any: ...
