#!/usr/bin/env bash
# What the engine holds once batches are over. See bench/README.md.
#
#   bench/batch-memory.sh [path/to/batch-memory]      (default: build/bench/batch-memory in the repo)
#
# Starts a private nginx (tests/nginx/nginx-fixture.sh) on 127.0.0.1 and runs $BENCH_BATCHES
# batches of $BENCH_TASKS tiny responses in one process; exits 1 when memory grew by more than 10 %.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
program=${1:-$bench_root/build/bench/batch-memory}
batches=${BENCH_BATCHES:-50}
tasks=${BENCH_TASKS:-1000}
early=${BENCH_EARLY:-5}

bench_start batch-memory
"$program" "$bench_base/ok" "$batches" "$tasks" "$early"
