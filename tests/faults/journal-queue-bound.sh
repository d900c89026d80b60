#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 5, the bound of the journal queue: with JournalQueueSize=3 and journald stopped, six events
# (three containers started and killed) are all shown on the console, the three oldest are dropped
# from the queue, and when journald is back the journal gets one entry saying that 3 events were
# lost, followed by the three newest, in order.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
ITEST_MOUNTNS=1
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
. "$top_srcdir/tests/lib/journald.sh" || exit 99
require_runc
runc_rootfs
start_journald

printf '[Log]\nJournalQueueSize=3\n' >"$TEST_TMP/queue.conf"
start_daemon -c "$TEST_TMP/queue.conf" -r "$RUNC_ROOT" --log-target=journal
stop_pid "$JOURNALD_PID"
rm -f /run/systemd/journal/socket

ids=()
for i in 1 2 3; do
        ids+=("$(new_id q$i)")
        runc_run "${ids[-1]}" "${INIT_SLEEP[@]}"
        wait_for 10 grep -q "Container ${ids[-1]:0:12} started" "$DAEMON_ERR" || fail "${ids[-1]} not on the console"
done
for id in "${ids[@]}"; do
        runc_kill "$id" KILL
        # "was killed: SIGKILL from ..." with the kernel probe (issue 13)
        wait_for 10 grep -Eq "Container ${id:0:12} (exited|was killed)" "$DAEMON_ERR" || fail "exit of $id not on the console"
done

"$JOURNALD" >>"$TEST_TMP/journald.log" 2>&1 &
JOURNALD_PID=$!
CLEANUP_PIDS+=("$JOURNALD_PID")
for id in "${ids[@]}"; do
        wait_journal_event "$id" exited
done
lost_id=$(catalog_id EVENTS_LOST)
_lost_entry() { [ "$(journal_entries "(.MESSAGE_ID == \"$lost_id\")" | wc -l)" -ge 1 ]; }
wait_for 10 _lost_entry || fail "no lost-events entry"
assert_match "$(journal_entries "(.MESSAGE_ID == \"$lost_id\")" | jq -r .MESSAGE)" '^3 container events were lost' \
        "the lost-events entry"
# The three newest, in order, after the gap entry; none of the three started entries.
order=$(journal_entries "(.MESSAGE_ID == \"$lost_id\") or has(\"CONTAINER_EVENT\")" |
        jq -r 'if .CONTAINER_EVENT then "\(.CONTAINER_ID_FULL) \(.CONTAINER_EVENT)" else "lost" end')
expected=$(echo lost; for id in "${ids[@]}"; do echo "$id exited"; done)
assert_eq "$order" "$expected" "what the journal got, in order"
stop_daemon
note "ok"
