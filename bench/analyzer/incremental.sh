#!/usr/bin/env bash
# bench/analyzer/incremental.sh - how much a warm store saves (issue 5).
#
# On a generated corpus (gen_corpus.py; UNITS TUs, 300 by default) written
# to a scratch directory, because the script edits its files:
#   (a) a full cold run: check --no-cache -j2
#   (b) the same run again, nothing changed          (b)/(a) target <= 0.10
#   (c) one .c file edited (a function appended), then `check FILE` on it,
#       against (d) the floor: clang-19 -fsyntax-only of that TU with its
#       flags, plus the link time --stats reports     (c)/(d) target <= 1.5
#   (e) a header that K TUs include (K=8 by default) edited, then a whole
#       run: the TUs --stats says were parsed must be exactly K
# Each timing is the median of 3 runs (the edits are undone and the store
# warmed again between runs, so each run sees the same state).
#
# Environment: BUILD_DIR (default /tmp/looplint-bench-build, Release),
# UNITS (default 300), K (default 8). Not part of ctest.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-/tmp/looplint-bench-build}
UNITS=${UNITS:-300}
K=${K:-8}
work=$(mktemp -d /tmp/looplint-incremental.XXXXXX)
trap 'rm -rf "$work"' EXIT

if [[ ! -f $BUILD_DIR/CMakeCache.txt ]]; then
    cmake -S "$repo" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release -DNEST_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$BUILD_DIR" -j2 --target looplint >/dev/null
looplint=$BUILD_DIR/bin/looplint
corpus=$work/corpus
db=$work/looplint.db

python3 "$repo/bench/analyzer/gen_corpus.py" "$corpus" "$repo/include" --units "$UNITS" >/dev/null
# A header that K of the TUs include, spread over the corpus.
printf '/* shared.h - included by %d TUs of the corpus */\nint shared_value(void);\n' "$K" >"$corpus/shared.h"
step=$((UNITS / K))
for ((i = 0; i < K; i++)); do
    file=$(printf '%s/unit%04d.c' "$corpus" $((i * step)))
    sed -i 's|#include "corpus.h"|#include "corpus.h"\n#include "shared.h"|' "$file"
done
edited=$(printf '%s/unit%04d.c' "$corpus" 1) # includes no shared.h (step > 1)
cp "$corpus/shared.h" "$work/shared.orig"

# seconds COMMAND...: runs it, prints its wall time; stderr kept in $work/last.err.
seconds() {
    local started ended
    started=$(date +%s.%N)
    "$@" >/dev/null 2>"$work/last.err" || true
    ended=$(date +%s.%N)
    python3 -c "print(f'{$ended - $started:.3f}')"
}
median() { printf '%s\n' "$@" | sort -g | sed -n 2p; }
ratio() { python3 -c "print(f'{float($1)/float($2):.3f}')"; }
project=$corpus
check() { "$looplint" check -p "$project" --db "$db" -q -j2 --fail-on never --stats "$@"; }
parsed_of() { sed -n 's/.* TUs: \([0-9]*\) parsed.*/\1/p' "$1" | head -1; }
link_of() { sed -n 's/.*link \([0-9.]*\) s.*/\1/p' "$1" | head -1; }

# Runs of (a) and (b).
full=() unchanged=()
for run in 1 2 3; do
    rm -f "$db" "$db"-*
    full+=("$(seconds check --no-cache)")
    unchanged+=("$(seconds check)")
    cp "$work/last.err" "$work/unchanged.err"
done
a=$(median "${full[@]}")
b=$(median "${unchanged[@]}")

# one_file_edited FILE: (c) and (d) for FILE of $project: the median time of
# `check FILE` after appending a function to it, and of its floor (its own
# compile command under clang -fsyntax-only, plus the link time --stats
# reports). Sets c, parse, link and d; leaves FILE as it was.
one_file_edited() {
    local file=$1 syntax_only run
    cp "$file" "$work/edited.orig"
    syntax_only=$(python3 - "$project/compile_commands.json" "$file" <<'PY'
import json, os, shlex, sys
for e in json.load(open(sys.argv[1])):
    if os.path.normpath(os.path.join(e["directory"], e["file"])) == sys.argv[2]:
        args = e.get("arguments") or shlex.split(e["command"])
        out, skip = ["cd", e["directory"], "&&", "clang-19", "-fsyntax-only"], False
        for a in args[1:]:
            if skip:
                skip = False
            elif a == "-o":
                skip = True
            elif a != "-c":
                out.append(a)
        print(" ".join(map(shlex.quote, out)).replace("'&&'", "&&"))
        break
PY
)
    local one_file=() floor_parse=() links=()
    for run in 1 2 3; do
        cp "$work/edited.orig" "$file"
        check >/dev/null 2>&1 || true
        printf '\nint bench_appended_%d(int x)\n{\n    return x + %d;\n}\n' "$run" "$run" >>"$file"
        one_file+=("$(seconds check "$file")")
        cp "$work/last.err" "$work/one.err"
        links+=("$(link_of "$work/one.err")")
        floor_parse+=("$(seconds bash -c "$syntax_only")")
    done
    cp "$work/edited.orig" "$file"
    c=$(median "${one_file[@]}")
    parse=$(median "${floor_parse[@]}")
    link=$(median "${links[@]}")
    d=$(python3 -c "print(f'{$parse + $link:.3f}')")
}
one_file_edited "$edited"

# (e): edit the shared header; a whole run.
header=() header_parsed=()
for run in 1 2 3; do
    cp "$work/shared.orig" "$corpus/shared.h"
    check >/dev/null 2>&1 || true
    printf 'int shared_value_%d(void);\n' "$run" >>"$corpus/shared.h"
    header+=("$(seconds check)")
    header_parsed+=("$(parsed_of "$work/last.err")")
done
e=$(median "${header[@]}")

echo "== incremental runs: $UNITS TUs ($corpus), -j2"
printf '  (a) full cold run, --no-cache             %7.3f s\n' "$a"
printf '  (b) unchanged re-run                      %7.3f s   (b)/(a) = %s  target <= 0.10\n' "$b" "$(ratio "$b" "$a")"
sed -n 's/^looplint: /        /p' "$work/unchanged.err" | grep -i "TUs\|reused\|time" || true
printf '  (c) one .c edited, check FILE             %7.3f s\n' "$c"
printf '  (d) floor: clang -fsyntax-only %7.3f s + link %.3f s = %.3f s   (c)/(d) = %s  target <= 1.5\n' \
    "$parse" "$link" "$d" "$(ratio "$c" "$d")"
sed -n 's/^looplint: /        /p' "$work/one.err" | grep -i "TUs\|time" || true
printf '  (e) header of %d TUs edited, whole run    %7.3f s   TUs parsed: %s (want %d each)\n' \
    "$K" "$e" "${header_parsed[*]}" "$K"

# (f) the same as (c) on real code: a copy of this project (its own compile
# database, deduplicated, paths moved to the copy), one runtime file edited.
# The generated corpus calls random functions of random files, so nearly
# its whole program is reachable from any file; real code is layered.
own_build=$BUILD_DIR
[[ -f $repo/build/compile_commands.json ]] && own_build=$repo/build
project=$work/own
mkdir -p "$project"
cp -r "$repo/include" "$repo/src" "$repo/tests" "$repo/examples" "$repo/bench" "$project/"
python3 - "$own_build/compile_commands.json" "$repo" "$project" <<'PY'
import json, os, sys
entries, repo, copy = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
seen, out = set(), []
for e in entries:
    path = os.path.normpath(os.path.join(e["directory"], e["file"]))
    # Sources of the checkout only: generated files live in the build tree.
    if path in seen or not path.startswith(repo + "/") or "/build" in path[len(repo):]:
        continue
    seen.add(path)
    text = json.dumps(e).replace(repo + "/", copy + "/")
    moved = json.loads(text)
    moved["directory"] = copy
    out.append(moved)
json.dump(out, open(os.path.join(copy, "compile_commands.json"), "w"), indent=1)
PY
db=$work/own.db
rm -f "$db" "$db"-*
own_full=$(seconds check --no-cache)
one_file_edited "$project/src/nest/queue.c"
own_units=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))))" "$project/compile_commands.json")
printf '  (f) own code (%d TUs; full cold run %.3f s): src/nest/queue.c edited, check FILE %.3f s\n' \
    "$own_units" "$own_full" "$c"
printf '      floor: clang -fsyntax-only %7.3f s + link %.3f s = %.3f s   (c)/(d) = %s  target <= 1.5\n' \
    "$parse" "$link" "$d" "$(ratio "$c" "$d")"
sed -n 's/^looplint: /        /p' "$work/one.err" | grep -i "TUs\|time" || true
