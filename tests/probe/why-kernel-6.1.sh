#!/bin/bash
# SPDX-License-Identifier: MIT
# Why a container died, on Debian 12's own kernel (issue 13, item 4): tests/probe/why-runc.sh
# unchanged, then tests/probe/oom-scope-guest.sh (OOM_SCOPE ancestor and host: a parent cgroup's
# limit, and the whole guest out of memory), in the tests/vm qemu guest (the newest
# linux-image-6.1.0-NN-cloud-amd64, cgroup v2 only, PID 1 reaping every orphan at once). That
# kernel takes the probe's out_of_memory fentry (this host's refuses every fentry program:
# FACTS.md §8), so OOM_SCOPE must be there (WHY_OOM_SCOPE=1).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
# Two scripts with about twenty containers in one TCG boot: 330-520 s of qemu time were measured on
# this 2-core machine at a load of 10-15 (not measured on a quiet one), beyond the default 240 s.
VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-900}
# Half the usual guest: oom-scope-guest.sh fills all of it, and TCG fills memory slowly.
VM_MEMORY=${VM_MEMORY:-512}
. "$top_srcdir/tests/vm/lib.sh" || exit 99
vm_require
grep -qx '#define HAVE_PROBE 1' "$top_builddir/config.h" || skip_or_fail "built without the probe (configure --enable-probe)"
require_cmd dash
vm_kernel
vm_add "$(command -v dash)" "$top_builddir/config.h" "$top_srcdir/tests/probe"
export WHY_OOM_SCOPE=1
vm_env WHY_OOM_SCOPE

out=$TEST_TMP/out
_show_guest_logs() {
        local f
        for f in "$out"/guest.log "$out"/why-runc.log "$out"/oom-scope-guest.log; do
                [ -s "$f" ] && { printf -- '----- %s (last 40 lines)\n' "${f##*/}"; tail -n 40 "$f"; }
        done
        return 0
}
DUMP_HOOKS+=(_show_guest_logs)
vm_run "$top_srcdir/tests/probe/why-guest.sh" "$out"
rc=$?
case $(cat "$out/kernel") in
6.1.*) ;;
*) fail "the guest ran kernel $(cat "$out/kernel"), not 6.1" ;;
esac
grep -hE '^(why-runc|oom-scope-guest): ' "$out/why-runc.log" "$out/oom-scope-guest.log" | sed 's/^/guest: /'
[ "$rc" = 0 ] || fail "the guest part failed (status $rc): $(cat "$out/guest.log")"
grep -qE '^why-runc: (\[[0-9.]+\] )?PASS$' "$out/why-runc.log" || fail "why-runc.sh did not reach PASS in the guest"
grep -qE '^oom-scope-guest: (\[[0-9.]+\] )?PASS$' "$out/oom-scope-guest.log" || fail "oom-scope-guest.sh did not reach PASS in the guest"
note "ok on $(cat "$out/kernel")"
