#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 6, spoofing: in a state root owned by an ordinary user (as rootless runtimes' roots under
# /run/user/<uid>/ are), a state.json that names a process of another user (here root's) is refused
# with one warning and no event, however often it is rewritten; one that names the user's own
# process is followed as usual. A state.json naming PID 1 or the daemon itself is refused in any
# root.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
require_root
require_cmd setpriv

user_root=$TEST_TMP/user-root
root_root=$TEST_TMP/root-root
mkdir -p "$user_root" "$root_root"
chown 65534:65534 "$user_root"

# write_state ROOT ID PID: a runc-format state.json for PID (with its true start time), written
# the way runc writes it: a temporary file renamed into place.
write_state() {
        local dir=$1/$2 start
        start=$(sed 's/.*) //' "/proc/$3/stat" | cut -d' ' -f20)
        mkdir -p "$dir"
        printf '{"id":"%s","init_process_pid":%d,"init_process_start":%s,"created":"2026-01-01T00:00:00Z","config":{}}\n' \
                "$2" "$3" "$start" >"$dir/state-tmp"
        mv "$dir/state-tmp" "$dir/state.json"
}

sleep 1000000 &
root_pid=$!
CLEANUP_PIDS+=("$root_pid")
setpriv --reuid=65534 --regid=65534 --clear-groups sleep 1000000 &
user_pid=$!
CLEANUP_PIDS+=("$user_pid")
owned_by_nobody() { [ "$(stat -c %u "/proc/$1" 2>/dev/null)" = 65534 ]; }
wait_for 5 owned_by_nobody "$user_pid" || fail "the user's sleep did not start"

start_daemon -r "$user_root" -r "$root_root" --log-target=console --json

spoof=$(new_id spoof)
write_state "$user_root" "$spoof" "$root_pid"
chown -R 65534:65534 "$user_root/$spoof"
own=$(new_id own)
write_state "$user_root" "$own" "$user_pid"
chown -R 65534:65534 "$user_root/$own"
wait_event "$own" started
wait_for 5 grep -q "Refusing container '$user_root/$spoof'" "$DAEMON_ERR" || fail "no refusal for $spoof"

# a rewrite of the spoofed file is not a second chance, nor a second warning
write_state "$user_root" "$spoof" "$root_pid"
pid1=$(new_id pid1)
write_state "$root_root" "$pid1" 1
self=$(new_id self)
write_state "$root_root" "$self" "$DAEMON_PID"
wait_for 5 grep -q "Refusing state file of '$root_root/$pid1'" "$DAEMON_ERR" || fail "pid 1 not refused"
wait_for 5 grep -q "Refusing state file of '$root_root/$self'" "$DAEMON_ERR" || fail "the daemon's pid not refused"

kill -KILL "$root_pid" "$user_pid"
wait_event "$own" exited
assert_event_count "$own" started 1
for id in "$spoof" "$pid1" "$self"; do
        assert_event_count "$id" started 0
        assert_event_count "$id" exited 0
done
assert_eq "$(stderr_lines_matching "Refusing container '$user_root/$spoof'")" 1 "warnings about $spoof"
daemon_alive || fail "daemon died"
stop_daemon
note "ok"
