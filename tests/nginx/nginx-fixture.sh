#!/usr/bin/env bash
# Starts or stops a private nginx test server for Loopscope's tests.
#
#   nginx-fixture.sh start DIR   (re)starts nginx on a free 127.0.0.1 port; writes DIR/port
#   nginx-fixture.sh stop DIR    stops it (graceful, then forced); exit 0 if it was not running
#
# Besides DIR/port it writes DIR/tls-port, the port of an https server whose self-signed
# certificate is DIR/tls-cert.pem (made anew at each start), DIR/proxy-port, the port of a forward
# proxy to the http server, and DIR/ipv6 ("[::1]:PORT") when the machine has IPv6 loopback, so that
# nginx also listens there.
# Everything (config, pid, logs, temp dirs, served files) lives in DIR. The URL forms it serves are
# listed at the top of nginx.conf.in beside this script.
# Environment: NGINX_BIN (nginx binary), NGINX_ECHO_MODULE (path of ngx_http_echo_module.so),
# OPENSSL_BIN (openssl binary).
# (Not "NGINX": nginx itself reads that variable as a list of inherited listening sockets.)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NGINX=${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}
unset NGINX_BIN
export -n NGINX
ECHO_MODULE=${NGINX_ECHO_MODULE:-/usr/lib/nginx/modules/ngx_http_echo_module.so}
OPENSSL=${OPENSSL_BIN:-$(command -v openssl || echo /usr/bin/openssl)}
PY=/usr/bin/python3

die() { echo "nginx-fixture: $*" >&2; exit 1; }

usage() { die "usage: $0 start|stop DIR"; }
[[ $# -eq 2 ]] || usage
cmd=$1
dir=$2
[[ -n $dir ]] || usage
[[ $dir == /* ]] || dir=$PWD/$dir

# The master's pid from DIR/nginx.pid, printed only if that process is alive and is an nginx.
master_pid() {
    local pid
    [[ -s $dir/nginx.pid ]] || return 1
    pid=$(tr -dc 0-9 <"$dir/nginx.pid")
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q nginx || return 1
    echo "$pid"
}

# True while process $1 exists and is not a zombie (PID 1 may reap late, or never).
alive() {
    local state
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ -n $state && $state != Z && $state != X ]]
}

# Waits up to $2 tenths of a second for process $1 to be gone.
wait_gone() {
    local i
    for ((i = 0; i < $2; i++)); do
        alive "$1" || return 0
        sleep 0.1
    done
    ! alive "$1"
}

# Processes that still hold DIR's logs open: workers whose master was killed by someone else.
orphans() {
    find /proc/[0-9]*/fd -maxdepth 1 \( -lname "$dir/error.log*" -o -lname "$dir/access.log*" \) 2>/dev/null |
        cut -d/ -f3 | sort -u
}

do_stop() {
    local pid workers w
    if pid=$(master_pid); then
        workers=$(pgrep -P "$pid" || true)
        # QUIT is graceful; worker_shutdown_timeout (1 s) cuts off requests still in flight (/hang).
        kill -QUIT "$pid" 2>/dev/null || true
        if ! wait_gone "$pid" 50; then
            kill -TERM "$pid" 2>/dev/null || true
            wait_gone "$pid" 30 || kill -KILL "$pid" 2>/dev/null || true
        fi
        for w in $workers; do wait_gone "$w" 30 || kill -KILL "$w" 2>/dev/null || true; done
        wait_gone "$pid" 30 || die "nginx (pid $pid) would not stop"
    fi
    # A master that died without its workers leaves them listening: end them.
    for w in $(orphans); do
        [[ $w == "$$" ]] && continue
        kill -KILL "$w" 2>/dev/null || true
        wait_gone "$w" 30 || true
    done
    rm -f "$dir/nginx.pid"
}

# Answers 0 once something accepts TCP connections on 127.0.0.1:$1 and serves /ok.
port_answers() {
    curl -s --noproxy '*' --max-time 1 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/ok" 2>/dev/null | grep -qx 200
}

free_port() {
    "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# True when port $1 can be bound on ::1: the machine has IPv6 loopback.
has_ipv6_loopback() {
    "$PY" -c 'import socket,sys; s=socket.socket(socket.AF_INET6); s.bind(("::1",int(sys.argv[1])))' "$1" 2>/dev/null
}

# A self-signed certificate for 127.0.0.1 and localhost (EC P-256: fast), which no one trusts
# unless told to.
make_cert() {
    "$OPENSSL" req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
        -keyout "$dir/tls-key.pem" -out "$dir/tls-cert.pem" -subj "/O=Loopscope tests/CN=127.0.0.1" \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >"$dir/openssl.log" 2>&1 ||
        { cat "$dir/openssl.log" >&2; die "openssl failed to make the certificate"; }
    make_expired_cert
}

# A self-signed certificate for expired.localhost that was valid for one day in 2020: openssl req
# takes no dates in the past, openssl ca does.
make_expired_cert() {
    local ca=$dir/expired-ca
    rm -rf "$ca" && mkdir -p "$ca" && : >"$ca/index.txt" && echo 01 >"$ca/serial"
    printf '%s\n' "[ca]" "default_ca = self" "[self]" "database = $ca/index.txt" "new_certs_dir = $ca" "serial = $ca/serial" \
        "default_md = sha256" "policy = any" "copy_extensions = copy" "[any]" "commonName = supplied" >"$ca/ca.cnf"
    { "$OPENSSL" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$dir/expired-key.pem" -out "$ca/request.csr" \
        -subj "/CN=expired.localhost" -addext "subjectAltName=DNS:expired.localhost" &&
        "$OPENSSL" ca -batch -selfsign -config "$ca/ca.cnf" -keyfile "$dir/expired-key.pem" -in "$ca/request.csr" \
            -out "$dir/expired-cert.pem" -startdate 20200101000000Z -enddate 20200102000000Z; } >>"$dir/openssl.log" 2>&1 ||
        { cat "$dir/openssl.log" >&2; die "openssl failed to make the expired certificate"; }
}

# Response headers of over 100 KiB in all, for /headers/huge: nginx takes no parameter longer than
# 4 KiB, so they are many headers of 4,000 bytes.
write_huge_headers() {
    local i filler
    filler=$(head -c 4000 < <(yes x | tr -d '\n'))
    for i in $(seq 1 30); do echo "add_header X-Filler-$i \"$filler\";"; done >"$dir/huge-headers.conf"
}

write_files() {
    local n
    mkdir -p "$dir/tmp" "$dir/www/bytes"
    for n in 0 1 1024 65536 1048576 3145728; do
        # Lines of 64 bytes ("0123...\n"), cut to exactly n bytes.
        head -c "$n" < <(yes '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+') >"$dir/www/bytes/$n"
    done
    write_huge_headers
    # Readable by whatever user the workers end up as.
    chmod -R a+rX "$dir"
}

# write_conf PORT TLS_PORT PROXY_PORT IPV6 (yes or no)
write_conf() {
    local user_line="" listen_ipv6=""
    # As root, nginx would run its workers as "nobody" (this build's default), which cannot read DIR
    # when a parent directory is private (e.g. a build tree under /root). Workers as root avoid that;
    # as a normal user the directive has no effect, so it is left out.
    [[ $(id -u) -eq 0 ]] && user_line="user root root;"
    [[ $4 == yes ]] && listen_ipv6="listen [::1]:$1 backlog=4096;"
    sed -e "s|@USER_LINE@|$user_line|" -e "s|@LISTEN_IPV6@|$listen_ipv6|" -e "s|@DIR@|$dir|g" -e "s|@PORT@|$1|g" \
        -e "s|@TLS_PORT@|$2|g" -e "s|@PROXY_PORT@|$3|g" -e "s|@ECHO_MODULE@|$ECHO_MODULE|g" "$here/nginx.conf.in" >"$dir/nginx.conf"
}

do_start() {
    [[ -x $NGINX ]] || die "nginx not found (looked for '$NGINX'; set NGINX_BIN=...)"
    [[ -r $ECHO_MODULE ]] || die "echo module not found at $ECHO_MODULE (Debian: libnginx-mod-http-echo)"
    [[ -x $OPENSSL ]] || die "openssl not found (Debian: apt-get install openssl)"
    mkdir -p "$dir"
    do_stop
    rm -f "$dir/port" "$dir/tls-port" "$dir/proxy-port" "$dir/ipv6" "$dir/error.log" "$dir/nginx.out"
    write_files
    make_cert
    local _ port tls_port proxy_port ipv6 deadline
    for _ in 1 2 3; do
        port=$(free_port)
        tls_port=$(free_port)
        proxy_port=$(free_port)
        # Each port was free when asked for, one at a time: the same one may come back twice.
        [[ $port != "$tls_port" && $port != "$proxy_port" && $tls_port != "$proxy_port" ]] || continue
        ipv6=no
        has_ipv6_loopback "$port" && ipv6=yes
        write_conf "$port" "$tls_port" "$proxy_port" "$ipv6"
        if "$NGINX" -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" </dev/null >"$dir/nginx.out" 2>&1; then
            deadline=$((SECONDS + 10))
            while ((SECONDS < deadline)); do
                if port_answers "$port"; then
                    echo "$tls_port" >"$dir/tls-port"
                    echo "$proxy_port" >"$dir/proxy-port"
                    [[ $ipv6 == yes ]] && echo "[::1]:$port" >"$dir/ipv6"
                    echo "$port" >"$dir/port"
                    echo "nginx-fixture: nginx (pid $(master_pid || echo '?')) serves http://127.0.0.1:$port/" \
                        "(IPv6: $ipv6), https://127.0.0.1:$tls_port/ and a proxy on 127.0.0.1:$proxy_port from $dir"
                    return 0
                fi
                # The daemonised master writes its pid file a moment after the launcher exits.
                [[ -s $dir/nginx.pid ]] && ! master_pid >/dev/null && break
                sleep 0.1
            done
            do_stop
        fi
        # Lost the race for the port to someone else? Then try another one.
        grep -qs 'Address already in use' "$dir/nginx.out" "$dir/error.log" || break
    done
    echo "nginx-fixture: nginx did not start; $dir/nginx.out and $dir/error.log follow" >&2
    cat "$dir/nginx.out" "$dir/error.log" >&2 2>/dev/null || true
    exit 1
}

case $cmd in
    start) do_start ;;
    stop) do_stop ;;
    *) usage ;;
esac
