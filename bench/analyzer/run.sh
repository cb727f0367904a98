#!/usr/bin/env bash
# bench/analyzer/run.sh - looplint against the floor and other tools, on a
# generated corpus and on the project's own compile database.
#
# For each data set, in one run of this script:
#   (a) clang -fsyntax-only per TU, serially (one process per TU)
#   (b) the floor: bench_analyzer_floor parses and walks every TU in one process
#   (c) looplint check -j1 (no cache)     (d) looplint check -j2 (no cache)
#   (e) clang-tidy --checks='-*,bugprone-*' over 2 processes
# and prints wall times, ratios against (b), peak memory (GNU time's max RSS)
# against the largest single-TU parse, and the link step's share of (c).
# Then the link step alone on generated facts (bench_analyzer_link_scale).
#
# Environment: BUILD_DIR (default /tmp/looplint-bench-build, Release),
# UNITS (corpus TUs, default 300), CORPUS (default /tmp/looplint-bench-corpus).
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-/tmp/looplint-bench-build}
UNITS=${UNITS:-300}
CORPUS=${CORPUS:-/tmp/looplint-bench-corpus}
work=$(mktemp -d /tmp/looplint-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
    cmake -S "$repo" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DNEST_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" -j"$(nproc)" --target looplint bench_analyzer_floor bench_analyzer_link_scale >/dev/null
looplint=$BUILD_DIR/bin/looplint
floor=$BUILD_DIR/bench/analyzer/bench_analyzer_floor

# timed NAME COMMAND...: runs it, records wall seconds and peak KiB in $work/NAME.
timed() {
    local name=$1
    shift
    /usr/bin/time -f '%e %M' -o "$work/$name.time" "$@" >"$work/$name.out" 2>"$work/$name.err" || true
}
# GNU time writes "Command exited with non-zero status N" first when it does.
seconds_of() { tail -1 "$work/$1.time" | cut -d' ' -f1; }
kib_of() { tail -1 "$work/$1.time" | cut -d' ' -f2; }
ratio() { python3 -c "print(f'{float($1)/float($2):.2f}')"; }

# A deduplicated copy of a compile database (one entry per file) in $2.
dedupe() {
    python3 - "$1" "$2" <<'PY'
import json, os, sys
seen, out = set(), []
for e in json.load(open(sys.argv[1])):
    path = os.path.normpath(os.path.join(e["directory"], e["file"]))
    if path not in seen:
        seen.add(path)
        out.append(e)
os.makedirs(sys.argv[2], exist_ok=True)
json.dump(out, open(os.path.join(sys.argv[2], "compile_commands.json"), "w"), indent=1)
PY
}

# The serial clang -fsyntax-only loop of a database, as a script.
syntax_only_script() {
    python3 - "$1" <<'PY'
import json, os, shlex, sys
for e in json.load(open(sys.argv[1])):
    args = e.get("arguments") or shlex.split(e["command"])
    out, skip = ["clang-19", "-fsyntax-only"], False
    for a in args[1:]:
        if skip:
            skip = False
            continue
        if a in ("-c",):
            continue
        if a == "-o":
            skip = True
            continue
        out.append(a)
    print("cd " + shlex.quote(e["directory"]) + " && " + " ".join(map(shlex.quote, out)))
PY
}

bench_dataset() {
    local label=$1 database=$2
    local count
    count=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$database/compile_commands.json")
    echo
    echo "== $label: $count TUs ($database)"
    syntax_only_script "$database/compile_commands.json" >"$work/syntax.sh"
    timed syntax bash "$work/syntax.sh"
    timed floor "$floor" "$database"
    timed j1 "$looplint" check -p "$database" --db "$work/j1.db" --no-cache -q -j1 --fail-on never --stats
    timed j2 "$looplint" check -p "$database" --db "$work/j2.db" --no-cache -q -j2 --fail-on never --stats
    python3 -c "import json,sys; print('\n'.join(e['file'] for e in json.load(open(sys.argv[1]))))" \
        "$database/compile_commands.json" >"$work/files"
    timed tidy xargs -P2 -n8 clang-tidy-19 --quiet --checks='-*,bugprone-*' -p "$database" <"$work/files"
    # The largest TU (by source size: the preprocessed size is costly to find) alone.
    local largest
    largest=$(python3 -c "import os,sys; print(max(sys.stdin.read().split(), key=os.path.getsize))" <"$work/files")
    timed single "$floor" "$database" "$largest"

    local b c d e
    b=$(seconds_of floor); c=$(seconds_of j1); d=$(seconds_of j2); e=$(seconds_of tidy)
    printf '  (a) clang -fsyntax-only, serial      %7.2f s\n' "$(seconds_of syntax)"
    printf '  (b) floor: parse + walk, 1 process   %7.2f s   %s\n' "$b" "$(head -1 "$work/floor.out")"
    printf '  (c) looplint check -j1               %7.2f s   (c)/(b) = %s  target <= 1.25\n' "$c" "$(ratio "$c" "$b")"
    printf '  (d) looplint check -j2               %7.2f s   (d)/(b) = %s  target <= 0.70\n' "$d" "$(ratio "$d" "$b")"
    printf '  (e) clang-tidy bugprone-*, 2 procs   %7.2f s   (e)/(d) = %s  target >= 3\n' "$e" "$(ratio "$e" "$d")"
    local single_kib j1_kib j2_kib
    single_kib=$(kib_of single); j1_kib=$(kib_of j1); j2_kib=$(kib_of j2)
    printf '  peak memory: largest single TU %d MiB; -j1 %d MiB (%s x, target <= 2); -j2 %d MiB (%s x, target <= 3)\n' \
        $((single_kib / 1024)) $((j1_kib / 1024)) "$(ratio "$j1_kib" "$single_kib")" \
        $((j2_kib / 1024)) "$(ratio "$j2_kib" "$single_kib")"
    python3 - "$work/j1.err" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r"extract ([0-9.]+) s.*link ([0-9.]+) s, checks ([0-9.]+) s", text)
if m:
    extract, link, checks = map(float, m.groups())
    total = extract + link + checks
    print(f"  -j1 stages: extract {extract:.2f} s, link {link:.3f} s, checks {checks:.3f} s; "
          f"link = {100 * link / total:.1f} % of the run (target <= 5 %)")
for line in text.splitlines():
    if "TUs:" in line or "indirect" in line:
        print("  " + line.replace("looplint: ", ""))
PY
}

python3 "$repo/bench/analyzer/gen_corpus.py" "$CORPUS" "$repo/include" --units "$UNITS" >/dev/null
bench_dataset "generated corpus" "$CORPUS"

own=$BUILD_DIR
[[ -f $repo/build/compile_commands.json ]] && own=$repo/build
dedupe "$own/compile_commands.json" "$work/own"
bench_dataset "the project's own compile database" "$work/own"

echo
echo "== link step alone, generated facts (10 calls per function)"
"$BUILD_DIR/bench/analyzer/bench_analyzer_link_scale" 100000
