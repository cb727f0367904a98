# fingerprints.sh - fingerprints (ARCHITECTURE.md) seen through real runs:
# the same findings keep the same fingerprints when lines are inserted above
# and inside their function, when the file is reformatted (clang-format with
# a very different style, and calls rewrapped by hand), and when an
# unrelated function changes; two identical calls in one function get
# distinct fingerprints that stay distinct and stable when a line goes in
# between. As a control, renaming the enclosing function does change them,
# so the comparisons cannot pass by comparing nothing. (baseline.sh covers
# lines inserted above a whole function through `check --baseline`.)
source "$(dirname "$0")/common.bash"

project=$WORK/project
mkdir -p "$project/src" "$project/build"
touch "$project/.looplint"
write_database "$project/build" ../src/service.c
source_file=$project/src/service.c

# Fingerprints of a check, one line each: "RULE LINE FINGERPRINT", sorted
# by line; the caller compares the FINGERPRINT column.
fingerprints() {
    local status=0
    "$LOOPLINT" check -p "$project/build" -q --format json >"$WORK/report.json" || status=$?
    if [[ $status -ne 1 ]]; then
        fail "check exited $status, want 1 (findings)"
        cat "$WORK/report.json" >&2
        return 1
    fi
    python3 -c '
import json, sys
for f in sorted(json.load(open(sys.argv[1]))["findings"], key=lambda f: f["line"]):
    print(f["rule"], f["line"], f["fingerprint"])' "$WORK/report.json"
}

column() { awk -v n="$1" '{print $n}' <<<"$2"; }

# expect_same_prints DESCRIPTION BEFORE AFTER: same fingerprints, and lines
# (column 2) that moved when MOVED is given.
expect_same_prints() {
    local description=$1 before=$2 after=$3 moved=${4:-}
    if [[ -n $after && $(column 3 "$before") == "$(column 3 "$after")" ]]; then
        pass "$description: fingerprints unchanged"
    else
        fail "$description: fingerprints changed"
        diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") >&2 || true
    fi
    if [[ -n $moved ]]; then
        [[ $(column 2 "$before") != "$(column 2 "$after")" ]] &&
            pass "$description: the findings did move" ||
            fail "$description: the lines did not move, the test proves nothing"
    fi
}

# ---- two findings in two tasks --------------------------------------------------
# $1: lines above everything; $2: lines at the top of load's body; $3: more
# statements in the unrelated function `count`.
write_two() {
    cat >"$source_file" <<C
#include <nest.h>
#include <unistd.h>
$1
static int counter;

static void count(int step) {
    counter += step;
    $3
}

static int load(void *arg) {
    (void)arg;
    $2
    sleep(1);
    count(1);
    return 0;
}

static int flush(void *arg) {
    (void)arg;
    usleep(10);
    return 0;
}

int serve(void) {
    nest_task *loader = nest_spawn(load, NULL);
    nest_task *flusher = nest_spawn(flush, NULL);
    int result = 0;
    int first = nest_join(loader, NEST_FOREVER, &result);
    int second = nest_join(flusher, NEST_FOREVER, &result);
    return first == 0 && second == 0 ? result : -1;
}
C
}

write_two "" "" ""
original=$(fingerprints)
[[ $(wc -l <<<"$original") == 2 ]] && pass "two findings: $(column 1 "$original" | tr '\n' ' ')" ||
    fail "not two findings: $original"
[[ $(column 3 "$original" | sort -u | wc -l) == 2 && $(column 3 "$original") =~ ^[0-9a-f]{32} ]] &&
    pass "two distinct fingerprints of 32 hex digits" || fail "fingerprints: $original"

# (a) Lines above the file's code and inside the function, above the call.
write_two $'/* a licence header\n * of several lines\n */\n#define UNUSED_MACRO 1\n' \
    $'int ignored = 0;\n    (void)ignored;\n' ""
expect_same_prints "lines inserted above and inside the function" "$original" "$(fingerprints)" moved

# (b) Reformatted: GNU style with 8-column indents puts the return types and
# the braces on lines of their own and a space before every '(' ...
write_two "" "" ""
clang-format-19 -i -style='{BasedOnStyle: GNU, IndentWidth: 8}' "$source_file"
grep -q '^load (void \*arg)$' "$source_file" && pass "clang-format rewrote the file" ||
    fail "clang-format did not restyle: $(cat "$source_file")"
expect_same_prints "reformatted by clang-format (GNU, indent 8)" "$original" "$(fingerprints)" moved
# ... and by hand: the calls split over lines, tabs, trailing spaces.
write_two "" "" ""
sed -i -e 's/^    sleep(1);$/\tsleep (\n\t\t1 ) ;  /' -e 's/^    usleep(10);$/  usleep(\n      10\n  );/' \
    "$source_file"
grep -q '^      10$' "$source_file" && pass "calls rewrapped by hand" || fail "sed did not rewrap"
expect_same_prints "calls rewrapped by hand" "$original" "$(fingerprints)"

# (c) An unrelated function changes (count: more statements, one more line).
write_two "" "" $'counter *= 2;\n    if (counter > 100)\n        counter = 0;'
grep -q 'counter = 0;' "$source_file" && pass "count() edited"
expect_same_prints "an unrelated function changed" "$original" "$(fingerprints)" moved

# Control: the enclosing function is part of the fingerprint.
write_two "" "" ""
sed -i 's/\bload\b/load_cache/g' "$source_file"
renamed=$(fingerprints)
if [[ $(column 3 "$renamed" | head -1) != "$(column 3 "$original" | head -1)" &&
    $(column 3 "$renamed" | tail -1) == "$(column 3 "$original" | tail -1)" ]]; then
    pass "renaming load changes its finding's fingerprint only"
else
    fail "rename: before $original, after $renamed"
fi

# ---- two identical bugs in one function -------------------------------------------
write_twins() { # $1: a line between the two sleeps
    cat >"$source_file" <<C
#include <nest.h>
#include <unistd.h>

static int load(void *arg) {
    (void)arg;
    sleep(1);
    $1
    sleep(1);
    return 0;
}

int serve(void) {
    nest_task *loader = nest_spawn(load, NULL);
    int result = 0;
    return nest_join(loader, NEST_FOREVER, &result);
}
C
}
write_twins ""
twins=$(fingerprints)
if [[ $(wc -l <<<"$twins") == 2 && $(column 3 "$twins" | sort -u | wc -l) == 2 ]]; then
    pass "two identical sleeps: two distinct fingerprints"
else
    fail "identical sleeps: $twins"
fi
write_twins $'int between = 0;\n    (void)between;'
expect_same_prints "a line inserted between the twins" "$twins" "$(fingerprints)" moved
write_twins ""
sed -i '1i /* one more line above */' "$source_file"
expect_same_prints "twins: a line inserted above" "$twins" "$(fingerprints)" moved

finish
