#!/bin/bash
# SPDX-License-Identifier: MIT
# DESIGN.md §5: the persistent record makes a daemon restart neither repeat nor lose an event.
# Run 1 reports A and B started. While the daemon is down, B's init is killed (and reaped) and C
# is created. Run 2 (same $STATE_DIRECTORY) must report B exited (late) and C started, and must
# not repeat A's or B's `started`.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
runc_rootfs

a=$(new_id restart-a)
b=$(new_id restart-b)
runc_run "$a" "${INIT_SLEEP[@]}"
runc_run "$b" "${INIT_SLEEP[@]}"

start_daemon -r "$RUNC_ROOT" --log-target=console --json
wait_event "$a" started 5
wait_event "$b" started 5
stop_daemon

pid_b=$(runc_pid "$b")
kill -KILL "$pid_b"
wait_for 20 pid_gone "$pid_b" || fail "init $pid_b of $b was never reaped"
c=$(new_id restart-c)
runc_run "$c" "${INIT_SLEEP[@]}"

start_daemon -r "$RUNC_ROOT" --log-target=console --json
wait_event "$b" exited 5
wait_event "$c" started 5
bar=$(new_id restart-barrier)
runc_run "$bar" "${INIT_SLEEP[@]}"
wait_event "$bar" started

assert_event_count "$a" started 0
assert_event_count "$b" started 0
assert_event_count "$b" exited 1
assert_field "$b" exited EXIT_OBSERVED late
assert_event_count "$c" started 1

# A is still tracked in run 2: its death is reported live.
runc_kill "$a" KILL
wait_event "$a" exited
assert_field "$a" exited EXIT_OBSERVED live
assert_field "$a" exited EXIT_CODE killed
stop_daemon

# Run 3: nothing new happened, nothing is reported.
start_daemon -r "$RUNC_ROOT" --log-target=console --json
bar3=$(new_id restart-barrier3)
runc_run "$bar3" "${INIT_SLEEP[@]}"
wait_event "$bar3" started
assert_eq "$(events 'has("CONTAINER_EVENT")' | jq -r .CONTAINER_ID_FULL | sort | tr '\n' ' ')" "$bar3 " \
        "containers with events in run 3"
stop_daemon
note "ok"
