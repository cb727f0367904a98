# diff.sh - `looplint diff` end to end: run 1 of a small project, then an
# edit that fixes one bug, adds another, suppresses a third and moves the
# one left; run 2. The diff must list exactly the new and the fixed finding
# and count the unchanged one, whether the sides are run ids, `latest`, a
# baseline in the store or an exported baseline file; in text and json;
# with the exit statuses docs/cli.md gives.
source "$(dirname "$0")/common.bash"

project=$WORK/project
mkdir -p "$project/src" "$project/build"
touch "$project/.looplint"
write_database "$project/build" ../src/service.c
cat >"$project/src/service.c" <<'C'
#include <nest.h>
#include <unistd.h>

static int load(void *arg) {
    (void)arg;
    sleep(1);
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
check=("$LOOPLINT" check -p "$project/build" -q --no-color)
diff=("$LOOPLINT" diff -p "$project/build")
expect_status 1 "run 1: two findings" "${check[@]}"

# The edit: a comment above everything moves load's sleep down a line;
# flush's usleep is fixed and a sleep(2) is new; a suppressed usleep is not.
sed -i -e '3i /* moved down */' \
    -e 's|^    usleep(10);$|    nest_sleep(10);\n    sleep(2);\n    usleep(1); // looplint: ignore[blocking-call] measured: 1 us|' \
    "$project/src/service.c"
expect_status 1 "run 2" "${check[@]}"

message() { printf "'%s' blocks the event loop: sleeps the whole loop thread; use nest_sleep" "$1"; }
new_line="src/service.c:14:5: error: $(message sleep) [looplint-blocking-call]"
fixed_line="src/service.c:12:5: error: $(message usleep) [looplint-blocking-call]"
unchanged_line="src/service.c:7:5: error: $(message sleep) [looplint-blocking-call]"
expected=$(printf 'new (1):\n%s\nfixed (1):\n%s\nunchanged (1)' "$new_line" "$fixed_line")

# expect_diff DESCRIPTION BASE NEW: the text output is exactly $expected.
expect_diff() {
    expect_status 0 "$1" "${diff[@]}" --base "$2" --new "$3" || return 0
    if [[ $OUT == "$expected" ]]; then
        pass "$1: new, fixed and unchanged exactly"
    else
        fail "$1: output differs"
        diff <(printf '%s\n' "$expected") <(printf '%s\n' "$OUT") >&2 || true
    fi
}

expect_diff "run ids" 1 2
expect_diff "run id and latest" 1 latest

expect_status 0 "save baseline b1 from run 1" "$LOOPLINT" baseline -p "$project/build" save b1 --run 1
expect_diff "a baseline name: fixed findings described from run 1" b1 latest
expect_status 0 "export b1" "$LOOPLINT" baseline -p "$project/build" export b1 -o "$WORK/b1.json"
expect_diff "an exported baseline file" "$WORK/b1.json" 2

# Verbose lists the unchanged finding; the reverse diff swaps the lists.
expected=$(printf 'new (1):\n%s\nfixed (1):\n%s\nunchanged (1):\n%s' "$new_line" "$fixed_line" \
    "$unchanged_line")
expect_status 0 "-v" "${diff[@]}" --base 1 --new 2 -v &&
    [[ $OUT == "$expected" ]] && pass "-v lists the unchanged finding" || fail "-v: $OUT"
expected=$(printf 'new (1):\n%s\nfixed (1):\n%s\nunchanged (1)' "$fixed_line" "$new_line")
expect_diff "the reverse diff" 2 1

# json: the finding objects of the json format.
expect_status 0 "--format json" "${diff[@]}" --base b1 --new latest --format json &&
    python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
assert list(d) == ["schema", "new", "fixed", "unchanged"], list(d)
assert d["schema"] == 1
where = lambda side: [(f["rule"], f["file"], f["line"], f["function"], f["message"].split("'"'"'")[1]) for f in d[side]]
assert where("new") == [("blocking-call", "src/service.c", 14, "flush", "sleep")], where("new")
assert where("fixed") == [("blocking-call", "src/service.c", 12, "flush", "usleep")], where("fixed")
assert where("unchanged") == [("blocking-call", "src/service.c", 7, "load", "sleep")], where("unchanged")
assert all(len(f["fingerprint"]) == 32 and f["notes"] for s in ("new", "fixed", "unchanged") for f in d[s])
' <<<"$OUT" && pass "json lists the same findings with every field" || fail "json: $OUT"

# The gate.
expect_status 1 "--fail-on-new with a new finding" "${diff[@]}" --base 1 --new 2 --fail-on-new
expect_status 0 "--fail-on-new, nothing new" "${diff[@]}" --base 2 --new latest --fail-on-new
expect_match "$OUT" '^new \(0\):$' "nothing new"
expect_match "$OUT" '^unchanged \(2\)$' "both unchanged"

# A baseline fingerprint no stored run holds prints as a bare fingerprint.
printf '{"schema": 1, "baseline": "x", "fingerprints": ["%032d"]}\n' 7 >"$WORK/foreign.json"
expect_status 0 "a baseline of unknown findings" "${diff[@]}" --base "$WORK/foreign.json" --new 2
expect_match "$OUT" "^fingerprint 0{31}7 \(the baseline does not say what it was\)$" \
    "the unknown fixed finding is its fingerprint"
expect_match "$OUT" '^new \(2\):$' "every finding of run 2 is new against it"
expect_status 0 "imported from it, by name" "$LOOPLINT" baseline -p "$project/build" import \
    foreign "$WORK/foreign.json"
expect_status 0 "diff by that name" "${diff[@]}" --base foreign --new 2 --format json &&
    [[ $(python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["fixed"])' <<<"$OUT") == \
        "[{'fingerprint': '$(printf '%032d' 7)'}]" ]] &&
    pass "json: a bare fixed fingerprint" || fail "bare fingerprint json: $OUT"

# ---- usage and errors -------------------------------------------------------------
expect_status 0 "diff --help" "$LOOPLINT" diff --help &&
    expect_match "$OUT" "usage: looplint diff --base A --new B" "diff usage text"
expect_match "$("$LOOPLINT" --help)" "^  diff " "looplint --help lists diff"
expect_status 2 "no --new" "${diff[@]}" --base 1
expect_status 2 "an operand" "${diff[@]}" --base 1 --new 2 extra
expect_status 2 "--format sarif is not a diff format" "${diff[@]}" --base 1 --new 2 --format sarif
expect_status 2 "an unknown run" "${diff[@]}" --base 1 --new 99
expect_match "$ERR" "no run 99" "names the run"
expect_status 2 "an unknown baseline" "${diff[@]}" --base nothing --new 2
expect_match "$ERR" "no baseline named 'nothing'" "names the baseline"
expect_status 2 "a malformed baseline file" "${diff[@]}" --base "$project/.looplint.json" --new 2
mkdir -p "$WORK/empty/build"
write_database "$WORK/empty/build" ../src/none.c
expect_status 3 "no store" "$LOOPLINT" diff -p "$WORK/empty/build" --base 1 --new 2
expect_match "$ERR" "no store here" "says there is no store"

finish
