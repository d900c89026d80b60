#!/bin/bash
# SPDX-License-Identifier: MIT
# A SIGSTOPped `container-watchctl events` (a stuck subscriber), with a real daemon, a private
# journald and fake containers from spawn-inits, against DESIGN.md §5's subscriber contract:
# 1. SubscriberTimeoutSec=1h: the stopped reader's queue (SubscriberQueueSize=16) fills while
#    2N+2 events pass; the daemon goes on (a second reader gets them all live while the first is
#    stopped), logs one line for the stall (not one per missed event) and queues no more; resumed,
#    the reader gets the queue, then the gap, takes the missed events from the journal, and catches
#    up: every event once, in order, nothing on stderr.
# 2. The daemon restarted with SubscriberTimeoutSec=1s: the stopped reader is closed (one line in
#    the log); resumed, it reconnects and takes what it missed from the journal, again without loss.
# Both readers' lines are the journal's events, each once, in the journal's order (EVENT_SEQ).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
ITEST_MOUNTNS=1
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/spawn-inits.sh" || exit 99
. "$top_srcdir/tests/lib/journald.sh" || exit 99
require_root
require_cmd jq
CTL=${CTL:-$top_builddir/ctl/container-watchctl}
SPAWN=${SPAWN:-$top_builddir/tests/bench/spawn-inits}
[ -x "$CTL" ] || fail "'$CTL' is not built"
[ -x "$SPAWN" ] || fail "'$SPAWN' is not built"
# far more than the socket buffer and the queue hold: 2N+2 events of about 700 bytes each phase
N=600
start_journald

root=$TEST_TMP/root
mkdir -p "$root"
printf '[Events]\nSubscriberQueueSize=16\nSubscriberTimeoutSec=1h\n' >"$TEST_TMP/wait.conf"
printf '[Events]\nSubscriberQueueSize=16\nSubscriberTimeoutSec=1s\n' >"$TEST_TMP/close.conf"

si_start "$SPAWN" "$root" "$TEST_TMP/stamps"
_lines() { [ "$(_complete_lines "$TEST_TMP/$1.out" | wc -l)" -ge "$2" ]; }
_daemon_lines() { [ "$(_complete_lines "$DAEMON_OUT" | wc -l)" -ge "$1" ]; }
# log_messages: this run's diagnostics (the daemon's own lines, no container event): in the
# journal, or on stderr when journald's queue was full as the daemon logged them
log_messages() {
        journal_entries "(has(\"CONTAINER_EVENT\") | not) and ._PID == \"$DAEMON_PID\"" | jq -r .MESSAGE
        cat "$DAEMON_ERR"
}
# log_lines PATTERN: how many of them match
log_lines() { log_messages | grep -cE -- "$1" || true; }
_log_has() { [ "$(log_lines "$1")" -ge 1 ]; }
reader() {  # reader NAME: container-watchctl events in the background, from the start of the test
        "$CTL" events --socket="$EVENTS_SOCKET" --since="@$t0" --json >"$TEST_TMP/$1.out" 2>"$TEST_TMP/$1.err" &
        eval "${1}_PID=\$!"
        CLEANUP_PIDS+=("$!")
}
# burst: N more containers started, then all of them killed with the one alive before (2N+1
# events); waits for the daemon's --json lines. The kill waits for the N started events: spawn-inits
# removes a reaped container's directory at once, and one the daemon had not read by then (a
# sanitizer build under load falls that far behind) would be neither started nor exited for it.
burst() {
        local have
        have=$(_complete_lines "$DAEMON_OUT" | wc -l)
        si spawn "$N"
        wait_for $((60 * ITEST_TIMEOUT_SCALE)) _daemon_lines $((have + N)) ||
                fail "the daemon reported $(wc -l <"$DAEMON_OUT") events, $((have + N)) expected (the started)"
        si kill-all
        wait_for $((60 * ITEST_TIMEOUT_SCALE)) _daemon_lines $((have + 2 * N + 1)) ||
                fail "the daemon reported $(wc -l <"$DAEMON_OUT") events, $((have + 2 * N + 1)) expected"
}
# total: the events in the journal so far (what every reader must end with)
total() { journal_entries 'has("CONTAINER_EVENT")' | wc -l; }
_journal_total() { [ "$(total)" -ge "$1" ]; }

t0=$(date +%s)
start_daemon -c "$TEST_TMP/wait.conf" -r "$root" --log-target=journal --json
# one event before the readers: each one printing it is connected (the stopped one is subscriber 1)
si spawn 1
wait_for 30 _daemon_lines 1 || fail "no started event for the first container"
reader stopped
wait_for 10 _lines stopped 1 || fail "the first reader printed nothing: $(cat "$TEST_TMP/stopped.err")"
reader live
wait_for 10 _lines live 1 || fail "the second reader printed nothing: $(cat "$TEST_TMP/live.err")"

# ---- 1. stopped while the events pass; its queue waits for it
kill -STOP "$stopped_PID"
burst
want=$((2 * N + 2))
wait_for $((30 * ITEST_TIMEOUT_SCALE)) _lines live "$want" ||
        fail "the reader that reads got $(wc -l <"$TEST_TMP/live.out") of $want events while the other was stopped"
wait_for 20 _log_has '^Subscriber 1 does not keep up: its queue of 16 events is full' ||
        fail "no log line for the stopped subscriber's full queue"
assert_eq "$(wc -l <"$TEST_TMP/stopped.out")" 1 "lines of the stopped reader while it is stopped"
assert_eq "$(log_lines '^Subscriber [0-9]+ has not read its events')" 0 "subscribers closed with SubscriberTimeoutSec=1h"
daemon_alive || fail "the daemon died"
kill -CONT "$stopped_PID"
wait_for 20 _journal_total "$want" || fail "the journal has $(total) of $want events"
wait_for $((30 * ITEST_TIMEOUT_SCALE)) _lines stopped "$want" ||
        fail "the resumed reader printed $(wc -l <"$TEST_TMP/stopped.out") of $want events: $(cat "$TEST_TMP/stopped.err")"
assert_eq "$(log_lines '^Subscriber 1 does not keep up')" 1 "log lines for the one stall of the stopped subscriber"
note "phase 1: $want events; $(log_lines 'does not keep up') stall line(s) in all"

# ---- 2. SubscriberTimeoutSec=1s: the stopped reader is closed, and reconnects when it resumes
stop_daemon
start_daemon -c "$TEST_TMP/close.conf" -r "$root" --log-target=journal --json
si spawn 1
wait_for 30 _daemon_lines 1 || fail "no started event after the restart"
want=$((want + 1))
wait_for $((30 * ITEST_TIMEOUT_SCALE)) _lines stopped "$want" || fail "the first reader did not follow the restart"
wait_for $((30 * ITEST_TIMEOUT_SCALE)) _lines live "$want" || fail "the second reader did not follow the restart"
kill -STOP "$stopped_PID"
burst
want=$((want + 2 * N + 1))
wait_for $((30 * ITEST_TIMEOUT_SCALE)) _lines live "$want" ||
        fail "the reader that reads got $(wc -l <"$TEST_TMP/live.out") of $want events while the other was stopped"
wait_for $((20 * ITEST_TIMEOUT_SCALE)) _log_has '^Subscriber [0-9]+ has not read its events for 1s' ||
        fail "the stopped subscriber was not closed after SubscriberTimeoutSec=1s"
id=$(log_messages | sed -n 's/^Subscriber \([0-9]*\) has not read its events for 1s.*/\1/p')
[[ $id =~ ^[0-9]+$ ]] || fail "not one subscriber closed after SubscriberTimeoutSec=1s: '$id'"
assert_eq "$(log_lines "^Subscriber $id does not keep up")" 1 "log lines for the stall of the closed subscriber"
daemon_alive || fail "the daemon died"
kill -CONT "$stopped_PID"
wait_for 20 _journal_total "$want" || fail "the journal has $(total) of $want events"
wait_for $((30 * ITEST_TIMEOUT_SCALE)) _lines stopped "$want" ||
        fail "the resumed reader printed $(wc -l <"$TEST_TMP/stopped.out") of $want events: $(cat "$TEST_TMP/stopped.err")"

# ---- every event once, in order, in both readers; nothing said on stderr
journal_entries 'has("CONTAINER_EVENT")' >"$TEST_TMP/journal.json"
assert_eq "$(wc -l <"$TEST_TMP/journal.json")" "$want" "events in the journal"
for r in stopped live; do
        pid=${r}_PID
        pid=${!pid}
        kill -TERM "$pid"
        wait_for 5 pid_dead "$pid" || fail "the $r reader did not stop on SIGTERM"
        wait "$pid"
        assert_eq "$?" 0 "exit status of the $r reader after SIGTERM"
        [ ! -s "$TEST_TMP/$r.err" ] || fail "the $r reader wrote to stderr: $(cat "$TEST_TMP/$r.err")"
        assert_eq "$(jq -r '"\(.EVENT_SEQ) \(.CONTAINER_ID_FULL) \(.CONTAINER_EVENT)"' "$TEST_TMP/$r.out")" \
                "$(jq -r '"\(.EVENT_SEQ) \(.CONTAINER_ID_FULL) \(.CONTAINER_EVENT)"' "$TEST_TMP/journal.json")" \
                "the $r reader's events: the journal's, each once, in order"
done
si quit
