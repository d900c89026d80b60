#!/bin/bash
# SPDX-License-Identifier: MIT
# State roots that do not exist when the daemon starts are picked up when they appear: one made
# with `mkdir -p` (several levels at once), one that runc creates itself, and a root that is
# removed and created again.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
runc_rootfs

r1=$TEST_TMP/late1/one/two/root     # nothing below $TEST_TMP exists yet
r2=$TEST_TMP/late2/runc             # runc --root creates it (MkdirAll)
start_daemon -r "$r1" -r "$r2" --log-target=console --json
daemon_alive || fail "daemon died with missing roots"

mkdir -p "$r1"
a=$(new_id late-a)
RUNC_ROOT=$r1 runc_run "$a" "${INIT_SLEEP[@]}"
wait_event "$a" started
assert_field "$a" started CONTAINER_STATE_DIR "$r1/$a"
assert_field "$a" started CONTAINER_PID "$(RUNC_ROOT=$r1 runc_pid "$a")"

b=$(new_id late-b)
RUNC_ROOT=$r2 runc_run "$b" "${INIT_SLEEP[@]}"
wait_event "$b" started
assert_field "$b" started CONTAINER_STATE_DIR "$r2/$b"

# The container in the late root is tracked, not just seen.
RUNC_ROOT=$r1 runc_kill "$a" KILL
wait_event "$a" exited
assert_field "$a" exited EXIT_CODE killed
assert_field "$a" exited EXIT_OBSERVED live

# Remove root 1 entirely (deleting its container first) and create it again.
RUNC_ROOT=$r1 runc_delete "$a"
rm -rf "$TEST_TMP/late1"
c=$(new_id late-c)
RUNC_ROOT=$r1 runc_run "$c" "${INIT_SLEEP[@]}"
wait_event "$c" started
assert_field "$c" started CONTAINER_STATE_DIR "$r1/$c"

for id in "$a" "$b" "$c"; do
        assert_event_count "$id" started 1
done
assert_event_count "$a" exited 1
daemon_alive || fail "daemon died"
stop_daemon
note "ok"
