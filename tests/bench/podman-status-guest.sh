#!/bin/bash
# SPDX-License-Identifier: MIT
# The guest half of manager-status-6.1.sh with BENCH_MANAGER=podman: BENCH_N Podman containers
# (runc, conmon as the init's parent; busybox sleep) in the tests/vm guest, started BENCH_BATCH at
# a time with concurrent `podman run -d`, each killed with SIGKILL from outside once the daemon
# reported it started, one at a time. Podman as on a host, but: the vfs storage driver,
# cgroupfs, file events, and no_pivot_root (runc cannot pivot_root away from an initramfs: it gets
# --no-pivot, FACTS.md §7). The daemon runs with KernelProbe=no and
# ReapTimeoutSec=$VM_REAP_TIMEOUT (default 15; conmon's exit file waited for a quarter of it).
# Leaves the daemon's --json lines and ids.txt (this run's containers) in $VM_OUT.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$top_srcdir/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
: "${VM_OUT:?VM_OUT must name the output directory}"
N=${BENCH_N:-100}
B=${BENCH_BATCH:-10}
require_cmd podman conmon runc
mkdir -p "$VM_OUT" /var/tmp /var/lib/containers /etc/containers || fail "mkdir"
[ -e /var/run ] || ln -s /run /var/run || fail "cannot link /var/run to /run"
[ -s /etc/passwd ] || echo 'root:x:0:0:root:/root:/bin/sh' >/etc/passwd
[ -s /etc/group ] || echo 'root:x:0:' >/etc/group
cat >/etc/containers/containers.conf <<'EOT' || fail "cannot write containers.conf"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
no_pivot_root = true
runtime = "runc"
EOT
printf '[storage]\ndriver = "vfs"\nrunroot = "/run/containers/storage"\ngraphroot = "/var/lib/containers/storage"\n' \
        >/etc/containers/storage.conf || fail "cannot write storage.conf"
_save() { cp "$TEST_TMP"/daemon.*.out "$TEST_TMP"/daemon.*.err "$VM_OUT"/ 2>/dev/null; return 0; }
CLEANUP_HOOKS=(_save "${CLEANUP_HOOKS[@]}")
runc_rootfs
image=localhost/container-watchd-itest-busybox:1
tar -C "$RUNC_ROOTFS" -c . | podman import - "$image" >"$TEST_TMP/import.log" 2>&1 ||
        fail "podman import failed: $(tail -n 5 "$TEST_TMP/import.log")"
note "image imported"
_has_event() {
        grep -F "\"CONTAINER_ID_FULL\":\"$1\"" "$DAEMON_OUT" 2>/dev/null | grep -qF "\"CONTAINER_EVENT\":\"$2\""
}
printf '[Exit]\nKernelProbe=no\nReapTimeoutSec=%s\n' "${VM_REAP_TIMEOUT:-15}" >"$TEST_TMP/podman.conf"
mkdir -p /run/runc
start_daemon -c "$TEST_TMP/podman.conf" -r /run/runc --log-target=console --json
grep -qF '; kernel probe off: disabled (KernelProbe=no)' "$NOTIFY_OUT" ||
        fail "the daemon's STATUS= does not say KernelProbe=no: $(grep -m1 '^STATUS=' "$NOTIFY_OUT")"
done_n=0
while [ "$done_n" -lt "$N" ]; do
        n=$((N - done_n < B ? N - done_n : B))
        rm -f "$TEST_TMP"/run.*
        runs=()
        for ((i = 0; i < n; i++)); do
                podman run -d --network none "$image" sleep 1000000 \
                        >"$TEST_TMP/run.$i" 2>"$TEST_TMP/run.$i.err" </dev/null &
                runs+=($!)
        done
        wait "${runs[@]}" # not a bare wait: the daemon and notify-listen are children too
        ids=()
        for ((i = 0; i < n; i++)); do
                id=$(tail -n 1 "$TEST_TMP/run.$i")
                [ -n "$id" ] || fail "podman run failed: $(cat "$TEST_TMP/run.$i.err")"
                ids+=("$id")
                printf '%s\n' "$id" >>"$VM_OUT/ids.txt"
        done
        # One kill at a time, each after the last exit was reported, as for Docker (ten at once
        # kept dockerd and containerd busy for about 110 s of guest time under TCG).
        for id in "${ids[@]}"; do
                wait_event "$id" started 120
                kill -KILL "$(_complete_lines "$DAEMON_OUT" | grep -F "\"CONTAINER_ID_FULL\":\"$id\"" |
                        sed -n 's/.*"CONTAINER_PID":"\([0-9]*\)".*/\1/p' | head -n 1)"
                wait_event "$id" exited 120
        done
        podman rm -f "${ids[@]}" >/dev/null 2>&1
        done_n=$((done_n + n))
        note "$done_n of $N killed"
done
stop_daemon
