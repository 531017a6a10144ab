#!/usr/bin/env bash
# What a packager meets, from this source tree: the sdist and, built from it, the wheel
# (python -m build, in build isolation, as a release does), then
#
#   - no deprecation warning in either build's output (setuptools announces the end of
#     what the metadata still uses that way);
#   - twine check --strict on both;
#   - the wheel holds what runs: no .pyx, .pxd or generated C, every compiled module
#     stripped of its symbol table;
#   - scripts/check_build_modes.sh on that sdist: the installs without Cython and
#     without a C compiler behave as setup.py says.
#
#   bash scripts/check_packaging.sh                   # python3 on PATH
#   PYTHON=.venv/bin/python bash scripts/check_packaging.sh
#
# The python needs the `build` and `twine` packages (pip install build twine).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python="${PYTHON:-python3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/fastvars-packaging.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# shellcheck source=gate.sh
source scripts/gate.sh

build_all() {
    "$python" -m build --outdir "$work/dist" . >"$work/build.log" 2>&1 \
        || { tail -n 40 "$work/build.log" >&2; return 1; }
}

no_deprecation_warning() {
    if grep -i "deprecat" "$work/build.log"; then
        echo "the build printed the deprecation warnings above" >&2
        return 1
    fi
}

wheel_holds_what_runs() {
    local wheel listing
    wheel="$(ls "$work"/dist/*.whl)"
    listing="$("$python" -m zipfile -l "$wheel")"
    if grep -E '\.(pyx|pxd|c)\s' <<<"$listing"; then
        echo "the wheel carries the sources above" >&2
        return 1
    fi
    mkdir -p "$work/wheel"
    "$python" -m zipfile -e "$wheel" "$work/wheel"
    local modules=() unstripped=()
    mapfile -t modules < <(find "$work/wheel" -name '*.so')
    if [ ${#modules[@]} -eq 0 ]; then
        echo "the wheel holds no compiled module" >&2
        return 1
    fi
    for module in "${modules[@]}"; do
        # A stripped shared object has no .symtab section (only the dynamic symbols).
        if "$python" - "$module" <<'EOF'; then unstripped+=("${module##*/}"); fi
import sys
data = open(sys.argv[1], "rb").read()
sys.exit(0 if b".symtab" in data else 1)
EOF
    done
    if [ ${#unstripped[@]} -gt 0 ]; then
        echo "not stripped: ${unstripped[*]}" >&2
        return 1
    fi
}

if run "python -m build (sdist, then the wheel from it)" build_all; then
    run "no deprecation warning" no_deprecation_warning
    run "twine check --strict" "$python" -m twine check --strict "$work"/dist/*
    if [ "$(uname -s)" = Linux ]; then
        run "the wheel holds what runs" wheel_holds_what_runs
    fi
    run "the install modes (scripts/check_build_modes.sh)" \
        env PYTHON="$python" bash scripts/check_build_modes.sh "$(ls "$work"/dist/*.tar.gz)"
fi

finish packaging
