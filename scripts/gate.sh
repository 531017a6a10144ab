# Sourced by lint.sh and typecheck.sh: a gate runs every check even when an earlier one
# fails, then exits non-zero naming each that found something.
#
#   run "<name>" <command...>   # one check
#   finish "<gate>"             # the verdict, and the exit status

failed=()

run() {
    local name="$1"
    shift
    echo "=== $name" >&2
    if ! "$@"; then failed+=("$name"); fi
}

finish() {
    if [ ${#failed[@]} -gt 0 ]; then
        echo "$1 FAILED: ${failed[*]}" >&2
        exit 1
    fi
    echo "$1: clean" >&2
}
