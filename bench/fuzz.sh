#!/usr/bin/env bash
# How fast the fuzz targets of tests/fuzz run: builds them with clang, then runs each for a fixed
# number of executions on a copy of its seed corpus. See tests/fuzz/README.md.
#
#   bench/fuzz.sh [BUILD_DIR]            (default: build-fuzz at the top of the tree)
#   FUZZ_RUNS=200000 bench/fuzz.sh       (default: 10,000,000 executions per target, hours in all)
#
# Prints a row per target: executions, seconds, crashes. A target stops at its first crash,
# leak, hang or running out of memory; its input is then kept in a temp dir whose path is
# printed, and the script exits 1.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
build=${1:-$root/build-fuzz}
runs=${FUZZ_RUNS:-10000000}
if [[ ! $runs =~ ^[0-9]+$ ]]; then
    echo "$0: FUZZ_RUNS must be a number of executions, not \"$runs\"" >&2
    exit 2
fi

if [[ ! -f $build/CMakeCache.txt ]]; then
    cmake -S "$root/tests/fuzz" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
# Two jobs: the sanitizers make each compile heavy, and the machine is often shared.
cmake --build "$build" -j 2 >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/loopscope-fuzz-bench.XXXXXX")
failed=0
# shellcheck disable=SC2317 # run by the EXIT trap
finish() {
    if [[ $failed -eq 0 ]]; then
        rm -rf "$work"
    else
        echo "kept for the failed targets: $work" >&2
    fi
}
trap finish EXIT
trap 'exit 130' INT TERM

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

printf '%-20s %12s %9s %8s\n' target executions seconds crashes
for binary in "$build"/fuzz_*; do
    [[ -f $binary && -x $binary ]] || continue
    name=$(basename "$binary")
    corpus=$work/$name/corpus
    artifacts=$work/$name/artifacts
    log=$work/$name/log
    mkdir -p "$corpus" "$artifacts"
    if [[ -d $root/tests/fuzz/corpus/$name ]]; then
        cp -R "$root/tests/fuzz/corpus/$name/." "$corpus/"
    fi
    rc=0
    start=$(date +%s.%N)
    "$binary" -runs="$runs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1 || rc=$?
    end=$(date +%s.%N)

    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    crashes=$(find "$artifacts" -type f ! -name 'slow-unit-*' | wc -l)
    if [[ $rc -ne 0 && $crashes -eq 0 ]]; then
        crashes=1 # it failed without saving an input: the log says why
    fi
    seconds=$(awk -v start="$start" -v end="$end" 'BEGIN { printf "%.1f", end - start }')
    printf '%-20s %12s %9s %8s\n' "$name" "${executions:-0}" "$seconds" "$crashes"
    if [[ $crashes -ne 0 ]]; then
        failed=1
        echo "  exit code $rc; log: $log" >&2
    fi
done

exit "$failed"
