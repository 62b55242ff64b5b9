#!/usr/bin/env bash
# Speed of `loopscope fetch` against peers, as ratios. See bench/README.md.
#
#   bench/fetch-bench.sh [path/to/loopscope]      (default: build/install/bin/loopscope, from packaging/setup.sh build)
#
# Starts a private nginx (tests/nginx/nginx-fixture.sh) on 127.0.0.1, makes $BENCH_URLS URLs
# /delay/$BENCH_DELAY_MS on it, and times every tool $BENCH_RUNS times at $BENCH_JOBS in flight.
# Only 127.0.0.1 is contacted: proxy variables are dropped and every tool is told not to use one.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
loopscope=${1:-$bench_default_loopscope}
urls=${BENCH_URLS:-200}
jobs=${BENCH_JOBS:-50}
delay_ms=${BENCH_DELAY_MS:-200}
runs=${BENCH_RUNS:-3}
PY=$bench_python

bench_start fetch-bench
work=$bench_work
url="$bench_base/delay/$delay_ms"
urlfile=$work/urls.txt
curlcfg=$work/curl.cfg
bench_url_file "$urlfile" "$url" "$urls"
bench_curl_config "$curlcfg" "$url" "$urls"

# ideal = ceil(urls / jobs) rounds of one delay each
ideal=$(bench_ideal "$urls" "$jobs" "$delay_ms")

names=()
declare -A median=()
notes=()

# bench NAME CHECK COMMAND...: runs COMMAND $runs times; CHECK (a function) gets the exit code and
# the output file and must return 0. Every run must also have made nginx serve all $urls URLs.
bench() {
    local name=$1 check=$2 times=() t0 t1 rc mark served r
    shift 2
    for ((r = 1; r <= runs; r++)); do
        mark=$(bench_log_mark)
        t0=$EPOCHREALTIME
        rc=0
        "$@" >"$work/out" 2>"$work/err" || rc=$?
        t1=$EPOCHREALTIME
        served=$(bench_served_since "$mark" "/delay/$delay_ms" "$urls")
        if ! "$check" "$rc" "$work/out" || ((served < urls)); then
            echo "fetch-bench: $name run $r failed (exit $rc, nginx served $served/$urls):" >&2
            head -c 2000 "$work/err" >&2
            exit 1
        fi
        times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
    done
    median[$name]=$(bench_median "${times[@]}")
    names+=("$name")
    echo "  $name: ${times[*]} s" >&2
}

exit_ok() { [[ $1 -eq 0 ]]; }
curl_ok() { [[ $1 -eq 0 && $(grep -cx 200 "$2") -eq $urls ]]; }

echo "fetch-bench: $urls x $url?n=<i>, $jobs at a time, $runs runs each (ideal ${ideal} s)" >&2

if [[ -x $loopscope ]]; then
    # Recording into a history of its own, as every run does, without touching the user's.
    bench loopscope exit_ok "$loopscope" fetch -j "$jobs" --per-host "$jobs" -q --db "$work/history.sqlite" "$urlfile"
else
    notes+=("loopscope skipped: no executable at $loopscope (build it, or pass its path)")
fi

curl_args=(-s -S --noproxy '*' --parallel --parallel-max "$jobs" -w '%{http_code}\n' -K "$curlcfg")
bench "curl" curl_ok curl "${curl_args[@]}"
# Without --parallel-immediate curl first waits for one connection to learn whether it can
# multiplex (HTTP/2): on plain HTTP/1.1 that costs one extra round of the delay.
bench "curl --parallel-immediate" curl_ok curl --parallel-immediate "${curl_args[@]}"

if command -v wget2 >/dev/null; then
    bench "wget2" exit_ok wget2 -q --no-config --no-proxy --max-threads="$jobs" -O /dev/null -i "$urlfile"
else
    notes+=("wget2 skipped: not installed (apt-get install wget2)")
fi

if "$PY" -c 'import aiohttp' 2>/dev/null; then
    bench "aiohttp (seed-style)" exit_ok "$PY" "$bench_here/aiohttp_fetch.py" -j "$jobs" "$urlfile"
else
    notes+=("aiohttp skipped: $PY has no aiohttp (apt-get install python3-aiohttp)")
fi

echo
printf '%-28s %9s %9s %16s\n' tool "median s" "x ideal" "loopscope/peer"
for name in "${names[@]}"; do
    m=${median[$name]}
    vs=$(awk -v l="${median[loopscope]:-}" -v p="$m" 'BEGIN { if (l == "") print "n/a"; else printf "%.2f", l / p }')
    printf '%-28s %9.3f %9.2f %16s\n' "$name" "$m" "$(awk -v m="$m" -v i="$ideal" 'BEGIN { printf "%.2f", m / i }')" "$vs"
done
printf '%-28s %9.3f %9.2f %16s\n' "(ideal: $urls x ${delay_ms} ms / $jobs)" "$ideal" 1 ""
for note in "${notes[@]}"; do echo "note: $note"; done
