#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 15, "none lost across a restart of the daemon while it follows": `container-watchctl
# events` follows a real daemon (a private journald, fake containers from spawn-inits) and misses
# the last events of a run live (SIGSTOPped, it is closed after SubscriberTimeoutSec=1s), and
# those events are not stored yet when it reconnects to the next run: the private journald is
# SIGSTOPped before they are sent, so they sit in its socket (at most net.unix.max_dgram_qlen
# datagrams: a few events), and SIGCONTed only once the reader took what the journal held.
# 1. A clean stop (SIGTERM): the next run's hello names the run's exact end
#    (EVENT_SEQ_PREV_STOP "clean"); the reader waits for the unstored events and prints each of
#    them once, in order, nothing on stderr. (It used to take every number below the new run's
#    EVENT_SEQ_FIRST that the journal lacked for one never used, and skip them in silence.)
# 2. A crash (SIGKILL): only the end of the reserved block is known ("crash"); the reader still
#    prints the unstored events, then names the rest of the block in one line on stderr (lost or
#    never used), as soon as the journal holds an event of the new run.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
ITEST_MOUNTNS=1
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/spawn-inits.sh" || exit 99
. "$top_srcdir/tests/lib/journald.sh" || exit 99
require_root
require_cmd jq python3
CTL=${CTL:-$top_builddir/ctl/container-watchctl}
SPAWN=${SPAWN:-$top_builddir/tests/bench/spawn-inits}
SUB=$top_srcdir/tests/tools/subscribe.py
[ -x "$CTL" ] || fail "'$CTL' is not built"
[ -x "$SPAWN" ] || fail "'$SPAWN' is not built"
# far more than the reader's socket buffer and queue hold
N=300
start_journald

root=$TEST_TMP/root
mkdir -p "$root"
printf '[Events]\nSubscriberQueueSize=16\nSubscriberTimeoutSec=1s\n' >"$TEST_TMP/close.conf"
OUT=$TEST_TMP/reader.out
ERR=$TEST_TMP/reader.err

si_start "$SPAWN" "$root" "$TEST_TMP/stamps"
_lines() { [ "$(_complete_lines "$OUT" | wc -l)" -ge "$1" ]; }
total() { journal_entries 'has("CONTAINER_EVENT")' | wc -l; }
_journal_total() { [ "$(total)" -ge "$1" ]; }
# _closed: the daemon closed the stopped reader (its line in the journal, or on stderr when
# journald's queue was full as the daemon logged it)
_closed() {
        { journal_entries "._PID == \"$DAEMON_PID\"" | jq -r .MESSAGE; cat "$DAEMON_ERR"; } |
                grep -q '^Subscriber [0-9]* has not read its events for 1s'
}
# daemon_total: the --json lines of every run of the daemon so far
daemon_total() { cat "$TEST_TMP"/daemon.*.out | wc -l; }
_daemon_total() { [ "$(daemon_total)" -ge "$1" ]; }
# spawn COUNT: COUNT more containers, their started events reported (before they are killed: one
# killed before the daemon read its state file would have none)
spawn() {
        si spawn "$1"
        want=$((want + $1))
        wait_for $((60 * ITEST_TIMEOUT_SCALE)) _daemon_total "$want" ||
                fail "the daemons reported $(daemon_total) events, $want expected"
}
# kill_all ALIVE: every container killed, the exits of the ALIVE ones reported
kill_all() {
        si kill-all
        want=$((want + $1))
        wait_for $((60 * ITEST_TIMEOUT_SCALE)) _daemon_total "$want" ||
                fail "the daemons reported $(daemon_total) events, $want expected"
}
# hello FILE: the current daemon's hello, as a subscriber of its own gets it
hello() {
        local pid
        python3 "$SUB" "$EVENTS_SOCKET" "$1" &
        pid=$!
        CLEANUP_PIDS+=("$pid")
        wait_for 10 test -s "$1.ready" || fail "no hello from the daemon"
        stop_pid "$pid"
}
# miss_the_end: the reader stopped while a burst passes (one container alive before it: 2N+1
# events), and closed for not reading; then journald stopped and four more events: sent to
# journald's socket, not stored. want: the events emitted so far; stored: those in the journal.
miss_the_end() {
        kill -STOP "$reader_PID"
        spawn "$N"
        kill_all "$((N + 1))"
        wait_for $((20 * ITEST_TIMEOUT_SCALE)) _closed || fail "the stopped reader was not closed"
        wait_for 20 _journal_total "$want" || fail "the journal has $(total) of $want events"
        stored=$want
        kill -STOP "$JOURNALD_PID"
        spawn 2
        kill_all 2
}
# resume: the reader reconnects to the new run and takes what the journal holds; only then journald
# goes on
resume() {
        kill -CONT "$reader_PID"
        wait_for $((30 * ITEST_TIMEOUT_SCALE)) _lines "$stored" ||
                fail "the resumed reader printed $(wc -l <"$OUT") of the $stored events stored: $(cat "$ERR")"
        kill -CONT "$JOURNALD_PID"
}
# check_printed: every event of the journal once, in order
check_printed() {
        local n
        journal_entries 'has("CONTAINER_EVENT")' >"$TEST_TMP/journal.json"
        n=$(wc -l <"$TEST_TMP/journal.json")
        wait_for $((20 * ITEST_TIMEOUT_SCALE)) _lines "$n" ||
                fail "$1: the reader printed $(wc -l <"$OUT") of the journal's $n events: $(cat "$ERR")"
        assert_eq "$n" "$want" "$1: the events in the journal"
        assert_eq "$(jq -r '"\(.EVENT_SEQ) \(.CONTAINER_ID_FULL) \(.CONTAINER_EVENT)"' "$OUT")" \
                "$(jq -r '"\(.EVENT_SEQ) \(.CONTAINER_ID_FULL) \(.CONTAINER_EVENT)"' "$TEST_TMP/journal.json")" \
                "$1: the reader's events are the journal's, each once, in order"
}

t0=$(date +%s)
start_daemon -c "$TEST_TMP/close.conf" -r "$root" --log-target=journal --json
want=0
spawn 1
"$CTL" events --socket="$EVENTS_SOCKET" --since="@$t0" --json >"$OUT" 2>"$ERR" &
reader_PID=$!
CLEANUP_PIDS+=("$reader_PID")
wait_for 10 _lines 1 || fail "the reader printed nothing: $(cat "$ERR")"

# ---- 1. a clean stop with the run's last events in journald's socket
miss_the_end
last1=$(tail -n 1 "$DAEMON_OUT" | jq -r .EVENT_SEQ)
first1=$(head -n 1 "$DAEMON_OUT" | jq -r .EVENT_SEQ)
stop_daemon
start_daemon -c "$TEST_TMP/close.conf" -r "$root" --log-target=journal --json
hello "$TEST_TMP/hello2"
assert_eq "$(jq -r '"\(.EVENT_SEQ_PREV_FIRST) \(.EVENT_SEQ_PREV_END) \(.EVENT_SEQ_PREV_STOP)"' "$TEST_TMP/hello2.hello")" \
        "$first1 $((last1 + 1)) clean" "the hello after a clean stop: the run before and its exact end"
resume
spawn 1
check_printed "after a clean stop"
[ ! -s "$ERR" ] || fail "the reader wrote to stderr: $(cat "$ERR")"
note "1. clean stop: $(wc -l <"$OUT") events, the last 4 unstored at the restart"

# ---- 2. the daemon killed with the run's last events in journald's socket
miss_the_end
last2=$(tail -n 1 "$DAEMON_OUT" | jq -r .EVENT_SEQ)
first2=$(head -n 1 "$DAEMON_OUT" | jq -r .EVENT_SEQ)
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
stop_pid "$NOTIFY_PID"
start_daemon -c "$TEST_TMP/close.conf" -r "$root" --log-target=journal --json
hello "$TEST_TMP/hello3"
assert_eq "$(jq -r '"\(.EVENT_SEQ_PREV_FIRST) \(.EVENT_SEQ_PREV_STOP)"' "$TEST_TMP/hello3.hello")" \
        "$first2 crash" "the hello after a crash: the run before"
end2=$(jq -r .EVENT_SEQ_PREV_END "$TEST_TMP/hello3.hello")
assert_eq "$end2" $((first2 + (last2 - first2 + 256) / 256 * 256)) \
        "the end after a crash: that of the last block the run reserved ($first2 to $last2 used)"
resume
spawn 1
check_printed "after a crash"
assert_eq "$(cat "$ERR")" \
        "Events $((last2 + 1)) to $((end2 - 1)) of this boot are not in the journal: lost, or never used (the daemon did not stop cleanly, or has no record of the run before); going on." \
        "the reader's one line for the rest of the crashed run's block"
note "2. crash: $(wc -l <"$OUT") events in all; the block's rest named: $((last2 + 1)) to $((end2 - 1))"

kill -TERM "$reader_PID"
wait_for 5 pid_dead "$reader_PID" || fail "the reader did not stop on SIGTERM"
wait "$reader_PID"
assert_eq "$?" 0 "exit status of the reader after SIGTERM"
si quit
