# sarif.sh - `--format sarif` end to end: the logs of the demo and of a
# small project (a file name with a space, a suppressed finding, a file
# outside the project root) pass Microsoft's SARIF validator (the
# Sarif.Multitool `validate` verb, its SARIF and GitHub rules) without an
# error; `report` prints the same bytes as `check`; the results are the
# findings the text format prints, each pointing at a rule the driver
# describes; and the validator is shown to catch a broken log, so that a
# pass means something.
source "$(dirname "$0")/common.bash"

validator=$SOURCE_DIR/tests/tools/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool
if [[ ! -x $validator ]]; then
    fail "no SARIF validator at $validator: run scripts/setup.sh"
    finish
fi
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 # no libicu needed

# validate NAME FILE: the validator's errors (its log's results of level
# error, and its `: error ` lines) fail the test; its warnings are shown.
validate() {
    local name=$1 file=$2 log=$WORK/$1.validation.sarif
    local output status=0
    output=$("$validator" validate --level "Error;Warning;Note" --rule-kind "Sarif;Gh" \
        --log ForceOverwrite -o "$log" "$file" 2>&1) || status=$?
    if [[ $status -ne 0 || ! -s $log ]]; then
        fail "$name: the validator did not run (exit $status)"
        printf '%s\n' "$output" >&2
        return
    fi
    local counts
    counts=$(python3 - "$log" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["runs"][0].get("results", [])
for level in ("error", "warning"):
    for result in results:
        if result.get("level", "warning") == level:
            arguments = result["message"].get("arguments", [])
            print(f"{level} {result['ruleId']}: {' | '.join(arguments)}", file=sys.stderr)
print(sum(r.get("level", "warning") == "error" for r in results),
      sum(r.get("level", "warning") == "warning" for r in results))
PY
    )
    local errors=${counts% *} warnings=${counts#* }
    local error_lines
    error_lines=$(grep -c ': error ' <<<"$output" || true)
    if [[ $errors -eq 0 && $error_lines -eq 0 ]]; then
        pass "$name: the SARIF validator reports no error ($warnings warnings)"
    else
        fail "$name: the SARIF validator reports $errors errors"
        grep ': error ' <<<"$output" >&2 || true
    fi
}

# check_log NAME SARIF TEXT ROOT: what the validator does not know about
# looplint: one result per finding the text format printed, each ruleId
# described at its ruleIndex, URIs against %SRCROOT% = ROOT, fingerprints.
check_log() {
    local problems
    problems=$(python3 - "$2" "$3" "$4" <<'PY'
import json, re, sys, urllib.parse
log = json.load(open(sys.argv[1]))
text = open(sys.argv[2]).read()
root = sys.argv[3]
run = log["runs"][0]
rules = run["tool"]["driver"]["rules"]
ids = [rule["id"] for rule in rules]
results = run["results"]
problems = []
printed = len(re.findall(r": (error|warning|remark): .*\[looplint-[a-z-]+\]$", text, re.M))
unsuppressed = sum(not r["suppressions"] for r in results)
if unsuppressed != printed:
    problems.append(f"{unsuppressed} unsuppressed results, the text format prints {printed} findings")
base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
if urllib.parse.unquote(base) != "file://" + root + "/":
    problems.append(f"%SRCROOT% is {base}, want the root {root}")
for result in results:
    if result["ruleId"] not in ids:
        problems.append(f"rule {result['ruleId']} is not in tool.driver.rules")
    elif ids[result["ruleIndex"]] != result["ruleId"]:
        problems.append(f"ruleIndex {result['ruleIndex']} is not {result['ruleId']}")
    if not re.fullmatch(r"[0-9a-f]{32}", result["partialFingerprints"]["looplintFingerprint/v1"]):
        problems.append("a result without our fingerprint")
    for location in result["locations"] + result.get("relatedLocations", []):
        artifact = location["physicalLocation"]["artifactLocation"]
        if artifact.get("uriBaseId") != "%SRCROOT%" and not artifact["uri"].startswith("file:///"):
            problems.append(f"uri {artifact['uri']} is neither under %SRCROOT% nor absolute")
    if result.get("codeFlows"):
        steps = result["codeFlows"][0]["threadFlows"][0]["locations"]
        if steps[-1]["location"]["message"]["text"] != result["message"]["text"]:
            problems.append("a code flow that does not end at the finding")
for rule in rules:
    if "markdown" not in rule.get("help", {}):
        problems.append(f"rule {rule['id']} has no help")
print("\n".join(problems))
PY
    ) || problems="the log could not be read"
    if [[ -z $problems ]]; then
        pass "$1: results match the text format, rules, URIs, fingerprints"
    else
        fail "$1: $problems"
    fi
}

# ---- the validator catches what it should ------------------------------------
# A log with an index past the rules and a URI with a raw space.
cat >"$WORK/broken.sarif" <<'JSON'
{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "looplint", "rules": []}},
 "results": [{"ruleId": "x", "ruleIndex": 3, "message": {"text": "m."},
   "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a b#c.c"}}}]}]}]}
JSON
status=0
"$validator" validate --log ForceOverwrite -o "$WORK/broken.validation.sarif" "$WORK/broken.sarif" \
    >"$WORK/broken.out" 2>&1 || status=$?
if grep -q ': error SARIF1009' "$WORK/broken.out" && grep -q ': error SARIF1002' "$WORK/broken.out"; then
    pass "the validator reports a broken log's errors"
else
    fail "the validator missed a broken log's errors (exit $status)"
    cat "$WORK/broken.out" >&2
fi

# ---- the demo ----------------------------------------------------------------
# A copy with its include directory beside it, as in the repository, and a
# .looplint making the copy the project root.
demo=$WORK/demo-project
mkdir -p "$demo"
cp -R "$SOURCE_DIR/demo" "$SOURCE_DIR/include" "$demo/"
touch "$demo/.looplint"
cmake -S "$demo/demo" -B "$demo/build" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
expect_status 1 "check --format sarif on the demo" \
    "$LOOPLINT" check -p "$demo/build" -q --format sarif
printf '%s\n' "$OUT" >"$WORK/demo.sarif"
expect_status 1 "check --format text on the demo" \
    "$LOOPLINT" check -p "$demo/build" -q --no-color
printf '%s\n' "$OUT" >"$WORK/demo.txt"
validate demo "$WORK/demo.sarif"
check_log demo "$WORK/demo.sarif" "$WORK/demo.txt" "$demo"
expect_match "$(cat "$WORK/demo.sarif")" '"codeFlows"' "demo: chains and paths as code flows"
expect_status 0 "report --format sarif on the demo" \
    "$LOOPLINT" report -p "$demo/build" --format sarif
[[ "$OUT" == "$(cat "$WORK/demo.sarif")" ]] && pass "demo: report prints check's SARIF" || {
    fail "demo: report's SARIF differs from check's"
    diff "$WORK/demo.sarif" <(printf '%s\n' "$OUT") | head -20 >&2 || true
}

# ---- a small project: a space in a name, a suppression, a file outside -------
project="$WORK/small project"
outside=$WORK/outside
mkdir -p "$project/src" "$project/build" "$outside"
cat >"$project/src/has space#1.c" <<'C'
#include <nest.h>
#include <unistd.h>

static int handle(void *arg) {
    (void)arg;
    sleep(1);
    usleep(10); // looplint: ignore[blocking-call] measured: a few microseconds
    return 0;
}

void start(void) { nest_spawn(handle, NULL); }
C
cat >"$outside/vendor.c" <<'C'
#include <nest.h>
#include <unistd.h>

static int poll_vendor(void *arg) {
    (void)arg;
    sleep(3);
    return 0;
}

void vendor_start(void) { nest_spawn(poll_vendor, NULL); }
C
write_database "$project/build" "../src/has space#1.c" "$outside/vendor.c"
touch "$project/.looplint"
build=$project/build

expect_status 1 "check --format sarif on the small project" \
    "$LOOPLINT" check -p "$build" -q --format sarif
printf '%s\n' "$OUT" >"$WORK/small.sarif"
expect_status 1 "check --format text on the small project" "$LOOPLINT" check -p "$build" -q --no-color
printf '%s\n' "$OUT" >"$WORK/small.txt"
validate small "$WORK/small.sarif"
check_log small "$WORK/small.sarif" "$WORK/small.txt" "$project"
expect_match "$(cat "$WORK/small.sarif")" '"uri": "src/has%20space%231\.c"' \
    "small: the name is percent-encoded, relative to the root"
expect_match "$(cat "$WORK/small.sarif")" '"uri": "file:///tmp/[^"]*/outside/vendor\.c"' \
    "small: a file outside the root has an absolute URI"
expect_match "$(cat "$WORK/small.sarif")" '"uri": "file:///tmp/[^"]*/small%20project/"' \
    "small: %SRCROOT% is the root, encoded, with a trailing slash"
expect_no_match "$(cat "$WORK/small.sarif")" '"inSource"' "small: no suppressed result unless asked"

expect_status 1 "check --format sarif --show-suppressed" \
    "$LOOPLINT" check -p "$build" -q --format sarif --show-suppressed
printf '%s\n' "$OUT" >"$WORK/suppressed.sarif"
validate suppressed "$WORK/suppressed.sarif"
python3 - "$WORK/suppressed.sarif" <<'PY' && pass "suppressed: one result with an inSource suppression and its reason" || fail "suppressed: the suppression is missing or wrong"
import json, sys
results = json.load(open(sys.argv[1]))["runs"][0]["results"]
suppressed = [r for r in results if r["suppressions"]]
assert len(suppressed) == 1, suppressed
assert suppressed[0]["suppressions"] == [{"kind": "inSource", "justification": "measured: a few microseconds"}], suppressed
assert suppressed[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 7
PY
expect_status 0 "report --format sarif --suppressed" \
    "$LOOPLINT" report -p "$build" --format sarif --suppressed
[[ "$OUT" == "$(cat "$WORK/suppressed.sarif")" ]] && pass "small: report prints check's SARIF" ||
    fail "small: report's SARIF differs from check's"
finish
