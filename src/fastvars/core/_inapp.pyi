from typing import Any

def handle_in_app(
    event: Any,
    in_app_exclude: list[str] | None = ...,
    in_app_include: list[str] | None = ...,
    project_root: str | None = ...,
) -> Any: ...
