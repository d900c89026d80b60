#!/bin/bash
# SPDX-License-Identifier: MIT
# The guest half of tests/probe/why-kernel-6.1.sh (run by tests/vm/guest-boot.sh in the qemu
# guest): why-runc.sh unchanged, then oom-scope-guest.sh, one boot for both. Each one's output
# goes to $VM_OUT/NAME.log; the exit status is the first failure's.
rc=0
for t in why-runc oom-scope-guest; do
        bash "$top_srcdir/tests/probe/$t.sh" >"$VM_OUT/$t.log" 2>&1
        r=$?
        echo "$t: exit status $r"
        [ "$rc" != 0 ] || rc=$r
done
exit "$rc"
