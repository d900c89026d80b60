#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 6, spoofing: in a state root owned by an ordinary user (as rootless runtimes' roots under
# /run/user/<uid>/ are), a state.json that names a process of another user (here root's) is refused
# with one warning and no event, however often it is rewritten; one that names the user's own
# process is followed as usual. A state.json naming PID 1 or the daemon itself is refused in any
# root.
# The daemon reads a state file it has seen once more only at a rescan (its container directory's
# watch is gone once the file was found), so the rewrite is followed by one: the daemon's inotify
# instance is created with fs.inotify.max_queued_events lowered to 4 (restored at once, as in
# tests/faults/inotify-overflow.sh), and a burst of directories made while it is stopped overflows
# its queue.
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

sysctl=/proc/sys/fs/inotify/max_queued_events
old_max=$(cat $sysctl) || skip_or_fail "cannot read $sysctl"
_restore_sysctl() { echo "$old_max" >$sysctl; }
CLEANUP_HOOKS+=(_restore_sysctl)
echo 4 >$sysctl || skip_or_fail "cannot lower $sysctl"
start_daemon -r "$user_root" -r "$root_root" --log-target=console --json
_restore_sysctl

spoof=$(new_id spoof)
write_state "$user_root" "$spoof" "$root_pid"
chown -R 65534:65534 "$user_root/$spoof"
own=$(new_id own)
write_state "$user_root" "$own" "$user_pid"
chown -R 65534:65534 "$user_root/$own"
wait_event "$own" started
wait_for 5 grep -q "Refusing container '$user_root/$spoof'" "$DAEMON_ERR" || fail "no refusal for $spoof"

# A rewrite of the spoofed file is not a second chance, nor a second warning: rewrite it, then
# make the daemon rescan (its queue overflows), which reads every state file again.
rescans() { grep -c 'overflowed, rescanning' "$DAEMON_ERR"; }
write_state "$user_root" "$spoof" "$root_pid"
chown -R 65534:65534 "$user_root/$spoof"
n_rescans=$(rescans)
kill -STOP "$DAEMON_PID"
for i in $(seq 8); do mkdir "$root_root/burst$i"; done
kill -CONT "$DAEMON_PID"
more_rescans() { [ "$(rescans)" -gt "$n_rescans" ]; }
wait_for 10 more_rescans || fail "no rescan after the rewrite (the queue did not overflow?)"
pid1=$(new_id pid1)
write_state "$root_root" "$pid1" 1
self=$(new_id self)
write_state "$root_root" "$self" "$DAEMON_PID"
wait_for 5 grep -q "Refusing state file of '$root_root/$pid1'" "$DAEMON_ERR" || fail "pid 1 not refused"
wait_for 5 grep -q "Refusing state file of '$root_root/$self'" "$DAEMON_ERR" || fail "the daemon's pid not refused"

kill -KILL "$root_pid" "$user_pid"
wait_event "$own" exited
assert_event_count "$own" started 1
assert_field "$own" started CONTAINER_OWNER_UID 65534
assert_field "$own" exited CONTAINER_OWNER_UID 65534
for id in "$spoof" "$pid1" "$self"; do
        assert_event_count "$id" started 0
        assert_event_count "$id" exited 0
done
assert_eq "$(stderr_lines_matching "Refusing container '$user_root/$spoof'")" 1 "warnings about $spoof"
daemon_alive || fail "daemon died"
stop_daemon

# Issue 14, item 1: the check runs on every path that starts tracking, not only when a pidfd was
# opened. (a) No descriptor left for a pidfd (RLIMIT_NOFILE below the reserve): the spoofed
# container is refused all the same, the user's own one is followed without a pidfd.
sleep 1000000 &
root_pid=$!
CLEANUP_PIDS+=("$root_pid")
setpriv --reuid=65534 --regid=65534 --clear-groups sleep 1000000 &
user_pid=$!
CLEANUP_PIDS+=("$user_pid")
wait_for 5 owned_by_nobody "$user_pid" || fail "the user's sleep did not start"
DAEMON_WRAPPER="prlimit --nofile=66:66 --" start_daemon -r "$user_root" --log-target=console --json
spoof2=$(new_id spoof-nofd)
write_state "$user_root" "$spoof2" "$root_pid"
chown -R 65534:65534 "$user_root/$spoof2"
own2=$(new_id own-nofd)
write_state "$user_root" "$own2" "$user_pid"
chown -R 65534:65534 "$user_root/$own2"
wait_event "$own2" started
wait_for 5 grep -q "Refusing container '$user_root/$spoof2'" "$DAEMON_ERR" || fail "no refusal for $spoof2 without a pidfd"
assert_file_contains "$DAEMON_ERR" "Out of file descriptors" "the descriptor limit was reached"
assert_event_count "$spoof2" started 0
stop_daemon

# (b) Restored from the record: a "started" line for a directory of the user's that is gone now,
# naming root's process, is not tracked on (no exit is reported for it); the same line for a
# root-owned root is (its exit is reported: the control).
sleep 1000000 &
root_pid2=$!
CLEANUP_PIDS+=("$root_pid2")
rstart=$(sed 's/.*) //' "/proc/$root_pid/stat" | cut -d' ' -f20)
rstart2=$(sed 's/.*) //' "/proc/$root_pid2/stat" | cut -d' ' -f20)
ghost=$(new_id ghost)
control=$(new_id control)
{
        printf '{"record":"container-watchd","version":1,"boot":"%s"}\n' "$(tr -d - </proc/sys/kernel/random/boot_id)"
        printf '{"op":"started","path":"%s","pid":%d,"start":%s,"id":"%s","runtime":"runc","manager":"runc"}\n' \
                "$user_root/$ghost" "$root_pid" "$rstart" "$ghost"
        printf '{"op":"started","path":"%s","pid":%d,"start":%s,"id":"%s","runtime":"runc","manager":"runc"}\n' \
                "$root_root/$control" "$root_pid2" "$rstart2" "$control"
} >"$STATE_DIRECTORY/reported"
start_daemon -r "$user_root" -r "$root_root" --log-target=console --json
kill -KILL "$root_pid" "$root_pid2"
wait_event "$control" exited
assert_event_count "$ghost" exited 0
assert_file_contains "$DAEMON_ERR" "Refusing container '$user_root/$ghost'" "the refusal of the restored $ghost"
stop_daemon
note "ok"
