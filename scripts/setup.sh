#!/usr/bin/env bash
# scripts/setup.sh - install every Debian 12 (bookworm) package that looplint and
# nest need to build, test (normal, sanitizer and aarch64-under-qemu builds),
# lint and benchmark.
#
# Then the npm packages the tests run (tests/tools: Microsoft's SARIF
# validator, playwright-core), at the versions package-lock.json pins.
#
# Idempotent: when every package is already installed it returns in well under
# a second without touching apt or npm. Needs root (uses sudo when run as a user).
#
# The aarch64 test build links the arm64 build of cmocka, which comes from
# Debian's multiarch archive: this script adds the arm64 foreign architecture
# to dpkg. See docs/building.md ("aarch64") for why and for what it does when
# another (non-Debian) apt source cannot serve arm64 indexes.
set -euo pipefail

# Packages for the build machine's own architecture.
# chromium: the HTML report's browser test (driven by playwright-core).
# vim, emacs-nox, pre-commit: the tests run the editor and hook set-ups that
# docs/editors.md shows.
PACKAGES=(
    build-essential cmake pkg-config git
    libclang-19-dev clang-19 llvm-19-dev # the analyzer's front end (libclang)
    libsqlite3-dev sqlite3               # the analyzer's store
    libpcre2-dev                         # rule packs' patterns
    libjansson-dev                       # the analyzer's JSON output and facts encoding
    libxxhash-dev                        # content hashes, cache keys and fingerprints
    libcmocka-dev                        # unit tests
    libuv1-dev                           # the echo benchmark's baseline
    clang-tidy-19 clang-format-19 cppcheck
    python3 procps hyperfine time
    chromium
    vim emacs-nox pre-commit # docs/editors.md's commands, run by the tests
)

# The test tools from npm (tests/tools/package.json) need Node.js: the
# machine's own when it has one, else Debian's.
if ! command -v npm >/dev/null 2>&1; then
    PACKAGES+=(nodejs npm)
fi

native_arch=$(dpkg --print-architecture)

# The aarch64 cross toolchain, qemu, and cmocka for arm64 (multiarch). On an
# arm64 host the native build already exercises the aarch64 context switch.
if [[ "$native_arch" != arm64 ]]; then
    PACKAGES+=(qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross libcmocka-dev:arm64)
fi

log() { printf 'setup: %s\n' "$*" >&2; }

# Run as root, or through sudo.
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        log "error: must run as root (or with sudo available) to install Debian packages"
        exit 1
    fi
fi

# Prints the packages of PACKAGES that are not installed. dpkg names a
# Multi-Arch: same package "name:arch" once a foreign architecture is added
# (libcmocka-dev:amd64 and libcmocka-dev:arm64), other packages plain "name";
# an unqualified name in PACKAGES means the native architecture's.
missing_packages() {
    local -A have=()
    local line p
    while IFS= read -r line; do
        have["${line%% *}"]=1
    done < <(dpkg-query -W -f='${binary:Package} ${db:Status-Status}\n' 2>/dev/null |
        grep ' installed$' || true)
    for p in "${PACKAGES[@]}"; do
        if [[ -z "${have[$p]:-}" && -z "${have[$p:$native_arch]:-}" ]]; then
            printf '%s\n' "$p"
        fi
    done
}

tools_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/tools" && pwd)

# npm ci installs exactly what the lock file pins. It is run only when the
# lock changed since the last install (npm writes node_modules/.package-lock.json).
# npm no longer runs install scripts, and the validator's postinstall only
# makes its .NET binary executable: done here instead.
install_test_tools() {
    local installed=$tools_dir/node_modules/.package-lock.json
    if [[ ! -f $installed || $tools_dir/package-lock.json -nt $installed ]]; then
        log "installing the test tools (npm ci in tests/tools)"
        (cd "$tools_dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
    chmod u+x "$tools_dir"/node_modules/@microsoft/sarif-multitool-linux*/Sarif.Multitool
}

mapfile -t missing < <(missing_packages)
if [[ ${#missing[@]} -eq 0 ]]; then
    log "all ${#PACKAGES[@]} packages already installed"
    install_test_tools
    exit 0
fi
log "missing: ${missing[*]}"

export DEBIAN_FRONTEND=noninteractive

if [[ "$native_arch" != arm64 ]] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
    log "adding the arm64 foreign architecture (multiarch cmocka for the aarch64 tests)"
    "${SUDO[@]}" dpkg --add-architecture arm64
fi

# apt-get update. A third-party apt source that cannot serve arm64 indexes (no
# Architectures field in its Release file, so apt asks for binary-arm64 and gets
# 404) makes the whole update fail. Everything this script installs comes from
# Debian, so on failure retry with Debian's own sources only (without dropping
# the other sources' existing lists).
apt_update() {
    if "${SUDO[@]}" apt-get update -q; then
        return 0
    fi
    log "apt-get update failed; retrying with Debian's sources only"
    local parts f
    parts=$(mktemp -d)
    # shellcheck disable=SC2064
    trap "rm -rf '$parts'" RETURN
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f "$f" ]] || continue
        grep -E '^[[:space:]]*deb(-src)?[[:space:]].*debian\.org' "$f" \
            >>"$parts/debian.list" || true
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f "$f" ]] || continue
        if grep -qE '^[[:space:]]*URIs:.*debian\.org' "$f"; then
            cp "$f" "$parts/"
        fi
    done
    chmod 0755 "$parts"
    chmod 0644 "$parts"/* 2>/dev/null || true
    "${SUDO[@]}" apt-get update -q \
        -o Dir::Etc::SourceList=/dev/null \
        -o Dir::Etc::SourceParts="$parts" \
        -o APT::Get::List-Cleanup=0
}

apt_update
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${PACKAGES[@]}"

mapfile -t missing < <(missing_packages)
if [[ ${#missing[@]} -ne 0 ]]; then
    log "error: still not installed: ${missing[*]}"
    exit 1
fi
log "done: ${#PACKAGES[@]} packages installed"
install_test_tools
