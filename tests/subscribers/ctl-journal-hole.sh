#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 15, "every event exactly once, or said": events that journald lost (SIGSTOPped with them in
# its socket, then SIGKILLed and started again) while `container-watchctl events` missed them live
# (SIGSTOPped, closed after SubscriberTimeoutSec=1s). Resumed, the reader reconnects to the same
# run and fills from the journal: it holds the events before and after the lost ones (journald
# stores in order), so the lost numbers never come; the reader prints every event the journal
# holds once, in order, and names the lost numbers in one line on stderr (they used to be skipped
# in silence).
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
N=300
start_journald

root=$TEST_TMP/root
mkdir -p "$root"
printf '[Events]\nSubscriberQueueSize=16\nSubscriberTimeoutSec=1s\n' >"$TEST_TMP/close.conf"
OUT=$TEST_TMP/reader.out
ERR=$TEST_TMP/reader.err

si_start "$SPAWN" "$root" "$TEST_TMP/stamps"
_lines() { [ "$(_complete_lines "$OUT" | wc -l)" -ge "$1" ]; }
daemon_total() { _complete_lines "$DAEMON_OUT" | wc -l; }
_daemon_total() { [ "$(daemon_total)" -ge "$1" ]; }
total() { journal_entries 'has("CONTAINER_EVENT")' | wc -l; }
_journal_total() { [ "$(total)" -ge "$1" ]; }
_closed() {
        { journal_entries "._PID == \"$DAEMON_PID\"" | jq -r .MESSAGE; cat "$DAEMON_ERR"; } |
                grep -q '^Subscriber [0-9]* has not read its events for 1s'
}
spawn() {
        si spawn "$1"
        want=$((want + $1))
        wait_for $((60 * ITEST_TIMEOUT_SCALE)) _daemon_total "$want" ||
                fail "the daemon reported $(daemon_total) events, $want expected"
}
kill_all() {
        si kill-all
        want=$((want + $1))
        wait_for $((60 * ITEST_TIMEOUT_SCALE)) _daemon_total "$want" ||
                fail "the daemon reported $(daemon_total) events, $want expected"
}

t0=$(date +%s)
start_daemon -c "$TEST_TMP/close.conf" -r "$root" --log-target=journal --json
want=0
spawn 1
"$CTL" events --socket="$EVENTS_SOCKET" --since="@$t0" --json >"$OUT" 2>"$ERR" &
reader_PID=$!
CLEANUP_PIDS+=("$reader_PID")
wait_for 10 _lines 1 || fail "the reader printed nothing: $(cat "$ERR")"

kill -STOP "$reader_PID"
spawn "$N"
kill_all "$((N + 1))"
wait_for $((20 * ITEST_TIMEOUT_SCALE)) _closed || fail "the stopped reader was not closed"
wait_for 20 _journal_total "$want" || fail "the journal has $(total) of $want events"
# two events into a stopped journald's socket, lost with it
kill -STOP "$JOURNALD_PID"
spawn 1
kill_all 1
lost_from=$(tail -n 2 "$DAEMON_OUT" | head -n 1 | jq -r .EVENT_SEQ)
lost_to=$(tail -n 1 "$DAEMON_OUT" | jq -r .EVENT_SEQ)
kill -KILL "$JOURNALD_PID"
wait "$JOURNALD_PID" 2>/dev/null
rm -f /run/systemd/journal/socket
"$JOURNALD" >>"$TEST_TMP/journald.log" 2>&1 &
JOURNALD_PID=$!
CLEANUP_PIDS+=("$JOURNALD_PID")
wait_for 10 test -S /run/systemd/journal/socket || fail "journald did not come back"
# and two after them, stored by the new journald
spawn 1
kill_all 1
wait_for 20 _journal_total $((want - 2)) || fail "the journal has $(total) of $((want - 2)) events"

kill -CONT "$reader_PID"
journal_entries 'has("CONTAINER_EVENT")' >"$TEST_TMP/journal.json"
n=$(wc -l <"$TEST_TMP/journal.json")
assert_eq "$n" $((want - 2)) "the events in the journal: all but the two lost with journald"
wait_for $((20 * ITEST_TIMEOUT_SCALE)) _lines "$n" ||
        fail "the reader printed $(wc -l <"$OUT") of the journal's $n events: $(cat "$ERR")"
assert_eq "$(jq -r '"\(.EVENT_SEQ) \(.CONTAINER_ID_FULL) \(.CONTAINER_EVENT)"' "$OUT")" \
        "$(jq -r '"\(.EVENT_SEQ) \(.CONTAINER_ID_FULL) \(.CONTAINER_EVENT)"' "$TEST_TMP/journal.json")" \
        "the reader's events are the journal's, each once, in order"
wait_for 5 test -s "$ERR" || fail "the reader did not name the lost events"
assert_eq "$(cat "$ERR")" "Events $lost_from to $lost_to of this boot are not in the journal; going on." \
        "the reader's line for the events journald lost"
note "$n events printed; $lost_from to $lost_to named as lost"

kill -TERM "$reader_PID"
wait_for 5 pid_dead "$reader_PID" || fail "the reader did not stop on SIGTERM"
wait "$reader_PID"
assert_eq "$?" 0 "exit status of the reader after SIGTERM"
si quit
