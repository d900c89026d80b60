#!/bin/bash
# SPDX-License-Identifier: MIT
# Docker on Debian 12's own kernel (issue 12): tests/vm/docker-scenarios.sh inside the tests/vm
# guest (the newest linux-image-6.1.0-NN-cloud-amd64, cgroup v2 only), with this host's dockerd,
# containerd and containerd-shim-runc-v2 (docker.io) copied in, and the daemon in the shipped
# unit's sandbox (read-only cgroup tree), KernelProbe=no and ReapTimeoutSec=$VM_REAP_TIMEOUT (15:
# the host's default 2 s scaled to TCG, which runs every program tens of times slower; under it
# dockerd wrote exits down up to 3.3 s after them). Judged here by tests/vm/expect.sh's
# vm_check_docker_scenarios: every exit status known and right (from /proc/PID/stat when the
# daemon won the race, else from Docker's own record, EXIT_STATUS_SOURCE=runtime; never unknown),
# OOM_KILLED=1 for the init killed by its memory limit, one `oom` entry for a child's OOM kill and
# OOM_KILLED=0 for its init's later exit 0.
# Heavy (dockerd under TCG: about a minute of qemu CPU time): VM group only (make check-vm).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
VM_MEMORY=${VM_MEMORY:-1536}                 # a ~190 MB root (dockerd, containerd, docker) plus Docker's vfs layers
VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-600}
. "$top_srcdir/tests/vm/lib.sh" || exit 99
. "$top_srcdir/tests/vm/expect.sh" || exit 99
vm_require
DOCKER_BIN=/usr/bin/docker
[ -x "$DOCKER_BIN" ] || DOCKER_BIN=$(command -v docker) || skip_or_fail "no docker client (Debian: docker.io)"
bins=()
for b in dockerd containerd containerd-shim-runc-v2 docker-init; do
        p=$(command -v "$b") || skip_or_fail "'$b' is not installed (Debian: docker.io, containerd)"
        bins+=("$p")
done
vm_kernel
# For docker.sh util-linux's flock and procps's pgrep (busybox-static has neither); for the
# sandbox util-linux's unshare, setpriv and findmnt.
vm_add "${bins[@]}" "$DOCKER_BIN" "$(command -v flock)" "$(command -v pgrep)" "$(command -v unshare)" \
        "$(command -v setpriv)" "$(command -v findmnt)"
export SCEN_SANDBOX=1
vm_env SCEN_SANDBOX VM_REAP_TIMEOUT

out=$TEST_TMP/out
_show_guest_log() {
        [ -s "$out/guest.log" ] || return 0
        printf -- '----- guest.log (last 60 lines)\n'
        tail -n 60 "$out/guest.log"
        for f in "$out"/daemon.*.err "$out"/dockerd.log; do
                [ -s "$f" ] && { printf -- '----- %s\n' "${f##*/}"; tail -n 20 "$f"; }
        done
        return 0
}
DUMP_HOOKS+=(_show_guest_log)

vm_run "$top_srcdir/tests/vm/docker-scenarios.sh" "$out"
rc=$?
[ "$rc" = 0 ] || fail "the Docker scenarios failed in the guest (status $rc)"
case $(cat "$out/kernel") in
6.1.*) ;;
*) fail "the guest ran kernel $(cat "$out/kernel"), not 6.1" ;;
esac
vm_check_docker_scenarios "$out"
note "ok"
