#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Run every container-watchd benchmark and write docs/BENCHMARKS.md and docs/bench-latency.png.
#
#   tests/bench/run-all.sh [--quick] [--daemon PATH] [--bin DIR] [--work DIR] [--docs DIR] [--no-docker]
#
# Needs root (a private mount namespace with a private journald, FACTS.md 5.13), gcc, jq, gnuplot,
# valgrind; Docker for the Docker comparison (dockerd is started if it is not running, and stopped
# again afterwards). `make bench` runs it with the daemon and tools of the build tree; run alone,
# it compiles the tools itself into the work directory. --quick uses small N for a CI smoke run.
# Nothing here asserts a time: the page reports figures and says which targets were met.
set -uo pipefail

SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
QUICK=${BENCH_QUICK:-0}
DAEMON=${DAEMON:-}
BIN=${BENCH_BIN:-}
WORK=${BENCH_WORK:-}
DOCS=${BENCH_DOCS:-$SRCDIR/docs}
DOCKER=${BENCH_DOCKER:-1}
ORIG_ARGS=${BENCH_ARGS:-$*}
while [ $# -gt 0 ]; do
        case $1 in
        --quick) QUICK=1 ;;
        --daemon) DAEMON=$2; shift ;;
        --bin) BIN=$2; shift ;;
        --work) WORK=$2; shift ;;
        --docs) DOCS=$2; shift ;;
        --no-docker) DOCKER=0 ;;
        -h|--help) sed -n '3,13p' "$0"; exit 0 ;;
        *) echo "run-all.sh: unknown option '$1'" >&2; exit 1 ;;
        esac
        shift
done

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root (private mount namespace, journald, Docker)"
for c in jq gnuplot valgrind unshare journalctl; do
        command -v "$c" >/dev/null || fail "'$c' is not installed"
done

# ------------------------------------------------------------------ outside the namespace
if [ -z "${_BENCH_IN_NS:-}" ]; then
        [ -n "$DAEMON" ] || DAEMON=$PWD/daemon/container-watchd
        [ -x "$DAEMON" ] || fail "no daemon at '$DAEMON' (build it, or pass --daemon)"
        DAEMON=$(readlink -f "$DAEMON")
        [ -n "$WORK" ] || WORK=$(mktemp -d /tmp/cw-bench.XXXXXX)
        mkdir -p "$WORK" && WORK=$(readlink -f "$WORK")
        if [ -z "$BIN" ]; then
                BIN=$WORK/bin
                mkdir -p "$BIN"
                for p in spawn-inits pidfd-ref poll-watch stamp-lines kill-stamp notify-stamp probe-storm; do
                        ${CC:-cc} -std=gnu11 -O2 -Wall -Wextra -o "$BIN/$p" "$SRCDIR/tests/bench/$p.c" ||
                                fail "cannot compile $p"
                done
        fi
        BIN=$(readlink -f "$BIN")
        STARTED_DOCKERD=0
        if [ "$DOCKER" = 1 ]; then
                if ! command -v docker >/dev/null; then
                        log "no docker: skipping the Docker comparison"
                        DOCKER=0
                elif ! docker info >/dev/null 2>&1; then
                        log "starting dockerd"
                        setsid dockerd >"$WORK/dockerd.log" 2>&1 </dev/null &
                        STARTED_DOCKERD=$!
                        for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
                        docker info >/dev/null 2>&1 || { log "dockerd did not come up: skipping Docker"; DOCKER=0; }
                fi
        fi
        if [ "$DOCKER" = 1 ] && ! docker image inspect cw-bench-bbox:latest >/dev/null 2>&1; then
                # A busybox image from busybox-static, with RELATIVE applet symlinks (busybox --install -s
                # makes absolute links to the host path, which break inside the image).
                log "building the cw-bench-bbox image"
                rootfs=$WORK/bbox-rootfs
                rm -rf "$rootfs" && mkdir -p "$rootfs/bin" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/tmp"
                cp "$(command -v busybox)" "$rootfs/bin/busybox"
                for a in $(busybox --list); do [ "$a" = busybox ] || ln -sf busybox "$rootfs/bin/$a"; done
                tar -C "$rootfs" -c . | docker import - cw-bench-bbox:latest >/dev/null ||
                        { log "docker import failed: skipping Docker"; DOCKER=0; }
        fi
        DOCS=$(mkdir -p "$DOCS" && cd "$DOCS" && pwd)
        export _BENCH_IN_NS=1 DAEMON BENCH_BIN=$BIN BENCH_WORK=$WORK BENCH_DOCS=$DOCS BENCH_DOCKER=$DOCKER \
                BENCH_QUICK=$QUICK BENCH_ARGS="$ORIG_ARGS"
        unshare -m --propagation private "$0"
        rc=$?
        if [ "$STARTED_DOCKERD" != 0 ]; then
                log "stopping the dockerd we started"
                kill "$STARTED_DOCKERD" 2>/dev/null
                wait "$STARTED_DOCKERD" 2>/dev/null
        fi
        exit $rc
fi

# ------------------------------------------------------------------ inside the namespace
W=$WORK
R=$W/raw
BENCH_STARTED=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
BENCH_CMD="tests/bench/run-all.sh${ORIG_ARGS:+ $ORIG_ARGS}"
SECONDS=0
mkdir -p "$R" "$DOCS"
log "work directory $W"

if [ "$QUICK" = 1 ]; then
        N_SIDE=40 N_LAZY=10 N_DOCKER=5 N_SCALE=2000 N_SAMPLE=50 IDLE_SECS=5 CHURN_SECS=5 N_CG=200
        STARTUP_RUNS=1 SCALE_STEPS="500 1000 2000"
else
        N_SIDE=200 N_LAZY=20 N_DOCKER=20 N_SCALE=10000 N_SAMPLE=200 IDLE_SECS=60 CHURN_SECS=60 N_CG=1000
        STARTUP_RUNS=3 SCALE_STEPS="1000 2500 5000 7500 10000"
fi
# Kill gaps are not multiples of the poller's 100 ms, so that its phase varies from kill to kill.
CHURN_RATE=500 CHURN_LIFE_MS=200 KILL_GAP_MS=37 DOCKER_GAP_MS=317
RUNC_SIZE=1536 DOCKER_SIZE=30720

# Descriptors: the daemon raises its soft limit to the hard one. Raising the hard limit needs
# CAP_SYS_RESOURCE; where it is missing, the hard limit caps how many containers can be tracked.
ulimit -Hn 1048576 2>/dev/null || ulimit -Hn 262144 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"
NOFILE=$(ulimit -Hn)
# ---- private journald (FACTS.md 5.13), no rate limit, volatile storage
JCONF=$W/journald.conf
cat >"$JCONF" <<'EOF'
[Journal]
Storage=volatile
RateLimitIntervalSec=0
RuntimeMaxUse=2G
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToConsole=no
ForwardToWall=no
EOF
mkdir -p /run/systemd/journal /run/log /var/log/journal
mount -t tmpfs -o mode=0755 bench-journal /run/systemd/journal || fail "tmpfs on /run/systemd/journal"
mount -t tmpfs -o mode=0755 bench-log /run/log || fail "tmpfs on /run/log"
mount -t tmpfs -o mode=0755 bench-varlog /var/log/journal || fail "tmpfs on /var/log/journal"
mount --bind "$JCONF" /etc/systemd/journald.conf || fail "bind journald.conf"
/lib/systemd/systemd-journald >"$W/journald.log" 2>&1 &
JOURNALD_PID=$!
for _ in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
[ -S /run/systemd/journal/socket ] || fail "journald did not start: $(cat "$W/journald.log")"
JDIR=/run/log/journal

# State roots on a tmpfs, as /run is on a stock host (here /run may be a disk file system).
mkdir -p "$W/roots"
mount -t tmpfs -o mode=0711,size=4g bench-roots "$W/roots" || fail "tmpfs on $W/roots"

CLEAN_PIDS=()
cleanup() {
        for p in "${CLEAN_PIDS[@]}"; do kill "$p" 2>/dev/null; done
        [ -n "${SI_PID:-}" ] && kill "$SI_PID" 2>/dev/null
        if [ "$DOCKER" = 1 ]; then
                docker ps -aq --filter label=cw-bench=1 | xargs -r docker rm -f >/dev/null 2>&1
        fi
        kill "$JOURNALD_PID" 2>/dev/null
}
trap cleanup EXIT

: >"$W/bench.conf"          # no host configuration; roots come from -r

# ------------------------------------------------------------------ helpers

# si_start ROOT STAMPS [ARGS...]: the load generator as a coprocess; si CMD: one command, one answer.
si_start() {
        local root=$1 stamps=$2
        shift 2
        rm -rf "$root" && mkdir -p "$root"
        coproc SI { "$BIN/spawn-inits" -r "$root" -k "$stamps" "$@"; }
        SI_PID=$SI_PID
}
si() {
        local reply
        echo "$*" >&"${SI[1]}"
        read -r reply <&"${SI[0]}" || fail "spawn-inits died at '$*'"
        case $reply in ok*) ;; *) fail "spawn-inits: '$*': $reply" ;; esac
        SI_REPLY=$reply
}
si_quit() {
        si quit
        wait "$SI_PID" 2>/dev/null
        SI_PID=
}

# daemon_start NAME TARGET ROOT... : container-watchd with --json through stamp-lines, its
# notifications through notify-stamp; waits for READY=1. Sets DPID.
DAEMON_PREFIX=()
daemon_start() {
        local name=$1 target=$2 args=()
        shift 2
        for r in "$@"; do args+=(-r "$r"); done
        rm -f "$R/$name".{json,notify,err}
        # A private record of reported events (DESIGN.md §5), never the host's /var/lib one.
        rm -rf "$W/state/$name" && mkdir -p "$W/state/$name"
        STATE_DIRECTORY=$W/state/$name env -u WATCHDOG_USEC -u WATCHDOG_PID "$BIN/notify-stamp" -o "$R/$name.notify" "$W/notify.sock" -- \
                "${DAEMON_PREFIX[@]}" "$DAEMON" -c "$W/bench.conf" "${args[@]}" --json --log-target="$target" \
                2>"$R/$name.err" | "$BIN/stamp-lines" >"$R/$name.json" &
        DPIPE=$!
        CLEAN_PIDS+=("$DPIPE")
        for _ in $(seq 200); do [ -s "$R/$name.notify" ] && break; sleep 0.05; done
        DPID=$(awk '$1 == "start" { print $3; exit }' "$R/$name.notify")
        [ -n "$DPID" ] || fail "daemon $name did not start"
        CLEAN_PIDS+=("$DPID")
        if ! wait_for "${READY_TIMEOUT:-300}" has_line "$R/$name.notify" READY=1; then
                [ -n "${READY_SOFT:-}" ] && return 1
                fail "daemon $name: no READY=1: $(tail -3 "$R/$name.err")"
        fi
        return 0
}
daemon_stop() {
        kill -TERM "$DPID" 2>/dev/null
        wait "$DPIPE" 2>/dev/null
}
# ready_ms NAME: start-up time, fork+exec to READY=1
ready_ms() {
        awk '$1 == "start" { s = $2 } / READY=1/ && !r { r = $1 } END { printf "%.1f", (r - s) / 1e6 }' "$R/$1.notify"
}

wait_for() {
        local t=$1 i
        shift
        for ((i = 0; i < t * 20; i++)); do "$@" && return 0; sleep 0.05; done
        return 1
}
count_ge() { [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ]; }
has_line() { grep -q -- "$2" "$1" 2>/dev/null; }

# Event streams, normalised to "ID NS" lines.
json_events() {         # FILE EVENT
        awk -v ev="\"CONTAINER_EVENT\":\"$2\"" 'index($0, ev) {
                if (match($0, /"CONTAINER_ID_FULL":"[^"]*"/)) print substr($0, RSTART + 21, RLENGTH - 22), $1
        }' "$1"
}
kills() { awk '$1 == "K" { print $2, $4 }' "$1"; }
journal_dump() {        # OUT: "ID SOURCE_NS STORED_NS EVENT" for every entry so far
        journalctl -D "$JDIR" -o json --no-pager SYSLOG_IDENTIFIER=container-watchd 2>/dev/null |
                jq -r 'select(.CONTAINER_EVENT != null) | [.CONTAINER_ID_FULL, (._SOURCE_REALTIME_TIMESTAMP // .__REALTIME_TIMESTAMP) + "000", .__REALTIME_TIMESTAMP + "000", .CONTAINER_EVENT] | @tsv' >"$1"
}

# lat KILLS EVENTS: per id, event - kill, in ms (first event per id). Stamps are cut to their last
# 12 digits (1000 s) so that awk's doubles hold them exactly.
lat() {
        awk 'function t(s) { return substr(s, length(s) - 11) + 0 }
             NR == FNR { k[$1] = t($2); next }
             ($1 in k) && !seen[$1]++ { d = t($2) - k[$1]; if (d < -5e11) d += 1e12; printf "%.4f\n", d / 1e6 }' "$1" "$2"
}
# stats: reads ms values; prints "median p90 p99 max n" (nearest rank)
stats() {
        sort -g | awk '{ v[NR] = $1 } END {
                n = NR; if (n == 0) { print "- - - - 0"; exit }
                split("0.5 0.9 0.99", q, " ")
                for (i = 1; i <= 3; i++) { r = int(q[i] * n); if (r < q[i] * n) r++; if (r < 1) r = 1; o = o sprintf("%.3f ", v[r]) }
                printf "%s%.3f %d\n", o, v[n], n }'
}
# row LABEL FILE: a markdown table row from a file of ms values
row() {
        local s
        s=$(stats <"$2")
        set -- "$1" $s
        printf '| %s | %s | %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4" "$5" "$6"
}
med() { stats <"$1" | awk '{ print $1 }'; }

proc_cpu_ns() { awk '{ print $1 }' "/proc/$1/schedstat"; }
proc_ctxt() { awk '/^voluntary_ctxt_switches|^nonvoluntary_ctxt_switches/ { s += $2 } END { print s }' "/proc/$1/status"; }
proc_rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }
proc_ticks_ns() { awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); print ($12 + $13) * 1e9 / hz }' "/proc/$1/stat"; }

# Profiles of the daemon where a target may be missed: system-wide cpu-clock samples (the daemon may
# not exist yet when they start), reported for the daemon's threads only.
HAVE_PERF=0
command -v perf >/dev/null && perf record -q -e cpu-clock -o /dev/null -- true >/dev/null 2>&1 && HAVE_PERF=1
perf_start() {
        [ "$HAVE_PERF" = 1 ] || return 0
        perf record -q -a -g -e cpu-clock -F 1999 -o "$W/perf.$1.data" >/dev/null 2>&1 &
        PERF_PID=$!
        sleep 0.5
}
perf_stop() {
        [ "$HAVE_PERF" = 1 ] || return 0
        kill -INT "$PERF_PID" 2>/dev/null
        wait "$PERF_PID" 2>/dev/null
        perf report -i "$W/perf.$1.data" --comm container-watch --no-children --sort dso,sym -g none \
                --percentage relative --percent-limit 1 2>/dev/null | grep -v '^#' | grep -v '^$' | head -20 \
                >"$W/perf.$1.txt"
}

RESULTS=$W/results.env
: >"$RESULTS"
result() { printf '%s=%q\n' "$1" "$2" >>"$RESULTS"; eval "$1=\$2"; }

# ================================================================== A: side by side, fake containers
log "A: $N_SIDE kills, ${KILL_GAP_MS} ms apart: daemon --json, journal, pidfd reference, polling"
ROOT_A=$W/roots/root-a
si_start "$ROOT_A" "$R/a.stamps"
daemon_start a journal "$ROOT_A"
si spawn "$N_SIDE"
si list "$W/a.targets"
wait_for 30 count_ge "$R/a.json" '"started"' "$N_SIDE" || fail "A: started events missing"
"$BIN/pidfd-ref" "$W/a.targets" >"$R/a.ref" & REF=$!
"$BIN/poll-watch" "$W/a.targets" 100 >"$R/a.poll" & POLL=$!
CLEAN_PIDS+=("$REF" "$POLL")
wait_for 10 has_line "$R/a.ref" ready && wait_for 10 has_line "$R/a.poll" ready || fail "A: watchers not ready"
si kill-each "$N_SIDE" "$KILL_GAP_MS"
wait_for 30 count_ge "$R/a.json" '"exited"' "$N_SIDE" || fail "A: exited events missing"
wait "$REF" "$POLL"
daemon_stop
si_quit
kills "$R/a.stamps" >"$W/a.kills"
json_events "$R/a.json" exited >"$W/a.json.ev"
awk '$1 == "E" { print $2, $4 }' "$R/a.ref" >"$W/a.ref.ev"
awk '$1 == "X" { print $2, $4 }' "$R/a.ref" >"$W/a.refx.ev"
awk '$1 == "P" { print $2, $4 }' "$R/a.poll" >"$W/a.poll.ev"
journal_dump "$W/journal.tsv"
awk '$4 == "exited" { print $1, $2 }' "$W/journal.tsv" >"$W/a.jsrc.ev"
awk '$4 == "exited" { print $1, $3 }' "$W/journal.tsv" >"$W/a.jsto.ev"
for s in json ref refx poll jsrc jsto; do lat "$W/a.kills" "$W/a.$s.ev" >"$W/a.$s.ms"; done
# paired difference, same kill: daemon --json line minus the reference's receipt
awk 'NR == FNR { r[$1] = substr($2, length($2) - 11) + 0; next } ($1 in r) { printf "%.4f\n", (substr($2, length($2) - 11) - r[$1]) / 1e6 }' \
        "$W/a.ref.ev" "$W/a.json.ev" >"$W/a.diff.ms"

# ---- A2: a lazy reaper (plain runc under a PID 1 that reaps 1.2 s late)
log "A2: $N_LAZY kills with the reaper 1200 ms late"
ROOT_A2=$W/roots/root-a2
si_start "$ROOT_A2" "$R/a2.stamps" --reap-delay 1200
daemon_start a2 journal "$ROOT_A2"
si spawn "$N_LAZY"
si list "$W/a2.targets"
wait_for 30 count_ge "$R/a2.json" '"started"' "$N_LAZY" || fail "A2: started events missing"
"$BIN/pidfd-ref" "$W/a2.targets" >"$R/a2.ref" & REF=$!
"$BIN/poll-watch" "$W/a2.targets" 100 >"$R/a2.poll" & POLL=$!
CLEAN_PIDS+=("$REF" "$POLL")
wait_for 10 has_line "$R/a2.ref" ready && wait_for 10 has_line "$R/a2.poll" ready || fail "A2: watchers not ready"
si kill-each "$N_LAZY" 100
wait_for 30 count_ge "$R/a2.json" '"exited"' "$N_LAZY" || fail "A2: exited events missing"
wait "$REF" "$POLL"
daemon_stop
si_quit
kills "$R/a2.stamps" >"$W/a2.kills"
json_events "$R/a2.json" exited >"$W/a2.json.ev"
awk '$1 == "E" { print $2, $4 }' "$R/a2.ref" >"$W/a2.ref.ev"
awk '$1 == "X" { print $2, $4 }' "$R/a2.ref" >"$W/a2.refx.ev"
awk '$1 == "P" { print $2, $4 }' "$R/a2.poll" >"$W/a2.poll.ev"
for s in json ref refx poll; do lat "$W/a2.kills" "$W/a2.$s.ev" >"$W/a2.$s.ms"; done
A2_SOURCES=$(grep -o '"EXIT_STATUS_SOURCE":"[a-z]*"' "$R/a2.json" | sort | uniq -c | awk '{ printf "%s%s × %s", s, $1, substr($2, 23, length($2) - 23); s = ", " }')

# ================================================================== D: real Docker containers
phase_docker() {
        log "D: $N_DOCKER Docker containers, init killed ${DOCKER_GAP_MS} ms apart"
        DROOT=/run/docker/runtime-runc/moby
        docker ps -aq --filter label=cw-bench=1 | xargs -r docker rm -f >/dev/null 2>&1
        { docker events --filter type=container --filter event=die --format '{{.Actor.ID}}' 2>"$W/d.events.err" &
          echo $! >"$W/d.events.pid"; wait; } | "$BIN/stamp-lines" >"$R/d.events" &
        DEVPIPE=$!
        wait_for 5 test -s "$W/d.events.pid"
        DEV=$(cat "$W/d.events.pid")
        CLEAN_PIDS+=("$DEV")
        : >"$W/d.targets"
        for i in $(seq "$N_DOCKER"); do
                id=$(docker run -d --label cw-bench=1 --network none --log-driver none cw-bench-bbox:latest sleep 100000) ||
                        { D_FAIL="docker run failed"; kill "$DEV" 2>/dev/null; wait "$DEVPIPE"; return 1; }
                echo "$id $(docker inspect -f '{{.State.Pid}}' "$id")" >>"$W/d.targets"
        done
        mkdir -p "$DROOT"
        daemon_start d journal "$DROOT"
        "$BIN/pidfd-ref" "$W/d.targets" >"$R/d.ref" & REF=$!
        "$BIN/poll-watch" "$W/d.targets" 100 >"$R/d.poll" & POLL=$!
        CLEAN_PIDS+=("$REF" "$POLL")
        wait_for 10 has_line "$R/d.ref" ready && wait_for 10 has_line "$R/d.poll" ready ||
                { D_FAIL="watchers not ready"; return 1; }
        sleep 1
        "$BIN/kill-stamp" "$W/d.targets" "$DOCKER_GAP_MS" >"$R/d.kills"
        wait_for 60 count_ge "$R/d.events" . "$N_DOCKER" || log "D: only $(wc -l <"$R/d.events") die events"
        wait_for 30 count_ge "$R/d.json" '"exited"' "$N_DOCKER" || log "D: exited events missing"
        sleep 0.5
        wait "$REF" "$POLL"
        kill "$DEV" 2>/dev/null; wait "$DEVPIPE" 2>/dev/null
        daemon_stop
        awk '{ print $1 }' "$W/d.targets" | xargs -r docker rm -f >/dev/null 2>&1
        kills "$R/d.kills" >"$W/d.kills"
        json_events "$R/d.json" exited >"$W/d.json.ev"
        awk '{ print $2, $1 }' "$R/d.events" >"$W/d.docker.ev"
        awk '$1 == "E" { print $2, $4 }' "$R/d.ref" >"$W/d.ref.ev"
        awk '$1 == "X" { print $2, $4 }' "$R/d.ref" >"$W/d.refx.ev"
        awk '$1 == "P" { print $2, $4 }' "$R/d.poll" >"$W/d.poll.ev"
        journal_dump "$W/journal.tsv"
        awk '$4 == "exited" { print $1, $2 }' "$W/journal.tsv" >"$W/d.jsrc.ev"
        awk '$4 == "exited" { print $1, $3 }' "$W/journal.tsv" >"$W/d.jsto.ev"
        for s in json docker ref refx poll jsrc jsto; do lat "$W/d.kills" "$W/d.$s.ev" >"$W/d.$s.ms"; done
        D_SOURCES=$(grep -o '"EXIT_STATUS_SOURCE":"[a-z]*"' "$R/d.json" | sort | uniq -c | awk '{ printf "%s%s × %s", s, $1, substr($2, 23, length($2) - 23); s = ", " }')
        DOCKER_VERSION=$(docker version --format '{{.Server.Version}}' 2>/dev/null)
        return 0
}
docker_ok() { docker info >/dev/null 2>&1; }
D_NOTE=
if [ "$DOCKER" = 1 ]; then
        # dockerd is shared with other work on the machine and may be restarting: wait for it.
        if ! wait_for 60 docker_ok; then
                D_NOTE="dockerd was not reachable when the Docker step ran"
        elif ! phase_docker; then
                D_NOTE="the Docker step failed: $D_FAIL"
        fi
        if [ -n "$D_NOTE" ]; then
                log "D: skipped: $D_NOTE"
                DOCKER=0
                docker ps -aq --filter label=cw-bench=1 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1
        fi
fi

# ================================================================== S: scale
# The daemon tracks a container through a pidfd only while its descriptor budget fits under
# RLIMIT_NOFILE (manager.c: FDS_PER_CONTAINER per container plus a reserve); past that it watches
# the state directory only ("untracked": the exit is seen when the runtime removes the directory).
# With a hard limit the benchmark cannot raise, the scale runs report how many were untracked.
log "S: 1 tracked, then $N_SCALE tracked (steps: $SCALE_STEPS)"
ROOT_S=$W/roots/root-s
si_start "$ROOT_S" "$R/s1.stamps"
daemon_start s journal "$ROOT_S"
S_DPID=$DPID
result RSS_0 "$(proc_rss_kb "$DPID")"
si cycle "$N_SAMPLE" 10
kills "$R/s1.stamps" >"$W/s1.kills"
wait_for 30 count_ge "$R/s.json" '"exited"' "$N_SAMPLE" || fail "S: 1-tracked exits missing"
json_events "$R/s.json" exited >"$W/s.json.ev"
lat "$W/s1.kills" "$W/s.json.ev" >"$W/s1.ms"

si stamps "$R/s-spawn.stamps"
base_started=$(grep -c '"started"' "$R/s.json")
: >"$W/rss.tsv"
echo "0 $RSS_0" >>"$W/rss.tsv"
have=0
for step in $SCALE_STEPS; do
        si spawn $((step - have))
        have=$step
        wait_for 120 count_ge "$R/s.json" '"started"' $((base_started + step)) || fail "S: started events missing at $step"
        sleep 0.2
        echo "$step $(proc_rss_kb "$DPID")" >>"$W/rss.tsv"
        log "   $step tracked, VmRSS $(proc_rss_kb "$DPID") kB"
done
sleep 0.5
result S_STATUS "$(grep -o 'STATUS=[^=]*' "$R/s.notify" | tail -1 | sed 's/^STATUS=//; s/ *$//')"
result S_FDS "$(ls "/proc/$DPID/fd" | wc -l)"
result S_UNTRACKED "$(echo "$S_STATUS" | sed -n 's/.*; \([0-9]*\) without pidfd.*/\1/p')"
[ -n "$S_UNTRACKED" ] || S_UNTRACKED=0
log "S: $S_STATUS ($S_FDS descriptors open)"

log "S: idle for $IDLE_SECS s with $N_SCALE tracked"
sleep 1
cpu0=$(proc_cpu_ns "$DPID"); ctx0=$(proc_ctxt "$DPID"); tk0=$(proc_ticks_ns "$DPID")
sleep "$IDLE_SECS"
cpu1=$(proc_cpu_ns "$DPID"); ctx1=$(proc_ctxt "$DPID"); tk1=$(proc_ticks_ns "$DPID")
result IDLE_CPU_NS $((cpu1 - cpu0))
result IDLE_CTXT $((ctx1 - ctx0))
result IDLE_TICKS_NS "$(awk -v a="$tk0" -v b="$tk1" 'BEGIN { printf "%d", b - a }')"

log "S: $N_SAMPLE kills one at a time with $N_SCALE tracked"
si stamps "$R/sn.stamps"
si kill-each "$N_SAMPLE" 10
si spawn "$N_SAMPLE"
wait_for 60 count_ge "$R/s.json" '"started"' $((base_started + N_SCALE + N_SAMPLE)) || fail "S: refill missing"
kills "$R/sn.stamps" >"$W/sn.kills"
json_events "$R/s.json" exited >"$W/s.json.ev"
lat "$W/sn.kills" "$W/s.json.ev" >"$W/sn.ms"

log "S: $N_SCALE killed at once"
si stamps "$R/sall.stamps"
exited_before=$(grep -c '"exited"' "$R/s.json")
perf_start killall
si kill-all
read -r _ _ KA_N KA_FIRST KA_LAST <<<"$SI_REPLY"
wait_for 120 count_ge "$R/s.json" '"exited"' $((exited_before + KA_N)) || log "S: kill-all: exits missing"
perf_stop killall
sleep 1
si wait-reaped
kills "$R/sall.stamps" >"$W/sall.kills"
json_events "$R/s.json" exited >"$W/s.json.ev"
awk 'NR == FNR { k[$1]; next } ($1 in k) { n++; if (s[$1]++) d++ } END { printf "%d %d %d\n", n, length(s), d }' \
        "$W/sall.kills" "$W/s.json.ev" >"$W/sall.count"
read -r KA_EVENTS KA_UNIQUE KA_DUP <"$W/sall.count"
result KA_LATE "$(awk 'NR == FNR { k[$1]; next } index($0, "\"EXIT_OBSERVED\":\"late\"") && match($0, /"CONTAINER_ID_FULL":"[^"]*"/) && (substr($0, RSTART + 21, RLENGTH - 22) in k)' "$W/sall.kills" "$R/s.json" | wc -l)"
KA_LAST_LINE=$(awk 'NR == FNR { k[$1]; next } ($1 in k) { t = $2 } END { print t }' "$W/sall.kills" "$W/s.json.ev")
result KA_N "$KA_N"
result KA_EVENTS "$KA_EVENTS"
result KA_UNIQUE "$KA_UNIQUE"
result KA_DUP "$KA_DUP"
result KA_KILL_SPAN_MS "$(awk -v a="$KA_FIRST" -v b="$KA_LAST" 'BEGIN { printf "%.1f", (substr(b, 8) - substr(a, 8)) / 1e6 }')"
result KA_LAST_MS "$(awk -v a="$KA_FIRST" -v b="$KA_LAST_LINE" 'BEGIN { printf "%.1f", (substr(b, 8) - substr(a, 8)) / 1e6 }')"
lat "$W/sall.kills" "$W/s.json.ev" >"$W/sall.ms"
# journal drain: wait until every exit of the burst is stored
drain_done() {
        journal_dump "$W/journal.tsv"
        [ "$(awk 'NR == FNR { k[$1]; next } ($1 in k) && $4 == "exited"' "$W/sall.kills" "$W/journal.tsv" | wc -l)" -ge "$KA_N" ]
}
wait_for 120 drain_done || log "S: the journal did not get every exit"
awk 'NR == FNR { k[$1]; next } ($1 in k) && $4 == "exited" { print $1, $3 }' "$W/sall.kills" "$W/journal.tsv" >"$W/sall.jsto.ev"
result KA_JOURNAL_N "$(wc -l <"$W/sall.jsto.ev")"
result KA_DRAIN_MS "$(awk -v a="$KA_FIRST" '{ t = substr($2, 8) + 0; if (t > m) m = t } END { printf "%.1f", (m - substr(a, 8)) / 1e6 }' "$W/sall.jsto.ev")"
daemon_stop

log "S: start-up with $N_SCALE existing containers"
si stamps "$R/su.stamps"
si spawn "$N_SCALE"
STATE_SIZE_RUNC=$(stat -c %s "$(ls -d "$ROOT_S"/*/state.json | head -1)")
: >"$W/startup.tsv"
for size in runc docker; do
        if [ "$size" = docker ]; then si rewrite "$DOCKER_SIZE"; fi
        if [ "$HAVE_PERF" = 1 ]; then      # one extra, profiled run, not timed
                perf_start "startup-$size"
                daemon_start "su-$size-prof" journal "$ROOT_S"
                perf_stop "startup-$size"
                daemon_stop
        fi
        for target in journal console; do
                runs=$STARTUP_RUNS
                [ "$target" = console ] && runs=1
                for i in $(seq "$runs"); do
                        daemon_start "su-$size-$target-$i" "$target" "$ROOT_S"
                        echo "$size $target $i $(ready_ms "su-$size-$target-$i") $(proc_rss_kb "$DPID")" >>"$W/startup.tsv"
                        log "   $size-size, $target: READY after $(ready_ms "su-$size-$target-$i") ms"
                        daemon_stop
                done
        done
done
si_quit

# ================================================================== C: churn
log "C: churn, $CHURN_RATE containers/s for $CHURN_SECS s, each killed after $CHURN_LIFE_MS ms"
ROOT_C=$W/roots/root-c
si_start "$ROOT_C" "$R/c.stamps"
daemon_start c journal "$ROOT_C"
cpu0=$(proc_cpu_ns "$DPID")
si churn "$CHURN_RATE" "$CHURN_SECS" "$CHURN_LIFE_MS"
read -r _ _ CH_N <<<"$SI_REPLY"
wait_for 60 count_ge "$R/c.json" '"exited"' "$CH_N" || log "C: exits missing"
sleep 0.5
cpu1=$(proc_cpu_ns "$DPID")
daemon_stop
si_quit
awk '$1 == "S" { print $2 }' "$R/c.stamps" | sort -u >"$W/c.created"
json_events "$R/c.json" started | awk '{ print $1 }' | sort >"$W/c.started"
json_events "$R/c.json" exited | awk '{ print $1 }' | sort >"$W/c.exited"
result CH_N "$CH_N"
result CH_STARTED "$(sort -u "$W/c.started" | comm -12 - "$W/c.created" | wc -l)"
result CH_EXITED "$(sort -u "$W/c.exited" | comm -12 - "$W/c.created" | wc -l)"
result CH_DUP "$(( $(wc -l <"$W/c.started") + $(wc -l <"$W/c.exited") - $(sort -u "$W/c.started" | wc -l) - $(sort -u "$W/c.exited" | wc -l) ))"
result CH_CPU_MS "$(awk -v a="$cpu0" -v b="$cpu1" 'BEGIN { printf "%.0f", (b - a) / 1e6 }')"
kills "$R/c.stamps" >"$W/c.kills"
json_events "$R/c.json" exited >"$W/c.json.ev"
lat "$W/c.kills" "$W/c.json.ev" >"$W/c.ms"

# ================================================================== G: instructions (callgrind)
# Debian 12's valgrind (3.19) does not know pidfd_open (syscall 434): the daemon's probe fails under
# it. Use $VALGRIND if given, else the system's if it passes, else fetch Debian 13's valgrind
# package into the work directory (fetch-valgrind.sh: apt-get download with a private source list
# made from the machine's own apt sources, only the suite changed; nothing is installed).
valgrind_ok() { "$1" --tool=none -q "$BIN/pidfd-ref" --probe >/dev/null 2>&1; }
VG=${VALGRIND:-valgrind}
if ! valgrind_ok "$VG"; then
        log "G: '$VG' cannot run pidfd_open(); fetching a newer valgrind"
        VG=$(bash "$SRCDIR/tests/bench/fetch-valgrind.sh" "${BENCH_VALGRIND_DIR:-$W/valgrind}" 2>"$W/fetch-valgrind.log") || VG=
        [ -n "$VG" ] && ! valgrind_ok "$VG" && VG=
fi
CG_NOTE=
if [ -z "$VG" ]; then
        CG_NOTE="no valgrind able to run pidfd_open() was available (Debian 12 ships 3.19)"
        log "G: skipped: $CG_NOTE"
else
VALGRIND_VERSION=$("$VG" --version)
log "G: callgrind ($VALGRIND_VERSION), $N_CG container lifecycles vs none"
CG_IR=()
for n in 0 "$N_CG"; do
        ROOT_G=$W/roots/root-g
        si_start "$ROOT_G" "$R/g$n.stamps"
        # The daemon's start-up probe has been seen to fail now and then under valgrind
        # (ERRNO=38, no READY=1): try a few times.
        ok=0
        for try in 1 2 3; do
                DAEMON_PREFIX=("$VG" --tool=callgrind --callgrind-out-file="$W/callgrind.$n.out" --dump-instr=no)
                if READY_SOFT=1 READY_TIMEOUT=60 daemon_start "g$n" journal "$ROOT_G"; then
                        ok=1
                        break
                fi
                log "G: no READY=1 under valgrind (try $try): $(grep -v '^==' "$R/g$n.notify" | tail -2 | tr '\n' ' ')"
                kill -KILL "$DPID" 2>/dev/null
                wait "$DPIPE" 2>/dev/null
        done
        DAEMON_PREFIX=()
        if [ "$ok" = 0 ]; then
                si_quit
                CG_NOTE="the daemon did not get ready under valgrind (see $R/g$n.notify)"
                break
        fi
        if [ "$n" -gt 0 ]; then
                si spawn "$n"
                wait_for 300 count_ge "$R/g$n.json" '"started"' "$n" || log "G: started missing"
                si kill-all
                wait_for 300 count_ge "$R/g$n.json" '"exited"' "$n" || log "G: exited missing"
                si wait-reaped
        fi
        sleep 1
        daemon_stop
        si_quit
        CG_IR+=("$(awk '/^(summary|totals):/ { print $2; exit }' "$W/callgrind.$n.out")")
done
if [ -n "$CG_NOTE" ]; then
        log "G: $CG_NOTE"
else
result CG_IR0 "${CG_IR[0]}"
result CG_IRN "${CG_IR[1]}"
result CG_PER "$(( (CG_IR[1] - CG_IR[0]) / N_CG ))"
"$(dirname "$(command -v "$VG")")/callgrind_annotate" "$W/callgrind.$N_CG.out" 2>/dev/null |
        grep -E '^ *[0-9,]+ \(' | head -25 >"$W/callgrind.top"
"$(dirname "$(command -v "$VG")")/callgrind_annotate" --inclusive=yes "$W/callgrind.$N_CG.out" 2>/dev/null |
        grep -E '^ *[0-9,]+ \(' | head -40 >"$W/callgrind.incl"
fi
fi

# ================================================================== P: the kernel probe's cost (issue 13)
# Side by side in this run, probe attached and detached: tests/bench/probe-cost.sh writes its own
# section, which report.sh appends. Only when built with the probe (PROBE_LISTEN from make bench).
if [ -n "${PROBE_LISTEN:-}" ] && [ -x "$PROBE_LISTEN" ] && [ -x "$BIN/probe-storm" ]; then
        log "P: the kernel probe's cost"
        qflag=
        [ "$QUICK" = 1 ] && qflag=--quick
        BENCH_BIN=$BIN PROBE_LISTEN=$PROBE_LISTEN bash "$SRCDIR/tests/bench/probe-cost.sh" $qflag >"$W/probe.md" ||
                { log "P: probe-cost.sh failed"; rm -f "$W/probe.md"; }
else
        log "P: no probe-listen or probe-storm (built without the probe?): skipping the probe's cost"
fi

# ================================================================== report
log "writing $DOCS/BENCHMARKS.md"
for v in QUICK DOCKER N_SIDE N_LAZY N_DOCKER N_SCALE N_SAMPLE IDLE_SECS CHURN_SECS CHURN_RATE \
        CHURN_LIFE_MS N_CG NOFILE KILL_GAP_MS DOCKER_GAP_MS DOCKER_VERSION A2_SOURCES D_SOURCES D_NOTE CG_NOTE VALGRIND_VERSION HAVE_PERF \
        DAEMON RUNC_SIZE DOCKER_SIZE STATE_SIZE_RUNC STARTUP_RUNS BENCH_STARTED BENCH_CMD SECONDS; do
        printf '%s=%q\n' "$v" "${!v:-}" >>"$RESULTS"
done
bash "$SRCDIR/tests/bench/report.sh" "$W" "$DOCS" >"$DOCS/BENCHMARKS.md.tmp" && mv "$DOCS/BENCHMARKS.md.tmp" "$DOCS/BENCHMARKS.md"
log "done: $DOCS/BENCHMARKS.md, $DOCS/bench-latency.png (raw data in $W)"
