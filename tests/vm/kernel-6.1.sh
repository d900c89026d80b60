#!/bin/bash
# SPDX-License-Identifier: MIT
# The kernel matrix, Debian 12's own kernel (issue 12): tests/vm/scenarios.sh inside a qemu guest
# running the newest linux-image-6.1.0-NN-cloud-amd64 (downloaded by apt-get at set-up, cached in
# the build tree), cgroup v2 only, PID 1 reaping at once; the daemon's --json entries come back over
# the guest's second serial port and are judged here by tests/vm/expect.sh (the expectations per
# kernel feature are in its header and in tests/vm/README.md). The daemon runs in the shipped unit's
# sandbox (tests/lib/sandbox.sh): cgroup v2's OOM path through a read-only cgroup tree.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/vm/lib.sh" || exit 99
. "$top_srcdir/tests/vm/expect.sh" || exit 99
vm_require
vm_kernel
# The sandbox wrapper needs util-linux's unshare, setpriv and findmnt (busybox's lack options).
vm_add "$(command -v unshare)" "$(command -v setpriv)" "$(command -v findmnt)"
export SCEN_SANDBOX=1
vm_env SCEN_SANDBOX

out=$TEST_TMP/out
_show_guest_log() {
        [ -s "$out/guest.log" ] || return 0
        printf -- '----- guest.log (last 60 lines)\n'
        tail -n 60 "$out/guest.log"
        for f in "$out"/daemon.*.err; do
                [ -s "$f" ] && { printf -- '----- %s\n' "${f##*/}"; tail -n 20 "$f"; }
        done
        return 0
}
DUMP_HOOKS+=(_show_guest_log)

vm_run "$top_srcdir/tests/vm/scenarios.sh" "$out"
rc=$?
[ "$rc" = 0 ] || fail "the scenarios failed in the guest (status $rc)"
case $(cat "$out/kernel") in
6.1.*) ;;
*) fail "the guest ran kernel $(cat "$out/kernel"), not 6.1" ;;
esac
vm_check_scenarios "$out"
note "ok"
