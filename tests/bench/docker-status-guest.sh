#!/bin/bash
# SPDX-License-Identifier: MIT
# The guest half of manager-status-6.1.sh (BENCH_MANAGER=docker, the default): BENCH_N Docker
# containers (busybox sleep) under Debian's dockerd and containerd in the tests/vm guest (set up as
# tests/vm/docker-scenarios.sh does it), started BENCH_BATCH at a time with concurrent
# `docker run -d` (one costs 6-18 s under TCG), each killed with SIGKILL from outside once the
# daemon reported it started, one at a time. containerd-shim, the inits' parent, reaps
# them at once. The daemon runs with KernelProbe=no and ReapTimeoutSec=$VM_REAP_TIMEOUT (default
# 15: the host's 2 s scaled to TCG, tests/vm/README.md), so a status comes from /proc/PID/stat when
# the daemon won the race, else only from Docker's config.v2.json. Leaves the daemon's --json
# lines, ids.txt (this run's containers) and dockerd.log in $VM_OUT.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$top_srcdir/tests/lib/common.sh" || exit 99
export DOCKER_RAMDISK=true
DOCKERD_ARGS="--iptables=false --ip-masq=false --ip-forward=false --bridge=none --storage-driver=vfs"
DOCKER_ITEST_DIR=$TEST_TMP/docker-itest
DOCKERD_TIMEOUT=$((60 * ITEST_TIMEOUT_SCALE))
. "$top_srcdir/tests/lib/docker.sh" || exit 99
: "${VM_OUT:?VM_OUT must name the output directory}"
N=${BENCH_N:-100}
B=${BENCH_BATCH:-10}
mkdir -p "$VM_OUT"
mkdir -p /var && { [ -e /var/run ] || ln -s /run /var/run; } || fail "cannot link /var/run to /run"
_save() {
        cp "$TEST_TMP"/daemon.*.out "$TEST_TMP"/daemon.*.err "$VM_OUT"/ 2>/dev/null
        cp "$DOCKER_ITEST_DIR/dockerd.log" "$VM_OUT/" 2>/dev/null
        return 0
}
CLEANUP_HOOKS=(_save "${CLEANUP_HOOKS[@]}")
require_docker
docker_image
note "dockerd up, image built"
_has_event() {
        grep -F "\"CONTAINER_ID_FULL\":\"$1\"" "$DAEMON_OUT" 2>/dev/null | grep -qF "\"CONTAINER_EVENT\":\"$2\""
}
DOCKER_DAEMON_CONF="[Exit]\nKernelProbe=no\nReapTimeoutSec=${VM_REAP_TIMEOUT:-15}\n"
start_docker_daemon
grep -qF '; kernel probe off: disabled (KernelProbe=no)' "$NOTIFY_OUT" ||
        fail "the daemon's STATUS= does not say KernelProbe=no: $(grep -m1 '^STATUS=' "$NOTIFY_OUT")"
done_n=0
while [ "$done_n" -lt "$N" ]; do
        n=$((N - done_n < B ? N - done_n : B))
        rm -f "$TEST_TMP"/run.*
        runs=()
        for ((i = 0; i < n; i++)); do
                "$DOCKER" run -d --network none --label "$DOCKER_LABEL=$TEST_TMP" "$DOCKER_IMAGE" sleep 1000000 \
                        >"$TEST_TMP/run.$i" 2>"$TEST_TMP/run.$i.err" </dev/null &
                runs+=($!)
        done
        wait "${runs[@]}" # not a bare wait: the daemon and notify-listen are children too
        ids=()
        for ((i = 0; i < n; i++)); do
                id=$(cat "$TEST_TMP/run.$i")
                [ -n "$id" ] || fail "docker run failed: $(cat "$TEST_TMP/run.$i.err")"
                ids+=("$id")
                printf '%s\n' "$id" >>"$VM_OUT/ids.txt"
        done
        # One kill at a time, each after the last exit was reported: ten at once kept dockerd and
        # containerd busy for about 110 s of guest time under TCG (each exit execs
        # `containerd publish` from the shim), far past any bound.
        for id in "${ids[@]}"; do
                wait_event "$id" started 120
                kill -KILL "$(_complete_lines "$DAEMON_OUT" | grep -F "\"CONTAINER_ID_FULL\":\"$id\"" |
                        sed -n 's/.*"CONTAINER_PID":"\([0-9]*\)".*/\1/p' | head -n 1)"
                wait_event "$id" exited 120
        done
        "$DOCKER" rm -f "${ids[@]}" >/dev/null 2>&1
        done_n=$((done_n + n))
        note "$done_n of $N killed"
done
stop_daemon
