#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14, item 7: a stopped journald (SIGSTOP: its socket is there, nobody reads it) must not stop
# the daemon. Its socket's queue fills within net.unix.max_dgram_qlen datagrams; a blocking send
# would then hang the loop: no pidfd, no inotify, no watchdog ping. Containers start and die while
# journald is stopped: the daemon goes on (every --json line comes, WATCHDOG=1 keeps coming), and
# after SIGCONT every entry reaches the journal, once.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
ITEST_MOUNTNS=1
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
. "$top_srcdir/tests/lib/journald.sh" || exit 99
require_runc
runc_rootfs
start_journald

watchdogs() {
        grep -cxF WATCHDOG=1 "$NOTIFY_OUT" 2>/dev/null || true
}
_watchdogs_above() {
        [ "$(watchdogs)" -gt "$1" ]
}

# a ping every half second (sd_event_set_watchdog pings at half of WATCHDOG_USEC)
export WATCHDOG_USEC=1000000
start_daemon -r "$RUNC_ROOT" --log-target=journal --json
unset WATCHDOG_USEC
wait_for 10 _watchdogs_above 0 || fail "no WATCHDOG=1 at all"

kill -STOP "$JOURNALD_PID"
note "journald stopped (SIGSTOP, pid $JOURNALD_PID)"
# More entries than the socket's queue holds (max_dgram_qlen: $(cat /proc/sys/net/unix/max_dgram_qlen)).
ids=()
for i in $(seq 8); do
        ids+=("$(new_id stopped$i)")
        runc_run "${ids[-1]}" "${INIT_SLEEP[@]}"
        wait_event "${ids[-1]}" started
        runc_kill "${ids[-1]}" KILL
        wait_event "${ids[-1]}" exited
done
# The loop still turns: more pings after all that.
n=$(watchdogs)
wait_for 10 _watchdogs_above $((n + 2)) || fail "the watchdog pings stopped (at $n) while journald is stopped"
daemon_alive || fail "daemon died"
assert_file_contains "$DAEMON_ERR" 'journal is unavailable' "console notice"

kill -CONT "$JOURNALD_PID"
note "journald continued"
for id in "${ids[@]}"; do
        wait_journal_event "$id" exited 20
done
# Each once: what the socket's queue had taken before it was full is not sent again.
for id in "${ids[@]}"; do
        assert_journal_count "$id" started 1
        assert_journal_count "$id" exited 1
done
order=$(journal_entries 'has("CONTAINER_EVENT")' | jq -r '"\(.CONTAINER_ID_FULL) \(.CONTAINER_EVENT)"')
expected=$(for id in "${ids[@]}"; do echo "$id started"; echo "$id exited"; done)
assert_eq "$order" "$expected" "the delivered entries, in order"
stop_daemon
note "ok"
