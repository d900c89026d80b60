#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 15: `container-watchctl events --since` while the daemon restarts (SIGTERM, then SIGKILL,
# then SIGTERM with its record deleted before the next start) and while journald restarts, with
# real runc containers and a private journald. It prints the
# history from the journal, then the live events from the subscriber socket, joined by EVENT_SEQ;
# when the daemon goes away it reconnects and takes from the journal what it missed meanwhile
# (the late exits of the restart's scan). Every event of the journal exactly once, in order: the
# EVENT_SEQ of its lines are those of the journal's entries, increasing, with none twice (and
# contiguous within each run of the daemon; each start jumps to at least its CLOCK_BOOTTIME in µs,
# also the one on a deleted record, which used to number from 1 again, so that events took those
# numbers for ones already printed and dropped them). Where the run before the SIGKILL and the one
# before the deleted record ended is not known: events names the numbers it did not find there, in
# one line each on stderr.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
ITEST_MOUNTNS=1
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
. "$top_srcdir/tests/lib/journald.sh" || exit 99
require_runc
require_cmd jq
CTL=${CTL:-$top_builddir/ctl/container-watchctl}
[ -x "$CTL" ] || fail "'$CTL' is not built"
runc_rootfs
start_journald

restart_journald() {
        "$JOURNALD" >>"$TEST_TMP/journald.log" 2>&1 &
        JOURNALD_PID=$!
        CLEANUP_PIDS+=("$JOURNALD_PID")
        wait_for 10 test -S /run/systemd/journal/socket || fail "journald did not come back"
}
# cycle NAME: a container that starts and is killed, both entries in the journal
cycle() {
        local id
        id=$(new_id "$1")
        runc_run "$id" "${INIT_SLEEP[@]}"
        wait_journal_event "$id" started
        runc_kill "$id" KILL
        wait_journal_event "$id" exited
}
# init_dead PID: the process is gone or a zombie (what the daemon will find at its next start)
init_dead() {
        local st
        st=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null) || return 0
        [ -z "$st" ] || [ "$st" = Z ]
}
# die_away NAME: a container started and killed while no daemon watches; its id on stdout
die_away() {
        local id pid
        id=$(new_id "$1")
        runc_run "$id" "${INIT_SLEEP[@]}"
        pid=$(runc_pid "$id")
        runc_kill "$id" KILL
        wait_for 30 init_dead "$pid" || fail "$id (pid $pid) did not die: $(cat "/proc/$pid/status" 2>&1 | head -n 3)"
        echo "$id"
}
OUT=$TEST_TMP/events.out
_lines() { [ "$(_complete_lines "$OUT" | wc -l)" -ge "$1" ]; }

t0=$(date +%s)
start_daemon -r "$RUNC_ROOT" --log-target=journal --json
cycle hist1
cycle hist2

"$CTL" events --socket="$EVENTS_SOCKET" --since="@$t0" --json >"$OUT" 2>"$TEST_TMP/events.err" &
ctl_pid=$!
CLEANUP_PIDS+=("$ctl_pid")
wait_for 10 _lines 4 || fail "events printed no history: $(cat "$OUT" "$TEST_TMP/events.err")"
cycle live1

# 1. a clean restart of the daemon; a container lives and dies while it is away
stop_daemon
down=$(die_away down) || exit 1
start_daemon -r "$RUNC_ROOT" --log-target=journal --json
wait_journal_event "$down" exited
cycle after-restart

# 2. the daemon killed (its socket left behind); a tracked container dies while it is away
crash=$(new_id crash)
runc_run "$crash" "${INIT_SLEEP[@]}"
wait_journal_event "$crash" started
pid=$(runc_pid "$crash")
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=
runc_kill "$crash" KILL
wait_for 30 init_dead "$pid" || fail "$crash (pid $pid) did not die: $(cat "/proc/$pid/status" 2>&1 | head -n 3)"
start_daemon -r "$RUNC_ROOT" --log-target=journal --json
wait_journal_event "$crash" exited
cycle after-crash

# 3. a clean stop, and the record deleted (lost, wiped): the next start has no number of its own
stop_daemon
rm -f "$STATE_DIRECTORY"/*
gone=$(die_away record-gone) || exit 1
start_daemon -r "$RUNC_ROOT" --log-target=journal --json
wait_journal_event "$gone" exited
cycle after-record-gone

# 4. journald restarts: the events of its absence go out live at once and reach the journal later
stop_pid "$JOURNALD_PID"
rm -f /run/systemd/journal/socket   # as a stopped journald.socket would leave it
jd=$(new_id journald-down)
runc_run "$jd" "${INIT_SLEEP[@]}"
wait_event "$jd" started
runc_kill "$jd" KILL
wait_event "$jd" exited
restart_journald
wait_journal_event "$jd" exited
cycle after-journald

# Everything in the journal, printed once, in the journal's order.
journal_entries 'has("CONTAINER_EVENT")' >"$TEST_TMP/journal.json"
n=$(wc -l <"$TEST_TMP/journal.json")
wait_for 20 _lines "$n" || fail "events printed $(wc -l <"$OUT") of the journal's $n events"
kill -TERM "$ctl_pid"
wait_for 5 pid_dead "$ctl_pid" || fail "events did not stop on SIGTERM"
wait "$ctl_pid"
assert_eq "$?" 0 "exit status of events after SIGTERM"
# Below each new run's first number, events waits for what the run before used, or may have used:
# after the SIGKILL the rest of that run's reserved block, after the deleted record everything
# between the run it followed and the new one are named in one line each (lost, or never used);
# after the clean stops nothing is missing.
seq_of() { jq -r .EVENT_SEQ "$TEST_TMP/daemon.$1.out" | sed -n "$2"; }
crash_first=$(seq_of 2 1p)
crash_last=$(seq_of 2 '$p')
unsure=": lost, or never used (the daemon did not stop cleanly, or has no record of the run before); going on."
assert_eq "$(cat "$TEST_TMP/events.err")" \
        "Events $((crash_last + 1)) to $((crash_first + (crash_last - crash_first + 256) / 256 * 256 - 1)) of this boot are not in the journal$unsure
Events $(($(seq_of 3 '$p') + 1)) to $(($(seq_of 4 1p) - 1)) of this boot are not in the journal$unsure" \
        "what events said on stderr"
note "$n events, $(wc -l <"$OUT") printed"
# EVENT_SEQ across the restarts: one more per event within a run of the daemon; at each of the
# three later starts (clean stop, SIGKILL, record deleted) a jump up to that run's first number
jq -r .EVENT_SEQ "$TEST_TMP/journal.json" >"$TEST_TMP/seqs"
assert_eq "$(awk 'NR > 1 && $1 <= prev { print NR ": " $1 " after " prev; exit } { prev = $1 }' "$TEST_TMP/seqs")" "" \
        "the journal's EVENT_SEQ increase"
assert_eq "$(awk 'NR > 1 && $1 != prev + 1 { print $1 } { prev = $1 }' "$TEST_TMP/seqs")" \
        "$(for i in 2 3 4; do head -n 1 "$TEST_TMP/daemon.$i.out" | jq -r .EVENT_SEQ; done)" \
        "the jumps in EVENT_SEQ: to the first number of each later run of the daemon"
assert_eq "$(jq -r '"\(.EVENT_SEQ) \(.CONTAINER_ID_FULL) \(.CONTAINER_EVENT)"' "$OUT")" \
        "$(jq -r '"\(.EVENT_SEQ) \(.CONTAINER_ID_FULL) \(.CONTAINER_EVENT)"' "$TEST_TMP/journal.json")" \
        "the events printed: the journal's, each once, in order"
# the live part carried the same objects as the daemon's --json lines
for f in "$TEST_TMP"/daemon.*.out; do
        jq -cS "del(.__REALTIME_TIMESTAMP)" "$OUT" | grep -Fxf <(jq -cS . "$f") | wc -l >>"$TEST_TMP/same"
done
assert_eq "$(awk '{ s += $1 } END { print s }' "$TEST_TMP/same")" "$n" "printed events equal to a --json line of the daemon"
