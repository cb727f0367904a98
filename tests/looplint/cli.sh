# cli.sh - looplint's command line end to end: subcommands and --help,
# finding output in each format, exit codes, the compile database search,
# and bad input (missing or broken database, vanished file, syntax errors,
# a foreign SQLite file, a bad rule pack); then suppression comments (kept
# in the store with their reason, shown on request, unused ones reported),
# the .looplint configuration under the command line, `rules`, and
# `explain` printing every check's page byte for byte.
source "$(dirname "$0")/common.bash"

project=$WORK/project
mkdir -p "$project/src" "$project/build"
cat >"$project/src/service.c" <<'C'
#include <nest.h>
#include <unistd.h>

static int load(void) {
    sleep(1);
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
cat >"$project/src/quiet.c" <<'C'
int add(int a, int b) { return a + b; }
C
write_database "$project/build" ../src/service.c ../src/quiet.c
touch "$project/.looplint" # marks the project root: paths are printed relative to it

# ---- version and help --------------------------------------------------------
expect_status 0 "--version" "$LOOPLINT" --version && expect_match "$OUT" '^looplint [0-9]+\.[0-9]+' "version text"
for command in check rules verify explain; do
    expect_status 0 "$command --help" "$LOOPLINT" "$command" --help &&
        expect_match "$OUT" "usage: looplint $command" "$command usage text"
done
expect_status 2 "unknown command" "$LOOPLINT" frobnicate
expect_status 2 "unknown option" "$LOOPLINT" check --frobnicate
expect_status 2 "bad --format" "$LOOPLINT" check --format xml
expect_status 2 "unknown check id" "$LOOPLINT" check -p "$project/build" --disable no-such-check

# ---- findings -----------------------------------------------------------------
expect_status 1 "check finds the blocking call" "$LOOPLINT" check -p "$project/build" --no-color -q
expect_match "$OUT" '^src/service\.c:5:5: error: .*sleep.* \[looplint-blocking-call\]$' "text: clang-style first line, path relative to the project root"
expect_match "$OUT" '^    sleep\(1\);$' "text: the source line"
expect_match "$OUT" '^    \^' "text: the caret"
expect_match "$OUT" 'note: .*handle' "text: the chain names the task"
expect_no_match "$OUT" $'\033\\[' "no colour when piped"

expect_status 1 "gcc format" "$LOOPLINT" check -p "$project/build" --format gcc
expect_match "$OUT" '^src/service\.c:5:5: error: .*\[looplint-blocking-call\]$' "gcc: the finding line"
expect_no_match "$OUT" '^    sleep' "gcc: no source excerpt"

expect_status 1 "json format" "$LOOPLINT" check -p "$project/build" --format json
python3 -c 'import json,sys; d=json.load(sys.stdin); f=d["findings"]; assert f[0]["rule"]=="blocking-call", f; assert f[0]["line"]==5; assert len(f[0]["fingerprint"])==32' <<<"$OUT" &&
    pass "json: parses, rule, line, fingerprint" || fail "json content"

expect_status 0 "--fail-on never" "$LOOPLINT" check -p "$project/build" --fail-on never
expect_status 0 "--disable blocking-call" "$LOOPLINT" check -p "$project/build" --disable blocking-call
expect_status 0 "FILE operand without findings" "$LOOPLINT" check -p "$project/build" "$project/src/quiet.c"
expect_status 1 "FILE operand with findings" "$LOOPLINT" check -p "$project/build" "$project/src/service.c"
expect_status 2 "FILE operand that does not exist" "$LOOPLINT" check -p "$project/build" "$project/src/gone.c"
expect_status 1 "--stats" "$LOOPLINT" check -p "$project/build" --stats
expect_match "$ERR" 'TUs: .* parsed, .* cached' "--stats prints TU counts"
expect_match "$ERR" 'indirect calls' "--stats prints unresolved indirect calls"

# The database is found like clangd: upward, or in build/.
pushd "$project/src" >/dev/null
expect_status 1 "database found in ../build from src/" "$LOOPLINT" check -q
popd >/dev/null
pushd "$project" >/dev/null
expect_status 1 "database found in build/" "$LOOPLINT" check -q
popd >/dev/null
[[ -f "$project/build/.looplint/looplint.db" ]] && pass "store created beside the database" || fail "no store at build/.looplint/looplint.db"

# Second run: every TU comes from the cache.
expect_status 1 "warm run" "$LOOPLINT" check -p "$project/build" --stats
expect_match "$ERR" '2 TUs: 0 parsed, 2 cached' "unchanged TUs are not parsed again"
echo '/* edited */' >>"$project/src/quiet.c"
expect_status 1 "after an edit" "$LOOPLINT" check -p "$project/build" --stats
expect_match "$ERR" '2 TUs: 1 parsed, 1 cached' "only the edited TU is parsed"

# ---- bad input --------------------------------------------------------------------
empty=$WORK/empty
mkdir -p "$empty"
pushd "$empty" >/dev/null
expect_status 3 "no compile database" "$LOOPLINT" check
popd >/dev/null
expect_match "$ERR" 'compile_commands.json' "the message names the database"

broken=$WORK/broken
mkdir -p "$broken"
printf '[\n  {"directory": "/tmp",\n   "file": "a.c" "command": "cc a.c"}\n]\n' >"$broken/compile_commands.json"
expect_status 3 "broken compile database" "$LOOPLINT" check -p "$broken"
expect_match "$ERR" 'compile_commands\.json:3' "the message names the file and line"

vanished=$WORK/vanished
mkdir -p "$vanished"
cp "$project/src/service.c" "$vanished/"
write_database "$vanished" service.c gone.c
expect_status 1 "a listed file no longer exists" "$LOOPLINT" check -p "$vanished" --no-color
expect_match "$OUT" 'gone\.c.*\[looplint-clang-diagnostic\]' "the vanished file is a clang-diagnostic finding"
expect_match "$OUT" 'blocking-call' "the other TU is still analysed"

syntax=$WORK/syntax
mkdir -p "$syntax"
cat >"$syntax/broken.c" <<'C'
#include <unistd.h>
#include <nest.h>
static int task(void *arg) { (void)arg; usleep(10); return 0; }
int start(void) { return nest_join(nest_spawn(task, NULL), NEST_FOREVER, NULL); }
int oops(void) { return 1 +; }
C
write_database "$syntax" broken.c
expect_status 3 "every TU has errors: exit 3" "$LOOPLINT" check -p "$syntax" --no-color
expect_match "$OUT" 'broken\.c:5:.*error: .*\[looplint-clang-diagnostic\]' "clang's error is printed as a finding"
expect_match "$OUT" 'usleep.*\[looplint-blocking-call\]' "the partial AST is still analysed"

foreign=$WORK/foreign.db
sqlite3 "$foreign" 'CREATE TABLE accounts(id INTEGER PRIMARY KEY, owner TEXT); INSERT INTO accounts VALUES (1, "x");'
before=$(sha256sum "$foreign")
expect_status 2 "a foreign SQLite file as --db" "$LOOPLINT" check -p "$project/build" --db "$foreign"
expect_match "$ERR" 'not a looplint database' "the message says so"
[[ "$(sha256sum "$foreign")" == "$before" ]] && pass "the foreign file is untouched" || fail "the foreign file changed"

printf 'pack custom\nblocking my_wait category=sleep reson="typo"\n' >"$WORK/bad.rules"
expect_status 2 "a bad pack given with --rules" "$LOOPLINT" check -p "$project/build" --rules "$WORK/bad.rules"
expect_match "$ERR" 'bad\.rules:2:[0-9]+: ' "the message has file:line:col"
expect_status 1 "rules --check on a bad pack" "$LOOPLINT" rules --check "$WORK/bad.rules"
expect_match "$OUT" 'bad\.rules:2:[0-9]+: ' "rules --check prints file:line:col"
expect_status 0 "rules --check on the shipped packs" "$LOOPLINT" rules --check "$SOURCE_DIR/rules/nest.rules" --check "$SOURCE_DIR/rules/posix.rules"
expect_status 0 "rules lists checks and packs" "$LOOPLINT" rules
for id in blocking-call untracked-task unobserved-failure missing-timeout unclosed-resource; do
    expect_match "$OUT" "^  $id " "rules lists $id"
done
expect_match "$OUT" 'nest.*nest\.rules' "rules lists the nest pack"

# ---- suppressions -------------------------------------------------------------------
quiet=$WORK/quiet
mkdir -p "$quiet/src" "$quiet/build"
cat >"$quiet/src/boot.c" <<'C'
#include <nest.h>
#include <unistd.h>

static int boot(void *arg) {
    (void)arg;
    // looplint: ignore[blocking-call] start-up, before the first client
    sleep(1);
    usleep(5); // NOLINT(looplint-blocking-call)
    return 0;
}

int start(void) { return nest_run(boot, NULL, NULL); }
C
cat >"$quiet/src/stale.c" <<'C'
#include <nest.h>

int tick(void) {
    return nest_sleep(10); // looplint: ignore[blocking-call] this used to be usleep
}
C
write_database "$quiet/build" ../src/boot.c ../src/stale.c
touch "$quiet/.looplint"
expect_status 0 "suppressed findings do not fail the gate" "$LOOPLINT" check -p "$quiet/build" --no-color
expect_no_match "$OUT" 'sleep.*\[looplint-blocking-call\]' "suppressed findings are not printed"
expect_match "$OUT" '^src/stale\.c:4:28: remark: this ignore comment suppresses no .blocking-call. finding.*\[looplint-unused-suppression\]$' \
    "an unused ignore is a remark at the comment, in a file without findings"
expect_status 1 "--fail-on note counts the remark" "$LOOPLINT" check -p "$quiet/build" --fail-on note
expect_status 0 "--show-suppressed" "$LOOPLINT" check -p "$quiet/build" --no-color --show-suppressed
expect_match "$OUT" '^src/boot\.c:7:5: error: .*\(suppressed: start-up, before the first client\) \[looplint-blocking-call\]$' \
    "a suppressed finding is printed with its reason"
expect_match "$OUT" '^src/boot\.c:8:5: error: .*\(suppressed\) \[looplint-blocking-call\]$' "NOLINT suppresses, without a reason"
stored=$(sqlite3 "$quiet/build/.looplint/looplint.db" \
    "SELECT rule, line, suppressed, coalesce(reason, '-') FROM findings WHERE run = (SELECT max(id) FROM runs) ORDER BY line")
expect_match "$stored" '^blocking-call\|7\|1\|start-up, before the first client$' "the store keeps the suppressed finding and its reason"
expect_match "$stored" '^blocking-call\|8\|1\|-$' "the store keeps the NOLINTed finding"
expect_match "$stored" '^unused-suppression\|4\|0\|-$' "the store keeps the unused-suppression finding"
expect_status 0 "--disable unused-suppression" "$LOOPLINT" check -p "$quiet/build" --fail-on note --disable unused-suppression
expect_no_match "$OUT" 'unused-suppression' "no remark once disabled"

# ---- configuration ---------------------------------------------------------------------
configured=$WORK/configured
mkdir -p "$configured/src" "$configured/vendor" "$configured/build" "$configured/packs"
cp "$project/src/service.c" "$configured/src/service.c"
cat >"$configured/vendor/lib.c" <<'C'
#include <unistd.h>
#include <nest.h>
static int job(void *arg) { (void)arg; usleep(10); return 0; }
int vendor_start(void) { return nest_run(job, NULL, NULL); }
C
cat >"$configured/src/mylib.c" <<'C'
#include <nest.h>
void my_wait(void);
static int job(void *arg) { (void)arg; my_wait(); return 0; }
int mylib_start(void) { return nest_run(job, NULL, NULL); }
C
printf 'pack mylib\nblocking my_wait category=sleep reason="waits on a condition"\n' >"$configured/packs/mylib.rules"
write_database "$configured/build" ../src/service.c ../vendor/lib.c ../src/mylib.c
printf '# looplint settings for this test project\ndisable blocking-call\nseverity untracked-task note\n' \
    >"$configured/.looplint"
expect_status 0 "a configured disable" "$LOOPLINT" check -p "$configured/build" --no-color
expect_no_match "$OUT" 'blocking-call' "the configuration turned blocking-call off"
expect_status 1 "--enable beats the configuration's disable" "$LOOPLINT" check -p "$configured/build" --no-color --enable blocking-call
expect_match "$OUT" '^src/service\.c:5:5: error: .*\[looplint-blocking-call\]$' "blocking-call is back"
expect_match "$OUT" '^vendor/lib\.c:.*\[looplint-blocking-call\]$' "the vendored file is analysed without an exclusion"
pushd "$configured/src" >/dev/null
expect_status 0 "rules reads the configuration upward from here" "$LOOPLINT" rules
expect_match "$OUT" '^  blocking-call +error +off ' "rules shows blocking-call off"
expect_match "$OUT" '^  untracked-task +note +on ' "rules shows the configured severity"
expect_match "$OUT" "^configuration: $configured/\\.looplint\$" "rules names the configuration file"
expect_status 0 "rules --enable" "$LOOPLINT" rules --enable blocking-call --disable unused-suppression
expect_match "$OUT" '^  blocking-call +error +on ' "rules --enable beats the file"
expect_match "$OUT" '^  unused-suppression +note +off ' "rules --disable"
popd >/dev/null

printf 'exclude ^vendor/\nrules ../configured/packs/mylib.rules\n' >"$configured/.looplint"
expect_status 1 "an exclusion and a pack from the configuration" "$LOOPLINT" check -p "$configured/build" --no-color --stats
expect_no_match "$OUT" 'vendor/' "findings of an excluded file are dropped"
expect_match "$ERR" '2 TUs: ' "an excluded TU is not analysed"
expect_match "$OUT" "^src/mylib\\.c:3:40: error: 'my_wait' blocks the event loop: waits on a condition" \
    "the configuration's pack is loaded, relative to the file"

printf 'enable blocking-call\nseverity blocking-call loud\n' >"$configured/.looplint"
expect_status 2 "an error in the configuration" "$LOOPLINT" check -p "$configured/build"
expect_match "$ERR" "$configured/\\.looplint:2:24: unknown severity 'loud'" "the error names file, line and column"
printf 'enable blocking-call, nosuch\n' >"$configured/.looplint"
expect_status 2 "an unknown id in the configuration" "$LOOPLINT" check -p "$configured/build"
expect_match "$ERR" "\\.looplint:1:23: unknown check 'nosuch'" "the column of the id inside the list"
pushd "$configured" >/dev/null
expect_status 2 "rules refuses a broken configuration too" "$LOOPLINT" rules
popd >/dev/null

# ---- explain ---------------------------------------------------------------------------
expect_status 0 "rules" "$LOOPLINT" rules
ids=$(sed -n '/^checks:/,/^[a-z]/s/^  \([a-z-]*\) .*/\1/p' <<<"$OUT")
[[ -n "$ids" ]] && pass "rules lists ids" || fail "no ids in the output of rules"
for id in $ids; do
    if [[ ! -f "$SOURCE_DIR/docs/checks/$id.md" ]]; then
        fail "docs/checks/$id.md: the check has no page"
        continue
    fi
    if "$LOOPLINT" explain "$id" | cmp -s - "$SOURCE_DIR/docs/checks/$id.md"; then
        pass "explain $id prints docs/checks/$id.md"
    else
        fail "explain $id differs from docs/checks/$id.md (rebuild after editing a page)"
    fi
done
expect_status 2 "explain an unknown id" "$LOOPLINT" explain no-such-check
expect_match "$ERR" "unknown check 'no-such-check'.*blocking-call.*unused-suppression" "the error lists the ids"
expect_status 2 "explain without an id" "$LOOPLINT" explain

finish
