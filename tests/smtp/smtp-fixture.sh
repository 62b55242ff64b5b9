#!/usr/bin/env bash
# Starts or stops Loopscope's private SMTP test servers (aiosmtpd) on 127.0.0.1.
#
#   smtp-fixture.sh start DIR   (re)creates the certificates, (re)starts the servers on free ports,
#                               writes DIR/ports.env (NAME=PORT lines)
#   smtp-fixture.sh stop DIR    stops them (TERM, then KILL); exit 0 if none was running
#
# Everything (certificates, pid/port files, logs, received mail) lives in DIR. The servers, their
# names and what they do: README.md beside this script.
# Needs /usr/bin/python3 with aiosmtpd (Debian: python3-aiosmtpd) and openssl.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3
OPENSSL=${OPENSSL_BIN:-$(command -v openssl || echo /usr/bin/openssl)}
SERVER=$here/smtp-server.py
CRED=loopscope:secret

# name -> smtp-server.py flags (after the common ones). The order is ports.env's order.
names=(plain starttls_auth smtps_auth untrusted drop helo_only plain_auth_offered)
server_flags() {
    case $1 in
        plain) echo "--defer-rcpt busy@example.org --hang-rcpt silent@example.org --refuse-data-for spam@example.org" ;;
        starttls_auth) echo "--starttls $dir/server.pem $dir/server.key --require-starttls --auth $CRED --refuse-rcpt refused@example.org" ;;
        smtps_auth) echo "--implicit-tls $dir/server.pem $dir/server.key --auth $CRED --auth-only LOGIN" ;;
        untrusted) echo "--starttls $dir/untrusted.pem $dir/untrusted.key --auth $CRED" ;;
        drop) echo "--drop-during-data" ;;
        helo_only) echo "--no-ehlo" ;;
        plain_auth_offered) echo "--auth $CRED --no-auth-require-tls" ;;
    esac
}

die() { echo "smtp-fixture: $*" >&2; exit 1; }

usage() { die "usage: $0 start|stop DIR"; }
[[ $# -eq 2 ]] || usage
cmd=$1
dir=$2
[[ -n $dir ]] || usage
[[ $dir == /* ]] || dir=$PWD/$dir
# The flags above are split on spaces.
[[ $dir != *[[:space:]]* ]] || die "DIR must not contain white space: '$dir'"

# The pid in DIR/run/NAME.pid, printed only if that process is alive and is this DIR's server.
server_pid() {
    local pid f=$dir/run/$1.pid
    [[ -s $f ]] || return 1
    pid=$(tr -dc 0-9 <"$f")
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "smtp-server.py --pid-file $f " || return 1
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

# Servers of this DIR whose pid file is gone or wrong: they still hold their log in DIR/log open.
orphans() {
    find /proc/[0-9]*/fd -maxdepth 1 -lname "$dir/log/*.log" 2>/dev/null | cut -d/ -f3 | sort -u
}

do_stop() {
    local name pid pids=() p
    for name in "${names[@]}"; do
        if pid=$(server_pid "$name"); then
            kill -TERM "$pid" 2>/dev/null || true
            pids+=("$pid")
        fi
    done
    for p in "${pids[@]}"; do
        wait_gone "$p" 50 || kill -KILL "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}"; do
        wait_gone "$p" 30 || die "smtp server (pid $p) would not stop"
    done
    for p in $(orphans); do
        [[ $p == "$$" ]] && continue
        kill -KILL "$p" 2>/dev/null || true
        wait_gone "$p" 30 || true
    done
    rm -f "$dir"/run/*.pid "$dir"/run/*.port "$dir/ports.env"
}

# A test CA (ca.pem), a server certificate it signs for 127.0.0.1 and localhost (server.pem/.key),
# and an unrelated self-signed certificate for the same names (untrusted.pem/.key). EC P-256: fast.
make_certs() {
    local c=$dir/certs-tmp
    rm -rf "$c"
    mkdir -p "$c"
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
    local san="subjectAltName=IP:127.0.0.1,DNS:localhost"
    {
        "$OPENSSL" req -x509 "${ec[@]}" -days 3650 -keyout "$c/ca.key" -out "$c/ca.pem" \
            -subj "/O=Loopscope tests/CN=Loopscope Test CA" \
            -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
        "$OPENSSL" req -new "${ec[@]}" -keyout "$c/server.key" -out "$c/server.csr" \
            -subj "/O=Loopscope tests/CN=127.0.0.1"
        printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
            "extendedKeyUsage=serverAuth" "$san" "subjectKeyIdentifier=hash" \
            "authorityKeyIdentifier=keyid" >"$c/server.ext"
        "$OPENSSL" x509 -req -in "$c/server.csr" -CA "$c/ca.pem" -CAkey "$c/ca.key" \
            -set_serial "0x$("$OPENSSL" rand -hex 8)" -days 3650 -extfile "$c/server.ext" -out "$c/server.pem"
        "$OPENSSL" req -x509 "${ec[@]}" -days 3650 -keyout "$c/untrusted.key" -out "$c/untrusted.pem" \
            -subj "/O=Someone else/CN=127.0.0.1" \
            -addext "basicConstraints=critical,CA:FALSE" -addext "extendedKeyUsage=serverAuth" -addext "$san"
    } >"$c/openssl.log" 2>&1 || { cat "$c/openssl.log" >&2; die "openssl failed to make the certificates"; }
    mv "$c"/{ca.pem,ca.key,server.pem,server.key,untrusted.pem,untrusted.key} "$dir/"
    rm -rf "$c"
}

do_start() {
    [[ -x $PY ]] || die "$PY not found"
    "$PY" -c 'import aiosmtpd' 2>/dev/null || die "$PY cannot import aiosmtpd (Debian: apt-get install python3-aiosmtpd)"
    [[ -x $OPENSSL ]] || die "openssl not found (Debian: apt-get install openssl)"
    mkdir -p "$dir"
    do_stop
    rm -rf "$dir/mail" "$dir/log"
    mkdir -p "$dir/run" "$dir/log"
    make_certs

    local name flags
    for name in "${names[@]}"; do
        mkdir -p "$dir/mail/$name"
        flags=$(server_flags "$name")
        # Own session, no terminal; stdout/stderr to a log so that ctest does not wait on them.
        # shellcheck disable=SC2086 # $flags is a word list on purpose
        setsid "$PY" "$SERVER" --pid-file "$dir/run/$name.pid" --port-file "$dir/run/$name.port" \
            --maildir "$dir/mail/$name" $flags </dev/null >"$dir/log/$name.log" 2>&1 &
    done

    local deadline=$((SECONDS + 20)) missing
    while :; do
        missing=()
        for name in "${names[@]}"; do
            [[ -s $dir/run/$name.port ]] || missing+=("$name")
        done
        ((${#missing[@]} == 0)) && break
        if ((SECONDS >= deadline)); then
            echo "smtp-fixture: no port from: ${missing[*]}; their logs follow" >&2
            for name in "${missing[@]}"; do
                echo "--- $dir/log/$name.log" >&2
                cat "$dir/log/$name.log" >&2 || true
            done
            do_stop
            exit 1
        fi
        sleep 0.1
    done

    local tmp=$dir/ports.env.tmp
    : >"$tmp"
    for name in "${names[@]}"; do
        server_pid "$name" >/dev/null || { cat "$dir/log/$name.log" >&2; do_stop; die "server '$name' is not running"; }
        echo "$name=$(tr -dc 0-9 <"$dir/run/$name.port")" >>"$tmp"
    done
    mv "$tmp" "$dir/ports.env"
    echo "smtp-fixture: servers in $dir (ports.env):"
    sed 's/^/  /' "$dir/ports.env"
}

case $cmd in
    start) do_start ;;
    stop) do_stop ;;
    *) usage ;;
esac
