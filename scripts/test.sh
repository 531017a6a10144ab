#!/usr/bin/env bash
# The whole test suite, from a fresh clone: for every CPython 3.10-3.13 found (pyenv's,
# or else python3), a fresh virtual environment, fastvars built from source with its
# compiled extension required, then the suite (which runs every engine test against
# both implementations), then the tests that depend on which engine is live again with
# FASTVARS_NO_EXTENSIONS=1. Last, on the newest CPython found, a venv holding the newest
# posthog 7.x the package index offers runs the integration, safety and differential
# tests against it (posthog 7.91.1 stays the reference everywhere else). First of all,
# the lint gate (scripts/lint.sh) and the packaging checks (scripts/check_packaging.sh);
# at the end the type gate (scripts/typecheck.sh). A failure in any fails the run, after
# every test has run.
#
#   bash scripts/test.sh                 # every CPython 3.10-3.13 present
#   PYTHONS="python3.12" bash scripts/test.sh
#   bash scripts/test.sh -k differential # extra arguments go to pytest
#   FASTVARS_SKIP_LINT=1 bash scripts/test.sh
#   bash scripts/test.sh --hypothesis-profile=thorough  # 10x the generated cases
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

# What runs against the newest posthog 7.x.
NEWEST_POSTHOG_TESTS=(
    tests/test_safety_property.py
    tests/test_integration.py
    tests/test_posthog_releases.py
    tests/test_differential.py
)

# A narrowing pass (a subset of files, and the caller's -k) may select no test at all:
# pytest's exit 5 is no failure there.
pytest_subset() {
    local status=0
    "$@" || status=$?
    [ "$status" -eq 0 ] || [ "$status" -eq 5 ]
}

# A fresh virtual environment at $2 for interpreter $1, with fastvars built from source
# (FASTVARS_REQUIRE_EXTENSIONS makes a failed compile an error) and its compiled engine
# checked to be the one loaded.
fresh_venv() {
    local py="$1" venv="$2"
    echo "=== fresh virtual environment in $venv" >&2
    rm -rf "$venv"
    "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
    FASTVARS_REQUIRE_EXTENSIONS=1 "$venv/bin/python" -m pip install -q --no-cache-dir ".[test]"
    "$venv/bin/python" -c 'import fastvars, sys; print("fastvars implementation:", fastvars.implementation); sys.exit(fastvars.implementation != "c")'
}

pythons="$(find_pythons)"
echo "CPython interpreters to test: $pythons" >&2
failures=()

# A gate run once, before the tests, in a venv of its own on the newest CPython found,
# with fastvars installed there without compiling (the tools check the sources and the
# builds they make, not that install) and the pyproject extra that bounds its tools: $1
# names it, $2 is the extra, the rest is the command. A failure fails the run, yet the
# tests still run, so one run reports every failure.
gate_once() {
    local name="$1" extra="$2" gate_venv="$work/$1"
    shift 2
    echo "=== $name: $*, its tools in $gate_venv" >&2
    rm -rf "$gate_venv"
    if ! { "${pythons##* }" -m venv "$gate_venv" &&
        FASTVARS_NO_EXTENSIONS=1 "$gate_venv/bin/python" -m pip install -q ".[$extra]"; }; then
        failures+=("$name (its tools did not install)")
    elif ! PATH="$gate_venv/bin:$PATH" PYTHON="$gate_venv/bin/python" "$@"; then
        failures+=("$name")
    fi
}

# Lint: ruff and cython-lint at the releases the `lint` extra bounds (scripts/lint.sh).
if [ -z "${FASTVARS_SKIP_LINT:-}" ]; then
    gate_once lint lint bash scripts/lint.sh
fi

# Packaging: the sdist and the wheel built from it as a release builds them, with no
# deprecation warning, twine check --strict, a wheel of stripped modules and no
# sources, and the installs without Cython and without a C compiler
# (scripts/check_packaging.sh, which runs scripts/check_build_modes.sh).
if [ -z "${FASTVARS_SKIP_PACKAGING:-}" ]; then
    gate_once packaging packaging bash scripts/check_packaging.sh
fi

for py in $pythons; do
    version="$("$py" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
    venv="$work/$version"
    echo "=== CPython $version" >&2
    fresh_venv "$py" "$venv"
    echo "=== CPython $version: compiled and pure-Python engines" >&2
    if ! FASTVARS_REQUIRE_EXTENSIONS=1 "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"; then
        failures+=("$version (compiled build)")
    fi
    echo "=== CPython $version: FASTVARS_NO_EXTENSIONS=1" >&2
    # The pure-Python engine already ran in full above (every engine test runs on both);
    # this run covers what depends on which engine is live: the import-time choice, the
    # user-visible switch, fallbacks and the integration through real clients (the test
    # modules marked `live_engine`).
    if ! FASTVARS_NO_EXTENSIONS=1 pytest_subset "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@" \
        -m live_engine; then
        failures+=("$version (FASTVARS_NO_EXTENSIONS=1)")
    fi
    last_py="$py"
done

# The newest posthog 7.x: the safety property must hold whatever it changed (either
# enable() is True and every event is posthog's own, or False with the reason).
if [ -z "${FASTVARS_SKIP_NEWEST_POSTHOG:-}" ]; then
    venv="$work/newest-posthog"
    echo "=== the newest posthog 7.x, on $("$last_py" -V)" >&2
    fresh_venv "$last_py" "$venv"
    "$venv/bin/python" -m pip install -q --upgrade "posthog>=7.91.1,<8"
    newest="$("$venv/bin/python" -c 'import posthog; print(posthog.VERSION)')"
    echo "=== newest posthog 7.x on the package index: $newest" >&2
    if ! FASTVARS_REQUIRE_EXTENSIONS=1 pytest_subset "$venv/bin/python" -m pytest -q -p no:cacheprovider "$@" \
        "${NEWEST_POSTHOG_TESTS[@]}"; then
        failures+=("posthog $newest")
    fi
fi

# Types, once: scripts/typecheck.sh (mypy --strict, stubtest against the compiled
# modules) in the newest CPython's venv built above, with the mypy release the lint
# extra names (installed alone: fastvars is not rebuilt).
if [ -z "${FASTVARS_SKIP_TYPECHECK:-}" ]; then
    venv="$work/$("$last_py" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
    mypy_requirement="$(grep -o '"mypy[^"]*"' pyproject.toml | head -n 1 | tr -d '"')"
    echo "=== types ($mypy_requirement), on $("$last_py" -V)" >&2
    if ! { "$venv/bin/python" -m pip install -q "$mypy_requirement" &&
        PYTHON="$venv/bin/python" bash scripts/typecheck.sh; }; then
        echo "=== types: FAILED (bash scripts/typecheck.sh)" >&2
        failures+=("types")
    fi
fi

if [ ${#failures[@]} -gt 0 ]; then
    echo "FAILED: ${failures[*]}" >&2
    exit 1
fi
echo "All test runs passed: $pythons" >&2
