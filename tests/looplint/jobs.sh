# jobs.sh - results are identical for any -j: the same findings, notes and
# order with 1, 2 and 4 threads, in every format.
source "$(dirname "$0")/common.bash"

project=$WORK/project
mkdir -p "$project"
files=()
for i in $(seq 1 12); do
    cat >"$project/part$i.c" <<C
#include <nest.h>
#include <stdio.h>
#include <unistd.h>
int helper$i(void);
int helper$i(void) { FILE *f = fopen("/tmp/x", "r"); if (!f) return -1; usleep($i); return fclose(f); }
static int task$i(void *arg) { (void)arg; return helper$((i % 12 + 1))(); }
int start$i(void) {
    nest_task *t = nest_spawn(task$i, NULL);
    int result = 0;
    nest_join(t, NEST_FOREVER, &result);
    return result;
}
C
    files+=("part$i.c")
done
write_database "$project" "${files[@]}"
for format in text json gcc; do
    for jobs in 1 2 4; do
        "$LOOPLINT" check -p "$project" --db "$WORK/$jobs.db" --no-cache --no-color \
            --format "$format" -j "$jobs" >"$WORK/$format.$jobs" 2>/dev/null || true
    done
    if cmp -s "$WORK/$format.1" "$WORK/$format.2" && cmp -s "$WORK/$format.1" "$WORK/$format.4"; then
        pass "$format output identical for -j1, -j2, -j4 ($(wc -l <"$WORK/$format.1") lines)"
    else
        fail "$format output differs between -j values"
        diff "$WORK/$format.1" "$WORK/$format.4" >&2 || true
    fi
done
[[ -s "$WORK/text.1" ]] && pass "there are findings to compare" || fail "no findings at all"
finish
