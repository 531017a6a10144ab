#!/usr/bin/env bash
# The lint gate: ruff's rules (pyproject.toml [tool.ruff]), ruff's formatting, and
# cython-lint over the Cython sources, for src/, tests/, bench/ and setup.py. Every tool
# runs even when an earlier one fails; the exit status is non-zero when any found something.
#
#   bash scripts/lint.sh            # needs ruff, cython-lint, pycodestyle: pip install ".[lint]"
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
paths=(src tests bench setup.py)
# shellcheck source=gate.sh
source scripts/gate.sh

run "ruff check" ruff check "${paths[@]}"
run "ruff format --check" ruff format --check "${paths[@]}"
# cython-lint runs pycodestyle as a subprocess for the line-level checks.
run "cython-lint" cython-lint "${paths[@]}"

finish lint
