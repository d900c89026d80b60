#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 5, inotify overflow: with fs.inotify.max_queued_events lowered to 4 (restored at once:
# the limit is taken when the daemon creates its inotify instance) and the daemon stopped while a
# burst of containers is created, the kernel queue overflows. The daemon must notice, log it,
# rescan, and report every container exactly once.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_root
require_runc
runc_rootfs

sysctl=/proc/sys/fs/inotify/max_queued_events
old=$(cat $sysctl) || skip_or_fail "cannot read $sysctl"
_restore_sysctl() { echo "$old" >$sysctl; }
CLEANUP_HOOKS+=(_restore_sysctl)

echo 4 >$sysctl || skip_or_fail "cannot lower $sysctl"
start_daemon -r "$RUNC_ROOT" --log-target=console --json
_restore_sysctl

pre=$(new_id pre)
runc_run "$pre" "${INIT_SLEEP[@]}"
wait_event "$pre" started

N=8
ids=()
kill -STOP "$DAEMON_PID"
for i in $(seq $N); do
        ids+=("$(new_id burst$i)")
        runc_run "${ids[-1]}" "${INIT_SLEEP[@]}"
done
kill -CONT "$DAEMON_PID"

for id in "${ids[@]}"; do
        wait_event "$id" started
done
assert_file_contains "$DAEMON_ERR" 'overflowed, rescanning' "overflow diagnostic"
# A container that exists before and after the rescan is not reported again.
assert_event_count "$pre" started 1
for id in "${ids[@]}"; do
        assert_event_count "$id" started 1
done
# Still working after the rescan: exits are seen.
runc_kill "${ids[0]}" KILL
wait_event "${ids[0]}" exited
assert_field "${ids[0]}" exited EXIT_OBSERVED live
stop_daemon
note "ok"
