#!/bin/bash
# SPDX-License-Identifier: MIT
# A restart of the daemon with one of its roots dropped from the configuration: a container of
# that root which is still running must not be reported as exited; it is tracked on, as a reload
# keeps it, and its death is reported once, live.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
runc_rootfs

a=$TEST_TMP/a
b=$TEST_TMP/b
mkdir -p "$a" "$b"
x=$(new_id dropped)
RUNC_ROOT=$b runc_run "$x" "${INIT_SLEEP[@]}"
start_daemon -r "$a" -r "$b" --log-target=console --json
wait_event "$x" started
stop_daemon

start_daemon -r "$a" --log-target=console --json
notify_has_status "Tracking 1 container under 1 root" || fail "the container of the dropped root is not tracked"
barrier=$(new_id barrier)
RUNC_ROOT=$a runc_run "$barrier" "${INIT_SLEEP[@]}"
wait_event "$barrier" started
assert_event_count "$x" exited 0
assert_event_count "$x" started 0

RUNC_ROOT=$b runc_kill "$x" KILL
wait_event "$x" exited
assert_field "$x" exited EXIT_OBSERVED live
assert_field "$x" exited EXIT_CODE killed
assert_event_count "$x" exited 1
stop_daemon
note "ok"
