#!/usr/bin/env bash
# examples/demo.sh - a short scripted tour of the nest examples.
#
#   bash examples/demo.sh [BUILD_DIR]      (default: build)
#
# Starts echo_server on a free port, runs fanout against it, stops the
# server with SIGTERM, feeds worker_pool items and sends it SIGTERM while
# items are still queued, and hashes a few files with offload. Prints what
# each program printed, and exits 0 only if every one behaved: exit statuses,
# all requests echoed, every accepted item processed. Whatever it started
# is stopped on exit.
set -u

build=${1:-build}
bin="$build/examples"
work=$(mktemp -d)
server_pid=""
pool_pid=""
failures=0

cleanup() {
    for pid in $server_pid $pool_pid; do
        kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    done
    rm -rf "$work"
}
trap cleanup EXIT

for program in echo_server fanout worker_pool offload; do
    if [[ ! -x "$bin/$program" ]]; then
        echo "demo: $bin/$program not found: build first (cmake -S . -B $build && cmake --build $build)" >&2
        exit 2
    fi
done

# check DESCRIPTION COMMAND...: runs the test, prints ok or FAILED, counts.
check() {
    local description=$1
    shift
    if "$@"; then
        echo "   ok: $description"
    else
        echo "   FAILED: $description"
        failures=$((failures + 1))
    fi
}

show() { sed 's/^/   | /' "$1"; }

# Waits up to 5 s for "listening on HOST:PORT" and prints PORT.
wait_for_port() {
    local line=""
    for _ in $(seq 50); do
        line=$(head -n 1 "$work/server.out")
        if [[ $line == "listening on "* ]]; then
            echo "${line##*:}"
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# Waits up to 5 s for process $1 to exit; returns its exit status (124: it
# did not, and was killed).
wait_exit() {
    local pid=$1
    for _ in $(seq 50); do
        if ! kill -0 "$pid" 2>/dev/null; then
            wait "$pid"
            return $?
        fi
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 124
}

echo "== echo_server: a TCP echo server, at most 16 connections at once"
"$bin/echo_server" --port 0 --max-conns 16 >"$work/server.out" 2>"$work/server.err" &
server_pid=$!
if ! port=$(wait_for_port); then
    echo "   FAILED: echo_server did not print its address"
    show "$work/server.err"
    exit 1
fi
show "$work/server.out"

echo "== fanout: 50 requests through a pool of 8 connections, 2 s timeout each"
timeout 20 "$bin/fanout" --port "$port" --requests 50 --concurrency 8 --timeout-ms 2000 \
    >"$work/fanout.out" 2>"$work/fanout.err"
fanout_status=$?
show "$work/fanout.out"
show "$work/fanout.err"
check "fanout exited 0" test "$fanout_status" -eq 0
check "all 50 requests echoed" grep -q ": 50 ok, 0 failed" "$work/fanout.out"

echo "== echo_server: SIGTERM stops it gracefully"
kill -TERM "$server_pid"
wait_exit "$server_pid"
server_status=$?
server_pid=""
show "$work/server.out"
check "echo_server exited 0 after SIGTERM" test "$server_status" -eq 0

echo "== worker_pool: 30 items of 100 ms, 3 workers, SIGTERM after 0.35 s"
mkfifo "$work/items"
"$bin/worker_pool" --work-ms 100 --capacity 8 <"$work/items" >"$work/pool.out" 2>"$work/pool.err" &
pool_pid=$!
exec 3>"$work/items" # held open: the input does not end, only the signal stops intake
for i in $(seq 30); do echo "item-$i" >&3; done
sleep 0.35
kill -TERM "$pool_pid"
wait_exit "$pool_pid"
pool_status=$?
pool_pid=""
exec 3>&-
show "$work/pool.out"
show "$work/pool.err"
accepted=$(sed -n 's/^accepted \([0-9]*\) items$/\1/p' "$work/pool.out")
processed=$(sed -n 's/^processed \([0-9]*\) items$/\1/p' "$work/pool.out")
done_lines=$(grep -c '^done ' "$work/pool.out")
check "worker_pool exited 0 after SIGTERM" test "$pool_status" -eq 0
check "every accepted item was processed (${accepted:-?} accepted, $done_lines done)" \
    test -n "$accepted" -a "${accepted:-x}" = "${processed:-y}" -a "${accepted:-x}" = "$done_lines"
check "SIGTERM came while items were still queued" test "${accepted:-30}" -lt 30

echo "== offload: hashing files on the thread pool (FNV-1a 64)"
demo_dir=$(dirname "$0")
timeout 20 "$bin/offload" "$demo_dir"/*.c "$demo_dir/README.md" >"$work/offload.out" 2>"$work/offload.err"
offload_status=$?
show "$work/offload.out"
show "$work/offload.err"
file_count=$(($(ls "$demo_dir"/*.c | wc -l) + 1))
check "offload exited 0" test "$offload_status" -eq 0
check "one hash per file" test "$(wc -l <"$work/offload.out")" -eq "$file_count"

echo
if [[ $failures -eq 0 ]]; then
    echo "demo: all examples behaved"
    exit 0
fi
echo "demo: $failures check(s) failed"
exit 1
