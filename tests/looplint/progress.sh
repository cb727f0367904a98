# progress.sh - the progress line ([N/TOTAL] path) is shown on a terminal
# for runs longer than a second, never when stderr is not a terminal, never
# with --quiet; --stats gives every stage's time and the cache's hits.
source "$(dirname "$0")/common.bash"

if ! command -v script >/dev/null; then
    fail "script (util-linux) is needed to give looplint a terminal"
    finish
fi

project=$WORK/project
mkdir -p "$project"
files=()
for i in $(seq 1 150); do
    cat >"$project/unit$i.c" <<C
#include <nest.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
static int task$i(void *arg) { (void)arg; sleep(1); return 0; }
int start$i(void) {
    nest_task *t = nest_spawn(task$i, NULL);
    return nest_join(t, NEST_FOREVER, NULL);
}
C
    files+=("unit$i.c")
done
write_database "$project" "${files[@]}"
db=$WORK/store.db

# on_terminal COMMAND...: runs COMMAND with stdin, stdout and stderr on a
# pseudo-terminal; what it wrote (both streams) in $TTY.
on_terminal() {
    local command
    printf -v command '%q ' "$@"
    TTY=$(script -qec "$command" /dev/null </dev/null) || true
}

progress='\[[0-9]+/150\] [^ ]*unit[0-9]+\.c'

# A run of 150 TUs on one thread takes more than a second (the system
# headers make each parse take a while even on a fast machine).
started=$(date +%s%N)
on_terminal "$LOOPLINT" check -p "$project" --db "$db" --no-cache -j1 --no-color
elapsed=$((($(date +%s%N) - started) / 1000000))
if [[ $elapsed -gt 1500 ]]; then
    expect_match "$TTY" "$progress" "terminal, ${elapsed} ms: progress shown"
    expect_match "$TTY" '\[150/150\]' "terminal: progress reaches the last TU"
    last=$(grep -o $'\r\e\\[K' <<<"$TTY" | wc -l)
    [[ $last -ge 2 ]] && pass "terminal: the line is rewritten in place and cleared" ||
        fail "terminal: $last carriage returns with erase"
    expect_match "$TTY" 'unit1\.c:[0-9]+:[0-9]+: .*looplint-blocking-call' "terminal: the report follows"
else
    fail "the 150-TU run took only ${elapsed} ms; the test needs more than 1.5 s"
fi

on_terminal "$LOOPLINT" check -p "$project" --db "$db" --no-cache -j1 -q
expect_no_match "$TTY" '\[[0-9]+/150\]' "terminal, -q: no progress"
expect_match "$TTY" 'looplint-blocking-call' "terminal, -q: the report is still printed"
on_terminal "$LOOPLINT" check -p "$project" --db "$db" --no-cache -j1 --quiet
expect_no_match "$TTY" '\[[0-9]+/150\]' "terminal, --quiet: no progress"

# stderr to a pipe, stdout to the terminal.
on_terminal bash -c '"$1" check -p "$2" --db "$3" --no-cache -j1 2>&1 >/dev/null | cat' \
    - "$LOOPLINT" "$project" "$db"
expect_no_match "$TTY" '\[[0-9]+/150\]' "stderr piped: no progress"
expect_status 1 "stderr to a file" "$LOOPLINT" check -p "$project" --db "$db" --no-cache -j1
expect_no_match "$ERR" '\[[0-9]+/' "stderr to a file: no progress"
[[ -z $ERR ]] && pass "stderr to a file: empty" || fail "stderr to a file: $ERR"

# A short run shows nothing, even on a terminal.
small=$WORK/small
mkdir -p "$small"
cp "$project/unit1.c" "$project/unit2.c" "$small/"
write_database "$small" unit1.c unit2.c
on_terminal "$LOOPLINT" check -p "$small" --db "$WORK/small.db" --no-cache -j1
expect_no_match "$TTY" '\[[0-9]+/2\]' "terminal, short run: no progress"

# --stats: parsed against cached TUs, and the time of every stage.
expect_status 1 "--stats, all cached" "$LOOPLINT" check -p "$project" --db "$db" --stats
expect_match "$ERR" '^looplint: 150 TUs: 0 parsed, 150 cached, 0 with errors' "--stats: cache hits"
time_line='looplint: time: plan [0-9.]+ s, extract [0-9.]+ s \(store [0-9.]+ s\), link [0-9.]+ s, checks [0-9.]+ s, report [0-9.]+ s'
expect_match "$ERR" "^$time_line$" "--stats: plan, extract, store, link, checks, report times"
touch "$project/unit7.c"
echo '/* changed */' >>"$project/unit8.c"
expect_status 1 "--stats, one TU changed" "$LOOPLINT" check -p "$project" --db "$db" --stats
expect_match "$ERR" '^looplint: 150 TUs: 1 parsed, 149 cached' "--stats: a changed TU is parsed, a touched one is not"
expect_no_match "$ERR" '\[[0-9]+/' "--stats: no progress off a terminal"
stored=$(sqlite3 "$db" "SELECT json_extract(stats, '$.units_cached') || ',' ||
    json_extract(stats, '$.units_parsed') FROM runs ORDER BY id DESC LIMIT 1")
[[ $stored == 149,1 ]] && pass "the run's stored statistics agree ($stored)" ||
    fail "stored statistics: $stored"

finish
