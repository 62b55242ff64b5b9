#!/usr/bin/env bash
# A short run of every fuzz target of a build, each on a copy of its seed corpus. See
# tests/fuzz/README.md for the build.
#
#   tests/fuzz/run-smoke.sh BUILD_DIR SECONDS
#
# Prints "fuzz_x: N runs, 0 crashes" per target. Exits 1 if any target crashed, leaked, hung
# or ran out of memory: libFuzzer then stops and exits non-zero, and the input that did it is
# kept in a temp dir whose path is printed. Nothing is written into the source tree.
set -euo pipefail

if [[ $# -ne 2 || ! $2 =~ ^[0-9]+$ ]]; then
    echo "usage: $0 BUILD_DIR SECONDS" >&2
    exit 2
fi
build=$1
seconds=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

targets=()
for binary in "$build"/fuzz_*; do
    [[ -f $binary && -x $binary ]] && targets+=("$binary")
done
if [[ ${#targets[@]} -eq 0 ]]; then
    echo "$0: no fuzz_* binaries in $build: build them first (tests/fuzz/README.md)" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/loopscope-fuzz.XXXXXX")
failed=0
# The inputs and logs of a failed target are what there is to look at; otherwise nothing is kept.
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

# A stack for every UBSan report; the build already stops at the first one.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

for binary in "${targets[@]}"; do
    name=$(basename "$binary")
    corpus=$work/$name/corpus
    artifacts=$work/$name/artifacts
    log=$work/$name/log
    mkdir -p "$corpus" "$artifacts"
    if [[ -d $here/corpus/$name ]]; then
        cp -R "$here/corpus/$name/." "$corpus/"
    fi
    rc=0
    "$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1 || rc=$?

    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    [[ -n $runs ]] || runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
    # slow-unit-* inputs are only reported, not failures.
    found=$(find "$artifacts" -type f ! -name 'slow-unit-*' | sort)
    crashes=$(grep -c . <<<"$found" || true)
    if [[ $rc -ne 0 && $crashes -eq 0 ]]; then
        crashes=1 # it failed without saving an input: the log says why
    fi
    echo "$name: ${runs:-0} runs, $crashes $( ((crashes == 1)) && echo crash || echo crashes)"
    if [[ $rc -ne 0 || $crashes -ne 0 ]]; then
        failed=1
        echo "  exit code $rc; log: $log" >&2
        while read -r input; do
            [[ -n $input ]] && echo "  input: $input" >&2
        done <<<"$found"
    fi
done

exit "$failed"
