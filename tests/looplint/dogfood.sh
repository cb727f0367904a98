# dogfood.sh - the project's own async code passes: examples/ and the
# runtime's sources in src/nest/, analysed with the nest and posix packs,
# give no finding at all (severity note included).
source "$(dirname "$0")/common.bash"

database=$BUILD_DIR/compile_commands.json
[[ -f $database ]] || { fail "no $database"; finish; }
python3 - "$database" "$SOURCE_DIR" "$WORK/compile_commands.json" <<'PY'
import json, os, sys
database, source, out = sys.argv[1:]
keep = [os.path.join(source, "examples") + "/", os.path.join(source, "src/nest") + "/"]
entries = [e for e in json.load(open(database))
           if any(os.path.normpath(os.path.join(e["directory"], e["file"])).startswith(k) for k in keep)]
json.dump(entries, open(out, "w"), indent=1)
print(f"{len(entries)} compile commands")
PY
expect_status 0 "examples/ and src/nest/ have no finding" \
    "$LOOPLINT" check -p "$WORK" --db "$WORK/store.db" --fail-on note --no-color -q --stats
[[ -z $OUT ]] && pass "no output" || { fail "findings printed:"; printf '%s\n' "$OUT" >&2; }
printf '%s\n' "$ERR"
finish
