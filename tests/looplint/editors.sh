# editors.sh - `check --format gcc` prints what editors' gcc parsers read:
# every line matches VS Code's $gcc problem matcher pattern, and the
# findings are `error:`/`warning:` lines, their notes `note:` lines.
source "$(dirname "$0")/common.bash"

project=$WORK/project
mkdir -p "$project"
cp "$SOURCE_DIR/fixtures/blocking-call/01_bad_sleep_in_task.c" "$project/task.c"
write_database "$project" task.c
touch "$project/.looplint"
pushd "$project" >/dev/null
expect_status 1 "gcc format from the project root" "$LOOPLINT" check --format gcc --db "$WORK/store.db"
popd >/dev/null
# VS Code's $gcc: ^(.*?):(\d+):(\d*):?\s+(?:fatal\s+)?(warning|error):\s+(.*)$ (plus note lines)
bad=$(grep -cvE '^[^:]+:[0-9]+:[0-9]+: (fatal )?(warning|error|note): .+$' <<<"$OUT" || true)
[[ $bad -eq 0 ]] && pass "every line is file:line:col: severity: message" || fail "$bad lines in another form"
expect_match "$OUT" '^task\.c:[0-9]+:[0-9]+: error: .*\[looplint-blocking-call\]$' "the finding, relative to the root"
expect_match "$OUT" '^task\.c:[0-9]+:[0-9]+: note: ' "its chain as note lines"
finish
