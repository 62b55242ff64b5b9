#!/usr/bin/env bash
# A long window session: 10 batches of 100,000 tiny responses, each removed from the views once
# it ended; prints RSS after each and the GUI loop's lag, against their targets. See bench/README.md.
#
#   bench/soak.sh [path/to/soak-bench]      (default: build/bench/soak-bench in the repo)
#
# BENCH_BATCHES and BENCH_TASKS change the size. Starts a private nginx on 127.0.0.1; runs the
# window offscreen unless DISPLAY is set.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
program=${1:-$bench_root/build/bench/soak-bench}

bench_start soak
[ -n "${DISPLAY:-}" ] || export QT_QPA_PLATFORM=offscreen
XDG_CONFIG_HOME=$bench_work/config XDG_DATA_HOME=$bench_work/data \
    "$program" "$bench_base/ok" "${BENCH_BATCHES:-10}" "${BENCH_TASKS:-100000}"
