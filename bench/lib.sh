# shellcheck shell=bash disable=SC2034  # the variables set here are for the scripts that source it
# Shared by the bench scripts (sourced, not run): a private nginx on 127.0.0.1, URL lists for it,
# counting what it served, medians. See bench/README.md.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   bench_start NAME          temp dir $bench_work, nginx in $bench_work/nginx, $bench_port, $bench_log;
#                             stopped and removed on exit (define bench_on_exit for more to clean)
#
# Only 127.0.0.1 is contacted: sourcing this drops the proxy variables.

bench_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bench_root=$(cd "$bench_here/.." && pwd)
bench_fixture=$bench_root/tests/nginx/nginx-fixture.sh
# The Debian interpreter, where python3-aiohttp installs (not whatever python3 PATH finds first).
bench_python=/usr/bin/python3

unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY ftp_proxy FTP_PROXY
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost

# The binary a bench script runs when given none: what `packaging/setup.sh build` installs.
bench_default_loopscope=$bench_root/build/install/bin/loopscope

bench_cleanup() {
    if declare -F bench_on_exit >/dev/null; then bench_on_exit || true; fi
    if [[ -n ${bench_work:-} ]]; then
        "$bench_fixture" stop "$bench_work/nginx" || true
        rm -rf "$bench_work"
    fi
}

# bench_start NAME: makes the temp dir, starts nginx, sets the trap that undoes both.
bench_start() {
    bench_work=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
    "$bench_fixture" start "$bench_work/nginx" >/dev/null
    bench_port=$(cat "$bench_work/nginx/port")
    bench_log=$bench_work/nginx/access.log
    bench_base=http://127.0.0.1:$bench_port
}

# bench_url_file FILE URL N: N distinct URLs URL?n=0 .. URL?n=N-1, one a line (wget2 fetches a
# repeated URL only once, so every URL differs by its query counter).
bench_url_file() {
    awk -v u="$2" -v n="$3" 'BEGIN { for (i = 0; i < n; i++) printf "%s?n=%d\n", u, i }' >"$1"
}

# bench_curl_config FILE URL N: the same N URLs as a curl -K config, every body to /dev/null.
bench_curl_config() {
    awk -v u="$2" -v n="$3" \
        'BEGIN { for (i = 0; i < n; i++) printf "url = \"%s?n=%d\"\noutput = \"/dev/null\"\n", u, i }' >"$1"
}

# bench_log_mark: the access log's size now, to count from with bench_served_since.
bench_log_mark() { stat -c %s "$bench_log" 2>/dev/null || echo 0; }

# bench_served_since MARK PATH [WANT]: requests for PATH (the part before '?', e.g. /ok) that nginx
# answered 200 since MARK. nginx logs a request just after sending its answer, so a client can be
# done a moment before the last lines are written: when WANT is given, waits up to 2 s for them.
bench_served_since() {
    local mark=$1 path=$2 want=${3:-0} n i
    for ((i = 0; i < 20; i++)); do
        n=$(tail -c +"$((mark + 1))" "$bench_log" | grep -c "\"GET ${path}[? ][^\"]*\" 200 " || true)
        ((n >= want)) && break
        sleep 0.1
    done
    echo "$n"
}

# bench_median VALUE...: the median (the lower middle one for an even count), as given.
bench_median() {
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

# bench_ideal URLS JOBS DELAY_MS: seconds a client with exactly JOBS requests always in flight
# needs for URLS answers of DELAY_MS each: ceil(URLS / JOBS) rounds of one delay.
bench_ideal() {
    awk -v u="$1" -v j="$2" -v d="$3" 'BEGIN { printf "%.3f", int((u + j - 1) / j) * d / 1000 }'
}
