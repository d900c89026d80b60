#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Run the container-watchd benchmarks and write BENCHMARKS.md (and bench-latency.png).
#
#   tests/bench/run-all.sh [--quick] [--only NAME[,NAME...]] [--daemon PATH] [--bin DIR] [--work DIR]
#                          [--docs DIR] [--no-docker] [--list]
#
# Needs root (a private mount namespace with a private journald, FACTS.md 5.13), jq, gnuplot,
# valgrind, runc; Docker for the Docker parts (a running dockerd is used; with CW_DOCKERD_STARTED=1
# none is ever started). `make bench` runs it with the daemon and tools of the build tree; run alone,
# it compiles the tools itself into the work directory. --quick uses small N (a smoke run); --only
# runs some benchmarks (try one alone: --quick --only real-churn). A full run writes the source
# tree's docs/; --quick and --only write WORK/docs unless --docs is given. Nothing here asserts a
# time: the page reports figures and says which targets were met.
#
# Each benchmark is one script, tests/bench/NAME.sh (tests/bench/lib.sh says what it defines). To
# add one: write the script and add NAME to BENCHES below; report.sh finds its section by itself.
# A benchmark's sizes can be set for a trial from the environment (BENCH_N_RUNC=100, see the
# `overrides` line of each script); the page shows the sizes used.
#
# What a full run costs (wall time on the 2-core reference machine, loaded): latency ~40 s, events
# ~30 s (an estimate from its --quick run, 9 s), scale ~45 s, startup ~75 s, churn ~70 s, idle ~85 s,
# real-scale ~195 s, real-churn ~320 s (5 minutes of churn), callgrind ~150 s, probe ~60-120 s:
# about 18 minutes. --quick: about 4 minutes in all.
set -uo pipefail

# The benchmarks of a full run, in this order (each NAME is tests/bench/NAME.sh).
BENCHES=(latency events scale startup compaction churn idle real-scale real-churn callgrind probe runtime-status)

SRCDIR=$(cd "$(dirname "$0")/../.." && pwd)
QUICK=${BENCH_QUICK:-0}
DAEMON=${DAEMON:-}
BIN=${BENCH_BIN:-}
WORK=${BENCH_WORK:-}
DOCS=${BENCH_DOCS:-}
DOCS_GIVEN=0
DOCKER=${BENCH_DOCKER:-1}
ONLY=${BENCH_ONLY:-}
ORIG_ARGS=${BENCH_ARGS:-$*}
while [ $# -gt 0 ]; do
        case $1 in
        --quick) QUICK=1 ;;
        --only) ONLY=$2; shift ;;
        --daemon) DAEMON=$2; shift ;;
        --bin) BIN=$2; shift ;;
        --work) WORK=$2; shift ;;
        --docs) DOCS=$2; DOCS_GIVEN=1; shift ;;
        --no-docker) DOCKER=0 ;;
        --list) printf '%s\n' "${BENCHES[@]}"; exit 0 ;;
        -h|--help) sed -n '3,24p' "$0"; exit 0 ;;
        *) echo "run-all.sh: unknown option '$1'" >&2; exit 1 ;;
        esac
        shift
done
if [ -n "$ONLY" ]; then
        IFS=', ' read -r -a BENCHES <<<"$ONLY"
fi
for b in "${BENCHES[@]}"; do
        [ -f "$SRCDIR/tests/bench/$b.sh" ] || { echo "run-all.sh: no benchmark '$b' (tests/bench/$b.sh)" >&2; exit 1; }
done

log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }
fail() { log "FAILED: $*"; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root (private mount namespace, journald, Docker)"
for c in jq gnuplot unshare journalctl runc busybox; do
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
        # A partial or quick run never overwrites the tree's page unless asked to.
        if [ "$DOCS_GIVEN" = 0 ] && { [ "$QUICK" = 1 ] || [ -n "$ONLY" ] || [ -z "$DOCS" ]; }; then
                if [ "$QUICK" = 0 ] && [ -z "$ONLY" ]; then DOCS=$SRCDIR/docs; else DOCS=$WORK/docs; fi
        fi
        STARTED_DOCKERD=0
        if [ "$DOCKER" = 1 ]; then
                if ! command -v docker >/dev/null; then
                        log "no docker: skipping the Docker parts"
                        DOCKER=0
                elif ! docker info >/dev/null 2>&1; then
                        if [ -n "${CW_DOCKERD_STARTED:-}" ]; then
                                log "the shared dockerd does not answer: skipping the Docker parts"
                                DOCKER=0
                        else
                                log "starting dockerd"
                                setsid dockerd >"$WORK/dockerd.log" 2>&1 </dev/null &
                                STARTED_DOCKERD=$!
                                for _ in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
                                docker info >/dev/null 2>&1 || { log "dockerd did not come up: skipping Docker"; DOCKER=0; }
                        fi
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
                BENCH_QUICK=$QUICK BENCH_ARGS="$ORIG_ARGS" BENCH_ONLY="$ONLY" BENCH_SRC=$SRCDIR
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
SECONDS=0
log "work directory $W"
{
        printf 'BENCH_STARTED=%q\n' "$(date -u '+%Y-%m-%d %H:%M:%S UTC')"
        printf 'BENCH_CMD=%q\n' "tests/bench/run-all.sh${ORIG_ARGS:+ $ORIG_ARGS}"
        printf 'BENCH_VIA=%q\n' "${BENCH_VIA:-}"
        printf 'QUICK=%q\nDOCKER=%q\nDAEMON=%q\n' "$QUICK" "$DOCKER" "$DAEMON"
        printf 'LOAD_START=%q\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
        printf 'NOFILE_HARD=%q\n' "$(ulimit -Hn)"
        printf 'NOFILE_RAISABLE=%q\n' "$( (ulimit -Hn $(( $(ulimit -Hn) + 1 ))) 2>/dev/null && echo yes || echo no)"
} >"$W/run.env"

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
trap 'kill "$JOURNALD_PID" 2>/dev/null' EXIT
for _ in $(seq 100); do [ -S /run/systemd/journal/socket ] && break; sleep 0.1; done
[ -S /run/systemd/journal/socket ] || fail "journald did not start: $(cat "$W/journald.log")"
export BENCH_JDIR=/run/log/journal

# State roots on a tmpfs, as /run is on a stock host (here /run may be a disk file system).
mkdir -p "$W/roots"
mount -t tmpfs -o mode=0711,size=4g bench-roots "$W/roots" || fail "tmpfs on $W/roots"
export BENCH_ROOTS=$W/roots

# ---- the benchmarks, one script each; $W/sections lists "NAME STATUS SECONDS" in run order
: >"$W/sections"
for b in "${BENCHES[@]}"; do
        log "$b: tests/bench/$b.sh (log: $W/$b.log)"
        t0=$SECONDS
        bash "$SRCDIR/tests/bench/$b.sh" run 2> >(tee "$W/$b.log" >&2)
        rc=$?
        echo "$b $rc $((SECONDS - t0))" >>"$W/sections"
        [ "$rc" = 0 ] || log "$b: FAILED (exit $rc); the page says so"
done
printf 'BENCH_SECONDS=%q\nLOAD_END=%q\n' "$SECONDS" "$(cut -d' ' -f1-3 /proc/loadavg)" >>"$W/run.env"

log "writing $DOCS/BENCHMARKS.md"
bash "$SRCDIR/tests/bench/report.sh" "$W" "$DOCS" >"$DOCS/BENCHMARKS.md.tmp" && mv "$DOCS/BENCHMARKS.md.tmp" "$DOCS/BENCHMARKS.md"
log "done: $DOCS/BENCHMARKS.md (raw data in $W)"
