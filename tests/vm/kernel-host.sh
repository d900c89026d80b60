#!/bin/bash
# SPDX-License-Identifier: MIT
# The kernel matrix, this host's kernel (issue 12): the same tests/vm/scenarios.sh as kernel-6.1.sh,
# with real runc on the host's cgroup layout, under tests/vm/vm-reaper as a child subreaper (so the
# inits are reaped at once, as containerd-shim reaps them, not by the host's PID 1), judged by the
# same tests/vm/expect.sh.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
. "$top_srcdir/tests/vm/expect.sh" || exit 99
require_runc
VM_REAPER=$top_builddir/tests/vm/vm-reaper
VM_CRASH=$top_builddir/tests/vm/crash
[ -x "$VM_REAPER" ] && [ -x "$VM_CRASH" ] || fail "tests/vm/vm-reaper and tests/vm/crash are not built (make check builds them)"

out=$TEST_TMP/out
mkdir -p "$out"
uname -r >"$out/kernel"
_show_log() {
        [ -s "$out/guest.log" ] && { printf -- '----- scenarios.sh (last 60 lines)\n'; tail -n 60 "$out/guest.log"; }
        return 0
}
DUMP_HOOKS+=(_show_log)

VM_OUT=$out VM_CRASH=$VM_CRASH "$VM_REAPER" bash "$top_srcdir/tests/vm/scenarios.sh" >"$out/guest.log" 2>&1 </dev/null
rc=$?
[ "$rc" = 0 ] || fail "the scenarios failed on the host (status $rc)"
vm_check_scenarios "$out"
note "ok"
