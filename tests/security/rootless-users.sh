#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 3, rootless roots enabled per user: with RootlessUsers=4242 the daemon watches
# /run/user/4242/runc (and crun, docker/runtime-runc/moby) even before the user's runtime directory
# exists, follows a container of that user, and refuses one whose state file, written in the
# user's root, names a process of another user. /run/user is a private tmpfs of this test.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
ITEST_MOUNTNS=1
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
require_root
require_cmd setpriv

mkdir -p /run/user
mount -t tmpfs -o mode=0755 itest-run-user /run/user || fail "cannot mount a tmpfs on /run/user"
printf '[Watch]\nRoots=\nRootlessUsers=4242\n' >"$TEST_TMP/rootless.conf"
start_daemon -c "$TEST_TMP/rootless.conf" --log-target=console --json
notify_has_status "Tracking 0 containers under 0 roots (3 not present yet)" ||
        fail "the three rootless roots of uid 4242 are not configured"

# The user's runtime directory and runc root appear after the daemon started (a login).
install -d -o 4242 -g 4242 -m 0700 /run/user/4242
install -d -o 4242 -g 4242 -m 0700 /run/user/4242/runc
wait_for 5 grep -q "Watching state root '/run/user/4242/runc'" "$DAEMON_ERR" || fail "the root was not picked up"

setpriv --reuid=4242 --regid=4242 --clear-groups sleep 1000000 &
upid=$!
CLEANUP_PIDS+=("$upid")
sleep 1000000 &
rpid=$!
CLEANUP_PIDS+=("$rpid")
owned() { [ "$(stat -c %u "/proc/$upid" 2>/dev/null)" = 4242 ]; }
wait_for 5 owned || fail "the user's process did not start"

# write_state ID PID: as the user writes it, temporary file renamed into place
write_state() {
        local dir=/run/user/4242/runc/$1 start
        start=$(sed 's/.*) //' "/proc/$2/stat" | cut -d' ' -f20)
        install -d -o 4242 -g 4242 -m 0711 "$dir"
        printf '{"id":"%s","init_process_pid":%d,"init_process_start":%s,"config":{}}\n' "$1" "$2" "$start" >"$dir/s.tmp"
        chown 4242:4242 "$dir/s.tmp"
        mv "$dir/s.tmp" "$dir/state.json"
}
own=$(new_id own)
spoof=$(new_id spoof)
write_state "$own" "$upid"
write_state "$spoof" "$rpid"
wait_event "$own" started
assert_field "$own" started CONTAINER_STATE_DIR "/run/user/4242/runc/$own"
wait_for 5 grep -q "Refusing container '/run/user/4242/runc/$spoof'" "$DAEMON_ERR" || fail "spoofed pid not refused"
kill -KILL "$upid"
wait_event "$own" exited
assert_field "$own" exited EXIT_CODE killed
assert_event_count "$spoof" started 0
stop_daemon
note "ok"
