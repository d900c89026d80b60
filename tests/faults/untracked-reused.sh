#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14, item 10: a container followed without a pidfd (no descriptor was left) ends, and its
# id is used again at once, before the daemon saw its directory go (here: the daemon is stopped
# and its inotify queue overflows, so a rescan finds the new incarnation at the old path). The old
# incarnation's exit must be reported (late), once, and the new one's start as well.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_root
require_runc
require_cmd prlimit
runc_rootfs

sysctl=/proc/sys/fs/inotify/max_queued_events
old=$(cat $sysctl) || skip_or_fail "cannot read $sysctl"
_restore_sysctl() { echo "$old" >$sysctl; }
CLEANUP_HOOKS+=(_restore_sysctl)

# A queue of 32 events (the limit is taken when the daemon creates its inotify instance): more
# than the watches it holds here, so that a rescan's own IN_IGNORED events do not overflow it
# again. And descriptors for a few containers only.
echo 32 >$sysctl || skip_or_fail "cannot lower $sysctl"
DAEMON_WRAPPER="prlimit --nofile=80:80 --" start_daemon -r "$RUNC_ROOT" --log-target=console --json
_restore_sysctl

N=6
ids=()
for i in $(seq $N); do
        ids+=("$(new_id reuse$i)")
        runc_run "${ids[-1]}" "${INIT_SLEEP[@]}"
        wait_event "${ids[-1]}" started
done
wait_for 5 grep -q 'without pidfd' "$NOTIFY_OUT" || fail "no container is untracked: the test proves nothing"
x=${ids[-1]}   # found last: untracked
old_pid=$(runc_pid "$x")

overflows=$(stderr_lines_matching 'inotify event queue overflowed')
kill -STOP "$DAEMON_PID"
# the queue is full before the directory goes: its removal is among the events lost
for i in $(seq 40); do : >"$RUNC_ROOT/.fill$i"; done
runc_kill "$x" KILL
wait_for 10 pid_dead "$old_pid" || fail "init $old_pid did not die"
runc_delete "$x"
runc_run "$x" "${INIT_SLEEP[@]}"
new_pid=$(runc_pid "$x")
kill -CONT "$DAEMON_PID"
_two_starts() { [ "$(event_count "$x" started)" -ge 2 ]; }
wait_for "$EVENT_TIMEOUT" _two_starts || fail "no started entry for the new incarnation"
wait_event "$x" exited
assert_ne "$(stderr_lines_matching 'inotify event queue overflowed')" "$overflows" "overflow notices (the path under test is the rescan)"
assert_eq "$(events_for "$x" exited | jq -r .CONTAINER_PID)" "$old_pid" "CONTAINER_PID of the one exited entry"
assert_field "$x" exited EXIT_OBSERVED late
assert_eq "$(events_for "$x" started | jq -r .CONTAINER_PID | tr '\n' ' ')" "$old_pid $new_pid " "the started entries"
stop_daemon
note "ok"
