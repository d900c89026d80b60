#!/bin/bash
# SPDX-License-Identifier: MIT
# The Docker workload of the kernel matrix (tests/vm/docker-6.1.sh): Debian's own dockerd and
# containerd (docker.io) inside the tests/vm guest, cgroup v2 only, with a busybox image built
# here (docker import, no registry), and the daemon under test in the shipped unit's sandbox
# (tests/lib/sandbox.sh) watching Docker's state root. Here containerd-shim is the inits' parent
# and reaps them at once, as on any Docker host. Like scenarios.sh it asserts nothing about the
# statuses: it writes what happened into $VM_OUT, and tests/vm/expect.sh judges it on the host.
#
# $VM_OUT gets: containers.tsv (LABEL, full id, init PID), docker.tsv (LABEL, Docker's ExitCode and
# OOMKilled), the daemon's stdout and stderr (daemon.1.out / daemon.1.err), dockerd.log, and
# `done` once every scenario ran.
#
# Scenarios (one daemon run), each init a busybox sh that waits for a signal:
#   exit3      exits 3 on SIGUSR1
#   term       SIGTERM to an init that traps it: exits 143
#   sigkill    SIGKILL from outside
#   segv       on SIGUSR1 execs tests/vm/crash (bind-mounted), which dies of a real SIGSEGV
#   oom-init   --memory=32m: on SIGUSR1 becomes dd with a 64 MiB buffer, killed by its own limit
#   oom-child  --memory=32m: on SIGUSR1 runs that dd as a child (OOM-killed while the init lives
#              on), exits 0 on SIGUSR2
# Not 16 MiB: runc 1.1's own init can exceed it before the container exists (FACTS.md; seen in two
# CI runs). 32 MiB once made the daemon take the init's OOM kill for a child's: the victim had the
# OOM killer's SIGKILL pending but had not run to act on it when the settle time ran out. A
# pending SIGKILL now counts as dying (FACTS.md 1.10c), and the kernel queues that SIGKILL in the
# same call that raises the counter (microseconds apart), so the judgement 250 ms later no longer
# depends on how soon the victim runs.
#
# The daemon runs with KernelProbe=no (6.1 has no PIDFD_INFO_EXIT: a status the shim reaped first
# can come only from Docker's config.v2.json, and that fallback is what this proves) and
# ReapTimeoutSec=$VM_REAP_TIMEOUT (default 15), the documented bound of the wait for Docker's record
# scaled to TCG: dockerd writes an exit down tens of milliseconds after it on a host, seconds after
# it here (3.3 s seen), as every program runs tens of times slower (tests/vm/README.md). The wait
# ends as soon as the record is there, so the bound costs nothing when it is not needed.
#
# dockerd in an initramfs: DOCKER_RAMDISK=true (runc cannot pivot_root away from rootfs, FACTS.md
# §7), no iptables and no bridge (--network none), the vfs storage driver.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
export DOCKER_RAMDISK=true
DOCKERD_ARGS="--iptables=false --ip-masq=false --ip-forward=false --bridge=none --storage-driver=vfs"
DOCKER_ITEST_DIR=$TEST_TMP/docker-itest
DOCKERD_TIMEOUT=$((60 * ITEST_TIMEOUT_SCALE))
. "$top_srcdir/tests/lib/docker.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
. "$top_srcdir/tests/lib/sandbox.sh" || exit 99
: "${VM_OUT:?VM_OUT must name the output directory}"
VM_CRASH=${VM_CRASH:-$top_builddir/tests/vm/crash}
[ -x "$VM_CRASH" ] || fail "'$VM_CRASH' is not built"
mkdir -p "$VM_OUT"
# /var/run is /run on a host; the initramfs has no /var (docker.sh names Docker's state root under /run).
mkdir -p /var && { [ -e /var/run ] || ln -s /run /var/run; } || fail "cannot link /var/run to /run"

_dscen_save() {
        cp "$TEST_TMP"/daemon.*.out "$TEST_TMP"/daemon.*.err "$VM_OUT"/ 2>/dev/null
        cp "$DOCKER_ITEST_DIR/dockerd.log" "$VM_OUT/" 2>/dev/null
        return 0
}
CLEANUP_HOOKS=(_dscen_save "${CLEANUP_HOOKS[@]}")

require_docker
note "dockerd up: cgroup v$("$DOCKER" info -f '{{.CgroupVersion}}'), driver $("$DOCKER" info -f '{{.Driver}}')"
docker_image
note "image built"

# As scenarios.sh: poll with grep (jq costs 0.4 s a start under TCG).
_has_event() {
        grep -F "\"CONTAINER_ID_FULL\":\"$1\"" "$DAEMON_OUT" 2>/dev/null | grep -qF "\"CONTAINER_EVENT\":\"$2\""
}

[ "${SCEN_SANDBOX:-}" = 1 ] && sandbox_daemon
DOCKER_DAEMON_CONF="[Exit]\nKernelProbe=no\nReapTimeoutSec=${VM_REAP_TIMEOUT:-15}\n"
start_docker_daemon
grep -qF '; kernel probe off: disabled (KernelProbe=no)' "$NOTIFY_OUT" ||
        fail "the daemon's STATUS= does not say KernelProbe=no: $(grep -m1 '^STATUS=' "$NOTIFY_OUT")"

WAIT='sleep 1000000 & wait'
DD='dd if=/dev/zero of=/dev/null bs=64M count=1'
MEM=(--memory=32m --memory-swap=32m)
declare -A ID PID
# dscen_run LABEL DOCKER-RUN-ARGS...: a detached container, its id in ID[LABEL]. docker_run's own
# fail ends only the command substitution: its status is checked here, or a container that never
# started would surface later as a wait for container ''.
dscen_run() {
        local label=$1
        shift
        ID[$label]=$(docker_run --network none -v "$VM_CRASH:/crash:ro" "$@") && [ -n "${ID[$label]}" ] ||
                fail "$label: docker run did not start the container (dockerd.log says why)"
        note "ran $label"
}
dscen_run exit3 "$DOCKER_IMAGE" sh -c "trap 'exit 3' USR1; $WAIT"
dscen_run term "$DOCKER_IMAGE" sh -c "trap 'exit 143' TERM; $WAIT"
dscen_run sigkill "$DOCKER_IMAGE" sleep 1000000
dscen_run segv "$DOCKER_IMAGE" sh -c "trap 'exec /crash' USR1; $WAIT"
dscen_run oom-init "${MEM[@]}" "$DOCKER_IMAGE" sh -c "trap 'exec $DD' USR1; $WAIT"
dscen_run oom-child "${MEM[@]}" "$DOCKER_IMAGE" sh -c "trap '$DD 2>/dev/null' USR1; trap 'exit 0' USR2
        while :; do $WAIT; done"
for l in exit3 term sigkill segv oom-init oom-child; do
        wait_event "${ID[$l]}" started
        PID[$l]=$(docker_init_pid "${ID[$l]}")
        printf '%s\t%s\t%s\n' "$l" "${ID[$l]}" "${PID[$l]}" >>"$VM_OUT/containers.tsv"
done
note "all containers started"

wait_sig_caught "${PID[exit3]}" 10
kill -USR1 "${PID[exit3]}"
wait_sig_caught "${PID[term]}" 15
kill -TERM "${PID[term]}"
kill -KILL "${PID[sigkill]}"
wait_sig_caught "${PID[segv]}" 10
kill -USR1 "${PID[segv]}"
wait_sig_caught "${PID[oom-init]}" 10
kill -USR1 "${PID[oom-init]}"
for l in exit3 term sigkill segv oom-init; do
        wait_event "${ID[$l]}" exited
done
note "five exits reported"

# The child's OOM kill, while its init lives on; then the init's own, ordinary end.
wait_sig_caught "${PID[oom-child]}" 10
kill -USR1 "${PID[oom-child]}"
wait_event "${ID[oom-child]}" oom
pid_running "${PID[oom-child]}" || fail "the init of oom-child died with its child"
wait_sig_caught "${PID[oom-child]}" 12
kill -USR2 "${PID[oom-child]}"
wait_event "${ID[oom-child]}" exited
for l in exit3 term sigkill segv oom-init oom-child; do
        wait_for 30 docker_is exited "${ID[$l]}" || fail "$l: Docker says '$(docker_status "${ID[$l]}")'"
        printf '%s\t%s\t%s\n' "$l" "$(docker_inspect "${ID[$l]}" '{{.State.ExitCode}}')" \
                "$(docker_inspect "${ID[$l]}" '{{.State.OOMKilled}}')" >>"$VM_OUT/docker.tsv"
done
stop_daemon

: >"$VM_OUT/done"
note "ok: every Docker scenario ran"
