#!/bin/bash
# SPDX-License-Identifier: MIT
# Benchmark (reports, asserts nothing): of BENCH_N (default 100) containers of a manager
# (BENCH_MANAGER: docker, the default, or podman) killed with SIGKILL from outside on Debian 12's
# 6.1 kernel (the tests/vm guest, cgroup v2 only, this host's dockerd 20.10 and containerd 1.6, or
# podman 4.3 and conmon, copied in), their parent (containerd-shim, conmon) reaping at once, how
# many exits carry their real status (killed by SIGKILL)? 6.1 has no PIDFD_INFO_EXIT and the daemon
# runs with KernelProbe=no: /proc/PID/stat tells when the daemon wins the race, else only the
# manager's record (Docker's config.v2.json, conmon's exit file: EXIT_STATUS_SOURCE=runtime),
# waited for up to ReapTimeoutSec=$VM_REAP_TIMEOUT (default 15: the host's default 2 s scaled to
# TCG, where dockerd writes an exit down seconds after it; tests/vm/README.md), a quarter of it for
# conmon's file. The kills go BENCH_BATCH (default 10) at a time, the batch's `docker run -d`
# (`podman run -d`) concurrent. The guest halves: docker-status-guest.sh, podman-status-guest.sh.
# Prints one line: "MANAGER on KERNEL, KernelProbe=no, ReapTimeoutSec=S: K of N with the real
# status (P %), U unknown, W wrong; sources: ...".
#
#   top_srcdir=SRC top_builddir=BUILD DAEMON=BUILD/daemon/container-watchd [BENCH_MANAGER=podman] \
#           bash tests/bench/manager-status-6.1.sh
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
VM_MEMORY=${VM_MEMORY:-1536}                 # as tests/vm/docker-6.1.sh: the manager's binaries, vfs layers
VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-1800}
. "$top_srcdir/tests/vm/lib.sh" || exit 99
export BENCH_N=${BENCH_N:-100} BENCH_BATCH=${BENCH_BATCH:-10} VM_REAP_TIMEOUT=${VM_REAP_TIMEOUT:-15}
M=${BENCH_MANAGER:-docker}
vm_require
bins=()
case $M in
docker)
        # the client docker.sh uses in the guest (as tests/vm/docker-6.1.sh)
        d=/usr/bin/docker
        [ -x "$d" ] || d=$(command -v docker) || skip_or_fail "no docker client (Debian: docker.io)"
        bins+=("$d")
        need=(dockerd containerd containerd-shim-runc-v2 docker-init)
        ;;
podman) need=(podman conmon) ;;
*) fail "BENCH_MANAGER=$M: docker or podman" ;;
esac
for b in "${need[@]}"; do
        p=$(command -v "$b") || skip_or_fail "'$b' is not installed (Debian: docker.io, containerd, podman, conmon)"
        bins+=("$p")
done
vm_kernel
# For docker.sh util-linux's flock and procps's pgrep (busybox-static has neither); for Podman its
# configuration (policy.json, containers.conf, seccomp.json).
[ "$M" = podman ] && bins+=(/etc/containers /usr/share/containers)
vm_add "${bins[@]}" "$(command -v flock)" "$(command -v pgrep)" "$top_srcdir/tests/bench/$M-status-guest.sh"
vm_env BENCH_N BENCH_BATCH VM_REAP_TIMEOUT
out=$TEST_TMP/out
vm_run "$top_srcdir/tests/bench/$M-status-guest.sh" "$out" || { tail -n 30 "$out/guest.log"; fail "the guest part failed"; }
mine=$(jq -R . "$out/ids.txt" | jq -s -c .)
ex=".CONTAINER_EVENT == \"exited\" and (.CONTAINER_ID_FULL as \$i | $mine | index(\$i) != null)"
sel() { jq -c "select($ex${1:+ and $1})" "$out"/daemon.*.out; }
total=$(sel | wc -l)
real=$(sel '.EXIT_CODE == "killed" and .EXIT_STATUS == "9"' | wc -l)
unknown=$(sel '.EXIT_CODE == "unknown"' | wc -l)
[ "$total" = "$BENCH_N" ] || fail "$total exits reported, $BENCH_N expected"
wrong=$(sel '.EXIT_CODE != "unknown" and (.EXIT_CODE != "killed" or .EXIT_STATUS != "9")' |
        jq -r '"\(.CONTAINER_ID_FULL) \(.EXIT_CODE) \(.EXIT_STATUS // "") \(.EXIT_STATUS_SOURCE)"')
[ -z "$wrong" ] || note "wrong: $wrong"
sources=$(sel | jq -r .EXIT_STATUS_SOURCE | sort | uniq -c | awk '{ printf "%s%s %s", s, $1, $2; s = ", " }')
printf '%s on %s, KernelProbe=no, ReapTimeoutSec=%s: %d of %d with the real status (%d %%), %d unknown, %d wrong; sources: %s\n' \
        "$M" "$(cat "$out/kernel")" "$VM_REAP_TIMEOUT" "$real" "$total" $((real * 100 / total)) "$unknown" \
        $((total - real - unknown)) "$sources"
