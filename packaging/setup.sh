#!/usr/bin/env bash
# Loopscope's one set-up script for Debian 12: installs what is missing, builds, and then
# launches the window (run) or runs every test (test). Safe to run again at any time.
#
#   packaging/setup.sh run [FILE...]   install, build, launch the app
#   packaging/setup.sh test            install, build, run the whole test suite
#   packaging/setup.sh build           install and build the app only (no tests)
#   packaging/setup.sh bench [--all]   install, build the app, run bench/throughput.sh on it
# Environment: BUILD_DIR (default build, or build-sanitize with SANITIZE=1),
#              SANITIZE=1 (AddressSanitizer + UBSan build), CI=true (warnings are errors).
set -euo pipefail

cd "$(dirname "$0")/.."
command=${1:-run}
shift || true

BUILD_PACKAGES=(cmake ninja-build g++ pkg-config qt6-base-dev qt6-base-dev-tools libgl-dev
                qcoro-qt6-dev qtkeychain-qt6-dev libqt6sql6-sqlite libqt6svg6 zlib1g-dev
                libcurl4-openssl-dev libsqlite3-dev)
# curl: the nginx fixture asks with it whether the server is up.
TEST_PACKAGES=(nginx libnginx-mod-http-echo python3-aiosmtpd openssl curl xvfb xauth)
# The peers and the meter of bench/ (nginx, its echo module and curl come from TEST_PACKAGES).
BENCH_PACKAGES=(wget2 python3-aiohttp time)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_missing() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "Installing: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# build TESTS: TESTS=ON also builds the suites, whose configuration needs the test peers.
build() {
    local tests=$1
    local dir=${BUILD_DIR:-build$([ "${SANITIZE:-0}" = 1 ] && echo -sanitize)}
    local werror=OFF
    [ "${CI:-}" = true ] && werror=ON
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DBUILD_TESTING="$tests" -DLOOPSCOPE_WERROR=$werror -DLOOPSCOPE_SANITIZE="$([ "${SANITIZE:-0}" = 1 ] && echo ON || echo OFF)" >/dev/null
    cmake --build "$dir" -j "$(nproc)"
    # Installed into the build folder, so that what runs is laid out as an installation would be.
    cmake --install "$dir" --prefix "$dir/install" >/dev/null
    BUILT_DIR=$dir
}

case "$command" in
build)
    install_missing "${BUILD_PACKAGES[@]}"
    build OFF
    ;;
run)
    install_missing "${BUILD_PACKAGES[@]}"
    build OFF
    exec "$BUILT_DIR/install/bin/loopscope" "$@"
    ;;
bench)
    install_missing "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${BENCH_PACKAGES[@]}"
    build OFF
    exec bench/throughput.sh "$@" "$BUILT_DIR/install/bin/loopscope"
    ;;
test)
    install_missing "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    build ON
    # Sanitizers: fail on the first report; Qt's own one-time allocations are not leaks of ours.
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    ctest --test-dir "$BUILT_DIR" --output-on-failure --timeout 600 "$@"
    ;;
*)
    echo "usage: packaging/setup.sh run [FILE...] | test | build | bench [--all]" >&2
    exit 2
    ;;
esac
