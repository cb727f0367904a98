# incremental.sh - warm runs end to end (issue 5): an unchanged run reuses
# the last run's findings (and only while packs and rules are the same);
# `check FILE` re-parses only FILE's TUs, yet links them against the
# stored facts of the others, so chains across files still show; an edited
# header re-parses exactly the TUs that include it; a partial run leaves
# `report`, `baseline` and the stored full run alone.
source "$(dirname "$0")/common.bash"

project=$WORK/project
mkdir -p "$project/src" "$project/build"
# worker (a.c, a task) calls flush_disk and helper (b.c): flush_disk is
# annotated blocking at its definition only, helper calls sleep. So the
# finding in a.c needs b.c's facts, and the one in b.c needs a.c's.
cat >"$project/src/common.h" <<'C'
#include <looplint.h>
int helper(void);
void flush_disk(void);
C
cat >"$project/src/a.c" <<'C'
#include <nest.h>
#include "common.h"

static int worker(void *arg) {
    (void)arg;
    flush_disk();
    return helper();
}

int serve(void) {
    nest_task *task = nest_spawn(worker, NULL);
    int result = 0;
    return nest_join(task, NEST_FOREVER, &result) == 0 ? result : -1;
}
C
cat >"$project/src/b.c" <<'C'
#include <unistd.h>
#include "common.h"

int helper(void) {
    sleep(1);
    return 0;
}

LOOPLINT_BLOCKING void flush_disk(void) {
}
C
cat >"$project/src/h.h" <<'C'
int shared_limit(void);
C
cat >"$project/src/c.c" <<'C'
#include "h.h"
int c_value(void) { return shared_limit() + 1; }
C
cat >"$project/src/d.c" <<'C'
#include "h.h"
int shared_limit(void) { return 4; }
C
write_database "$project/build" ../src/a.c ../src/b.c ../src/c.c ../src/d.c
touch "$project/.looplint"
check=("$LOOPLINT" check -p "$project/build" --no-color -q --stats)
report=("$LOOPLINT" report -p "$project/build" --no-color)
runs=0 # check runs so far: run ids count from 1
a_finding="src/a\.c:6:5: error: 'flush_disk' blocks the event loop"
b_finding="src/b\.c:5:5: error: 'sleep' blocks the event loop"
chain_note="src/a\.c:7:12: note: 'worker' calls 'helper' here"

# ---- a full run, then the same run again --------------------------------------------
expect_status 1 "full run" "${check[@]}"
runs=$((runs + 1))
expect_match "$ERR" "4 TUs: 4 parsed, 0 cached" "the full run parses every TU"
expect_match "$OUT" "$a_finding" "finding in a.c (needs b.c's facts)"
expect_match "$OUT" "$b_finding" "finding in b.c"
expect_match "$OUT" "$chain_note" "its chain runs through a.c"
expect_no_match "$ERR" "reused" "a first run reuses nothing"
first_output=$OUT

expect_status 1 "unchanged re-run" "${check[@]}"
runs=$((runs + 1))
expect_match "$ERR" "no TU changed since run 1: its findings reused" "the re-run says it reused run 1"
expect_match "$ERR" "0 functions, 0 calls" "nothing was linked"
reused_output=$OUT
expect_status 1 "the same with --no-cache" "${check[@]}" --no-cache
runs=$((runs + 1))
expect_no_match "$ERR" "reused" "--no-cache reuses nothing"
expect_match "$ERR" "4 TUs: 4 parsed, 0 cached" "--no-cache parses every TU"
[[ $reused_output == "$OUT" && $first_output == "$OUT" ]] &&
    pass "reused findings are those of an analysis from scratch" ||
    fail "reused findings differ: $(diff <(echo "$reused_output") <(echo "$OUT"))"
full_run=$runs
full_output=$OUT

# ---- what the checks read beyond the facts invalidates the reuse -----------------------
cat >"$WORK/extra.rules" <<'R'
pack extra
blocking flush_disk category=sync reason="flushes the disk"
R
expect_status 1 "another pack" "${check[@]}" --rules "$WORK/extra.rules"
runs=$((runs + 1))
expect_no_match "$ERR" "reused" "a new pack is not served from the old run"
expect_match "$ERR" "4 TUs: 0 parsed, 4 cached" "...but its facts still come from the store"
expect_status 1 "--disable" "${check[@]}" --disable unused-suppression
runs=$((runs + 1))
expect_no_match "$ERR" "reused" "--disable is not served from the old run"
expect_status 1 "--disable again" "${check[@]}" --disable unused-suppression
expect_match "$ERR" "since run $runs: its findings reused" "the same --disable reuses its own run"
runs=$((runs + 1))
echo "enable blocking-call:console" >"$project/.looplint"
expect_status 1 "an edited .looplint" "${check[@]}"
runs=$((runs + 1))
expect_no_match "$ERR" "reused" "a changed configuration is not served from the old run"
: >"$project/.looplint"

# ---- check FILE: one TU parsed, chains still there ---------------------------------------
printf '\nint a_extra(int x) { return x + 1; }\n' >>"$project/src/a.c"
expect_status 1 "check a.c after editing a.c" "${check[@]}" "$project/src/a.c"
runs=$((runs + 1))
partial_run=$runs
expect_match "$ERR" "4 TUs: 1 parsed, 3 cached" "exactly one TU parsed"
expect_match "$OUT" "$a_finding" "the finding in a.c, through b.c's stored facts"
expect_no_match "$OUT" "src/b\.c:5:5" "nothing outside a.c"

printf '\nint b_extra(int x) { return x + 2; }\n' >>"$project/src/b.c"
expect_status 1 "check b.c after editing b.c" "${check[@]}" "$project/src/b.c"
runs=$((runs + 1))
expect_match "$ERR" "4 TUs: 1 parsed, 3 cached" "exactly one TU parsed"
expect_match "$OUT" "$b_finding" "the finding in b.c"
expect_match "$OUT" "$chain_note" "its chain through a.c's stored facts"
expect_no_match "$OUT" "src/a\.c:6:5" "nothing outside b.c"

expect_status 0 "check c.c: no finding there" "${check[@]}" "$project/src/c.c"
runs=$((runs + 1))
expect_match "$ERR" "4 TUs: 0 parsed, 4 cached" "nothing edited, nothing parsed"

# ---- the partial runs leave reports and baselines to the full run ---------------------------
expect_status 0 "report after partial runs" "${report[@]}"
[[ $OUT == "$full_output" ]] && pass "report shows the latest full run" ||
    fail "report differs from the full run: $(diff <(echo "$full_output") <(echo "$OUT"))"
expect_status 0 "report --run latest" "${report[@]}" --run latest
[[ $OUT == "$full_output" ]] && pass "--run latest is the full run too" || fail "--run latest: $OUT"
expect_status 0 "the full run by id" "${report[@]}" --run "$full_run"
[[ $OUT == "$full_output" ]] && pass "the full run's findings are unchanged" ||
    fail "run $full_run changed: $(diff <(echo "$full_output") <(echo "$OUT"))"
expect_status 0 "the partial run by id" "${report[@]}" --run "$partial_run"
expect_match "$ERR" "run $partial_run is partial: it holds only the findings in .*/src/a\.c" \
    "report says a run is partial"
expect_no_match "$OUT" "src/b\.c:5:5" "a partial run holds only its files' findings"
expect_status 2 "baseline from a partial run" "$LOOPLINT" baseline -p "$project/build" save x \
    --run "$partial_run"
expect_match "$ERR" "run $partial_run is partial" "the refusal says why"
expect_status 0 "baseline from the latest full run" "$LOOPLINT" baseline -p "$project/build" save x
expect_match "$OUT" "'x': 2 fingerprints" "it holds the full run's two findings"

# ---- an edited header re-parses exactly its TUs ------------------------------------------
expect_status 1 "a full run after the edits" "${check[@]}"
expect_match "$ERR" "4 TUs: 0 parsed, 4 cached" "the partial runs stored a.c's and b.c's new facts"
expect_no_match "$ERR" "reused" "...but no full run had them: checked again"
echo "int shared_other(void);" >>"$project/src/h.h"
expect_status 1 "h.h edited" "${check[@]}"
expect_match "$ERR" "4 TUs: 2 parsed, 2 cached" "the two TUs that include h.h"
echo "int shared_third(void);" >>"$project/src/h.h"
expect_status 0 "check h.h after editing it" "${check[@]}" "$project/src/h.h"
expect_match "$ERR" "4 TUs: 2 parsed, 2 cached" "check HEADER parses the TUs that include it"
expect_status 1 "then a full run" "${check[@]}"
expect_match "$ERR" "4 TUs: 0 parsed, 4 cached" "the partial run stored their facts"
expect_no_match "$ERR" "reused" "a partial run is never reused"
expect_status 1 "and again" "${check[@]}"
expect_match "$ERR" "its findings reused" "now the full run is reused"

finish
