#!/usr/bin/env bash
# Loopscope's one set-up script for Debian 12: installs what is missing, builds, and then
# launches the window (run) or runs every test (test). Safe to run again at any time.
#
#   packaging/setup.sh run [FILE...]   install, build, launch the app
#   packaging/setup.sh test            install, build, run the whole test suite
#   packaging/setup.sh build           install and build the app only (no tests)
#   packaging/setup.sh bench [--all]   install, build the app, run bench/throughput.sh on it
#   packaging/setup.sh fuzz [SECONDS]  install clang, build tests/fuzz, run each target SECONDS (60)
# Environment: BUILD_DIR (default build; build-sanitize with SANITIZE=1, build-tsan with SANITIZE=thread),
#              SANITIZE=1 (AddressSanitizer + UBSan build) or SANITIZE=thread (ThreadSanitizer build),
#              CI=true (warnings are errors).
set -euo pipefail

cd "$(dirname "$0")/.."
command=${1:-run}
shift || true

BUILD_PACKAGES=(cmake ninja-build g++ pkg-config qt6-base-dev qt6-base-dev-tools libgl-dev
                qcoro-qt6-dev qtkeychain-qt6-dev libqt6sql6-sqlite libqt6svg6 zlib1g-dev
                libcurl4-openssl-dev libsqlite3-dev)
# curl: the nginx fixture asks with it whether the server is up.
TEST_PACKAGES=(nginx libnginx-mod-http-echo python3-aiosmtpd openssl curl xvfb xauth)
# libFuzzer and its sanitizer runtimes (tests/fuzz is built with clang).
FUZZ_PACKAGES=(clang libclang-rt-14-dev)
# The peers and the meter of bench/ (nginx, its echo module and curl come from TEST_PACKAGES).
BENCH_PACKAGES=(wget2 python3-aiohttp time jq sqlite3)

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

# The sanitizers SANITIZE asks for, as LOOPSCOPE_SANITIZE takes them, and the build folder's suffix.
sanitizers() {
    case "${SANITIZE:-0}" in
    1 | address) echo "address -sanitize" ;;
    thread) echo "thread -tsan" ;;
    *) echo "OFF " ;;
    esac
}

# build TESTS: TESTS=ON also builds the suites, whose configuration needs the test peers.
build() {
    local tests=$1
    local sanitize suffix
    read -r sanitize suffix <<<"$(sanitizers)"
    local dir=${BUILD_DIR:-build$suffix}
    local werror=OFF
    [ "${CI:-}" = true ] && werror=ON
    cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DBUILD_TESTING="$tests" -DLOOPSCOPE_WERROR=$werror -DLOOPSCOPE_SANITIZE="$sanitize" >/dev/null
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
fuzz)
    install_missing "${BUILD_PACKAGES[@]}" "${FUZZ_PACKAGES[@]}"
    werror=OFF
    [ "${CI:-}" = true ] && werror=ON
    cmake -S tests/fuzz -B "${BUILD_DIR:-build-fuzz}" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DLOOPSCOPE_WERROR=$werror >/dev/null
    cmake --build "${BUILD_DIR:-build-fuzz}" -j "$(nproc)"
    exec tests/fuzz/run-smoke.sh "${BUILD_DIR:-build-fuzz}" "${1:-60}"
    ;;
test)
    install_missing "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
    build ON
    # Sanitizers: fail on the first report; Qt's own one-time allocations are not leaks of ours.
    export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
    export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:print_suppressions=0}
    export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
    # A race report fails the suite (TSan's exit code); tests/tsan.supp names what is Qt's alone.
    # die_after_fork=0: the suites start loopscope with QProcess, whose child runs nothing but
    # exec; TSan would otherwise take the fork of a threaded process as fatal for later threads.
    export TSAN_OPTIONS=${TSAN_OPTIONS:-suppressions=$PWD/tests/tsan.supp:history_size=4:second_deadlock_stack=1:die_after_fork=0}
    ctest --test-dir "$BUILT_DIR" --output-on-failure --timeout 600 "$@"
    ;;
*)
    echo "usage: packaging/setup.sh run [FILE...] | test | build | bench [--all] | fuzz [SECONDS]" >&2
    exit 2
    ;;
esac
