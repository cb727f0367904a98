#!/usr/bin/env bash
# scripts/run.sh - THE main-job command (README.md): installs what is missing,
# builds everything in build/, and runs looplint:
#   1. on demo/, a small service on nest with a handful of real bugs: the
#      findings are printed, each with the chain or path that explains it;
#   2. on the project's own async code (examples/ and src/nest/), which
#      passes with no finding.
# Exits 0 when both behave so (the demo's findings are the point, not a
# failure); `looplint`'s own exit status is shown for each.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
JOBS=${JOBS:-$(nproc)}

bash scripts/setup.sh

echo "== build (build/)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$JOBS"
looplint=$root/build/bin/looplint

echo
echo "== looplint check on demo/ (a service with deliberate bugs: demo/README.md)"
cmake -S demo -B build/demo -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
status=0
"$looplint" check -p build/demo --db build/demo/looplint.db || status=$?
echo "(looplint exit status $status: 1 means findings at or above --fail-on)"
[[ $status -eq 1 ]] || { echo "run.sh: expected findings on demo/" >&2; exit 1; }

echo
echo "== looplint check on examples/ and src/nest/ (the project's own async code)"
mkdir -p build/self
python3 - build/compile_commands.json "$root" build/self/compile_commands.json <<'PY'
import json, os, sys
database, source, out = sys.argv[1:]
keep = [os.path.join(source, d) + "/" for d in ("examples", "src/nest")]
entries = [e for e in json.load(open(database))
           if any(os.path.normpath(os.path.join(e["directory"], e["file"])).startswith(k) for k in keep)]
json.dump(entries, open(out, "w"), indent=1)
PY
status=0
"$looplint" check -p build/self --db build/self/looplint.db --fail-on note --stats || status=$?
echo "(looplint exit status $status)"
[[ $status -eq 0 ]] && echo "no finding: the examples and the runtime pass every check"
exit "$status"
