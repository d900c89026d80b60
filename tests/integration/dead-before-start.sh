#!/bin/bash
# SPDX-License-Identifier: MIT
# A container whose init died before the daemon started (killed, never deleted) is reported with
# one `started` (late: the daemon never saw it run) and one `exited` with EXIT_OBSERVED=late, in
# that order, so that its pair matches like every other container's (issue 14, item 10):
#  - reaped init (gone from /proc): the status is unknowable (EXIT_CODE=unknown, source none);
#  - zombie init (its parent, a foreground runc, is stopped): the status is still in /proc.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
runc_rootfs

r=$(new_id dead-reaped)
runc_run "$r" "${INIT_SLEEP[@]}"
pid_r=$(runc_pid "$r")
kill -KILL "$pid_r"
# PID 1 reaps orphans lazily (1-1.5 s on the reference machine).
wait_for 20 pid_gone "$pid_r" || fail "init $pid_r of $r was never reaped"
assert_eq "$(runc_status "$r")" stopped "runc status of $r"

z=$(new_id dead-zombie)
runc_run_foreground "$z" "${INIT_SLEEP[@]}"
pid_z=$(runc_pid "$z")
kill -STOP "$RUNC_FG_PID"
kill -KILL "$pid_z"
wait_for 10 pid_dead "$pid_z" || fail "init $pid_z of $z did not die"
pid_gone "$pid_z" && fail "init $pid_z of $z was reaped although its parent runc is stopped"

alive=$(new_id dead-alive)
runc_run "$alive" "${INIT_SLEEP[@]}"

start_daemon -r "$RUNC_ROOT" --log-target=console --json
wait_event "$r" exited 5
wait_event "$z" exited 5
wait_event "$alive" started 5

assert_event_count "$r" started 1
assert_field "$r" started CONTAINER_PID "$pid_r"
assert_field "$r" exited EXIT_OBSERVED late
assert_eq "$(events_for "$r" started | wc -l) $(events | jq -r --arg id "$r" 'select(.CONTAINER_ID_FULL == $id) | .CONTAINER_EVENT' | tr '\n' ' ')" "1 started exited " "the entries of $r in order"
assert_field "$r" exited EXIT_CODE unknown
assert_field "$r" exited EXIT_STATUS_SOURCE none
assert_field "$r" exited CONTAINER_ID "${r:0:12}"
assert_field "$r" exited CONTAINER_PID "$pid_r"
assert_field "$r" exited PRIORITY 4
! event_has_field "$r" exited EXIT_SIGNAL || fail "exited event of $r has EXIT_SIGNAL although the status is unknown"

assert_event_count "$z" started 1
assert_field "$z" exited EXIT_OBSERVED late
assert_field "$z" exited EXIT_CODE killed
assert_field "$z" exited EXIT_STATUS 9
assert_field "$z" exited EXIT_SIGNAL SIGKILL
assert_field "$z" exited EXIT_STATUS_SOURCE proc

# Let runc reap the zombie and delete the container: no second event.
kill -CONT "$RUNC_FG_PID"
wait_for 10 test ! -e "$RUNC_ROOT/$z" || fail "foreground runc did not delete $z after its init died"
bar=$(new_id dead-barrier)
runc_run "$bar" "${INIT_SLEEP[@]}"
wait_event "$bar" started

assert_event_count "$r" exited 1
assert_event_count "$z" exited 1
assert_event_count "$alive" started 1
assert_event_count "$alive" exited 0
stop_daemon
note "ok"
