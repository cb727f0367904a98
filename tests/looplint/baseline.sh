# baseline.sh - `looplint baseline` and `check --baseline` end to end: a
# saved baseline silences the findings it holds and only those, survives
# edits that move the old findings, round-trips through an export, and is
# listed and dropped; plus the usage errors.
source "$(dirname "$0")/common.bash"

project=$WORK/project
mkdir -p "$project/src" "$project/build"
write_service() { # $1: lines to put above the old bugs; $2: a new bug
    cat >"$project/src/service.c" <<C
#include <nest.h>
#include <unistd.h>
$1
static int load(void) {
    sleep(1);
    usleep(10);
    $2
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
}
write_service "" ""
write_database "$project/build" ../src/service.c
touch "$project/.looplint"
check=("$LOOPLINT" check -p "$project/build" --no-color -q)
baseline=("$LOOPLINT" baseline -p "$project/build")

# ---- usage ----------------------------------------------------------------------
expect_status 0 "baseline --help" "$LOOPLINT" baseline --help &&
    expect_match "$OUT" "usage: looplint baseline" "baseline usage text"
expect_match "$("$LOOPLINT" check --help)" "--baseline" "check --help names --baseline"
expect_status 2 "no action" "$LOOPLINT" baseline
expect_status 2 "unknown action" "${baseline[@]}" frobnicate
expect_status 2 "save without a name" "${baseline[@]}" save
expect_status 2 "export without -o" "${baseline[@]}" export main
expect_status 2 "bad --run" "${baseline[@]}" save main --run zero
expect_status 2 "save before any run" "${baseline[@]}" save main
expect_match "$ERR" "no complete run" "says there is no run"

# ---- save, then check against it --------------------------------------------------
expect_status 1 "two findings" "${check[@]}"
expect_match "$OUT" "service\.c:5:5: error: .*sleep" "the sleep"
expect_match "$OUT" "service\.c:6:5: error: .*usleep" "the usleep"
expect_status 0 "save main" "${baseline[@]}" save main
expect_match "$OUT" "'main': 2 fingerprints" "save counts the fingerprints"
expect_status 2 "an unknown baseline" "${check[@]}" --baseline nothing
expect_match "$ERR" "no baseline named 'nothing'" "names the unknown baseline"
expect_status 0 "check --baseline main: nothing new" "${check[@]}" --baseline main
[[ -z $OUT ]] && pass "nothing printed" || fail "printed: $OUT"

write_service "" "sleep(2);"
expect_status 1 "a new bug" "${check[@]}" --baseline main
expect_match "$OUT" "service\.c:7:5: error: .*sleep" "the new finding is printed"
expect_no_match "$OUT" "service\.c:[56]:" "the old ones are not"
expect_status 1 "without the baseline all three" "${check[@]}"
[[ $(grep -c 'error:' <<<"$OUT") == 3 ]] && pass "three findings" || fail "not three: $OUT"

write_service $'\n// moved\n// down\nstatic int unused_helper(void) { return 1; }\n' ""
expect_status 0 "lines inserted above: fingerprints hold" "${check[@]}" --baseline main
[[ -z $OUT ]] && pass "nothing printed after the edit" || fail "printed: $OUT"

# ---- export, import, list, drop ---------------------------------------------------
expect_status 0 "export" "${baseline[@]}" export main -o "$WORK/main.json"
expect_match "$(cat "$WORK/main.json")" '"schema": 1' "the export has a schema"
expect_match "$(cat "$WORK/main.json")" '"baseline": "main"' "the export names the baseline"
python3 -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
prints = d["fingerprints"]
assert len(prints) == 2 and all(re.fullmatch("[0-9a-f]{32}", p) for p in prints), prints
# Each described by the finding it was, paths relative to the root.
described = {f["fingerprint"]: (f["rule"], f["file"], f["function"]) for f in d["findings"]}
assert set(described) == set(prints), d["findings"]
assert set(described.values()) == {("blocking-call", "src/service.c", "load")}, described
' "$WORK/main.json" && pass "two fingerprints exported, each with its finding" ||
    fail "export: $(cat "$WORK/main.json")"
# A file of the first schema, fingerprints only, still reads.
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
del d["findings"]
json.dump(d, open(sys.argv[2], "w"))' "$WORK/main.json" "$WORK/bare.json"
expect_status 0 "check against an export without findings" "${check[@]}" --baseline "$WORK/bare.json"
expect_status 0 "check against the file itself" "${check[@]}" --baseline "$WORK/main.json"
expect_status 0 "import as copy" "${baseline[@]}" import copy "$WORK/main.json"
expect_status 0 "export the copy" "${baseline[@]}" export copy -o "$WORK/copy.json"
diff <(grep -v '"baseline"' "$WORK/main.json") <(grep -v '"baseline"' "$WORK/copy.json") >/dev/null &&
    pass "round trip" || fail "the round trip differs"
echo '{"schema": 2, "fingerprints": []}' >"$WORK/future.json"
expect_status 2 "import of another schema" "${baseline[@]}" import x "$WORK/future.json"
echo '{' >"$WORK/broken.json"
expect_status 2 "import of broken JSON" "${baseline[@]}" import x "$WORK/broken.json"
expect_status 2 "check --baseline with a missing file" "${check[@]}" --baseline "$WORK/none.json"

expect_status 0 "list" "${baseline[@]}" list
expect_match "$OUT" $'^copy\t2$' "lists copy"
expect_match "$OUT" $'^main\t2$' "lists main"
expect_status 0 "drop copy" "${baseline[@]}" drop copy
expect_status 2 "drop it again" "${baseline[@]}" drop copy
expect_status 2 "export a dropped one" "${baseline[@]}" export copy -o "$WORK/x.json"
expect_status 0 "list after the drop" "${baseline[@]}" list
expect_no_match "$OUT" "^copy" "copy is gone"
expect_status 0 "--db names the store" "$LOOPLINT" baseline list --db "$project/build/.looplint/looplint.db"
expect_match "$OUT" $'^main\t2$' "the same store"

finish
