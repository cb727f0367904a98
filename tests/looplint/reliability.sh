# reliability.sh - the store under stress: two `check` processes on one
# database at once both finish and both runs are stored; SIGINT stops a run
# gracefully (status 130, the run 'incomplete', its finished TUs reused);
# a store that cannot be written is a clear error that leaves it untouched.
source "$(dirname "$0")/common.bash"

# make_project DIR COUNT: COUNT TUs, each with a task that blocks (one
# blocking-call finding per TU), and their compile_commands.json.
make_project() {
    local dir=$1 count=$2 files=() i
    mkdir -p "$dir"
    for i in $(seq 1 "$count"); do
        cat >"$dir/unit$i.c" <<C
#include <nest.h>
#include <unistd.h>
static int task$i(void *arg) { (void)arg; sleep(1); return 0; }
int start$i(void) {
    nest_task *t = nest_spawn(task$i, NULL);
    return nest_join(t, NEST_FOREVER, NULL);
}
C
        files+=("unit$i.c")
    done
    write_database "$dir" "${files[@]}"
}

integrity_ok() {
    local verdict
    verdict=$(sqlite3 "$1" "PRAGMA integrity_check")
    [[ $verdict == ok ]] && pass "$2: integrity_check ok" || fail "$2: integrity_check: $verdict"
}

# ---- a. Concurrency ------------------------------------------------------------------------

project=$WORK/project
make_project "$project" 40

# pair NAME ARGS...: two checks started at once on $db; both must exit 1
# with the same report, and both runs be complete with 40 findings.
pair() {
    local name=$1
    shift
    local first second status_first=0 status_second=0
    "$LOOPLINT" check -p "$project" --db "$db" -q --stats "$@" >"$WORK/a.out" 2>"$WORK/a.err" &
    first=$!
    "$LOOPLINT" check -p "$project" --db "$db" -q --stats "$@" >"$WORK/b.out" 2>"$WORK/b.err" &
    second=$!
    wait "$first" || status_first=$?
    wait "$second" || status_second=$?
    if [[ $status_first -eq 1 && $status_second -eq 1 ]]; then
        pass "$name: both exit 1"
    else
        fail "$name: exit $status_first and $status_second, want 1 and 1"
        cat "$WORK/a.err" "$WORK/b.err" >&2
    fi
    # Nothing on stderr but the four lines of --stats.
    expect_no_match "$(cat "$WORK/a.err" "$WORK/b.err" |
        grep -Ev '^looplint: ([0-9]+ TUs:|[0-9]+ functions,|ownership:|time:|no TU changed since run)')" . "$name: no error"
    [[ $(grep -c 'looplint-blocking-call' "$WORK/a.out") -eq 40 ]] &&
        cmp -s "$WORK/a.out" "$WORK/b.out" && pass "$name: the same 40 findings from both" ||
        fail "$name: reports differ or lack findings"
    local runs
    runs=$(sqlite3 "$db" "SELECT group_concat(status || ':' || (SELECT count(*) FROM findings
        WHERE run = runs.id), ' ') FROM (SELECT * FROM runs ORDER BY id DESC LIMIT 2) AS runs")
    [[ $runs == "complete:40 complete:40" ]] && pass "$name: both runs stored ($runs)" ||
        fail "$name: last two runs: $runs"
    integrity_ok "$db" "$name"
}

for round in 1 2 3; do
    db=$WORK/concurrent$round.db
    pair "round $round, new store, --no-cache" --no-cache
    pair "round $round, cached" -j1
    expect_match "$(cat "$WORK/a.err" "$WORK/b.err")" '40 TUs: 0 parsed, 40 cached' \
        "round $round: the cached pair reuses every TU"
    count=$(sqlite3 "$db" "SELECT count(*) FROM runs WHERE status = 'complete'")
    [[ $count -eq 4 ]] && pass "round $round: 4 complete runs" || fail "round $round: $count complete runs"
    report=$("$LOOPLINT" report --db "$db" --run 2 2>&1 | grep -c 'looplint-blocking-call' || true)
    [[ $report -eq 40 ]] && pass "round $round: report --run 2 shows 40" ||
        fail "round $round: report --run 2 shows $report"
done

# ---- b. SIGINT -----------------------------------------------------------------------------

big=$WORK/big
make_project "$big" 150
files=()
for i in $(seq 1 150); do files+=("unit$i.c"); done

expect_status 1 "clean run (reference)" "$LOOPLINT" check -p "$big" --db "$WORK/clean.db" -q -j2
clean=$OUT

db=$WORK/interrupted.db
write_database "$big" "${files[@]:0:2}"
expect_status 1 "first run (2 TUs)" "$LOOPLINT" check -p "$big" --db "$db" -q -j1
first=$(sqlite3 "$db" "SELECT count(*) FROM findings WHERE run = 1")
write_database "$big" "${files[@]}"

"$LOOPLINT" check -p "$big" --db "$db" -q -j1 >"$WORK/int.out" 2>"$WORK/int.err" &
pid=$!
# Interrupt once some TUs of this run are stored, long before the end.
for _ in $(seq 1 400); do
    stored=$(sqlite3 "$db" "SELECT count(*) FROM tus" 2>/dev/null || echo 0)
    [[ $stored -ge 8 ]] && break
    sleep 0.02
done
kill -INT "$pid"
status=0
wait "$pid" || status=$?
[[ $status -eq 130 ]] && pass "SIGINT: exit 130" || fail "SIGINT: exit $status, want 130"
[[ $(cat "$WORK/int.err") == "looplint: interrupted" ]] && pass "SIGINT: says it was interrupted" ||
    fail "SIGINT: stderr: $(cat "$WORK/int.err")"
[[ ! -s $WORK/int.out ]] && pass "SIGINT: no report" || fail "SIGINT: printed a report"
integrity_ok "$db" "SIGINT"
# Read before any other looplint opens the store: the run marked itself.
status=$(sqlite3 "$db" "SELECT status FROM runs WHERE id = 2")
[[ $status == incomplete ]] && pass "SIGINT: run marked incomplete" || fail "SIGINT: run is '$status'"
[[ $(sqlite3 "$db" "SELECT count(*) FROM findings WHERE run = 2") -eq 0 ]] &&
    pass "SIGINT: the interrupted run stored no findings" || fail "SIGINT: findings in run 2"
kept=$(sqlite3 "$db" "SELECT count(*) FROM findings WHERE run = 1")
[[ $first -ge 2 && $kept -eq $first ]] && pass "SIGINT: first run's findings intact ($kept)" ||
    fail "SIGINT: first run has $kept findings, had $first"
stored=$(sqlite3 "$db" "SELECT count(*) FROM tus")
[[ $stored -ge 8 && $stored -lt 150 ]] && pass "SIGINT: stopped early ($stored of 150 TUs stored)" ||
    fail "SIGINT: $stored TUs stored"

expect_status 1 "next run" "$LOOPLINT" check -p "$big" --db "$db" -q --stats
expect_match "$ERR" "150 TUs: [0-9]+ parsed, $stored cached" "next run reuses the $stored finished TUs"
[[ $OUT == "$clean" ]] && pass "next run: the same findings as a clean run" ||
    fail "next run: findings differ from a clean run"
statuses=$(sqlite3 "$db" "SELECT group_concat(status, ',') FROM (SELECT status FROM runs ORDER BY id)")
[[ $statuses == complete,incomplete,complete ]] && pass "runs: $statuses" || fail "runs: $statuses"

# A second SIGINT kills at once (the handler resets itself): the process
# dies of the signal rather than exiting. Both signals land while one
# large TU is parsed, which the first lets finish.
heavy=$WORK/heavy
mkdir -p "$heavy"
{
    printf '#include <nest.h>\n'
    for i in $(seq 1 16000); do
        printf 'int h%d(int x) { int s = 0; for (int k = 0; k < x; k++) s += k %% 3 ? k : -x; return s; }\n' "$i"
    done
} >"$heavy/heavy.c"
write_database "$heavy" heavy.c
died=$(python3 - "$LOOPLINT" "$heavy" "$WORK/twice.db" <<'PY'
import signal, sqlite3, subprocess, sys, time
looplint, project, db = sys.argv[1:4]
child = subprocess.Popen([looplint, "check", "-p", project, "--db", db, "-q", "-j1"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
# The handler is installed once the run's row is stored.
for _ in range(500):
    try:
        if sqlite3.connect(db).execute("SELECT count(*) FROM runs").fetchone()[0] >= 1:
            break
    except sqlite3.Error:
        pass
    time.sleep(0.02)
time.sleep(0.1)
child.send_signal(signal.SIGINT)
time.sleep(0.1)
child.send_signal(signal.SIGINT)
child.communicate()
print(child.returncode)
PY
)
[[ $died == -2 ]] && pass "second SIGINT kills" || fail "second SIGINT: returncode $died, want -2"
integrity_ok "$WORK/twice.db" "after two SIGINTs"
[[ $(sqlite3 "$WORK/twice.db" "SELECT status FROM runs") == running ]] &&
    pass "killed run left 'running' for the next open" || fail "killed run's status"

status=0
"$LOOPLINT" check -p "$big" --db "$WORK/term.db" -q -j1 >/dev/null 2>"$WORK/term.err" &
pid=$!
for _ in $(seq 1 400); do
    [[ $(sqlite3 "$WORK/term.db" "SELECT count(*) FROM tus" 2>/dev/null || echo 0) -ge 4 ]] && break
    sleep 0.02
done
kill -TERM "$pid"
wait "$pid" || status=$?
[[ $status -eq 143 && $(cat "$WORK/term.err") == "looplint: interrupted" ]] &&
    pass "SIGTERM: exit 143, interrupted" || fail "SIGTERM: exit $status, $(cat "$WORK/term.err")"

# ---- c. A store that cannot be written -----------------------------------------------------

# Root ignores permission bits: run looplint as nobody then.
as_user=()
if [[ $EUID -eq 0 ]]; then
    if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
        as_user=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups)
    else
        printf 'skip: read-only stores (root, and no setpriv or no nobody user)\n'
        finish
        exit 0
    fi
fi
small=$WORK/small
make_project "$small" 3
chmod 755 "$WORK"
mkdir -p "$WORK/ro-dir" "$WORK/ro-new" "$WORK/ro-file"
expect_status 1 "store for the read-only cases" "$LOOPLINT" check -p "$small" --db "$WORK/ro-dir/store.db" -q
cp "$WORK/ro-dir/store.db" "$WORK/ro-file/store.db"
chmod 666 "$WORK/ro-dir/store.db" # writable itself, but its -wal and -shm cannot be made
chmod 555 "$WORK/ro-dir" "$WORK/ro-new"
chmod 777 "$WORK/ro-file"
chmod 444 "$WORK/ro-file/store.db"
before_dir=$(sha256sum <"$WORK/ro-dir/store.db")
before_file=$(sha256sum <"$WORK/ro-file/store.db")

readonly_case() {
    local name=$1 db=$2 want=$3
    expect_status 3 "$name: exit 3" "${as_user[@]}" "$LOOPLINT" check -p "$small" --db "$db" -q
    [[ $(wc -l <<<"$ERR") -eq 1 ]] && pass "$name: one line" || fail "$name: $ERR"
    expect_match "$ERR" "^looplint: $db: $want" "$name: names the path and what is read-only"
    expect_no_match "$ERR" 'unable to open|No such file' "$name: not SQLite's vague message"
}
readonly_case "existing store, read-only directory" "$WORK/ro-dir/store.db" \
    "the directory $WORK/ro-dir is read-only \\(Permission denied\\)"
readonly_case "new store, read-only directory" "$WORK/ro-new/store.db" \
    "the directory $WORK/ro-new is read-only"
readonly_case "new store below a read-only directory" "$WORK/ro-new/sub/store.db" \
    "the directory $WORK/ro-new is read-only"
readonly_case "read-only store file" "$WORK/ro-file/store.db" "the database is read-only"
[[ $(sha256sum <"$WORK/ro-dir/store.db") == "$before_dir" &&
    $(sha256sum <"$WORK/ro-file/store.db") == "$before_file" ]] &&
    pass "read-only stores byte-identical" || fail "a read-only store changed"
left=$(find "$WORK/ro-dir" "$WORK/ro-new" "$WORK/ro-file" -mindepth 1 | sort | tr '\n' ' ')
[[ $left == "$WORK/ro-dir/store.db $WORK/ro-file/store.db " ]] && pass "no file created" ||
    fail "files left: $left"
chmod 755 "$WORK/ro-dir" "$WORK/ro-new"

finish
