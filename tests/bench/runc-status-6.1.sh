#!/bin/bash
# SPDX-License-Identifier: MIT
# Benchmark (reports, asserts nothing): of BENCH_N (default 100) plain `runc run -d` containers
# killed with SIGKILL on Debian 12's 6.1 kernel (the tests/vm guest, cgroup v2 only, PID 1 reaping
# at once as containerd-shim does), how many exits does the daemon know the status of? Before 6.15
# only /proc/PID/stat field 52, read before the reaper wins, can tell, and plain runc records
# nothing; the kernel probe (issue 13), where it loads, sees every exit status itself.
# ITEST_KERNEL_PROBE=no runs the daemon with KernelProbe=no (the race alone). Prints one line:
# "plain runc on KERNEL, kernel probe off|default: K of N known (P %), U unknown, ...; sources: ...".
#
#   top_srcdir=SRC top_builddir=BUILD DAEMON=BUILD/daemon/container-watchd bash tests/bench/runc-status-6.1.sh
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-1800}     # about 2-3 s of TCG time per container
. "$top_srcdir/tests/vm/lib.sh" || exit 99
export BENCH_N=${BENCH_N:-100} BENCH_BATCH=${BENCH_BATCH:-10}
vm_require
vm_kernel
vm_add "$top_srcdir/tests/bench/runc-status-guest.sh"
vm_env BENCH_N BENCH_BATCH ITEST_KERNEL_PROBE
out=$TEST_TMP/out
vm_run "$top_srcdir/tests/bench/runc-status-guest.sh" "$out" || { tail -n 30 "$out/guest.log"; fail "the guest part failed"; }
total=$(jq -r 'select(.CONTAINER_EVENT == "exited") | .EXIT_CODE' "$out"/daemon.*.out | wc -l)
known=$(jq -r 'select(.CONTAINER_EVENT == "exited" and .EXIT_CODE == "killed" and .EXIT_STATUS == "9") | .EXIT_CODE' "$out"/daemon.*.out | wc -l)
unknown=$(jq -r 'select(.CONTAINER_EVENT == "exited" and .EXIT_CODE == "unknown") | .EXIT_CODE' "$out"/daemon.*.out | wc -l)
[ "$total" = "$BENCH_N" ] || fail "$total exits reported, $BENCH_N expected"
sources=$(jq -r 'select(.CONTAINER_EVENT == "exited") | .EXIT_STATUS_SOURCE' "$out"/daemon.*.out | sort | uniq -c |
        awk '{ printf "%s%s %s", s, $1, $2; s = ", " }')
printf 'plain runc on %s, kernel probe %s: %d of %d known (%d %%), %d unknown, %d other; sources: %s\n' \
        "$(cat "$out/kernel")" "$([ "${ITEST_KERNEL_PROBE:-}" = no ] && echo off || echo default)" \
        "$known" "$total" $((known * 100 / total)) "$unknown" $((total - known - unknown)) "$sources"
