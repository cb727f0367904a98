# store_kill.sh - a run killed with SIGKILL in the middle leaves the earlier
# runs and their findings intact, and its own run marked incomplete; the
# next run completes and reuses the TUs the killed one had finished.
source "$(dirname "$0")/common.bash"

project=$WORK/project
mkdir -p "$project"
files=()
for i in $(seq 1 60); do
    cat >"$project/unit$i.c" <<C
#include <nest.h>
#include <stdio.h>
#include <unistd.h>
static int task$i(void *arg) { (void)arg; sleep(1); return 0; }
int start$i(void) {
    nest_task *t = nest_spawn(task$i, NULL);
    return nest_join(t, NEST_FOREVER, NULL);
}
C
    files+=("unit$i.c")
done
write_database "$project" "${files[@]:0:2}"
db=$WORK/store.db

expect_status 1 "first run (2 TUs)" "$LOOPLINT" check -p "$project" --db "$db" -q -j1
first=$(sqlite3 "$db" "SELECT count(*) FROM findings WHERE run = (SELECT max(id) FROM runs)")
[[ $first -ge 2 ]] && pass "first run stored $first findings" || fail "first run stored $first findings"

write_database "$project" "${files[@]}"
"$LOOPLINT" check -p "$project" --db "$db" -q -j1 >/dev/null 2>&1 &
pid=$!
# Kill it once some TUs of this run are stored, long before the end.
for _ in $(seq 1 200); do
    stored=$(sqlite3 "$db" "SELECT count(*) FROM tus" 2>/dev/null || echo 0)
    [[ $stored -ge 6 ]] && break
    sleep 0.05
done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true

status=$(sqlite3 "$db" "SELECT status FROM runs ORDER BY id DESC LIMIT 1")
[[ $status == running || $status == incomplete ]] && pass "killed run left as '$status'" || fail "killed run has status '$status'"
kept=$(sqlite3 "$db" "SELECT count(*) FROM findings WHERE run = (SELECT min(id) FROM runs)")
[[ $kept -eq $first ]] && pass "first run's findings intact ($kept)" || fail "first run has $kept findings, had $first"
[[ $(sqlite3 "$db" "PRAGMA integrity_check") == ok ]] && pass "integrity_check ok" || fail "integrity_check"

expect_status 1 "next run" "$LOOPLINT" check -p "$project" --db "$db" -q --stats
expect_match "$ERR" '60 TUs: [0-9]+ parsed, [1-9][0-9]* cached' "TUs finished by the killed run are reused"
statuses=$(sqlite3 "$db" "SELECT group_concat(status, ',') FROM (SELECT status FROM runs ORDER BY id)")
[[ $statuses == complete,incomplete,complete ]] && pass "runs: $statuses" || fail "runs: $statuses"

finish
