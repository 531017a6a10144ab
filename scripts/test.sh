#!/usr/bin/env bash
# The whole test suite, from a fresh clone: for every CPython 3.10-3.13 found (pyenv's,
# or else python3), a fresh virtual environment, fastvars built from source with its
# compiled extension required, then the suite (which runs every engine test against
# both implementations), then the suite again with FASTVARS_NO_EXTENSIONS=1.
#
#   bash scripts/test.sh                 # every CPython 3.10-3.13 present
#   PYTHONS="python3.12" bash scripts/test.sh
#   bash scripts/test.sh -k differential # extra arguments go to pytest
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="${FASTVARS_TEST_VENVS:-$root/.venv-test}"

find_pythons() {
    if [ -n "${PYTHONS:-}" ]; then
        echo "$PYTHONS"
        return
    fi
    local found=() missing=() minor py
    for minor in 10 11 12 13; do
        py=""
        if command -v pyenv >/dev/null 2>&1; then
            local version
            version="$(pyenv versions --bare 2>/dev/null | grep -E "^3\.${minor}(\.[0-9]+)?$" | sort -V | tail -n 1 || true)"
            if [ -n "$version" ]; then
                py="$(pyenv root)/versions/$version/bin/python"
            fi
        fi
        if [ -z "$py" ] && command -v "python3.${minor}" >/dev/null 2>&1; then
            py="$(command -v "python3.${minor}")"
        fi
        if [ -n "$py" ] && [ -x "$py" ]; then found+=("$py"); else missing+=("3.${minor}"); fi
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "CPython versions absent, not tested: ${missing[*]}" >&2
    fi
    if [ ${#found[@]} -eq 0 ]; then
        found=("$(command -v python3)")
    fi
    echo "${found[@]}"
}

pythons="$(find_pythons)"
echo "CPython interpreters to test: $pythons" >&2
failures=()
for py in $pythons; do
    version="$("$py" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
    venv="$work/$version"
    echo "=== CPython $version: fresh virtual environment in $venv" >&2
    rm -rf "$venv"
    "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    # Build from source; FASTVARS_REQUIRE_EXTENSIONS makes a failed compile an error.
    FASTVARS_REQUIRE_EXTENSIONS=1 "$venv/bin/python" -m pip install -q --no-cache-dir ".[test]"
    "$venv/bin/python" -c 'import fastvars, sys; print("fastvars implementation:", fastvars.implementation); sys.exit(fastvars.implementation != "c")'
    echo "=== CPython $version: compiled and pure-Python engines" >&2
    if ! FASTVARS_REQUIRE_EXTENSIONS=1 "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"; then
        failures+=("$version (compiled build)")
    fi
    echo "=== CPython $version: FASTVARS_NO_EXTENSIONS=1" >&2
    # The pure-Python engine already ran in full above (every engine test runs on both);
    # this run proves the package works without its extension, with fewer generated cases.
    if ! FASTVARS_NO_EXTENSIONS=1 FASTVARS_HYPOTHESIS_EXAMPLES="${FASTVARS_HYPOTHESIS_EXAMPLES:-300}" "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"; then
        failures+=("$version (FASTVARS_NO_EXTENSIONS=1)")
    fi
done

if [ ${#failures[@]} -gt 0 ]; then
    echo "FAILED: ${failures[*]}" >&2
    exit 1
fi
echo "All test runs passed: $pythons" >&2
