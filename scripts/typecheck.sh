#!/usr/bin/env bash
# The type gate: mypy --strict over the package (pyproject.toml [tool.mypy]), then
# stubtest, which imports the installed fastvars and checks every .pyi against the
# module it describes (the compiled ones above all). Both run even when the first
# fails; the exit status is non-zero when either found something.
#
#   bash scripts/typecheck.sh                  # the python on PATH
#   PYTHON=.venv/bin/python bash scripts/typecheck.sh
#
# The python needs fastvars installed with its compiled extension built (stubtest
# compares the stubs with what imports) and mypy: pip install ".[lint]".
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-python}"
# shellcheck source=gate.sh
source scripts/gate.sh

# stubtest checks the module that imports: without the extension it would compare the
# stubs with nothing and pass.
run "compiled extension loaded" "$python" -c \
    'import fastvars, sys; sys.exit(fastvars.implementation != "c")'
run "mypy --strict" "$python" -m mypy --strict src/fastvars
# The config file: its overrides (the bench extra's optional imports) are needed to
# build the package; the allowlist holds Cython's boilerplate names only.
run "stubtest" "$python" -m mypy.stubtest fastvars \
    --mypy-config-file pyproject.toml --allowlist stubtest-allowlist.txt

finish typecheck
