# demo.sh - looplint on demo/ (the service scripts/run.sh shows) reports
# exactly the bugs marked `// BUG(rule-id)` in its sources: each at its
# line, with its rule, and nothing else.
source "$(dirname "$0")/common.bash"

cmake -S "$SOURCE_DIR/demo" -B "$WORK/build" -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
expect_status 1 "looplint finds the demo's bugs" \
    "$LOOPLINT" check -p "$WORK/build" --db "$WORK/store.db" --format gcc
found=$(grep -E ': (error|warning|note): .*\[looplint-[a-z-]+\]$' <<<"$OUT" |
    sed -E 's/^([^:]+):([0-9]+):[0-9]+: [a-z]+: .*\[looplint-([a-z-]+)\]$/\1:\2 \3/' |
    sed -E 's|^.*/demo/|demo/|' | sort) # paths are absolute: the store's root is outside the repo
expected=$(cd "$SOURCE_DIR" && grep -nE 'BUG\([a-z-]+\)' demo/*.c |
    sed -E 's/^([^:]+):([0-9]+):.*BUG\(([a-z-]+)\).*/\1:\2 \3/' | sort)
if [[ "$found" == "$expected" ]]; then
    pass "findings match the BUG markers: $(wc -l <<<"$found") bugs"
else
    fail "findings differ from the BUG markers"
    diff <(printf '%s\n' "$expected") <(printf '%s\n' "$found") >&2 || true
fi
expect_match "$OUT" 'note: ' "the findings carry notes (chains, paths)"
finish
