# ci.sh - docs/ci.md's commands, taken from the page itself so that it
# cannot drift: the baseline block, the GitHub workflow's analysis steps,
# the GitLab job's script and the merge-request diff job, run with LOOPLINT
# on PATH on a git repository holding a copy of demo/. First with every
# demo finding in the committed baseline (the jobs pass, the reports are
# empty), then with a new bug (the jobs fail with the status the page
# gives, and the reports hold exactly that bug). The steps that install
# packages or build looplint need the network and are not run. The SARIF
# is checked for its results only; sarif.sh validates the format.
source "$(dirname "$0")/common.bash"

doc=$SOURCE_DIR/docs/ci.md
PATH=$(dirname "$(realpath "$LOOPLINT")"):$PATH
export PATH
[[ $(command -v looplint) -ef $LOOPLINT ]] && pass "looplint on PATH" || fail "looplint not on PATH"

# extract MARK [KIND NAME]: the fenced block after `<!-- ci-test: MARK -->`
# (KIND block); the `run:` of the GitHub step named NAME (KIND step); the
# `script:` lines of the GitLab job NAME (KIND script).
extract() {
    python3 - "$doc" "$@" <<'PY'
import re, sys
doc, mark = sys.argv[1], sys.argv[2]
kind = sys.argv[3] if len(sys.argv) > 3 else "block"
name = sys.argv[4] if len(sys.argv) > 4 else None
lines = open(doc).read().split("\n")
try:
    start = lines.index(f"<!-- ci-test: {mark} -->")
except ValueError:
    sys.exit(f"{doc}: no block marked {mark}")
assert lines[start + 1].startswith("```"), f"{mark}: no fenced block after the mark"
end = lines.index("```", start + 2)
block = lines[start + 2:end]
indent = lambda line: len(line) - len(line.lstrip())
if kind == "block":
    print("\n".join(block))
elif kind == "step":
    at = next(i for i, l in enumerate(block) if re.fullmatch(r"\s*- name: " + re.escape(name), l))
    key = indent(block[at]) + 2
    run = next(i for i in range(at + 1, len(block))
               if indent(block[i]) == key and block[i].lstrip().startswith("run:"))
    value = block[run].split("run:", 1)[1].strip()
    if value != "|":
        print(value)
    else:
        body = []
        for line in block[run + 1:]:
            if line.strip() and indent(line) <= key:
                break
            body.append(line[key + 2:])
        print("\n".join(body).rstrip())
elif kind == "script":
    at = block.index(f"{name}:")
    script = next(i for i in range(at + 1, len(block)) if block[i] == "  script:")
    for line in block[script + 1:]:
        if not line.startswith("    - "):
            break
        print(line[6:])
PY
}

# run_script DESCRIPTION WANT SCRIPT: runs SCRIPT in the repository as CI
# shells do (bash -e -o pipefail: the first failing command ends it).
run_script() {
    local description=$1 want=$2 script=$3 status=0
    (cd "$repo" && bash -eo pipefail -c "$script") >"$WORK/out" 2>"$WORK/err" || status=$?
    OUT=$(cat "$WORK/out")
    ERR=$(cat "$WORK/err")
    if [[ $status -eq $want ]]; then
        pass "$description: exit $status"
    else
        fail "$description: exit $status, want $want"
        printf '  script: %s\n  stdout: %s\n  stderr: %s\n' "$script" "$OUT" "$ERR" >&2
    fi
}

# ---- the page's blocks ------------------------------------------------------------
baseline_block=$(extract baseline)
github_database=$(extract github step "Compile database")
github_check=$(extract github step looplint)
gitlab_script=$(extract gitlab script looplint)
diff_script=$(extract gitlab-diff script looplint-diff)
for block in baseline_block github_database github_check gitlab_script diff_script; do
    [[ -n ${!block} ]] && pass "docs/ci.md: $block extracted" || fail "docs/ci.md: $block is empty"
done
github_yaml=$(extract github)
gitlab_yaml=$(extract gitlab)
expect_match "$github_check" "--format sarif > looplint.sarif" "the GitHub step writes SARIF"
expect_match "$github_yaml" "uses: github/codeql-action/upload-sarif@v3" "the workflow uploads it"
expect_match "$(grep -A3 'name: Upload to code scanning' <<<"$github_yaml")" "if: always\(\)" \
    "the upload runs when looplint failed the job"
expect_match "$github_yaml" "sarif_file: looplint.sarif" "the upload names the file"
expect_match "$gitlab_yaml" "^    when: always$" "GitLab keeps the report of a failed job"
expect_match "$gitlab_yaml" "codequality: gl-code-quality-report.json" "as the code-quality report"

# report_count FILE KIND: the number of findings a report holds, or fails.
report_count() {
    python3 - "$@" <<'PY'
import json, sys
path, kind = sys.argv[1], sys.argv[2]
document = json.load(open(path))
if kind == "sarif":
    assert document["version"] == "2.1.0", document.get("version")
    results = document["runs"][0]["results"]
    # The rule's id, whatever prefix the writer gives it.
    print(len(results), *sorted(r["ruleId"].split("/")[-1].removeprefix("looplint-") for r in results))
else:  # codeclimate
    assert isinstance(document, list)
    for issue in document:
        assert issue["type"] == "issue" and len(issue["fingerprint"]) == 32, issue
        assert issue["location"]["path"] and issue["severity"] in ("info", "major", "critical")
    print(len(document), *sorted(i["check_name"] for i in document))
PY
}

expect_count() { # FILE KIND WANT DESCRIPTION
    local got
    if got=$(report_count "$1" "$2" 2>"$WORK/err"); then
        [[ $got == "$3" ]] && pass "$4: $got" || fail "$4: '$got', want '$3'"
    else
        fail "$4: $1 is not a valid $2 report: $(cat "$WORK/err")"
    fi
}

# ---- a repository holding the demo ------------------------------------------------
# demo/CMakeLists.txt finds nest.h in ../include.
repo=$WORK/repo
cp -r "$SOURCE_DIR/demo" "$repo"
cp -r "$SOURCE_DIR/include" "$WORK/include"
git_quiet() { git -C "$repo" -c user.name=ci -c user.email=ci@example.org "$@" >/dev/null; }
git_quiet init -q -b main
git_quiet add -A
git_quiet commit -q -m demo
bugs=$(grep -c 'BUG(' "$repo"/*.c | awk -F: '{n += $2} END {print n}')
[[ $bugs -ge 5 ]] && pass "the demo has $bugs marked bugs" || fail "demo bugs: $bugs"

run_script "the baseline block" 0 "$baseline_block"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["fingerprints"]) == int(sys.argv[2]), d' \
    "$repo/.looplint-baseline.json" "$bugs" && pass "the baseline accepts the $bugs findings" ||
    fail "baseline file: $(cat "$repo/.looplint-baseline.json" 2>&1)"
git -C "$repo" diff --cached --name-only | grep -qx .looplint-baseline.json &&
    pass "the baseline is staged for the commit" || fail "the baseline is not staged"
git_quiet commit -q -m "looplint baseline"
rm -rf "$repo/build"

# ---- everything accepted: the jobs pass -------------------------------------------
run_script "GitHub: compile database" 0 "$github_database"
run_script "GitHub: looplint, all findings in the baseline" 0 "$github_check"
expect_count "$repo/looplint.sarif" sarif "0" "GitHub: an empty report"
rm -rf "$repo/build"
run_script "GitLab: the job, all findings in the baseline" 0 "$gitlab_script"
expect_count "$repo/gl-code-quality-report.json" codeclimate "0" "GitLab: an empty report"

# ---- a new bug: the jobs fail, the reports hold it --------------------------------
git_quiet checkout -q -b feature
sed -i 's|^        return;$|        return;\n    fflush(file);|' "$repo/log.c"
grep -q '^    fflush(file);$' "$repo/log.c" && pass "a new bug in log.c" || fail "log.c not edited"
git_quiet commit -q -am "flush the log"
rm -rf "$repo/build" "$repo/looplint.sarif" "$repo/gl-code-quality-report.json"
run_script "GitHub: compile database" 0 "$github_database"
run_script "GitHub: looplint fails on the new finding" 1 "$github_check"
expect_count "$repo/looplint.sarif" sarif "1 blocking-call" "GitHub: the report holds the new bug"
rm -rf "$repo/build"
run_script "GitLab: the job fails on the new finding" 1 "$gitlab_script"
expect_count "$repo/gl-code-quality-report.json" codeclimate "1 looplint-blocking-call" \
    "GitLab: the report, kept, holds the new bug"
python3 -c 'import json,sys; i=json.load(open(sys.argv[1]))[0]; assert i["location"]["path"] == "log.c" and i["location"]["positions"]["begin"]["line"] == 24, i' \
    "$repo/gl-code-quality-report.json" && pass "GitLab: at log.c:24" || fail "GitLab: not at log.c:24"

# ---- the merge-request diff job ---------------------------------------------------
# A clone, so that `origin` has the target branch, on the feature commit.
mr=$WORK/mr
git clone -q "$repo" "$mr"
git -C "$mr" checkout -q feature
export CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main
CI_COMMIT_SHA=$(git -C "$mr" rev-parse HEAD)
export CI_COMMIT_SHA
repo=$mr
run_script "GitLab diff job: fails on the merge request's new finding" 1 "$diff_script"
expect_match "$OUT" '^new \(1\):$' "one new finding"
new_line=$(grep -E "^log\.c:24:5: error: 'fflush' blocks the event loop.*\[looplint-blocking-call\]$" <<<"$OUT") &&
    pass "the new finding, where it is" || fail "the new finding is not at log.c:24: $OUT"
expect_match "$OUT" '^fixed \(0\):$' "nothing fixed"
expect_match "$OUT" "^unchanged \($bugs\)$" "the demo's bugs unchanged"
[[ $(git -C "$mr" rev-parse HEAD) == "$CI_COMMIT_SHA" ]] && pass "the job ends on the MR's commit" ||
    fail "the job left HEAD elsewhere"
documented=$(sed -n '/^new (1):$/,/^unchanged/p' "$doc")
expected=$(printf 'new (1):\n%s\nfixed (0):\nunchanged (%d)' "${new_line:-}" "$bugs")
[[ $documented == "$expected" ]] && pass "docs/ci.md shows the job's output as it is" ||
    fail "docs/ci.md's sample output differs: $documented"

finish
