#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 6, least privilege: started as root with every capability, the daemon keeps only
# CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE once it is ready (effective, permitted, inheritable and
# bounding sets; no_new_privs set), and still does all of its work: reading runc's 0600 state
# files of containers created afterwards, a user's 0700 state directory, exit statuses from /proc.
# The drop comes before the first parse (issue 14, item 5): a state file found by the start-up
# scan is opened with no more than the two (tests/tools/open-perm holds the daemon in open(2) on
# that file while it reads the daemon's CapEff). The 0700 directory's state file is written after
# READY=1, so the work it proves is done after the drop.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_root
require_runc
require_cmd setpriv
runc_rootfs

keep=0000000000080004 # bits 2 (CAP_DAC_READ_SEARCH) and 19 (CAP_SYS_PTRACE)
OPEN_PERM=${OPEN_PERM:-$top_builddir/tests/tools/open-perm}
[ -x "$OPEN_PERM" ] || fail "'$OPEN_PERM' is not built (make check builds it)"

# A state file that is there before the daemon starts: the start-up scan parses it.
early=$(new_id early)
sleep 1000000 &
early_pid=$!
CLEANUP_PIDS+=("$early_pid")
early_start=$(sed 's/.*) //' "/proc/$early_pid/stat" | cut -d' ' -f20)
early_root=$TEST_TMP/early-root
mkdir -p "$early_root/$early"
printf '{"id":"%s","init_process_pid":%d,"init_process_start":%s,"config":{}}\n' "$early" "$early_pid" \
        "$early_start" >"$early_root/$early/state.json"
opens=$TEST_TMP/opens
"$OPEN_PERM" "$early_root/$early/state.json" "$opens" 2>"$TEST_TMP/open-perm.err" &
open_perm_pid=$!
CLEANUP_PIDS+=("$open_perm_pid")
wait_for 5 test -e "$opens" || fail "open-perm did not start: $(cat "$TEST_TMP/open-perm.err")"

start_daemon -r "$RUNC_ROOT" -r "$early_root" --log-target=console --json
wait_event "$early" started
grep -q "^pid=$DAEMON_PID " "$opens" || fail "the daemon's open of the state file was not seen: $(cat "$opens")"
while read -r who cap; do
        [ "$who" = "pid=$DAEMON_PID" ] || continue
        assert_eq "$cap" "CapEff=$keep" "the daemon's effective capabilities when the start-up scan opened a state file"
done <"$opens"
stop_pid "$open_perm_pid"
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
chown -R 65534:65534 "$user_root"
start_daemon -r "$user_root" --log-target=console --json
# Written after READY=1, the way runc writes it (a temporary file renamed into place): the daemon
# reads it with the dropped set, not in the start-up scan.
start=$(sed 's/.*) //' "/proc/$upid/stat" | cut -d' ' -f20)
printf '{"id":"%s","init_process_pid":%d,"init_process_start":%s,"config":{}}\n' "$uid_id" "$upid" "$start" \
        >"$user_root/$uid_id/state-tmp"
chmod 0600 "$user_root/$uid_id/state-tmp"
chown 65534:65534 "$user_root/$uid_id/state-tmp"
mv "$user_root/$uid_id/state-tmp" "$user_root/$uid_id/state.json"
wait_event "$uid_id" started
kill -KILL "$upid"
wait_event "$uid_id" exited
assert_field "$uid_id" exited EXIT_CODE killed
stop_daemon
note "ok"
