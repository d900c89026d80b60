#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14, item 8: an exit that waits for journald must not be marked reported in the record
# before journald took it. journald is down, containers die (one started before, one during the
# outage), the daemon is stopped (1: SIGTERM; 2: SIGKILL), journald comes back, the daemon starts
# again: every started and every exited entry is in the journal exactly once.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
ITEST_MOUNTNS=1
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
. "$top_srcdir/tests/lib/journald.sh" || exit 99
require_runc
runc_rootfs
start_journald

stop_journald() {
        stop_pid "$JOURNALD_PID"
        rm -f /run/systemd/journal/socket   # as a stopped journald.socket would leave it
}
restart_journald() {
        "$JOURNALD" >>"$TEST_TMP/journald.log" 2>&1 &
        JOURNALD_PID=$!
        CLEANUP_PIDS+=("$JOURNALD_PID")
        wait_for 10 test -S /run/systemd/journal/socket || fail "journald did not come back"
}

long=$(new_id long)           # runs throughout: started once, never exited
runc_run "$long" "${INIT_SLEEP[@]}"
all=()
for how in term kill; do
        start_daemon -r "$RUNC_ROOT" --log-target=journal
        before=$(new_id "before-$how")
        runc_run "$before" "${INIT_SLEEP[@]}"
        wait_journal_event "$before" started
        wait_journal_event "$long" started

        stop_journald
        during=$(new_id "during-$how")
        runc_run "$during" "${INIT_SLEEP[@]}"
        wait_for 10 grep -q "Container ${during:0:12} started" "$DAEMON_ERR" || fail "$during not on the console"
        for id in "$before" "$during"; do
                runc_kill "$id" KILL
                # "was killed: SIGKILL from ..." with the kernel probe (issue 13)
                wait_for 10 grep -Eq "Container ${id:0:12} (exited|was killed)" "$DAEMON_ERR" ||
                        fail "exit of $id not on the console"
        done
        if [ "$how" = term ]; then
                stop_daemon
        else
                kill -KILL "$DAEMON_PID"
                wait "$DAEMON_PID" 2>/dev/null
                DAEMON_PID=
                stop_pid "$NOTIFY_PID"
        fi
        restart_journald
        all+=("$before" "$during")

        start_daemon -r "$RUNC_ROOT" --log-target=journal
        for id in "$before" "$during"; do
                wait_journal_event "$id" exited
        done
        # a barrier: what the restarted daemon had to say about the old ones is in the journal
        barrier=$(new_id "barrier-$how")
        runc_run "$barrier" "${INIT_SLEEP[@]}"
        wait_journal_event "$barrier" started
        for id in "${all[@]}"; do
                assert_journal_count "$id" started 1
                assert_journal_count "$id" exited 1
        done
        assert_journal_count "$long" started 1
        assert_journal_count "$long" exited 0
        stop_daemon
        note "$how: each exit once"
done
note "ok"
