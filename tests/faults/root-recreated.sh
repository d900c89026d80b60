#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 5, roots that come and go: a state root deleted and created again (dockerd restarted, a
# containerd namespace removed) is watched again without a restart of the daemon, and so is a
# namespace directory of a "DIR/*" root.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
runc_rootfs

top=$TEST_TMP/roots
plain=$top/plain
nsbase=$top/ns
mkdir -p "$plain" "$nsbase/one"
start_daemon -r "$plain" -r "$nsbase/*" --log-target=console --json

a=$(new_id first)
RUNC_ROOT=$plain runc_run "$a" "${INIT_SLEEP[@]}"
wait_event "$a" started
RUNC_ROOT=$plain runc_kill "$a" KILL
wait_event "$a" exited
RUNC_ROOT=$plain runc_delete "$a"

# The plain root goes away (with everything above it) and comes back.
rm -rf "$plain"
wait_for 5 grep -q "State root '$plain' disappeared" "$DAEMON_ERR" || fail "root removal not noticed"
mkdir -p "$plain"
b=$(new_id second)
RUNC_ROOT=$plain runc_run "$b" "${INIT_SLEEP[@]}"
wait_event "$b" started
assert_field "$b" started CONTAINER_STATE_DIR "$plain/$b"

# A namespace directory removed and created again; and the whole namespace base.
rmdir "$nsbase/one"
mkdir "$nsbase/one"
c=$(new_id nsone)
RUNC_ROOT=$nsbase/one runc_run "$c" "${INIT_SLEEP[@]}"
wait_event "$c" started
assert_field "$c" started CONTAINER_NAMESPACE one

rm -rf "$nsbase"
mkdir -p "$nsbase/two"
d=$(new_id nstwo)
RUNC_ROOT=$nsbase/two runc_run "$d" "${INIT_SLEEP[@]}"
wait_event "$d" started
assert_field "$d" started CONTAINER_NAMESPACE two

for id in "$b" "$c" "$d"; do
        assert_event_count "$id" started 1
done
assert_event_count "$a" exited 1
daemon_alive || fail "daemon died"
stop_daemon
note "ok"
