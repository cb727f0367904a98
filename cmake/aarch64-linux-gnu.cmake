# Cross-compiling for 64-bit ARM Linux with Debian's cross toolchain, running
# the tests under qemu-user:
#
#   cmake -S . -B build-aarch64 \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake \
#         -DNEST_BUILD_EXAMPLES=OFF -DNEST_BUILD_BENCH=OFF -DLOOPLINT_BUILD_ANALYZER=OFF
#   cmake --build build-aarch64 && ctest --test-dir build-aarch64
#
# Debian packages: gcc-aarch64-linux-gnu, libc6-dev-arm64-cross, qemu-user, and
# for the tests libcmocka-dev:arm64 (multiarch; scripts/setup.sh installs all).
# The cross C library lives in /usr/aarch64-linux-gnu; multiarch arm64
# libraries (cmocka) in /usr/lib/aarch64-linux-gnu with headers in /usr/include.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_ASM_COMPILER aarch64-linux-gnu-gcc)

# ctest runs every test executable through qemu. -L makes the emulated program
# see /usr/aarch64-linux-gnu as its root first, so its dynamic loader is the
# cross C library's (libc6-arm64-cross). LD_LIBRARY_PATH then makes that loader
# take libc.so.6 from the same place: without it, it searches
# /lib/aarch64-linux-gnu first, finds the multiarch libc6:arm64 that
# libcmocka-dev:arm64 pulls in (a different Debian revision of glibc 2.36), and
# the mismatched loader/libc pair hangs in the first pthread_create.
# Multiarch libraries (libcmocka.so.0) are still found in /usr/lib/aarch64-linux-gnu.
set(CMAKE_CROSSCOMPILING_EMULATOR
    qemu-aarch64;-L;/usr/aarch64-linux-gnu;-E;LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib)

# Look for libraries and headers in the cross sysroot and in the multiarch
# arm64 directories (searched under "/" as lib/aarch64-linux-gnu thanks to
# CMAKE_LIBRARY_ARCHITECTURE); programs come from the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu /)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config must read the arm64 .pc files, not the host's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(ENV{PKG_CONFIG_PATH} "")
