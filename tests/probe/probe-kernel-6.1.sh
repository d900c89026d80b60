#!/bin/bash
# SPDX-License-Identifier: MIT
# The kernel probe on Debian 12's own kernel (issue 13, item 4): tests/probe/probe-records.sh, run
# unchanged inside the tests/vm qemu guest (the newest linux-image-6.1.0-NN-cloud-amd64, cgroup v2
# only, PID 1 reaping every orphan at once): the same CO-RE object must load there, and the signal
# sender, exit status and OOM victim records must be the same as on this host's 6.18.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/vm/lib.sh" || exit 99
vm_require
listen=$top_builddir/tests/probe/probe-listen
[ -x "$listen" ] || fail "'$listen' is not built (make check builds it)"
# Built without the probe, the guest could only say so: skip (fail under CI=true) here.
grep -qx '#define HAVE_PROBE 1' "$top_builddir/config.h" || skip_or_fail "built without the probe (configure --enable-probe)"
require_cmd setpriv
kill_bin=$(type -P kill) || skip_or_fail "no kill(1) binary (Debian: procps)"
vm_kernel

# The guest's busybox has kill and setpriv applets, but a copy of busybox named cw-killer is no
# applet, and busybox's setpriv has no --bounding-set: bring the host's real ones.
vm_add "$listen" "$top_srcdir/tests/probe" "$kill_bin" "$(type -P setpriv)"
vm_env PROBE_LISTEN_DEBUG
out=$TEST_TMP/out
_show_guest_log() {
        [ -s "$out/guest.log" ] && { printf -- '----- guest.log (last 60 lines)\n'; tail -n 60 "$out/guest.log"; }
        return 0
}
DUMP_HOOKS+=(_show_guest_log)
vm_run "$top_srcdir/tests/probe/probe-records.sh" "$out"
rc=$?
case $(cat "$out/kernel") in
6.1.*) ;;
*) fail "the guest ran kernel $(cat "$out/kernel"), not 6.1" ;;
esac
grep -E '^probe-records: ' "$out/guest.log" | sed 's/^/guest: /'
[ "$rc" = 0 ] || fail "probe-records.sh failed in the 6.1 guest (status $rc)"
grep -qE '^probe-records: (\[[0-9.]+\] )?PASS$' "$out/guest.log" || fail "probe-records.sh in the guest did not reach PASS"
note "ok on $(cat "$out/kernel")"
