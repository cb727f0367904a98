#!/usr/bin/env bash
# tests/install/run.sh BUILD_DIR WORK_DIR CMAKE C_COMPILER
#
# ctest's install_consumer test: installs the build in BUILD_DIR into a
# scratch prefix under WORK_DIR, then builds tests/install/consumer.c against
# that copy through find_package(nest) (shared and static) and through
# pkg-config, and runs the three programs.
set -euo pipefail

build_dir=$1
work=$2
cmake=$3
cc=$4
here=$(cd "$(dirname "$0")" && pwd)

rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix

echo "== install into $prefix"
"$cmake" --install "$build_dir" --prefix "$prefix" >"$work/install.log"
test -f "$prefix/include/nest.h"

echo "== find_package(nest)"
"$cmake" -S "$here" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Release >"$work/consumer-configure.log"
"$cmake" --build "$work/consumer" >"$work/consumer-build.log"
"$work/consumer/consumer_shared"
"$work/consumer/consumer_static"
# The static one must not need the shared library.
# (ldd's output is captured first: grep -q would close the pipe early and, with
# pipefail, turn ldd's SIGPIPE into a failure.)
deps=$(ldd "$work/consumer/consumer_static")
if grep -q libnest <<<"$deps"; then
    echo "consumer_static is linked to the shared libnest" >&2
    exit 1
fi

echo "== pkg-config nest"
pcdir=$(dirname "$(find "$prefix" -name nest.pc -print -quit)")
export PKG_CONFIG_PATH=$pcdir
pkg-config --exists nest
pkg-config --modversion nest
libdir=$(pkg-config --variable=libdir nest)
# shellcheck disable=SC2046
"$cc" -o "$work/consumer_pc" "$here/consumer.c" $(pkg-config --cflags --libs nest) \
    -Wl,-rpath,"$libdir"
"$work/consumer_pc"
deps=$(ldd "$work/consumer_pc")
grep -qF "$libdir/libnest.so" <<<"$deps"

echo "install_consumer: all three consumers ran"
