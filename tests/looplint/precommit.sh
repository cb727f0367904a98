# precommit.sh - the hook of .pre-commit-hooks.yaml, run by pre-commit
# itself (`pre-commit try-repo`, which installs the hook from this
# repository as a user's .pre-commit-config.yaml would): a staged file with
# a finding fails the commit and prints it; once fixed, the hook passes.
# Only the staged files are gated: a finding in another file does not fail.
source "$(dirname "$0")/common.bash"

if ! command -v pre-commit >/dev/null; then
    fail "pre-commit is missing: run scripts/setup.sh"
    finish
fi
if ! git -C "$SOURCE_DIR" rev-parse --git-dir >/dev/null 2>&1; then
    fail "$SOURCE_DIR is not a git checkout: try-repo needs one"
    finish
fi
PATH="$(dirname "$LOOPLINT"):$PATH"
export PATH
# pre-commit keeps its clones under $PRE_COMMIT_HOME; keep them in $WORK.
export PRE_COMMIT_HOME=$WORK/pre-commit-home

project=$WORK/project
mkdir -p "$project"
cp "$SOURCE_DIR/fixtures/blocking-call/01_bad_sleep_in_task.c" "$project/task.c"
cp "$SOURCE_DIR/fixtures/blocking-call/01_bad_sleep_in_task.c" "$project/other.c"
sed -i 's/heartbeat/other_heartbeat/g; s/\bmain\b/other_main/g' "$project/other.c"
write_database "$project" task.c other.c
touch "$project/.looplint"
git -C "$project" init -q
git -C "$project" -c user.name=t -c user.email=t@t add task.c
git -C "$project" -c user.name=t -c user.email=t@t commit -qm base

cd "$project"
try_repo() { pre-commit try-repo "$SOURCE_DIR" looplint "$@"; }

expect_status 1 "a staged file with a finding fails the hook" try_repo --files task.c
expect_match "$OUT" "task\.c:[0-9]+:[0-9]+: error: .*\[looplint-blocking-call\]" "the hook prints the finding"
expect_no_match "$OUT" "other\.c" "findings in files not passed are not printed"
# compile_commands.json sits at the root beside the .looplint configuration
# file, so the store cannot be .looplint/looplint.db there.
[[ -f .looplint.db ]] && pass "the store is .looplint.db beside the configuration file" ||
    fail "no store at .looplint.db"

# The fix: nest_sleep instead of sleep.
sed -i 's/\bsleep(/nest_sleep(/' task.c
expect_status 0 "the fixed file passes" try_repo --files task.c
finish
