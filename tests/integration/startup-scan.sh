#!/bin/bash
# SPDX-License-Identifier: MIT
# Containers that exist before the daemon starts are found by the start-up scan (before READY=1):
# one `started` each, and their later exit is observed live.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
runc_rootfs

a=$(new_id scan-a)
b=$(new_id scan-b)
runc_run "$a" "${INIT_SLEEP[@]}"
runc_run "$b" "${INIT_WAIT_USR1[@]}" 0
pid_a=$(runc_pid "$a")
pid_b=$(runc_pid "$b")

start_daemon -r "$RUNC_ROOT" --log-target=console --json

# The scan happens before READY=1, so the events are already there (allow a flush).
wait_event "$a" started 2
wait_event "$b" started 2
assert_field "$a" started CONTAINER_PID "$pid_a"
assert_field "$b" started CONTAINER_PID "$pid_b"
assert_field "$a" started CONTAINER_STATE_DIR "$RUNC_ROOT/$a"
assert_field "$a" started CONTAINER_RUNTIME runc
assert_field "$a" started CONTAINER_NS_PID "$(ns_inode "$pid_a" pid)"

# The daemon tracks them: kill one, make the other exit normally.
runc_kill "$a" KILL
wait_event "$a" exited
assert_field "$a" exited EXIT_CODE killed
assert_field "$a" exited EXIT_STATUS 9
assert_field "$a" exited EXIT_OBSERVED live

wait_sig_caught "$pid_b" 10
kill -USR1 "$pid_b"
wait_event "$b" exited
assert_field "$b" exited EXIT_CODE exited
assert_field "$b" exited EXIT_STATUS 0
assert_field "$b" exited EXIT_OBSERVED live

c=$(new_id scan-barrier)
runc_run "$c" "${INIT_SLEEP[@]}"
wait_event "$c" started
for id in "$a" "$b"; do
        assert_event_count "$id" started 1
        assert_event_count "$id" exited 1
done
stop_daemon
note "ok"
