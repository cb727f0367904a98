#!/usr/bin/env bash
# bench/run.sh - build and run nest's benchmarks, printing every figure
# under the command that produced it.
#
# Usage: bench/run.sh [switch] [spawn] [idle] [echo]     (default: all)
# Environment:
#   BUILD_DIR     cmake build directory (default: build/ if it is a Release
#                 or RelWithDebInfo build or does not exist yet, which is
#                 then configured as Release; else /tmp/nest-bench-build)
#   ECHO_SECONDS  measured seconds per echo server (default 5)
#   ECHO_CONNS    load-client connections (default 100)
#   ECHO_PORT     first TCP port to use (default 7300)
#   NO_PIN=1      do not pin server and client to different cores
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

what=("$@")
[ ${#what[@]} -eq 0 ] && what=(switch spawn idle echo)
wants() { local w; for w in "${what[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }

# ---- build -----------------------------------------------------------------
cache_type() { sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$1/CMakeCache.txt" 2>/dev/null; }
if [ -z "${BUILD_DIR:-}" ]; then
    BUILD_DIR=build
    if [ -f build/CMakeCache.txt ]; then
        case "$(cache_type build)" in
        Release | RelWithDebInfo) ;;
        *)
            echo "note: build/ is a '$(cache_type build)' build; benchmarking a Release build in /tmp/nest-bench-build"
            BUILD_DIR=/tmp/nest-bench-build
            ;;
        esac
    fi
fi
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
targets=(bench_switch bench_spawn bench_idle bench_echo_nest bench_echo_load bench_echo_epoll)
if grep -q '^UV_FOUND:INTERNAL=1' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null; then
    targets+=(bench_echo_uv)
fi
cmake --build "$BUILD_DIR" -j"$(nproc)" --target "${targets[@]}" >/dev/null
if wants echo; then # the example echo server is run as well when it builds
    cmake --build "$BUILD_DIR" -j"$(nproc)" --target example_echo_server >/dev/null 2>&1 ||
        echo "note: example_echo_server not built; the echo test runs bench_echo_nest only"
fi
B="$BUILD_DIR/bench"

echo "# nest benchmarks, $(date -u +%Y-%m-%dT%H:%MZ), $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "# $(nproc) cores: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1); kernel $(uname -r); build: $BUILD_DIR ($(cache_type "$BUILD_DIR"))"

status=0
run() {
    echo
    echo "\$ $*"
    "$@" || { echo "(exit status $?)"; status=1; }
}

wants switch && run "$B/bench_switch"
wants spawn && run "$B/bench_spawn"
wants idle && run "$B/bench_idle"

wants echo || exit $status

# ---- TCP echo ----------------------------------------------------------------
seconds=${ECHO_SECONDS:-5}
conns=${ECHO_CONNS:-100}
port=${ECHO_PORT:-7300}
srv_pin=() cli_pin=()
if [ -z "${NO_PIN:-}" ] && command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    srv_pin=(taskset -c 0) cli_pin=(taskset -c 1)
fi

declare -A rate
server_pid=
stop_server() {
    [ -n "$server_pid" ] || return 0
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
}
trap stop_server EXIT

# echo_run NAME SERVER-COMMAND... : starts the server on $port, drives it,
# records its requests/s in rate[NAME], stops it.
echo_run() {
    local name=$1
    shift
    echo
    echo "# echo server: $name"
    echo "\$ ${srv_pin[*]} $* &"
    "${srv_pin[@]}" "$@" &
    server_pid=$!
    local cmd=("${cli_pin[@]}" "$B/bench_echo_load" -c "$conns" -t "$seconds" -p "$server_pid" 127.0.0.1 "$port")
    echo "\$ ${cmd[*]}"
    local out
    if out=$("${cmd[@]}"); then
        echo "$out"
        rate[$name]=$(sed -n 's/.*: \([0-9][0-9]*\) requests\/s.*/\1/p' <<<"$out")
    else
        echo "$out"
        echo "echo server $name: the load run failed"
        status=1
    fi
    stop_server
    port=$((port + 1))
}

echo_run nest "$B/bench_echo_nest" "$port"
example=
for f in "$BUILD_DIR/examples/echo_server" "$BUILD_DIR/examples/example_echo_server"; do
    [ -x "$f" ] && example=$f && break
done
if [ -n "$example" ]; then
    echo_run nest-example "$example" --port "$port" --max-conns 1000
fi
if [ -x "$B/bench_echo_uv" ]; then
    echo_run libuv "$B/bench_echo_uv" "$port"
else
    echo "# echo server: libuv skipped (bench_echo_uv not built: install libuv1-dev)"
fi
echo_run epoll "$B/bench_echo_epoll" "$port"

echo
echo "# echo summary ($conns connections, 64-byte messages, ${seconds} s each)"
for name in nest nest-example libuv epoll; do
    [ -n "${rate[$name]:-}" ] && printf '%-13s %10s requests/s\n' "$name" "${rate[$name]}"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
if [ -n "${rate[libuv]:-}" ]; then
    for name in nest nest-example; do
        [ -n "${rate[$name]:-}" ] || continue
        r=$(ratio "${rate[$name]}" "${rate[libuv]}")
        verdict=$(awk -v r="$r" 'BEGIN { print (r >= 1.0) ? "met" : "MISSED" }')
        echo "ratio $name/libuv = $r (target >= 1: $verdict)"
    done
fi
if [ -n "${rate[epoll]:-}" ] && [ -n "${rate[nest]:-}" ]; then
    echo "ratio nest/epoll = $(ratio "${rate[nest]}" "${rate[epoll]}")"
fi
exit $status
