#!/usr/bin/env bash
# What the engine holds once batches are over. See bench/README.md.
#
#   bench/batch-memory.sh [path/to/batch-memory]      (default: build/bench/batch-memory in the repo)
#
# Starts a private nginx (tests/nginx/nginx-fixture.sh) on 127.0.0.1 and runs $BENCH_BATCHES
# batches of $BENCH_TASKS tiny responses in one process; exits 1 when memory grew by more than 10 %.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
program=${1:-$root/build/bench/batch-memory}
batches=${BENCH_BATCHES:-50}
tasks=${BENCH_TASKS:-1000}
early=${BENCH_EARLY:-5}

unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
work=$(mktemp -d "${TMPDIR:-/tmp}/batch-memory.XXXXXX")
cleanup() {
    "$root/tests/nginx/nginx-fixture.sh" stop "$work/nginx" || true
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$root/tests/nginx/nginx-fixture.sh" start "$work/nginx" >/dev/null
port=$(cat "$work/nginx/port")
"$program" "http://127.0.0.1:$port/ok" "$batches" "$tasks" "$early"
