"""``fastvars-run``: run a program unchanged, with fastvars enabled in it and in every
Python subprocess it starts.

    fastvars-run python app.py
    fastvars-run gunicorn app:app
    fastvars-run uvicorn app:app

As ``opentelemetry-instrument`` and ``ddtrace-run`` do, it puts a ``sitecustomize``
first on ``PYTHONPATH`` (``_bootstrap/sitecustomize.py``) and replaces itself with the
command. That hook enables fastvars when the program first imports posthog, not before,
and chains to any ``sitecustomize`` already present. Everything else is configured the
PostHog way, through posthog's init flags and context setters.
"""

from __future__ import annotations

import os
import sys

USAGE = """usage: fastvars-run [--] COMMAND [ARGS...]

Run COMMAND (a Python program, gunicorn, uvicorn, ...) with fastvars enabled in every
Python process it starts, from the moment that process imports posthog.
FASTVARS_DISABLE=1 in the environment keeps fastvars off without a code change.
"""


def bootstrap_dir() -> str:
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), "_bootstrap")


def environment(base: dict[str, str] | None = None) -> dict[str, str]:
    """``base`` (default: this process's environment) with the hook first on
    ``PYTHONPATH``, once."""
    env = dict(os.environ if base is None else base)
    hook = bootstrap_dir()
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != hook]
    env["PYTHONPATH"] = os.pathsep.join([hook] + parts)
    return env


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["-h"], ["--help"]):
        sys.stdout.write(USAGE)
        return 0
    if args[:1] == ["--version"]:
        from .. import __version__

        print(f"fastvars-run {__version__}")
        return 0
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        sys.stderr.write(USAGE)
        return 2
    try:
        os.execvpe(args[0], args, environment())
    except OSError as error:
        sys.stderr.write(f"fastvars-run: cannot run {args[0]!r}: {error.strerror or error}\n")
        return 127
    return 0  # not reached: exec replaced this process


if __name__ == "__main__":
    sys.exit(main())
