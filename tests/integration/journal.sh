#!/bin/bash
# SPDX-License-Identifier: MIT
# The same events written to a real (private) systemd-journald and read back with
# `journalctl -o json`: MESSAGE_IDs per kind, PRIORITY, SYSLOG_IDENTIFIER, the MESSAGE sentence.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
ITEST_MOUNTNS=1
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
. "$top_srcdir/tests/lib/journald.sh" || exit 99
require_runc
runc_rootfs
start_journald

started_id=$(catalog_id CONTAINER_STARTED)
exited_id=$(catalog_id CONTAINER_EXITED)

mkdir -p "$RUNC_ROOT"
start_daemon -r "$RUNC_ROOT" --log-target=journal

k=$(new_id journal-kill)
z=$(new_id journal-zero)
runc_run "$k" "${INIT_SLEEP[@]}"
runc_run "$z" "${INIT_WAIT_USR1[@]}" 0
wait_journal_event "$k" started
wait_journal_event "$z" started
pid_k=$(runc_pid "$k")
pid_z=$(runc_pid "$z")

for id in "$k" "$z"; do
        assert_eq "$(journal_field "$id" started MESSAGE_ID)" "$started_id" "MESSAGE_ID of started($id)"
        assert_eq "$(journal_field "$id" started PRIORITY)" 6 "PRIORITY of started($id)"
        assert_eq "$(journal_field "$id" started SYSLOG_IDENTIFIER)" container-watchd "SYSLOG_IDENTIFIER of started($id)"
        assert_eq "$(journal_field "$id" started _PID)" "$DAEMON_PID" "_PID of started($id)"
        assert_eq "$(journal_field "$id" started CONTAINER_ID)" "${id:0:12}" "CONTAINER_ID of started($id)"
        assert_eq "$(journal_field "$id" started CONTAINER_RUNTIME)" runc "CONTAINER_RUNTIME of started($id)"
        assert_eq "$(journal_field "$id" started CONTAINER_STATE_DIR)" "$RUNC_ROOT/$id" "CONTAINER_STATE_DIR of started($id)"
        assert_match "$(journal_field "$id" started MESSAGE)" "^Container ${id:0:12}( \([^)]*\))? " "MESSAGE of started($id)"
done
assert_eq "$(journal_field "$k" started CONTAINER_PID)" "$pid_k" "CONTAINER_PID of started($k)"

kill -KILL "$pid_k"
wait_sig_caught "$pid_z" 10
kill -USR1 "$pid_z"
wait_journal_event "$k" exited
wait_journal_event "$z" exited

assert_eq "$(journal_field "$k" exited MESSAGE_ID)" "$exited_id" "MESSAGE_ID of exited($k)"
assert_ne "$exited_id" "$started_id" "exited and started MESSAGE_IDs"
assert_eq "$(journal_field "$k" exited PRIORITY)" 4 "PRIORITY of exited($k) (killed)"
assert_eq "$(journal_field "$k" exited SYSLOG_IDENTIFIER)" container-watchd "SYSLOG_IDENTIFIER of exited($k)"
assert_eq "$(journal_field "$k" exited EXIT_CODE)" killed "EXIT_CODE of exited($k)"
assert_eq "$(journal_field "$k" exited EXIT_STATUS)" 9 "EXIT_STATUS of exited($k)"
assert_eq "$(journal_field "$k" exited EXIT_SIGNAL)" SIGKILL "EXIT_SIGNAL of exited($k)"
assert_eq "$(journal_field "$k" exited EXIT_OBSERVED)" live "EXIT_OBSERVED of exited($k)"
assert_match "$(journal_field "$k" exited MESSAGE)" \
        "^Container ${k:0:12}( \([^)]*\))? (exited: killed by SIGKILL after [0-9]|was killed: SIGKILL from [^ ]+\[[0-9]+\].*; it ran [0-9])" \
        "MESSAGE of exited($k) (the second form with the kernel probe: issue 13)"

assert_eq "$(journal_field "$z" exited MESSAGE_ID)" "$exited_id" "MESSAGE_ID of exited($z)"
assert_eq "$(journal_field "$z" exited PRIORITY)" 5 "PRIORITY of exited($z) (status 0)"
assert_eq "$(journal_field "$z" exited EXIT_CODE)" exited "EXIT_CODE of exited($z)"
assert_eq "$(journal_field "$z" exited EXIT_STATUS)" 0 "EXIT_STATUS of exited($z)"
assert_match "$(journal_field "$z" exited MESSAGE)" "^Container ${z:0:12}( \([^)]*\))? exited" "MESSAGE of exited($z)"

bar=$(new_id journal-barrier)
runc_run "$bar" "${INIT_SLEEP[@]}"
wait_journal_event "$bar" started
for id in "$k" "$z"; do
        assert_journal_count "$id" started 1
        assert_journal_count "$id" exited 1
done

# The daemon's own entries carry no CONTAINER_EVENT and none of the container MESSAGE_IDs.
bad=$(journal_entries "(has(\"CONTAINER_EVENT\") | not) and
        (.MESSAGE_ID == \"$started_id\" or .MESSAGE_ID == \"$exited_id\")" | head -n 1)
[ -z "$bad" ] || fail "a daemon diagnostic uses a container MESSAGE_ID: $bad"
# With --log-target=journal and no --json, nothing goes to stdout.
[ ! -s "$DAEMON_OUT" ] || fail "stdout is not empty without --json: $(head -n 3 "$DAEMON_OUT")"

stop_daemon
note "ok"
