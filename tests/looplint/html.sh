# html.sh - the HTML report in a real browser: headless Chromium, driven by
# playwright-core (tests/tools/html_check.mjs), opens the page offline and
# checks that every finding the text format prints renders, that filtering
# on one check shows just its findings and clearing shows all again, that
# the page asks for nothing but itself and logs no error, and that a
# project whose file name and source line hold an XSS payload gets it shown
# as text, never run. Run on such a project and on demo/ (findings with
# chains and paths), through `check --format html` and `report -o`.
source "$(dirname "$0")/common.bash"

TOOLS=$SOURCE_DIR/tests/tools
if [[ ! -x /usr/bin/chromium || ! -d $TOOLS/node_modules/playwright-core ]] ||
    ! command -v node >/dev/null; then
    fail "chromium, node or $TOOLS/node_modules/playwright-core is missing: run scripts/setup.sh"
    finish
fi

PAYLOAD='</script><img src=x onerror=alert(1)>'

# finding_lines TEXT: the text format's finding lines (not its notes).
finding_lines() {
    grep -E '^.+:[0-9]+:[0-9]+: (error|warning|remark): .*\[looplint-[a-z-]+\]$' <<<"$1" || true
}

# browser_check REPORT TEXT_OUTPUT [PAYLOAD]: the page against the text
# format's findings; filters on the first finding's check.
browser_check() {
    local report=$1 lines count check check_count
    lines=$(finding_lines "$2")
    count=$(grep -c . <<<"$lines" || true)
    check=$(head -1 <<<"$lines" | sed -E 's/.*\[looplint-([a-z-]+)\]$/\1/')
    check_count=$(grep -c -- "\[looplint-$check\]\$" <<<"$lines" || true)
    if [[ $count -eq 0 ]]; then
        fail "$report: the text format printed no findings to compare with"
        return
    fi
    if node "$TOOLS/html_check.mjs" "$report" "$count" "$check" "$check_count" ${3:+"$3"} \
        >"$WORK/browser" 2>&1; then
        pass "$(basename "$report") in Chromium: $count findings, filter on $check ($check_count)"
    else
        fail "$(basename "$report") in Chromium:"
        cat "$WORK/browser" >&2
    fi
}

# ---- A project that tries to inject script ---------------------------------------------------
xss=$WORK/xss
mkdir -p "$xss"
hostile='<img src=x onerror=alert(1)>"'"'"'&.c' # a slash cannot be in a file name
cat >"$xss/$hostile" <<C
#include <nest.h>
#include <unistd.h>

static int heartbeat(void *arg)
{
    const char *banner = "$PAYLOAD"; sleep(1);
    usleep(10); // looplint: ignore[blocking-call] </script><img src=x onerror=window.__pwned=1>
    (void)arg;
    return banner[0];
}

static int run(void *arg)
{
    nest_spawn(heartbeat, arg);
    return 0;
}

int main(void)
{
    return nest_run(run, NULL, NULL) == 0 ? 0 : 1;
}
C
python3 - "$xss" "$hostile" "$SOURCE_DIR/include" <<'PY'
import json, sys
directory, name, include = sys.argv[1:]
entry = {"directory": directory, "file": name,
         "arguments": ["cc", "-std=gnu17", "-I" + include, "-c", name]}
with open(directory + "/compile_commands.json", "w") as out:
    json.dump([entry], out)
PY
expect_status 1 "check finds the blocking call next to the payload" \
    "$LOOPLINT" check -p "$xss" --db "$WORK/xss.db" --show-suppressed --no-color
xss_text=$OUT
expect_match "$xss_text" 'onerror=alert\(1\)>.*: (error|warning): .*\[looplint-blocking-call\]$' \
    "the finding's file is the hostile one"
expect_status 1 "check --format html" \
    "$LOOPLINT" check -p "$xss" --db "$WORK/xss.db" --show-suppressed --format html
printf '%s\n' "$OUT" >"$WORK/xss.html"
expect_no_match "$OUT" '<img' "no <img> element in the page's source"
if [[ $(grep -o '</script>' "$WORK/xss.html" | wc -l) -eq 1 ]]; then
    pass "one </script>: the page's own"
else
    fail "the payload's </script> is in the page unescaped"
fi
expect_match "$OUT" '&lt;/script&gt;&lt;img src=x onerror=window.__pwned=1&gt;' \
    "the suppression's reason is listed, escaped"
browser_check "$WORK/xss.html" "$xss_text" "$PAYLOAD"

# ---- The demo: chains and paths --------------------------------------------------------------
cmake -S "$SOURCE_DIR/demo" -B "$WORK/demo" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
expect_status 1 "check --format html on the demo" \
    "$LOOPLINT" check -p "$WORK/demo" --db "$WORK/demo.db" --format html
checked=$(grep -c '<article class="finding' <<<"$OUT" || true)
expect_status 0 "report --format html -o" \
    "$LOOPLINT" report -p "$WORK/demo" --db "$WORK/demo.db" --format html -o "$WORK/demo.html"
expect_status 0 "report --format text" \
    "$LOOPLINT" report -p "$WORK/demo" --db "$WORK/demo.db" --format text --no-color
demo_text=$OUT
reported=$(grep -c '<article class="finding' "$WORK/demo.html" || true)
if [[ $checked -eq $reported && $checked -gt 0 ]]; then
    pass "check and report list the same $checked findings"
else
    fail "check lists $checked findings, report $reported"
fi
if grep -q 'class="step">2</span>' "$WORK/demo.html"; then
    pass "the demo's chains are drawn as numbered steps"
else
    fail "no numbered steps in the demo's page"
fi
browser_check "$WORK/demo.html" "$demo_text"
finish
