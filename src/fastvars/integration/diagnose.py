"""``python -m fastvars``: would fastvars be active in this environment, and if not,
why not. It runs what ``enable()`` runs (the self-check included) in this process,
reports, and puts posthog back as it was.

Exit status: 0 when fastvars would be active, 1 when it would not, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from . import control, posthog_api


def diagnosis() -> dict[str, Any]:
    """Everything the report says, as data (what ``--json`` prints)."""
    from .. import __version__

    was_active = control.is_enabled()
    active = control.enable()
    found: dict[str, Any] = dict(control.status())  # the status, and the report's own keys
    if active and not was_active:
        control.disable()
    found["fastvars_version"] = __version__
    found["python"] = sys.version.split()[0]
    found["would_be_active"] = active
    found["would_patch"] = found["patched_modules"] if active else []
    return found


def _lines(found: dict[str, Any]) -> list[str]:
    implementation = found["implementation"]
    if implementation != "c":
        why = found.get("compiled_unavailable_reason") or "unknown reason"
        implementation += f" (the compiled engine is not in use: {why})"
    version = found["posthog_version"]
    if posthog_api.installed():
        verified = "verified" if found["posthog_version_verified"] else "NOT verified"
        version += (
            f" ({verified}; fastvars was verified against "
            f"{', '.join(found['verified_posthog_versions'])})"
        )
    if found["selfcheck_ms"] is None:
        selfcheck = "not run"
    elif found["would_be_active"]:
        selfcheck = f"passed in {found['selfcheck_ms']:.1f} ms"
    else:
        selfcheck = f"did not pass ({found['selfcheck_ms']:.1f} ms)"
    lines = [
        f"fastvars {found['fastvars_version']} on CPython {found['python']}",
        f"implementation: {implementation}",
        f"posthog: {version}",
        f"self-check: {selfcheck}",
        f"enable() would patch: {', '.join(found['would_patch']) or 'nothing'}",
    ]
    if found["would_be_active"]:
        lines.append("fastvars would be active")
    else:
        lines.append(f"fastvars would be OFF: {found['reason']}")
    return lines


def main(argv: list[str] | None = None) -> int:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="python -m fastvars",
        description="Say whether fastvars would be active here, and why not if not.",
    )
    parser.add_argument("--json", action="store_true", help="print the diagnosis as JSON")
    parser.add_argument("--version", action="version", version=f"fastvars {__version__}")
    args = parser.parse_args(argv)
    found = diagnosis()
    if args.json:
        print(json.dumps(found, indent=2, sort_keys=True, default=str))
    else:
        print("\n".join(_lines(found)))
    return 0 if found["would_be_active"] else 1
