#!/usr/bin/env bash
# scripts/run.sh - THE main-job command (README.md): installs what is missing,
# builds everything in build/, and shows the project at work.
#
# Until the analyzer exists this is a short demo of the nest runtime's
# examples: examples/demo.sh when the examples provide one (it gets the build
# directory as its argument), else the list of built example programs. Once
# looplint lands, this runs it on a demo project.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
JOBS=${JOBS:-$(nproc)}

bash scripts/setup.sh

echo "== build (build/)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$JOBS"

echo
if [[ -f examples/demo.sh ]]; then
    echo "== examples/demo.sh"
    exec bash examples/demo.sh "$root/build"
fi

echo "== examples (no examples/demo.sh yet): built programs"
if [[ -d build/examples ]]; then
    found=0
    while IFS= read -r program; do
        echo "  ${program#"$root"/}"
        found=1
    done < <(find "$root/build/examples" -type f -perm -u+x ! -name '*.sh' ! -path '*/CMakeFiles/*' | sort)
    [[ $found -eq 1 ]] || echo "  (none yet)"
else
    echo "  (none yet: examples/CMakeLists.txt is not in the tree)"
fi
