#!/usr/bin/env bash
# The monitor's speed targets: a timeline frame of 100,000 tasks, and the GUI loop's lag while
# the window follows a batch at full speed. See bench/README.md.
#
#   bench/monitor.sh [path/to/monitor-bench]      (default: build/bench/monitor-bench in the repo)
#
# Starts a private nginx on 127.0.0.1; runs the window offscreen unless DISPLAY is set.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
program=${1:-$bench_root/build/bench/monitor-bench}
tasks=${BENCH_TASKS:-10000}

bench_start monitor
[ -n "${DISPLAY:-}" ] || export QT_QPA_PLATFORM=offscreen
XDG_CONFIG_HOME=$bench_work/config XDG_DATA_HOME=$bench_work/data "$program" "$bench_base/ok" "$tasks"
