#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 5, journald down or restarted: sd_journal_send() reports success when nothing listens, so
# the daemon must notice by itself, keep the events (and say so on the console), and deliver them
# in order when journald is back; a restart of journald in the middle of a burst loses none.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
ITEST_MOUNTNS=1
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
. "$top_srcdir/tests/lib/journald.sh" || exit 99
require_runc
runc_rootfs
start_journald

restart_journald() {
        "$JOURNALD" >>"$TEST_TMP/journald.log" 2>&1 &
        JOURNALD_PID=$!
        CLEANUP_PIDS+=("$JOURNALD_PID")
        wait_for 10 test -S /run/systemd/journal/socket || fail "journald did not come back"
}

start_daemon -r "$RUNC_ROOT" --log-target=journal
first=$(new_id first)
runc_run "$first" "${INIT_SLEEP[@]}"
wait_journal_event "$first" started

# 1. journald stopped: events wait, the console says so, nothing is lost.
stop_pid "$JOURNALD_PID"
down=()
for i in 1 2 3; do
        down+=("$(new_id down$i)")
        runc_run "${down[-1]}" "${INIT_SLEEP[@]}"
done
for id in "${down[@]}"; do
        wait_for 10 grep -q "Container ${id:0:12} started" "$DAEMON_ERR" || fail "$id not shown on the console"
        runc_kill "$id" KILL
        # "was killed: SIGKILL from ..." with the kernel probe (issue 13)
        wait_for 10 grep -Eq "Container ${id:0:12} (exited|was killed)" "$DAEMON_ERR" || fail "exit of $id not shown"
done
assert_file_contains "$DAEMON_ERR" 'journal is unavailable' "console notice"
rm -f /run/systemd/journal/socket   # as a stopped journald.socket would leave it
restart_journald
for id in "${down[@]}"; do
        wait_journal_event "$id" exited
        assert_journal_count "$id" started 1
        assert_journal_count "$id" exited 1
done
# in order: each container's started before its exited, and the containers in creation order
order=$(journal_entries 'has("CONTAINER_EVENT")' | jq -r '"\(.CONTAINER_ID_FULL) \(.CONTAINER_EVENT)"' | grep -v "^$first ")
expected=$(for id in "${down[@]}"; do echo "$id started"; done; for id in "${down[@]}"; do echo "$id exited"; done)
assert_eq "$order" "$expected" "order of the delivered entries"

# 2. a restart of journald in the middle of a burst
burst=()
for i in $(seq 12); do
        burst+=("$(new_id burst$i)")
        runc_run "${burst[-1]}" "${INIT_SLEEP[@]}"
        if [ "$i" = 6 ]; then
                stop_pid "$JOURNALD_PID"
                rm -f /run/systemd/journal/socket
                restart_journald
        fi
done
for id in "${burst[@]}"; do
        wait_journal_event "$id" started
        assert_journal_count "$id" started 1
done
daemon_alive || fail "daemon died"
stop_daemon
note "ok"
