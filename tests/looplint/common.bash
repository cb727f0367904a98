# common.bash - helpers for the analyzer's end-to-end scripts (sourced; not a test).
#
# Every script is run by ctest as: bash SCRIPT LOOPLINT SOURCE_DIR BUILD_DIR.
set -euo pipefail

LOOPLINT=$1
SOURCE_DIR=$2
BUILD_DIR=$3
WORK=$(mktemp -d /tmp/looplint-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAILURES=0

fail() {
    printf 'FAIL: %s\n' "$*" >&2
    FAILURES=$((FAILURES + 1))
}

pass() {
    printf 'ok: %s\n' "$*"
}

# expect_status WANT DESCRIPTION COMMAND...: runs COMMAND, output in $OUT/$ERR.
expect_status() {
    local want=$1 description=$2
    shift 2
    local status=0
    "$@" >"$WORK/out" 2>"$WORK/err" || status=$?
    OUT=$(cat "$WORK/out")
    ERR=$(cat "$WORK/err")
    if [[ $status -ne $want ]]; then
        fail "$description: exit $status, want $want"
        printf '  stdout: %s\n  stderr: %s\n' "$OUT" "$ERR" >&2
        return 1
    fi
    pass "$description"
}

# expect_match TEXT REGEX DESCRIPTION
expect_match() {
    if grep -Eq -- "$2" <<<"$1"; then
        pass "$3"
    else
        fail "$3: no match for /$2/ in:"
        printf '%s\n' "$1" >&2
    fi
}

expect_no_match() {
    if grep -Eq -- "$2" <<<"$1"; then
        fail "$3: unexpected match for /$2/ in:"
        printf '%s\n' "$1" >&2
    else
        pass "$3"
    fi
}

# write_database DIR FILE...: a compile_commands.json in DIR for the files
# (paths relative to DIR), built with the repo's include directory.
write_database() {
    local dir=$1
    shift
    {
        printf '[\n'
        local first=1 file
        for file in "$@"; do
            [[ $first -eq 1 ]] || printf ',\n'
            first=0
            printf '  {"directory": "%s", "file": "%s", "arguments": ["cc", "-std=gnu17", "-I%s/include", "-c", "%s"]}' \
                "$dir" "$file" "$SOURCE_DIR" "$file"
        done
        printf '\n]\n'
    } >"$dir/compile_commands.json"
}

finish() {
    if [[ $FAILURES -ne 0 ]]; then
        printf '%d failure(s)\n' "$FAILURES" >&2
        exit 1
    fi
    printf 'all passed\n'
}
