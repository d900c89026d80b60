#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 6, least privilege: started as root with every capability, the daemon keeps only
# CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE once it is ready (effective, permitted, inheritable and
# bounding sets; no_new_privs set), and still does all of its work: reading runc's 0600 state
# files of containers created afterwards, a user's 0700 state directory, exit statuses from /proc.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_root
require_runc
require_cmd setpriv
runc_rootfs

start_daemon -r "$RUNC_ROOT" --log-target=console --json
keep=0000000000080004 # bits 2 (CAP_DAC_READ_SEARCH) and 19 (CAP_SYS_PTRACE)
for set in CapEff CapPrm CapBnd; do
        assert_eq "$(sed -n "s/^$set:[[:space:]]*//p" "/proc/$DAEMON_PID/status")" "$keep" "$set of the daemon"
done
assert_eq "$(sed -n 's/^CapInh:[[:space:]]*//p' "/proc/$DAEMON_PID/status")" 0000000000000000 "CapInh"
assert_eq "$(sed -n 's/^NoNewPrivs:[[:space:]]*//p' "/proc/$DAEMON_PID/status")" 1 "NoNewPrivs"

# Work that needs the two capabilities, all after the drop.
id=$(new_id caps)
runc_run "$id" "${INIT_SLEEP[@]}"
assert_eq "$(stat -c %a "$(runc_state_file "$id")")" 600 "mode of runc's state.json"
wait_event "$id" started
assert_match "$(event_field "$id" started CONTAINER_NS_PID)" '^[0-9]+$' "CONTAINER_NS_PID (needs ptrace-read access)"
runc_kill "$id" KILL
wait_event "$id" exited
assert_field "$id" exited EXIT_STATUS_SOURCE proc
assert_field "$id" exited EXIT_SIGNAL SIGKILL

# A user's private (0700) directory, with that user's process in it.
user_root=$TEST_TMP/user
mkdir -m 0700 "$user_root"
setpriv --reuid=65534 --regid=65534 --clear-groups sleep 1000000 &
upid=$!
CLEANUP_PIDS+=("$upid")
owned() { [ "$(stat -c %u "/proc/$upid" 2>/dev/null)" = 65534 ]; }
wait_for 5 owned || fail "the user's process did not start"
stop_daemon
uid_id=$(new_id user)
mkdir "$user_root/$uid_id"
start=$(sed 's/.*) //' "/proc/$upid/stat" | cut -d' ' -f20)
printf '{"id":"%s","init_process_pid":%d,"init_process_start":%s,"config":{}}\n' "$uid_id" "$upid" "$start" \
        >"$user_root/$uid_id/state.json"
chmod 0600 "$user_root/$uid_id/state.json"
chown -R 65534:65534 "$user_root"
start_daemon -r "$user_root" --log-target=console --json
wait_event "$uid_id" started
kill -KILL "$upid"
wait_event "$uid_id" exited
assert_field "$uid_id" exited EXIT_CODE killed
stop_daemon
note "ok"
