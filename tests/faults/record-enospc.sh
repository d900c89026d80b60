#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14, item 9: the record on a full file system. The state directory is a 64 KiB tmpfs, filled
# up while the daemon runs; containers started then get their "started" entries, but their record
# lines cannot be written, and one of them is written only in part (a short write at the end of
# the file's last page). Space is freed, one more container starts: its line must be whole, not
# glued to the fragment. After a restart of the daemon, that container is not reported again
# (the record knows it), nor is any container recorded before the file system filled up.
ITEST_MOUNTNS=1
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/state-file.sh" || exit 99
require_root
require_cmd mount dd

state=$TEST_TMP/small-state
mkdir -p "$state"
mount -t tmpfs -o size=64k,mode=0700 cwd-record-enospc "$state" || skip_or_fail "cannot mount a tmpfs"
export STATE_DIRECTORY=$state

root=$TEST_TMP/root
mkdir -p "$root"
start_sleeper pid

start_daemon -r "$root" --log-target=console --json
early=$(new_id early)
write_state "$root" "$early" "$pid"
wait_event "$early" started

# Fill the file system: what is left is the rest of the record's last page.
dd if=/dev/zero of="$state/filler" bs=4k 2>/dev/null
full=()
for i in $(seq 24); do            # ~24 lines of ~250 bytes: past the end of a 4 KiB page
        full+=("$(new_id full$i)")
        write_state "$root" "${full[-1]}" "$pid"
done
for id in "${full[@]}"; do
        wait_event "$id" started
done
assert_file_contains "$DAEMON_ERR" 'Failed to append to the record of reported events' \
        "the warning for a full file system"

rm "$state/filler"
after=$(new_id after)
write_state "$root" "$after" "$pid"
wait_event "$after" started
stop_daemon
tail -c 1 "$state/reported" | od -An -c | grep -q '\\n' || fail "the record does not end with a whole line"

start_daemon -r "$root" --log-target=console --json
# the start-up scan has found every container before READY=1
assert_event_count "$early" started 0
assert_event_count "$after" started 0
repeated=0
for id in "${full[@]}"; do
        repeated=$((repeated + $(event_count "$id" started)))
done
note "$repeated of ${#full[@]} containers started on a full file system were reported again after the restart"
[ "$repeated" -ge 1 ] || fail "no record line was lost on the full file system: the test filled nothing"
stop_daemon
note "ok"
