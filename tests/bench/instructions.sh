#!/bin/bash
# SPDX-License-Identifier: MIT
#
# instructions.sh: the daemon's instruction counts under callgrind, which do not depend on the
# machine's load (docs/BENCHMARKS.md, "Instruction budgets"; tests/perf/instruction-budgets.sh holds
# them to tests/perf/budgets):
#
#   docker-state-read   one Docker-sized state.json (tests/fixtures/docker/state.json, 30 KB) read
#                       by `--list --json`: (run over N copies − run over 10 copies) / (N − 10)
#   docker-state-read-first  the same file read first: run over 1 copy − run over none (the
#                       copies after it meet its seccomp profile in json-scan's memo of large values)
#   runc-lifecycle      one fake runc container (tests/bench/spawn-inits, runc-sized state.json)
#                       found, tracked, killed and reported (journal and --json), with its record
#                       lines: (run with N − run with none) / N
#   docker-lifecycle    the same with a Docker-sized state.json under .../runtime-runc/moby and its
#                       config.v2.json (tests/fixtures/docker/config.v2.json, its Name made the
#                       container's own) read for its name
# All with KernelProbe=no (the probe's cost is tests/bench/probe-cost.sh's).
#
#   instructions.sh [-n N] [-o DIR]
#
# Prints "NAME COUNT" per figure, then "valgrind VERSION". With -o, DIR/NAME.top and DIR/NAME.incl
# get the top of each profile by self and inclusive cost (callgrind_annotate), DIR/NAME.callgrind
# the whole profile of the larger run. N defaults to 1000.
#
# Environment: DAEMON (the container-watchd to measure), BENCH_BIN (the directory holding
# spawn-inits and notify-stamp), VALGRIND (a valgrind that knows pidfd_open; else Debian 13's is
# unpacked into VALGRIND_DIR by fetch-valgrind.sh). Needs root: it runs in a private mount namespace
# with a private journald, as run-all.sh does. Exit status 0, 1 on any failure (never 77: every
# tool it needs is in .ci/packages).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

N=1000 OUT=
while getopts n:o: opt; do
        case $opt in
                n) N=$OPTARG ;;
                o) OUT=$OPTARG ;;
                *) echo "usage: $0 [-n N] [-o DIR]" >&2; exit 1 ;;
        esac
done
case $N in ''|*[!0-9]*) echo "instructions: N must be a number" >&2; exit 1 ;; esac
[ "$N" -gt 10 ] || { echo "instructions: N must be more than 10" >&2; exit 1; }
[ -n "$OUT" ] && { mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd); }

log() { printf '[instructions %s] %s\n' "$(date +%T)" "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

: "${DAEMON:?DAEMON must name the container-watchd to measure}"
: "${BENCH_BIN:?BENCH_BIN must name the directory holding spawn-inits and notify-stamp}"
for p in "$DAEMON" "$BENCH_BIN/spawn-inits" "$BENCH_BIN/notify-stamp"; do
        [ -x "$p" ] || fail "$p is not built"
done
[ "$(id -u)" = 0 ] || fail "needs root (a private mount namespace and journald)"

# ------------------------------------------------------------------ a private mount namespace
if [ -z "${CW_INSTRUCTIONS_NS:-}" ]; then
        exec env CW_INSTRUCTIONS_NS=1 unshare -m --propagation private bash "$0" "$@"
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/cw-instructions.XXXXXX")
JOURNALD_PID= SI_PID= DPIPE=
cleanup() {
        [ -n "$DPIPE" ] && kill "$DPIPE" 2>/dev/null
        [ -n "$SI_PID" ] && kill "$SI_PID" 2>/dev/null
        [ -n "$JOURNALD_PID" ] && kill "$JOURNALD_PID" 2>/dev/null
        wait 2>/dev/null
        umount "$W/t" 2>/dev/null
        rm -rf "$W"
}
trap cleanup EXIT

# ------------------------------------------------------------------ valgrind
valgrind_ok() { "$1" --tool=none -q "$BENCH_BIN/spawn-inits" --help >/dev/null 2>&1 &&
                "$1" --version | awk -F'[-.]' '{ exit !($2 > 3 || ($2 == 3 && $3 >= 20)) }'; }
VG=${VALGRIND:-}
if [ -z "$VG" ] || ! valgrind_ok "$VG"; then
        VG=$(bash "$here/fetch-valgrind.sh" "${VALGRIND_DIR:-$W/valgrind}" 2>"$W/fetch-valgrind.log") ||
                fail "no valgrind that knows pidfd_open (fetch-valgrind.sh: $(tail -3 "$W/fetch-valgrind.log"))"
        valgrind_ok "$VG" || fail "$VG does not run"
fi
ANNOTATE=$(dirname "$(command -v "$VG")")/callgrind_annotate
[ -x "$ANNOTATE" ] || ANNOTATE=$(command -v callgrind_annotate) || fail "no callgrind_annotate"

# ------------------------------------------------------------------ private journald (FACTS.md 5.13)
cat >"$W/journald.conf" <<'EOF'
[Journal]
Storage=volatile
RateLimitIntervalSec=0
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToConsole=no
ForwardToWall=no
EOF
mkdir -p /run/systemd/journal /run/log
mount -t tmpfs -o mode=0755 cw-instr-journal /run/systemd/journal || fail "tmpfs on /run/systemd/journal"
mount -t tmpfs -o mode=0755 cw-instr-log /run/log || fail "tmpfs on /run/log"
mount --bind "$W/journald.conf" /etc/systemd/journald.conf || fail "bind journald.conf"
/lib/systemd/systemd-journald >"$W/journald.log" 2>&1 &
JOURNALD_PID=$!
for _ in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
[ -S /run/systemd/journal/socket ] || fail "journald did not start: $(cat "$W/journald.log")"

# State roots on a tmpfs, as /run is on a stock host.
mkdir -p "$W/t"
mount -t tmpfs -o mode=0711 cw-instr-roots "$W/t" || fail "tmpfs on $W/t"

wait_for() {
        local t=$1 i
        shift
        for ((i = 0; i < t * 20; i++)); do "$@" && return 0; sleep 0.05; done
        return 1
}
count_ge() { [ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ]; }
has_line() { grep -q -- "$2" "$1" 2>/dev/null; }
total() { awk '/^(summary|totals):/ { print $2; exit }' "$1"; }

# profile NAME CALLGRIND_OUT: the tops of the profile into $OUT
profile() {
        [ -n "$OUT" ] || return 0
        cp "$2" "$OUT/$1.callgrind"
        # (head ends the pipe early: no pipefail here)
        { "$ANNOTATE" "$2" 2>/dev/null | grep -E '^ *[0-9,]+ \(' | head -25 >"$OUT/$1.top"; } || true
        { "$ANNOTATE" --inclusive=yes "$2" 2>/dev/null | grep -E '^ *[0-9,]+ \(' | head -40 >"$OUT/$1.incl"; } || true
}

# ------------------------------------------------------------------ docker-state-read
# The kernel probe off: its load is a fixed cost (cancelled out), its availability depends on the
# kernel, and the figures must not (the probe's own cost: tests/bench/probe-cost.sh).
printf '[Exit]\nKernelProbe=no\n' >"$W/empty.conf"
# 0 and 1 copies too: json-scan remembers large values it skipped (util/json-scan.c), so every copy
# after the first costs less; one copy minus none is what a state.json never seen before costs.
for n in 0 1 10 "$N"; do
        root=$W/t/list-$n
        mkdir -p "$root"
        for ((i = 1; i <= n; i++)); do
                id=$(printf 'c%063d' "$i")
                mkdir "$root/$id"
                cp "$top/tests/fixtures/docker/state.json" "$root/$id/state.json"
        done
        "$VG" --tool=callgrind --callgrind-out-file="$W/list.$n.out" --dump-instr=no \
                "$DAEMON" -c "$W/empty.conf" -r "$root" --list --json >"$W/list.$n.json" 2>"$W/list.$n.err" ||
                fail "--list --json under callgrind: $(tail -3 "$W/list.$n.err")"
        [ "$(grep -c '"CONTAINER_ID"' "$W/list.$n.json")" = "$n" ] ||
                fail "--list --json listed $(grep -c '"CONTAINER_ID"' "$W/list.$n.json") of $n"
done
echo "docker-state-read $(( ($(total "$W/list.$N.out") - $(total "$W/list.10.out")) / (N - 10) ))"
echo "docker-state-read-first $(( $(total "$W/list.1.out") - $(total "$W/list.0.out") ))"
profile docker-state-read "$W/list.$N.out"

# ------------------------------------------------------------------ lifecycles
# lifecycle NAME N SPAWN-INITS-ARGS...: the daemon under callgrind from its start to its stop, with
# N containers created, tracked, killed together and reported in between.
lifecycle() {
        local name=$1 n=$2 root=$W/t/$1-$2 conf=$W/empty.conf try ok=0
        shift 2
        case $name in docker) root=$W/t/docker-$n/runtime-runc/moby conf=$W/docker.conf ;; esac
        mkdir -p "$root"
        coproc SI { "$BENCH_BIN/spawn-inits" -r "$root" -k "$W/$name.$n.stamps" "$@"; }
        SI_PID=$SI_PID
        # the daemon has been seen not to get ready under valgrind now and then: a few tries
        for try in 1 2 3; do
                rm -rf "$W/state" "$W/notify.sock" && mkdir -p "$W/state"
                STATE_DIRECTORY=$W/state env -u WATCHDOG_USEC -u WATCHDOG_PID \
                        "$BENCH_BIN/notify-stamp" -o "$W/$name.$n.notify" "$W/notify.sock" -- \
                        "$VG" --tool=callgrind --callgrind-out-file="$W/$name.$n.out" --dump-instr=no \
                        "$DAEMON" -c "$conf" -r "$root" --json --log-target=journal \
                        >"$W/$name.$n.json" 2>"$W/$name.$n.err" &
                DPIPE=$!
                if wait_for 120 has_line "$W/$name.$n.notify" READY=1; then
                        ok=1
                        break
                fi
                log "$name: no READY=1 under valgrind (try $try): $(tail -2 "$W/$name.$n.err" | tr '\n' ' ')"
                kill -KILL "$DPIPE" 2>/dev/null
                wait "$DPIPE" 2>/dev/null || true
        done
        [ "$ok" = 1 ] || fail "$name: the daemon did not get ready under valgrind"
        if [ "$n" -gt 0 ]; then
                echo "spawn $n" >&"${SI[1]}"
                read -r reply <&"${SI[0]}"
                wait_for 300 count_ge "$W/$name.$n.json" '"started"' "$n" || fail "$name: started events missing"
                echo kill-all >&"${SI[1]}"
                read -r reply <&"${SI[0]}"
                wait_for 300 count_ge "$W/$name.$n.json" '"exited"' "$n" || fail "$name: exited events missing"
                echo wait-reaped >&"${SI[1]}"
                read -r reply <&"${SI[0]}"
        fi
        # the record of what was reported, compacted or appended to: all of it is in the figure
        kill -TERM "$DPIPE"
        wait "$DPIPE" || fail "$name: the daemon did not stop cleanly: $(tail -3 "$W/$name.$n.err")"
        DPIPE=
        echo quit >&"${SI[1]}"
        read -r reply <&"${SI[0]}" || true
        wait "$SI_PID" 2>/dev/null || true
        SI_PID=
        : "$reply"
        [ "$n" = 0 ] || [ "$(grep -c '"exited"' "$W/$name.$n.json")" = "$n" ] ||
                fail "$name: $(grep -c '"exited"' "$W/$name.$n.json") exited events for $n containers"
}

printf '[Watch]\nDockerDataRoot=%s\n[Exit]\nKernelProbe=no\n' "$W/t/docker-data" >"$W/docker.conf"
for fig in runc docker; do
        args=()
        [ "$fig" = docker ] && args=(-s 30720 --docker-data "$W/t/docker-data"
                                     --docker-config "$top/tests/fixtures/docker/config.v2.json")
        for n in 0 "$N"; do
                lifecycle "$fig" "$n" "${args[@]}"
        done
        [ "$fig" = docker ] && { grep -q '"CONTAINER_NAME"' "$W/docker.$N.json" ||
                                 fail "docker: no CONTAINER_NAME: config.v2.json was not read"; }
        echo "$fig-lifecycle $(( ($(total "$W/$fig.$N.out") - $(total "$W/$fig.0.out")) / N ))"
        profile "$fig-lifecycle" "$W/$fig.$N.out"
done
echo "valgrind $("$VG" --version)"
