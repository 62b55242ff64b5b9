#!/usr/bin/env bash
# Crash points: a `loopscope fetch` killed with SIGKILL at any moment of its batch is finished by
# `loopscope resume` as if it had never been killed. See bench/README.md.
#
#   bench/crash-points.sh [path/to/loopscope]   (default: build/install/bin/loopscope, from packaging/setup.sh build)
#   CRASH_POINTS=20 bench/crash-points.sh                  fewer points
#   CRASH_SEED=1234 bench/crash-points.sh                  the files, list and kill moments of the run that printed seed 1234
#   CRASH_SEED=1234 CRASH_ONLY=17 bench/crash-points.sh    only point 17 of that run
#   CRASH_KEEP=DIR bench/crash-points.sh                   a failed point's history, folder and output kept in DIR
#
# One private nginx (tests/nginx/nginx-fixture.sh) on 127.0.0.1 serves the list: the fixture's
# /bytes/<n>, random files of 10 KiB to 8 MiB and tiny ones of 1 B to 4 KiB written beside them
# (static, with ETag and Last-Modified: a body cut off goes on with Range), and /chunked/<n> bodies
# (no length, no validator: a body cut off starts again), in an order drawn from the seed. A first,
# uninterrupted run measures the batch and checks the list itself. Then each point, in a history and
# a folder of its own, runs `loopscope fetch -j 8 --limit-rate R --db DB --output-dir OUT LIST` (R
# makes the batch last about CRASH_BATCH_SECONDS), kills loopscope with SIGKILL at a moment drawn
# from the seed within the measured run (before the batch is recorded, while bodies are written,
# as the last ones end), and runs `loopscope resume --db DB`, which takes the batch's settings
# (folder and rate included) from the history. If loopscope died before it had recorded the batch,
# nothing is resumed and the list is fetched again, as a user would. Then:
#   (a) the history holds one batch with exactly one task per URL of the list, succeeded: the same
#       task ids, continued by the resume, which ran each task that had not ended once and none that
#       had ended (nginx did not serve those again);
#   (b) the folder holds one file per URL, named from its URL, recorded so in the history, and
#       byte-identical (cmp) to its source;
#   (c) no part file (.NAME.part-ID) or its .resume file is left;
#   (d) sqlite3's PRAGMA integrity_check of the history says ok.
# The binary is copied first, so that a rebuild during the run does not change what it tests. One
# line per point, what failed below it; the last line counts the points that passed. Exits 1
# unless all did.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

loopscope=${1:-$bench_default_loopscope}
points=${CRASH_POINTS:-100}
seed=${CRASH_SEED:-$(((RANDOM << 15) | RANDOM))}
only=${CRASH_ONLY:-}
batch_seconds=${CRASH_BATCH_SECONDS:-2}
keep=${CRASH_KEEP:-}
jobs=8
resume_timeout=120

fail_usage() { echo "crash-points: $*" >&2; exit 2; }
[[ $points =~ ^[1-9][0-9]*$ ]] || fail_usage "CRASH_POINTS must be a positive whole number, not \"$points\""
[[ $seed =~ ^[0-9]{1,18}$ ]] || fail_usage "CRASH_SEED must be a whole number of up to 18 digits, not \"$seed\""
[[ -z $only || ($only =~ ^[1-9][0-9]*$ && only -le points) ]] || fail_usage "CRASH_ONLY must be a point from 1 to $points, not \"$only\""
[[ $batch_seconds =~ ^[0-9]+(\.[0-9]+)?$ ]] || fail_usage "CRASH_BATCH_SECONDS must be a number of seconds, not \"$batch_seconds\""
[[ -x $loopscope ]] || { echo "crash-points: no executable at $loopscope (build it, or pass its path)" >&2; exit 1; }
loopscope=$(realpath "$loopscope")
for tool in sqlite3 jq openssl cmp timeout; do
    command -v "$tool" >/dev/null || { echo "crash-points: $tool is missing (Debian: sqlite3, jq, openssl, diffutils, coreutils)" >&2; exit 1; }
done

# ---- helpers -----------------------------------------------------------------------------------

# draw N: sets $drawn to a number in [0, N) from the seeded sequence. Always called in this shell,
# never in a $(...), so that a seed gives the same files, list and kill moments on every run.
draw() { drawn=$((((RANDOM << 15) | RANDOM) % $1)); }

# draw_size MIN MAX: sets $drawn to a size in bytes, uniform in its logarithm (as many files of
# 10-100 KiB as of 1-10 MiB).
draw_size() {
    draw 1000000
    drawn=$(awk -v lo="$1" -v hi="$2" -v u="$drawn" 'BEGIN { printf "%d", lo * exp(u / 1000000 * log(hi / lo)) }')
}

# write_random FILE SIZE KEY: SIZE bytes decided by the seed and KEY alone (AES-CTR of zeros).
write_random() {
    head -c "$2" /dev/zero |
        openssl enc -aes-128-ctr -K "$(printf '%016x%016x' "$seed" "$3")" -iv 00000000000000000000000000000000 >"$1"
}

# seconds MICROSECONDS: "0.84".
seconds() { printf '%d.%02d' $(($1 / 1000000)) $(($1 % 1000000 / 10000)); }

now_us() { now=${EPOCHREALTIME//[!0-9]/}; }

# sqlite3 with fields split by the unit separator: no URL or error text holds one, and unlike a
# tab it is no whitespace to `read`, so empty fields survive.
sep=$'\x1f'
q() { sqlite3 -batch -noheader -separator "$sep" "$@"; }

problems=()
problem() { problems+=("$*"); }

# ---- the list ----------------------------------------------------------------------------------

urls=() names=() sources=()
declare -A taken_names=()

# add_url PATH SOURCE: one URL of the list, saved under its last path segment, equal to SOURCE.
add_url() {
    urls+=("$bench_base$1")
    names+=("${1##*/}")
    sources+=("$2")
    taken_names[${1##*/}]=1
}

build_list() {
    local www=$bench_work/nginx/www/bytes chunked=$bench_work/chunked i n
    mkdir -p "$chunked"
    for n in 0 1 1024 65536 1048576 3145728; do add_url "/bytes/$n" "$www/$n"; done
    for ((i = 0; i < 40; i++)); do
        draw_size 10240 8388608
        write_random "$www/blob-$i.bin" "$drawn" "$i"
        add_url "/bytes/blob-$i.bin" "$www/blob-$i.bin"
    done
    for ((i = 0; i < 24; i++)); do
        draw_size 1 4096
        write_random "$www/tiny-$i.bin" "$drawn" "$((1000 + i))"
        add_url "/bytes/tiny-$i.bin" "$www/tiny-$i.bin"
    done
    for ((i = 0; i < 6; i++)); do
        draw_size 102400 2097152
        n=$drawn
        # Every file name once: a second one would be saved as "NAME (1)".
        while [[ -n ${taken_names[$n]:-} ]]; do n=$((n + 1)); done
        head -c "$n" /dev/zero | tr '\0' x >"$chunked/$n" # what /chunked/<n> sends
        add_url "/chunked/$n" "$chunked/$n"
    done
    # Shuffled, so that large and small bodies are in flight together at every moment.
    local j t
    for ((i = ${#urls[@]} - 1; i > 0; i--)); do
        draw $((i + 1))
        j=$drawn
        t=${urls[i]} urls[i]=${urls[j]} urls[j]=$t
        t=${names[i]} names[i]=${names[j]} names[j]=$t
        t=${sources[i]} sources[i]=${sources[j]} sources[j]=$t
    done
    printf '%s\n' "${urls[@]}" >"$list"
    total_bytes=$(stat -c %s "${sources[@]}" | awk '{ s += $1 } END { print s }')
}

# ---- one run -----------------------------------------------------------------------------------

# start_fetch DB OUT [OPTION...]: loopscope fetch of the list in the background, with no shell
# between it and $fetch_pid, so that the SIGKILL is loopscope's own. Returns once that process runs
# loopscope (until its exec it is still this script), $fetch_start the moment in µs.
start_fetch() {
    local db=$1 out=$2 comm=""
    shift 2
    "$loopscope" fetch -q -j "$jobs" --limit-rate "$rate" --db "$db" --output-dir "$out" "$@" "$list" \
        >"$pdir/fetch.out" 2>"$pdir/fetch.err" &
    fetch_pid=$!
    now_us
    local deadline=$((now + 10000000))
    while [[ $comm != loopscope ]]; do
        # Gone already: wait_fetch tells how it ended.
        read -r comm 2>/dev/null <"/proc/$fetch_pid/comm" || break
        now_us
        ((now < deadline)) || { problem "pid $fetch_pid still runs \"$comm\", not loopscope, after 10 s"; break; }
    done
    fetch_start=$now
}

# wait_fetch: sets $fetch_rc to how the fetch ended (137: killed), $fetch_us to when it was seen.
wait_fetch() {
    fetch_rc=0
    wait "$fetch_pid" 2>/dev/null || fetch_rc=$? # 2>/dev/null: no "Killed" line from bash
    now_us
    fetch_us=$((now - fetch_start))
    fetch_pid=""
}

# fetch_is_loopscope: true while $fetch_pid is this script's child and runs loopscope. bash reaps
# a child that ends at once, so its pid could be another process's by now: that one is not killed.
fetch_is_loopscope() {
    local comm="" state ppid
    read -r comm 2>/dev/null <"/proc/$fetch_pid/comm" || return 1
    read -r _ _ state ppid _ 2>/dev/null <"/proc/$fetch_pid/stat" || return 1
    [[ $comm == loopscope && $state != Z && $ppid == "$$" ]]
}

# kill_fetch_after US: SIGKILL to loopscope US µs after it started, unless it has ended by then;
# $killed_us: when.
kill_fetch_after() {
    local rest pause
    now_us
    rest=$(($1 - (now - fetch_start)))
    if ((rest > 0)); then
        printf -v pause '%d.%06d' $((rest / 1000000)) $((rest % 1000000))
        sleep "$pause"
    fi
    if fetch_is_loopscope; then kill -KILL "$fetch_pid" || true; fi # it may end in between
    now_us
    killed_us=$((now - fetch_start))
}

# snapshot DB FILE: what the history held when loopscope died: $recorded tasks, $ended of them
# succeeded, their ids and URLs in FILE. Read from a copy of its files, so that the resume finds
# them as the kill left them: opening a database is what rolls back a hot journal or checkpoints a
# WAL, and a read-only connection cannot roll back at all.
snapshot() {
    local db=$1 copy=$pdir/snapshot/history.sqlite counts f
    recorded=0 ended=0
    : >"$2"
    [[ -e $db ]] || return 0 # killed before the history was opened
    mkdir -p "${copy%/*}"
    cp -p "$db" "$copy"
    for f in "$db"-journal "$db"-wal; do # not -shm: SQLite rebuilds it from the WAL
        if [[ -e $f ]]; then cp -p "$f" "$copy${f#"$db"}"; fi
    done
    if ! counts=$(q "$copy" "SELECT count(*) FROM sqlite_master WHERE name = 'tasks'" 2>&1); then
        problem "(d) the history as the kill left it cannot be read: $counts"
        return 0
    fi
    [[ $counts == 1 ]] || return 0 # killed before its tables were made
    IFS=$sep read -r recorded ended < <(q "$copy" "SELECT count(*), coalesce(sum(state = 'succeeded'), 0) FROM tasks")
    q "$copy" "SELECT id, url FROM tasks WHERE state = 'succeeded'" >"$2"
}

# resume DB RAN: loopscope resume with its records in RAN; a failure is a problem of the point.
resume() {
    local rc=0
    timeout -k 5 "$resume_timeout" "$loopscope" resume --db "$1" --jsonl "$2" >"$pdir/resume.out" 2>"$pdir/resume.err" || rc=$?
    ((rc == 0)) || problem "loopscope resume exited $rc: $(head -c 500 "$pdir/resume.err")"
}

# fetch_whole DB OUT RAN: the list fetched, not killed; a failure is a problem of the point.
fetch_whole() {
    start_fetch "$1" "$2" --jsonl "$3"
    wait_fetch
    ((fetch_rc == 0)) || problem "loopscope fetch exited $fetch_rc: $(head -c 500 "$pdir/fetch.err")"
}

# ---- the checks --------------------------------------------------------------------------------

# check_batch DB OUT RAN ENDED SAVED MARK BY: (a) to (d) on the history DB and the folder OUT, where
# RAN holds the records of the run BY ("resume") that finished the batch, ENDED the tasks that had
# succeeded before it, SAVED the names in OUT then and MARK the size nginx's access log had then.
# Adds to $problems.
check_batch() {
    local db=$1 out=$2 ran=$3 ended_file=$4 saved_file=$5 mark=$6 by=$7
    local -A ids_of=() state=() error=() file=() ran_times=() ended_before=() requested=() wanted=()
    local -A saved_before=() explained=()
    local id url st err saved i name path entry verdict n
    local -a ids

    # (a) one batch; for each URL of the list one task, succeeded.
    if ! n=$(q "$db" 'SELECT count(*) FROM batches' 2>&1); then
        problem "(a) the batches cannot be read: ${n:0:300}"
    elif [[ $n != 1 ]]; then
        problem "(a) the history holds $n batches, not 1"
    fi
    if ! q "$db" "SELECT id, url, state, coalesce(error, ''), coalesce(file, '') FROM tasks ORDER BY id" >"$pdir/tasks" 2>&1; then
        problem "(a) the tasks cannot be read: $(head -c 300 "$pdir/tasks")"
        : >"$pdir/tasks"
    fi
    while IFS=$sep read -r id url st err saved; do
        ids_of[$url]+="$id "
        state[$id]=$st error[$id]=$err file[$id]=$saved
    done <"$pdir/tasks"
    for i in "${!urls[@]}"; do wanted[${urls[i]}]=1; done
    for url in "${!ids_of[@]}"; do
        [[ -n ${wanted[$url]:-} ]] || problem "(a) $url: a task for a URL that is not in the list"
    done

    # The run that finished the batch ran each task that had not ended, once, and none that had.
    while IFS=$sep read -r id url; do ended_before[$id]=$url; done <"$ended_file"
    while IFS= read -r name; do saved_before[$name]=1; done <"$saved_file"
    if [[ -s $ran ]] && ! jq -r '.id' "$ran" >"$pdir/ran.ids" 2>/dev/null; then
        problem "(a) the $by's --jsonl records are not JSON Lines"
    fi
    [[ -s $ran ]] || : >"$pdir/ran.ids"
    while read -r id; do ran_times[$id]=$((${ran_times[$id]:-0} + 1)); done <"$pdir/ran.ids"
    for id in "${!ran_times[@]}"; do
        [[ -n ${state[$id]:-} ]] || problem "(a) the $by recorded task $id, which the history does not hold"
    done
    # What nginx served since the kill, by path.
    while read -r path; do requested[$path]=1; done < <(tail -c +"$((mark + 1))" "$bench_log" | awk '{ print $7 }')

    for i in "${!urls[@]}"; do
        url=${urls[i]} name=${names[i]} path=$out/${names[i]}
        read -r -a ids <<<"${ids_of[$url]:-}"
        ((${#ids[@]} == 1)) || problem "(a) $url: ${#ids[@]} tasks in the history, not 1"
        for id in "${ids[@]}"; do
            [[ ${state[$id]} == succeeded ]] || problem "(a) $url: task $id is ${state[$id]}${error[$id]:+: ${error[$id]}}"
            if [[ -n ${ended_before[$id]:-} ]]; then
                ((${ran_times[$id]:-0} == 0)) || problem "(a) $url: task $id ran again in the $by, though it had ended before the kill"
                [[ -z ${requested[/${url#*://*/}]:-} ]] || problem "(a) $url: nginx served it again after the kill, though task $id had ended"
            else
                ((${ran_times[$id]:-0} == 1)) || problem "(a) $url: task $id ended ${ran_times[$id]:-0} times in the $by, not once"
            fi
        done
        # (b) the file, where the history says it is, equal to its source.
        if ((${#ids[@]} == 1)) && [[ ${file[${ids[0]}]} != "$path" ]]; then
            saved=${file[${ids[0]}]}
            if [[ -n ${saved_before[$name]:-} && -z ${ended_before[${ids[0]}]:-} ]]; then
                # Said once, with what the kill had left, rather than as two unrelated files.
                problem "(b) $url: $name was saved whole before the kill, but its task ${ids[0]} had not ended in the history;" \
                    "the $by fetched it again and saved it as \"${saved##*/}\""
                explained[${saved##*/}]=1
            else
                problem "(b) $url: recorded as saved to \"$saved\", not $path"
            fi
        fi
        if [[ ! -f $path ]]; then
            problem "(b) $url: no file $name in the folder"
        elif ! cmp -s "$path" "${sources[i]}"; then
            problem "(b) $url: $name differs from its source ($(stat -c %s "$path") bytes, the source $(stat -c %s "${sources[i]}"))"
        fi
    done

    # (b) nothing else in the folder, and (c) no part file or .resume file.
    wanted=()
    for name in "${names[@]}"; do wanted[$name]=1; done
    while IFS= read -r -d '' entry; do
        name=${entry##*/}
        if [[ $name == .*.part-* ]]; then
            problem "(c) part file left: $name ($(stat -c %s "$entry") bytes)"
        elif [[ -z ${wanted[$name]:-} && -z ${explained[$name]:-} ]]; then
            problem "(b) \"$name\" in the folder is none of the list's files ($(stat -c %s "$entry") bytes)"
        fi
    done < <(find "$out" -mindepth 1 -print0 2>/dev/null)

    # (d) the history's own check, of every page and index.
    verdict=$(q "$db" 'PRAGMA integrity_check' 2>&1) || true
    [[ $verdict == ok ]] || problem "(d) integrity_check: ${verdict:0:300}"
}

# ---- the points --------------------------------------------------------------------------------

# report LINE: the point's line, then what failed, if anything.
report() {
    if ((${#problems[@]} == 0)); then
        echo "$1: ok"
        passed=$((passed + 1))
        return
    fi
    echo "$1: FAILED"
    local shown=("${problems[@]:0:12}") p
    for p in "${shown[@]}"; do echo "  $p"; done
    ((${#problems[@]} <= 12)) || echo "  ... and $((${#problems[@]} - 12)) more"
    echo "  again: CRASH_SEED=$seed${CRASH_BATCH_SECONDS:+ CRASH_BATCH_SECONDS=$batch_seconds} CRASH_ONLY=$2 $0 $given_loopscope"
    if [[ -n $keep ]]; then
        # The temp dir goes on exit; what failed is worth a look.
        mkdir -p "$keep"
        cp -a "$pdir" "$keep/point-$2"
        echo "  kept: $keep/point-$2"
    fi
}

# run_point N DELAY_US: one crash point, killed DELAY_US after loopscope started.
run_point() {
    local n=$1 delay=$2 db out ran mark what by done_by
    pdir=$bench_work/point-$n
    db=$pdir/history.sqlite out=$pdir/out ran=$pdir/ran.jsonl
    mkdir -p "$pdir"
    problems=()

    start_fetch "$db" "$out"
    kill_fetch_after "$delay"
    wait_fetch
    mark=$(bench_log_mark)
    if [[ -n $keep ]]; then
        # The history and the folder as the kill left them, before the resume changes both.
        mkdir -p "$pdir/at-kill"
        cp -a "$db" "$db"-* "$pdir/at-kill/" 2>/dev/null || true
        ls -la --time-style=full-iso "$out" >"$pdir/at-kill/folder" 2>&1 || true
    fi
    snapshot "$db" "$pdir/ended"
    find "$out" -mindepth 1 -maxdepth 1 -printf '%f\n' >"$pdir/saved" 2>/dev/null || true
    case $fetch_rc in
        137) what="killed after $(seconds "$killed_us") s" ;;
        0) what="not killed: it had ended before $(seconds "$killed_us") s" ;;
        *)
            what="exited $fetch_rc after $(seconds "$fetch_us") s"
            problem "loopscope fetch exited $fetch_rc before the kill: $(head -c 500 "$pdir/fetch.err")"
            ;;
    esac

    if ((recorded == 0)); then
        # Nothing was accepted yet: nothing to resume, nothing saved; the user fetches again.
        what+=" (no batch recorded yet)"
        by="second fetch" done_by="fetched again"
        resume "$db" "$pdir/resume.jsonl"
        [[ ! -s $pdir/resume.jsonl ]] || problem "(a) the resume ran tasks of a batch that was never recorded"
        [[ -z $(find "$out" -mindepth 1 -print -quit 2>/dev/null) ]] || problem "(b) files in the folder though no batch was recorded"
        fetch_whole "$db" "$out" "$ran"
    else
        ((recorded == ${#urls[@]})) || problem "(a) the history as the kill left it holds $recorded tasks, not ${#urls[@]}: a batch recorded in part"
        what+=" ($ended of $recorded done)"
        by=resume done_by=resumed
        resume "$db" "$ran"
    fi
    check_batch "$db" "$out" "$ran" "$pdir/ended" "$pdir/saved" "$mark" "$by"
    report "point $n/$points: $what, $done_by" "$n"
    rm -rf "$pdir"
}

bench_on_exit() {
    if [[ -n ${fetch_pid:-} ]]; then
        kill -KILL "$fetch_pid" 2>/dev/null || true
        wait "$fetch_pid" 2>/dev/null || true
    fi
}

started=$SECONDS
bench_start crash-points
# The binary as it is now: a rebuild while the points run must not change what they test.
given_loopscope=$loopscope
loopscope=$bench_work/loopscope
cp "$given_loopscope" "$loopscope"
list=$bench_work/urls.txt
RANDOM=$seed
echo "crash-points: seed $seed (CRASH_SEED=$seed repeats this run)"
build_list
# The rate that makes the batch last $batch_seconds; whole KiB.
rate=$(awk -v b="$total_bytes" -v s="$batch_seconds" 'BEGIN { r = int(b / s / 1024) + 1; print r "k" }')
# Every point's moment, drawn before any is run: point N is killed at the same share of the batch
# whether all points run or CRASH_ONLY=N alone. In ten-thousandths of the measured batch, up to 97 %
# of it: one batch lasts a few percent less than another, and the kill must still find it running.
kill_at=()
for ((i = 1; i <= points; i++)); do
    draw 9700
    kill_at[i]=$drawn
done

# The uninterrupted batch: how long it lasts, and that the list and the checks hold without a kill.
pdir=$bench_work/point-0
mkdir -p "$pdir"
: >"$pdir/ended"
: >"$pdir/saved"
mark=$(bench_log_mark)
fetch_whole "$pdir/history.sqlite" "$pdir/out" "$pdir/ran.jsonl"
batch_us=$fetch_us
check_batch "$pdir/history.sqlite" "$pdir/out" "$pdir/ran.jsonl" "$pdir/ended" "$pdir/saved" "$mark" fetch
echo "crash-points: ${#urls[@]} URLs ($(awk -v b="$total_bytes" 'BEGIN { printf "%.1f", b / 1048576 }') MiB), -j $jobs --limit-rate $rate:" \
    "$(seconds "$batch_us") s uninterrupted"
if ((${#problems[@]} > 0)); then
    echo "crash-points: the uninterrupted batch already fails its checks:" >&2
    printf '  %s\n' "${problems[@]}" >&2
    exit 1
fi
rm -rf "$pdir"

passed=0
ran_points=0
for ((i = 1; i <= points; i++)); do
    [[ -z $only || $only == "$i" ]] || continue
    run_point "$i" $((batch_us * kill_at[i] / 10000))
    ran_points=$((ran_points + 1))
done
elapsed=$((SECONDS - started))
echo "crash-points: $ran_points point(s) in $((elapsed / 60)) min $((elapsed % 60)) s"
echo "$passed/$ran_points crash points: every URL ended once, files equal their sources, no part file left, integrity ok"
((passed == ran_points))
