# report.sh - `looplint report` end to end: a stored run printed again in
# each format, equal to what `check` printed; the filters (--rule,
# --severity, --path, --suppressed); -o FILE; --run of an earlier run; and
# the errors (unknown run, bad options, no store).
source "$(dirname "$0")/common.bash"

project=$WORK/project
mkdir -p "$project/src" "$project/build"
cat >"$project/src/service.c" <<'C'
#include <nest.h>
#include <unistd.h>

static int load(void) {
    sleep(1);
    usleep(10); // looplint: ignore[blocking-call] measured: a few microseconds
    return 0;
}

static int handle(void *arg) {
    (void)arg;
    return load();
}

int serve(void) {
    nest_task *task = nest_spawn(handle, NULL);
    int result = 0;
    return nest_join(task, NEST_FOREVER, &result) == 0 ? result : -1;
}
C
cat >"$project/src/other.c" <<'C'
#include <nest.h>
#include <unistd.h>

static int work(void *arg) {
    (void)arg;
    sleep(2);
    return 0;
}

void start(void) { nest_spawn(work, NULL); }

int quiet(void) {
    return 0; // looplint: ignore[blocking-call] nothing blocks here
}
C
write_database "$project/build" ../src/service.c ../src/other.c
touch "$project/.looplint"
build=$project/build

# ---- help and usage -----------------------------------------------------------
expect_status 0 "report --help" "$LOOPLINT" report --help && expect_match "$OUT" '^usage: looplint report' "usage text"
expect_status 0 "top-level help names report" "$LOOPLINT" --help && expect_match "$OUT" '^  report ' "report listed"
expect_status 2 "unknown option" "$LOOPLINT" report --frobnicate
expect_status 2 "bad --format" "$LOOPLINT" report -p "$build" --format xml
expect_status 2 "bad --severity" "$LOOPLINT" report -p "$build" --severity loud
expect_status 2 "bad --run" "$LOOPLINT" report -p "$build" --run first
expect_status 2 "unknown --rule" "$LOOPLINT" report -p "$build" --rule no-such-check
expect_status 2 "bad --path regex" "$LOOPLINT" report -p "$build" --path '('
expect_status 3 "no store yet" "$LOOPLINT" report -p "$build"

# ---- a first run (one TU), then the full one ------------------------------------
write_database "$build" ../src/service.c
expect_status 1 "check, first run" "$LOOPLINT" check -p "$build" --no-color -q
first_check=$OUT
write_database "$build" ../src/service.c ../src/other.c
expect_status 1 "check, second run" "$LOOPLINT" check -p "$build" --no-color -q
second_check=$OUT
for format in gcc json; do
    expect_status 1 "check --format $format" "$LOOPLINT" check -p "$build" -q --format "$format"
    printf '%s\n' "$OUT" >"$WORK/check.$format"
done
# Runs 1..4 exist now; the latest complete one is 4 (same findings as 2).

expect_status 0 "report (latest)" "$LOOPLINT" report -p "$build" --no-color
[[ $OUT == "$second_check" ]] && pass "text report equals check's output" || {
    fail "text report differs from check's output"
    diff <(printf '%s\n' "$second_check") <(printf '%s\n' "$OUT") >&2 || true
}
expect_match "$OUT" '^src/other\.c:6:5: error: .*\[looplint-blocking-call\]$' "text: relative path, clang style"
expect_no_match "$OUT" 'usleep' "suppressed finding hidden"
expect_status 0 "report --run latest" "$LOOPLINT" report -p "$build" --run latest --no-color
[[ $OUT == "$second_check" ]] && pass "--run latest is the latest" || fail "--run latest differs"
for format in gcc json; do
    expect_status 0 "report --format $format" "$LOOPLINT" report -p "$build" --format "$format"
    [[ "$OUT" == "$(cat "$WORK/check.$format")" ]] && pass "$format report equals check's" ||
        fail "$format report differs from check's"
done
python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["findings"])==4, d' <<<"$OUT" &&
    pass "json: four findings" || fail "json content"

expect_status 0 "report --run 1" "$LOOPLINT" report -p "$build" --run 1 --no-color
[[ $OUT == "$first_check" ]] && pass "--run 1 equals the first check's output" || fail "--run 1 differs"
expect_no_match "$OUT" 'other\.c' "the earlier run has no other.c finding"
expect_status 2 "unknown run" "$LOOPLINT" report -p "$build" --run 999
expect_match "$ERR" 'no run 999' "unknown run named"

# A run left 'running' (as a killed check leaves it) is refused with its status.
python3 - "$build/.looplint/looplint.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("update runs set status = 'incomplete' where id = 1")
db.commit()
PY
expect_status 3 "incomplete run" "$LOOPLINT" report -p "$build" --run 1
expect_match "$ERR" 'incomplete' "the message names the status"

# ---- filters -------------------------------------------------------------------------
expect_status 0 "--path" "$LOOPLINT" report -p "$build" --format gcc --path '^src/other'
expect_match "$OUT" '^src/other\.c' "--path keeps other.c"
expect_no_match "$OUT" '^src/service\.c' "--path drops service.c"
expect_status 0 "--rule" "$LOOPLINT" report -p "$build" --format gcc --rule untracked-task
expect_no_match "$OUT" 'blocking-call' "--rule drops other checks"
expect_status 0 "--rule repeated" "$LOOPLINT" report -p "$build" --format gcc --rule untracked-task --rule blocking-call
expect_match "$OUT" 'blocking-call' "repeated --rule keeps both"
expect_status 0 "--severity error" "$LOOPLINT" report -p "$build" --format gcc --severity error
expect_match "$OUT" 'error: ' "--severity error keeps errors"
expect_no_match "$OUT" 'unused-suppression' "--severity error drops the remark"
expect_status 0 "no --severity" "$LOOPLINT" report -p "$build" --format gcc
expect_match "$OUT" 'unused-suppression' "every severity by default"
expect_status 0 "--suppressed" "$LOOPLINT" report -p "$build" --no-color --suppressed
expect_match "$OUT" 'usleep.*\(suppressed: measured: a few microseconds\)|suppressed: measured' "--suppressed prints it with its reason"

# ---- -o FILE and --db ------------------------------------------------------------------
expect_status 0 "-o FILE" "$LOOPLINT" report -p "$build" --format json -o "$WORK/report.json"
[[ -z $OUT ]] && pass "-o: nothing on stdout" || fail "-o: stdout not empty"
[[ "$(cat "$WORK/report.json")" == "$(cat "$WORK/check.json")" ]] && pass "-o FILE holds the report" ||
    fail "-o FILE content"
expect_status 3 "-o into a missing directory" "$LOOPLINT" report -p "$build" -o "$WORK/nowhere/r.txt"
expect_status 0 "--db" "$LOOPLINT" report --db "$build/.looplint/looplint.db" --no-color
[[ $OUT == "$second_check" ]] && pass "--db finds the project root from the store" || fail "--db output differs"

finish
