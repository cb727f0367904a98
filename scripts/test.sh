#!/usr/bin/env bash
# scripts/test.sh - THE test command (README.md; .ci/run calls it).
#
# Installs what is missing (scripts/setup.sh), then runs every stage and
# reports each one; exits non-zero if any stage failed:
#   normal   build/          RelWithDebInfo build of everything + ctest
#   asan     build-asan/     ASan+UBSan build (-DNEST_SANITIZE=ON) + ctest
#   aarch64  build-aarch64/  cross build of the runtime and its tests,
#                            ctest under qemu-aarch64
#   lint     clang-tidy-19 (.clang-tidy, build/compile_commands.json) and
#            cppcheck over src/nest/*.c and src/looplint/*/*.c
# Builds are incremental: a second run rebuilds only what changed.
# Each stage's full output is also kept in build-logs/<stage>.log.
#
# Usage: scripts/test.sh [STAGE...]   (default: all four, in that order)
# Environment: JOBS (default: nproc) for builds and ctest; CLANG_TIDY, CPPCHECK
# to use other binaries.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
self="$root/scripts/test.sh"
cd "$root"

JOBS=${JOBS:-$(nproc)}
CLANG_TIDY=${CLANG_TIDY:-clang-tidy-19}
CPPCHECK=${CPPCHECK:-cppcheck}
CTEST_ARGS=(--output-on-failure --no-tests=error -j "$JOBS")

# ---- Stages (each runs in its own bash process, with set -e in force) --------

configure_and_build() { # DIR CMAKE-ARGS...
    local dir=$1
    shift
    cmake -S "$root" -B "$dir" "$@"
    cmake --build "$dir" -j "$JOBS"
}

stage_normal() {
    configure_and_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
    ctest --test-dir build "${CTEST_ARGS[@]}"
}

stage_asan() {
    # -O0 -g here (the normal build is -O2): other code paths, exact traces.
    configure_and_build build-asan -DCMAKE_BUILD_TYPE=Debug -DNEST_SANITIZE=ON \
        -DNEST_BUILD_BENCH=OFF
    ctest --test-dir build-asan "${CTEST_ARGS[@]}"
}

stage_aarch64() {
    configure_and_build build-aarch64 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DCMAKE_TOOLCHAIN_FILE="$root/cmake/aarch64-linux-gnu.cmake" \
        -DNEST_BUILD_EXAMPLES=OFF -DNEST_BUILD_BENCH=OFF -DLOOPLINT_BUILD_ANALYZER=OFF
    ctest --test-dir build-aarch64 "${CTEST_ARGS[@]}"
}

stage_lint() {
    # clang-tidy needs the normal build's compilation database, current with
    # the tree (configure only: a file added since the last build must be in it).
    cmake -S "$root" -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    local files=(src/nest/*.c src/looplint/*/*.c)
    local status=0 tidy

    echo "== $CLANG_TIDY ($("$CLANG_TIDY" --version | grep -o 'version [0-9.]*')) over ${#files[@]} files"
    local out
    out=$(mktemp)
    if printf '%s\0' "${files[@]}" |
        xargs -0 -n 1 -P "$JOBS" "$CLANG_TIDY" -p build --quiet >"$out" 2>&1; then
        tidy=clean
    else
        # One finding in a header shows once per file including it: count unique.
        tidy="$(grep -E ': (error|warning): .*\[[A-Za-z0-9._,-]+\]$' "$out" | sort -u | wc -l) findings (above)"
        status=1
    fi
    # "N warnings generated." counts the suppressed ones too: noise.
    grep -vE '^[0-9]+ (warning|error)s? (and [0-9]+ (warning|error)s? )?generated\.$' "$out" || true
    rm -f "$out"
    echo "clang-tidy: $tidy"

    echo "== $CPPCHECK ($("$CPPCHECK" --version))"
    # Two runs: the runtime with every configuration cppcheck can find, the
    # analyzer with the definitions its build passes (cppcheck checks only
    # the given configuration once a -D is on its command line).
    local cppcheck_args=(--enable=warning,performance,portability --error-exitcode=1
        --inline-suppr --quiet --std=c11 -j "$JOBS")
    if "$CPPCHECK" "${cppcheck_args[@]}" -I include -I src/nest src/nest/*.c &&
        "$CPPCHECK" "${cppcheck_args[@]}" -I include -I src/looplint \
            -DLOOPLINT_VERSION='"0"' -DLOOPLINT_SOURCE_RULES_DIR='"rules"' \
            -DLOOPLINT_BINARY_DIR='"build"' -DLOOPLINT_INSTALL_RULES_DIR='"rules"' \
            src/looplint/*/*.c; then
        echo "cppcheck: clean"
    else
        echo "cppcheck: findings (above)"
        status=1
    fi
    return "$status"
}

if [[ "${1:-}" == --stage ]]; then
    "stage_$2"
    exit
fi

# ---- Driver ---------------------------------------------------------------------

all_stages=(normal asan aarch64 lint)
stages=("$@")
[[ ${#stages[@]} -gt 0 ]] || stages=("${all_stages[@]}")
for s in "${stages[@]}"; do
    [[ " ${all_stages[*]} " == *" $s "* ]] || {
        echo "test.sh: unknown stage '$s' (stages: ${all_stages[*]})" >&2
        exit 2
    }
done

echo "== setup"
if ! bash "$root/scripts/setup.sh"; then
    echo "test.sh: scripts/setup.sh failed; nothing was built" >&2
    exit 1
fi

mkdir -p build-logs
t0=$SECONDS
summary=()
failed_stages=()
tests_passed=0
tests_failed=0
for s in "${stages[@]}"; do
    echo
    echo "==== stage $s"
    log="build-logs/$s.log"
    start=$SECONDS
    if bash "$self" --stage "$s" 2>&1 | tee "$log"; then
        result=ok
    else
        result=FAILED
        failed_stages+=("$s")
    fi
    detail=""
    # ctest's closing line: "95% tests passed, 1 tests failed out of 20"
    if line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1); then
        failed=$(sed -E 's/.* ([0-9]+) tests? failed out of.*/\1/' <<<"$line")
        total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
        tests_passed=$((tests_passed + total - failed))
        tests_failed=$((tests_failed + failed))
        detail="ctest: $((total - failed)) passed, $failed failed"
    elif [[ "$s" == lint ]]; then
        detail=$(grep -E '^(clang-tidy|cppcheck): ' "$log" | paste -sd ';' | sed 's/;/; /g')
    elif grep -q '^No tests were found' "$log"; then
        detail="ctest: no tests found"
    elif [[ $result == FAILED ]]; then
        detail="configure or build failed (see the log)"
    fi
    summary+=("$(printf '  %-8s %-7s %5ss  %s' "$s" "$result" "$((SECONDS - start))" "$detail")")
done

echo
echo "==== summary (logs in build-logs/)"
printf '%s\n' "${summary[@]}"
if [[ ${#failed_stages[@]} -gt 0 ]]; then
    echo "FAILED stages: ${failed_stages[*]}"
else
    echo "all stages passed"
fi
echo "total time: $((SECONDS - t0))s"
echo "ctest: $tests_passed passed, $tests_failed failed"
[[ ${#failed_stages[@]} -eq 0 ]]
