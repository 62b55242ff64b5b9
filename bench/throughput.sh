#!/usr/bin/env bash
# Throughput, CPU time and memory of `loopscope fetch` against peers, checked against its targets.
# See bench/README.md.
#
#   bench/throughput.sh [path/to/loopscope]        (default: build/install/bin/loopscope, from packaging/setup.sh build)
#   bench/throughput.sh --all [path/to/loopscope]  also the 1,000,000-URL case (as BENCH_MILLION=1)
#
# Starts one private nginx (tests/nginx/nginx-fixture.sh) on 127.0.0.1 and runs every case against
# it: tiny responses at $BENCH_SIZES URLs (loopscope, wget2, curl, aiohttp), one large file to disk
# (loopscope, curl), 1,000,000 tiny responses (loopscope, when asked) and the latency case of
# fetch-bench.sh (loopscope). Each tool runs under /usr/bin/time; a run counts only when nginx's
# access log shows every URL answered 200 during it. Prints Markdown tables; exits 1 when a run
# failed (and, with BENCH_STRICT=1, when a target was missed).
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

all=0
if [[ ${1:-} == --all ]]; then
    all=1
    shift
fi
loopscope=${1:-$bench_default_loopscope}
jobs=${BENCH_JOBS:-50}
read -r -a sizes <<<"${BENCH_SIZES-5000 50000}"
runs=${BENCH_RUNS:-1}
aiohttp_max=${BENCH_AIOHTTP_MAX:-50000}
bandwidth_mib=${BENCH_BANDWIDTH_MIB:-1024}
million=${BENCH_MILLION:-$all}
million_urls=${BENCH_MILLION_URLS:-1000000}
latency_urls=${BENCH_LATENCY_URLS:-200}
latency_runs=${BENCH_LATENCY_RUNS:-3}
delay_ms=${BENCH_DELAY_MS:-200}
run_timeout=${BENCH_TIMEOUT:-600}
million_timeout=${BENCH_MILLION_TIMEOUT:-3600}
strict=${BENCH_STRICT:-0}
TIME=/usr/bin/time

[[ -x $TIME ]] || { echo "throughput: $TIME is missing (apt-get install time)" >&2; exit 1; }
[[ -x $loopscope ]] || { echo "throughput: no executable at $loopscope (build it, or pass its path)" >&2; exit 1; }
loopscope=$(realpath "$loopscope")

bench_start throughput
work=$bench_work
db=$work/history.sqlite
dl=$work/downloads
notes=()
failures=0
missed=0

# Results, keyed "CASE|TOOL": median wall s, CPU s (user + sys), peak RSS KiB; status is "ok",
# "failed: ..." or "skipped: ...".
declare -A wall=() cpu=() rss=() status=()

fresh_db() { rm -f "$db" "$db"-*; }

# measure TIMEOUT COMMAND...: runs COMMAND once under /usr/bin/time, its output in $work/out and
# $work/err; sets m_rc, m_wall, m_cpu, m_rss.
measure() {
    local limit=$1 t0 t1 line
    shift
    t0=$EPOCHREALTIME
    m_rc=0
    "$TIME" -o "$work/time" -f '%U %S %M' timeout -s INT -k 10 "$limit" "$@" >"$work/out" 2>"$work/err" || m_rc=$?
    t1=$EPOCHREALTIME
    # time puts "Command exited with non-zero status N" first when it did.
    line=$(tail -n 1 "$work/time")
    m_wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
    m_cpu=$(awk '{ printf "%.2f", $1 + $2 }' <<<"$line")
    m_rss=$(awk '{ print $3 }' <<<"$line")
}

# run_case CASE TOOL PATH WANT BEFORE CHECK TIMEOUT COMMAND...: $runs runs of COMMAND, each after
# BEFORE (a function), each of which must exit 0, pass CHECK (a function, or :) and make nginx
# answer WANT requests for PATH with 200. Keeps the medians under CASE|TOOL.
run_case() {
    local key="$1|$2" path=$3 want=$4 before=$5 check=$6 limit=$7 r mark served walls=() cpus=() rsss=()
    shift 7
    for ((r = 1; r <= runs; r++)); do
        "$before"
        mark=$(bench_log_mark)
        measure "$limit" "$@"
        served=$(bench_served_since "$mark" "$path" "$want")
        if ((m_rc != 0 || served < want)) || ! "$check"; then
            status[$key]="failed: exit $m_rc, nginx served $served/$want"
            echo "throughput: $key run $r ${status[$key]}:" >&2
            head -c 2000 "$work/err" >&2
            failures=$((failures + 1))
            return 0
        fi
        walls+=("$m_wall")
        cpus+=("$m_cpu")
        rsss+=("$m_rss")
    done
    wall[$key]=$(bench_median "${walls[@]}")
    cpu[$key]=$(bench_median "${cpus[@]}")
    rss[$key]=$(bench_median "${rsss[@]}")
    status[$key]=ok
    echo "  $key: wall ${walls[*]} s, CPU ${cpus[*]} s, peak RSS ${rsss[*]} KiB" >&2
}

skip() { status["$1|$2"]="skipped: $3"; }
ok() { [[ ${status[$1]:-} == ok ]]; }

# ---- tiny responses ----------------------------------------------------------------------------
have_wget2=0 have_aiohttp=0 have_loop=0
command -v wget2 >/dev/null && have_wget2=1
"$bench_python" -c 'import aiohttp' 2>/dev/null && have_aiohttp=1
# The floor of a one-thread libcurl transport, built from bench/curl_loop.c for this run.
cc -O2 -o "$work/curl_loop" "$bench_here/curl_loop.c" -lcurl 2>"$work/cc.err" && have_loop=1
tiny_tools=(loopscope wget2 curl aiohttp "curl_loop perform" "curl_loop socket")

for n in "${sizes[@]}"; do
    echo "throughput: $n x $bench_base/ok?n=<i>, $jobs at a time, $runs run(s) each" >&2
    bench_url_file "$work/urls.txt" "$bench_base/ok" "$n"
    bench_curl_config "$work/curl.cfg" "$bench_base/ok" "$n"
    # Recording into a history of its own, new for each run, as every run records one.
    run_case "tiny $n" loopscope /ok "$n" fresh_db : "$run_timeout" \
        "$loopscope" fetch -q -j "$jobs" --db "$db" "$work/urls.txt"
    if ((have_wget2)); then
        run_case "tiny $n" wget2 /ok "$n" : : "$run_timeout" \
            wget2 -q --no-config --no-proxy --max-threads="$jobs" -O /dev/null -i "$work/urls.txt"
    else
        skip "tiny $n" wget2 "not installed (apt-get install wget2)"
    fi
    run_case "tiny $n" curl /ok "$n" : : "$run_timeout" \
        curl -s -S --noproxy '*' --parallel --parallel-max "$jobs" -K "$work/curl.cfg"
    for mode in perform socket; do
        if ((have_loop)); then
            run_case "tiny $n" "curl_loop $mode" /ok "$n" : : "$run_timeout" "$work/curl_loop" "$mode" "$work/urls.txt" "$jobs"
        else
            skip "tiny $n" "curl_loop $mode" "cannot build bench/curl_loop.c: $(head -c 200 "$work/cc.err")"
        fi
    done
    if ((!have_aiohttp)); then
        skip "tiny $n" aiohttp "$bench_python has no aiohttp (apt-get install python3-aiohttp)"
    elif ((n > aiohttp_max)); then
        skip "tiny $n" aiohttp "over BENCH_AIOHTTP_MAX=$aiohttp_max"
    else
        run_case "tiny $n" aiohttp /ok "$n" : : "$run_timeout" \
            "$bench_python" "$bench_here/aiohttp_fetch.py" -j "$jobs" "$work/urls.txt"
    fi
done

# ---- bandwidth: one large file to disk ---------------------------------------------------------
big_bytes=$((bandwidth_mib * 1024 * 1024))
big_path=/bytes/$big_bytes
avail=$(df -B1 --output=avail "$work" | tail -n 1 | tr -d ' ')
fresh_download_dir() {
    rm -rf "$dl"
    mkdir -p "$dl"
}
# Exactly one file, of the full size, in $dl.
whole_download() { [[ $(find "$dl" -type f -printf '%s\n') == "$big_bytes" ]]; }
loopscope_download_start() {
    fresh_download_dir
    fresh_db
}

# The downloads land on the disk that holds $work (one at a time, removed after each run).
if ((bandwidth_mib == 0)); then
    skip bandwidth loopscope "not asked (BENCH_BANDWIDTH_MIB=0)"
    skip bandwidth curl "not asked (BENCH_BANDWIDTH_MIB=0)"
elif ((avail < 3 * 1024 * 1024 * 1024 || avail < 3 * big_bytes)); then
    why="$((avail / 1024 / 1024)) MiB free on $(df --output=target "$work" | tail -n 1), under $((3 * big_bytes > 3 * 1024 * 1024 * 1024 ? 3 * big_bytes / 1024 / 1024 : 3072)) MiB"
    skip bandwidth loopscope "$why"
    skip bandwidth curl "$why"
    notes+=("bandwidth case skipped: $why")
else
    echo "throughput: $bench_base$big_path ($bandwidth_mib MiB) to disk, $runs run(s) each" >&2
    # Sparse: nginx reads zeros from the page cache, so the server side costs next to nothing.
    truncate -s "$big_bytes" "$work/nginx/www$big_path"
    echo "$bench_base$big_path" >"$work/big.txt"
    # --timeout 0: a slow disk must not cut the transfer short (curl has no limit either).
    run_case bandwidth loopscope "$big_path" 1 loopscope_download_start whole_download "$run_timeout" \
        "$loopscope" fetch -q -j 1 --timeout 0 --db "$db" --output-dir "$dl" "$work/big.txt"
    run_case bandwidth curl "$big_path" 1 fresh_download_dir whole_download "$run_timeout" \
        curl -s -S --noproxy '*' -o "$dl/big" "$bench_base$big_path"
    rm -rf "$dl" "$work/nginx/www$big_path"
fi

# ---- 1,000,000 tiny responses ------------------------------------------------------------------
if [[ $million == 1 ]]; then
    echo "throughput: $million_urls x $bench_base/ok?n=<i>, $jobs at a time, loopscope, one run" >&2
    bench_url_file "$work/urls.txt" "$bench_base/ok" "$million_urls"
    runs_before=$runs
    runs=1
    run_case million loopscope /ok "$million_urls" fresh_db : "$million_timeout" \
        "$loopscope" fetch -q -j "$jobs" --db "$db" "$work/urls.txt"
    runs=$runs_before
    fresh_db
    rm -f "$work/urls.txt"
else
    skip million loopscope "not asked (BENCH_MILLION=1 or --all)"
fi

# ---- latency: fetch-bench.sh's case, loopscope against the ideal ---------------------------------
latency_url=$bench_base/delay/$delay_ms
bench_url_file "$work/delay.txt" "$latency_url" "$latency_urls"
ideal=$(bench_ideal "$latency_urls" "$jobs" "$delay_ms")
echo "throughput: $latency_urls x $latency_url?n=<i>, $jobs at a time, $latency_runs run(s) (ideal $ideal s)" >&2
runs_before=$runs
runs=$latency_runs
run_case latency loopscope "/delay/$delay_ms" "$latency_urls" fresh_db : "$run_timeout" \
    "$loopscope" fetch -q -j "$jobs" --db "$db" "$work/delay.txt"
runs=$runs_before

# ---- tables ------------------------------------------------------------------------------------
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0) print "n/a"; else printf "%.2f", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
# cell CASE|TOOL FIELD: the measured value, formatted, or "—" when the row has none.
cell() {
    local key=$1
    ok "$key" || { echo "—"; return; }
    case $2 in
        wall) printf '%.2f' "${wall[$key]}" ;;
        cpu) printf '%.2f' "${cpu[$key]}" ;;
        rss) mib "${rss[$key]}" ;;
    esac
}
# ratio FIELD CASE|A CASE|B: A's value / B's, or "—" when either is missing.
ratio() {
    local -n values=$1
    if ok "$2" && ok "$3"; then div "${values[$2]}" "${values[$3]}"; else echo "—"; fi
}
result_of() { if ok "$1"; then echo ok; else echo "${status[$1]:-not run}"; fi; }

# target NAME MEASURED OP GOAL UNIT: one row of the targets table; MEASURED "—" means not measured.
targets=()
target() {
    local name=$1 value=$2 op=$3 goal=$4 unit=$5 verdict sign=≤
    [[ $op == ">=" ]] && sign=≥
    if [[ $value == "—" || $value == n/a ]]; then
        verdict="not measured"
    elif awk -v v="$value" -v g="$goal" -v op="$op" 'BEGIN { exit !(op == "<=" ? v <= g : v >= g) }'; then
        verdict=met
    else
        verdict="**missed**"
        missed=$((missed + 1))
    fi
    [[ $value == "—" || $value == n/a ]] && unit=""
    targets+=("| $name | $value$unit | $sign $goal${5} | $verdict |")
}

echo
echo "### loopscope throughput ($(date -u +%Y-%m-%d), $(nproc) cores, $runs run(s), medians)"
echo
echo "Tiny responses (\`/ok?n=<i>\`, distinct URLs, $jobs at a time). The last three columns are loopscope's value divided by that row's."
echo
echo "| URLs | tool | wall s | CPU s | peak RSS MiB | time × | CPU × | RSS × | result |"
echo "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
for n in "${sizes[@]}"; do
    for tool in "${tiny_tools[@]}"; do
        key="tiny $n|$tool" mine="tiny $n|loopscope"
        if [[ $tool == loopscope ]]; then
            rt="" rc="" rr=""
        else
            rt=$(ratio wall "$mine" "$key") rc=$(ratio cpu "$mine" "$key") rr=$(ratio rss "$mine" "$key")
        fi
        echo "| $n | $tool | $(cell "$key" wall) | $(cell "$key" cpu) | $(cell "$key" rss) | $rt | $rc | $rr | $(result_of "$key") |"
    done
done
echo
echo "Bandwidth: one $bandwidth_mib MiB file to disk."
echo
echo "| tool | wall s | MiB/s | CPU s | peak RSS MiB | result |"
echo "| --- | ---: | ---: | ---: | ---: | --- |"
for tool in loopscope curl; do
    key="bandwidth|$tool"
    rate="—"
    ok "$key" && rate=$(div "$bandwidth_mib" "${wall[$key]}" | awk '{ printf "%.0f", $1 }')
    echo "| $tool | $(cell "$key" wall) | $rate | $(cell "$key" cpu) | $(cell "$key" rss) | $(result_of "$key") |"
done
echo
echo "Many URLs and latency (loopscope only)."
echo
echo "| case | wall s | CPU s | peak RSS MiB | × ideal | result |"
echo "| --- | ---: | ---: | ---: | ---: | --- |"
echo "| $million_urls × /ok, $jobs at a time | $(cell million\|loopscope wall) | $(cell million\|loopscope cpu) | $(cell million\|loopscope rss) | | $(result_of million\|loopscope) |"
lat_x="—"
ok latency\|loopscope && lat_x=$(div "${wall[latency|loopscope]}" "$ideal")
echo "| $latency_urls × /delay/$delay_ms, $jobs at a time (ideal $ideal s) | $(cell latency\|loopscope wall) | $(cell latency\|loopscope cpu) | $(cell latency\|loopscope rss) | $lat_x | $(result_of latency\|loopscope) |"

for n in "${sizes[@]}"; do
    target "tiny $n: time vs wget2" "$(ratio wall "tiny $n|loopscope" "tiny $n|wget2")" "<=" 1.5 "×"
    target "tiny $n: CPU vs wget2" "$(ratio cpu "tiny $n|loopscope" "tiny $n|wget2")" "<=" 2 "×"
done
rss50k="—"
ok "tiny 50000|loopscope" && rss50k=$(mib "${rss[tiny 50000|loopscope]}")
target "tiny 50000: peak RSS" "$rss50k" "<=" 48 " MiB"
rss1m="—"
ok million\|loopscope && rss1m=$(mib "${rss[million|loopscope]}")
target "$million_urls URLs: all fetched, peak RSS" "$rss1m" "<=" 300 " MiB"
bw="—"
ok bandwidth\|loopscope && ok bandwidth\|curl && bw=$(div "${wall[bandwidth|curl]}" "${wall[bandwidth|loopscope]}")
target "bandwidth vs curl" "$bw" ">=" 0.9 "×"
target "latency vs ideal" "$lat_x" "<=" 1.1 "×"

echo
echo "Targets."
echo
echo "| target | measured | goal | verdict |"
echo "| --- | ---: | ---: | --- |"
printf '%s\n' "${targets[@]}"
for note in "${notes[@]}"; do echo; echo "note: $note"; done

((failures == 0)) || { echo "throughput: $failures case(s) failed" >&2; exit 1; }
[[ $strict == 1 && $missed -gt 0 ]] && { echo "throughput: $missed target(s) missed" >&2; exit 1; }
exit 0
