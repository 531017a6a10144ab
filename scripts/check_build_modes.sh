#!/usr/bin/env bash
# The source installs that setup.py promises, each checked end to end in a fresh
# virtual environment that has setuptools (the oldest release pyproject.toml allows)
# but no Cython, building with --no-build-isolation so that nothing brings Cython in:
#
#   1. the sdist, a C compiler: compiled engine, built from the C the sdist ships
#   2. the sdist, no working compiler (CC=/bin/false): a py3-none-any wheel, the
#      pure-Python engine, a WARNING line in `pip -v` output, the reason recorded
#   3. the same with FASTVARS_REQUIRE_EXTENSIONS=1: the build fails
#   4. a source tree without generated C (a git checkout): pure Python, reason recorded
#   5. a source tree missing a csrc/ file: the build fails, naming the file
#
#   bash scripts/check_build_modes.sh                 # builds the sdist first
#   bash scripts/check_build_modes.sh dist/fastvars-0.1.0.tar.gz
#   PYTHON=python3.12 bash scripts/check_build_modes.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
work="$(mktemp -d "${TMPDIR:-/tmp}/fastvars-build-modes.XXXXXX")"
trap 'rm -rf "$work"' EXIT
failures=()

say() { printf '=== %s\n' "$*" >&2; }
fail() { printf 'FAIL: %s\n' "$*" >&2; failures+=("$1"); }

if [ $# -ge 1 ]; then
    sdist="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
else
    say "building the sdist (Cython, in build isolation)"
    "$python" -m build --sdist --outdir "$work/dist" "$root" >"$work/sdist.log" 2>&1 \
        || { cat "$work/sdist.log" >&2; exit 1; }
    sdist="$(ls "$work"/dist/fastvars-*.tar.gz)"
fi
say "sdist: $sdist"
tar -tzf "$sdist" >"$work/sdist.files"
grep -q 'src/fastvars/core/_frames\.c$' "$work/sdist.files" || fail "the sdist ships no generated C"

setuptools_floor="$(sed -n 's/.*"setuptools>=\([0-9.]*\).*/\1/p' "$root/pyproject.toml" | head -n 1)"
venv="$work/venv"
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q "setuptools==${setuptools_floor}.*" posthog
if "$venv/bin/python" -c 'import Cython' 2>/dev/null; then
    echo "Cython is importable in the check environment: the checks would prove nothing" >&2
    exit 1
fi

# build NAME SOURCE [env...]: pip wheel with no isolation; the log in $work/NAME.log,
# the wheel in $work/NAME/; returns pip's exit status.
build() {
    local name="$1" source="$2"
    shift 2
    mkdir -p "$work/$name"
    env "$@" "$venv/bin/python" -m pip wheel -v --no-build-isolation --no-deps --no-cache-dir \
        -w "$work/$name" "$source" >"$work/$name.log" 2>&1
}

# installed NAME: install the wheel that `build NAME` made, print implementation and record.
installed() {
    "$venv/bin/python" -m pip install -q --force-reinstall --no-deps "$work/$1"/fastvars-*.whl
    (cd "$work" && "$venv/bin/python" -c '
import fastvars, fastvars._build_info as b
print(fastvars.implementation, b.EXTENSIONS_BUILT, b.SOURCE, b.REASON, sep="|")')
}

say "1. sdist, C compiler, no Cython"
if build compiled "$sdist"; then
    wheel="$(basename "$work"/compiled/fastvars-*.whl)"
    result="$(installed compiled)"
    echo "   $wheel: $result" >&2
    case "$wheel" in *-none-any.whl) fail "1: a compiled build tagged as pure: $wheel" ;; esac
    case "$result" in "c|True|the generated C shipped"*) ;; *) fail "1: not the compiled engine from the shipped C: $result" ;; esac
else
    tail -n 30 "$work/compiled.log" >&2
    fail "1: the sdist did not build with a compiler and without Cython"
fi

say "2. sdist, no working C compiler (CC=/bin/false)"
if build nocompiler "$sdist" CC=/bin/false; then
    wheel="$(basename "$work"/nocompiler/fastvars-*.whl)"
    result="$(installed nocompiler)"
    echo "   $wheel: $result" >&2
    grep -m 1 '^ *WARNING: fastvars:' "$work/nocompiler.log" | sed 's/^ */   pip -v shows: /' >&2 \
        || fail "2: no WARNING line in the build output"
    case "$wheel" in *-py3-none-any.whl) ;; *) fail "2: a pure-Python build not tagged py3-none-any: $wheel" ;; esac
    case "$result" in "python|False|"*"|the C compiler failed: "*) ;; *) fail "2: unexpected engine or record: $result" ;; esac
else
    tail -n 30 "$work/nocompiler.log" >&2
    fail "2: the install without a compiler failed"
fi

say "3. sdist, no working C compiler, FASTVARS_REQUIRE_EXTENSIONS=1"
if build required "$sdist" CC=/bin/false FASTVARS_REQUIRE_EXTENSIONS=1; then
    fail "3: FASTVARS_REQUIRE_EXTENSIONS=1 built without a compiler"
else
    echo "   failed, as required: $(grep -m 1 -E 'CompileError|error:' "$work/required.log" | sed 's/^ *//')" >&2
fi

# A source tree as a git checkout has it: no generated C.
tree="$work/tree"
mkdir -p "$tree"
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
    git -C "$root" ls-files -z | (cd "$root" && xargs -0 tar -cf -) | tar -xf - -C "$tree"
else
    tar -xzf "$sdist" -C "$tree" --strip-components=1
    rm -f "$tree"/src/fastvars/core/_*.c
fi

say "4. source tree without generated C, no Cython"
if build nocython "$tree"; then
    wheel="$(basename "$work"/nocython/fastvars-*.whl)"
    result="$(installed nocython)"
    echo "   $wheel: $result" >&2
    case "$wheel" in *-py3-none-any.whl) ;; *) fail "4: a pure-Python build not tagged py3-none-any: $wheel" ;; esac
    case "$result" in "python|False|None|"*"Cython is not installed"*) ;; *) fail "4: unexpected engine or record: $result" ;; esac
else
    tail -n 30 "$work/nocython.log" >&2
    fail "4: the install without Cython failed"
fi

say "5. source tree missing csrc/automaton.c"
rm "$tree/csrc/automaton.c"
if build nocsource "$tree"; then
    fail "5: built although a C source is missing"
elif grep -q 'C sources missing from this source tree: csrc/automaton.c' "$work/nocsource.log"; then
    echo "   failed, naming the file: $(grep -m 1 'C sources missing' "$work/nocsource.log" | sed 's/^ *//')" >&2
else
    tail -n 30 "$work/nocsource.log" >&2
    fail "5: failed without naming the missing file"
fi

if [ ${#failures[@]} -gt 0 ]; then
    echo "build modes FAILED: ${failures[*]}" >&2
    exit 1
fi
echo "build modes: all 5 behave as setup.py says" >&2
