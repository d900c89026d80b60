#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14, item 10, the chaos test: real runc containers churn while the daemon is SIGKILLed and
# restarted at random. CHAOS_CONTAINERS (default 200) containers are started one after another;
# two in three exit by themselves after a short random time with a known code (the container's
# number modulo 100), one in three sleeps until it is SIGKILLed from outside, a few containers
# later. Exited containers are deleted (runc delete) at random later points. After each container
# the daemon is SIGKILLed with probability 1/4 (and at least CHAOS_KILLS times, default 40, in
# all), and started again at once. At the end the last daemon runs until every container's exit is
# reported. Over all the daemon's runs (--json, one output file per run):
#   - every container has exactly one "started" and exactly one "exited" entry;
#   - every exit seen live (EXIT_OBSERVED=live) has the right status: exited with its code, or
#     killed by SIGKILL.
# Not in the groups check-valgrind runs (it is heavy); `make check-chaos` runs it alone.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_root
require_runc
require_cmd jq
runc_rootfs

N=${CHAOS_CONTAINERS:-200}
MIN_KILLS=${CHAOS_KILLS:-40}
kills=0
ids=()
declare -A mode code        # mode: exit | kill

# A SIGKILL can land between an event's line and its record line (written right after it, or once
# journald took the event): the next run then reports that event again, which is the record's
# trade (a repeat, never a loss; DESIGN.md §5). Only the last complete line of a killed run can be
# such an event: each killed run's is kept in $TEST_TMP/cut-short, and a second report of exactly
# that event is allowed, once.
restart_daemon() {
        kill -KILL "$DAEMON_PID" 2>/dev/null
        wait "$DAEMON_PID" 2>/dev/null
        _complete_lines "$DAEMON_OUT" | tail -n 1 |
                jq -r 'select(.CONTAINER_EVENT) | [.CONTAINER_ID_FULL, .CONTAINER_EVENT] | @tsv' >>"$TEST_TMP/cut-short" 2>/dev/null
        DAEMON_PID=
        stop_pid "$NOTIFY_PID"
        kills=$((kills + 1))
        start_daemon -r "$RUNC_ROOT" --log-target=console --json
}

start_daemon -r "$RUNC_ROOT" --log-target=console --json
t0=$SECONDS
pending_kill=()             # containers to SIGKILL from outside later
to_delete=()
for i in $(seq "$N"); do
        id=$(new_id "c$i")
        ids+=("$id")
        if [ $((i % 3)) = 0 ]; then
                mode[$id]=kill
                runc_run "$id" "${INIT_SLEEP[@]}"
                pending_kill+=("$id")
        else
                mode[$id]=exit
                code[$id]=$((i % 100))
                runc_run "$id" sh -c "sleep 0.$((RANDOM % 10)); exit ${code[$id]}"
        fi
        to_delete+=("$id")
        # an outside SIGKILL for an older sleeper, now and then
        if [ "${#pending_kill[@]}" -gt 2 ] && [ $((RANDOM % 2)) = 0 ]; then
                runc_kill "${pending_kill[0]}" KILL
                pending_kill=("${pending_kill[@]:1}")
        fi
        # delete an old container whose init is gone (runc removes its state directory)
        if [ "${#to_delete[@]}" -gt 8 ]; then
                old=${to_delete[0]}
                if [ "$(runc_cmd state "$old" 2>/dev/null | jq -r .status)" = stopped ]; then
                        runc_cmd delete "$old" >/dev/null 2>&1 || true
                        to_delete=("${to_delete[@]:1}")
                fi
        fi
        left=$((N - i))
        if [ $((RANDOM % 4)) = 0 ] || [ $((MIN_KILLS - kills)) -ge "$left" ]; then
                restart_daemon
        fi
done
for id in "${pending_kill[@]}"; do
        runc_kill "$id" KILL
done
note "$N containers, $kills SIGKILLs of the daemon in $((SECONDS - t0)) s"
[ "$kills" -ge "$MIN_KILLS" ] || fail "only $kills SIGKILLs of the daemon"

# Every output of every run, complete lines only (a SIGKILL may cut the last one).
all_events() {
        local f
        for f in "$TEST_TMP"/daemon.*.out; do
                _complete_lines "$f"
        done
}
all_exited() {
        all_events | jq -r 'select(.CONTAINER_EVENT == "exited") | .CONTAINER_ID_FULL' | sort -u >"$TEST_TMP/exited-ids"
        [ "$(wc -l <"$TEST_TMP/exited-ids")" -ge "$N" ]
}
wait_for $((60 * ${ITEST_TIMEOUT_SCALE:-1})) all_exited ||
        note "not every container's exit was reported within 60 s"
stop_daemon

all_events | jq -r '[.CONTAINER_ID_FULL, .CONTAINER_EVENT, (.EXIT_OBSERVED // ""), (.EXIT_CODE // ""), (.EXIT_STATUS // "")] | @tsv' \
        >"$TEST_TMP/events.tsv"
bad=0
live=0
repeats=0
touch "$TEST_TMP/cut-short"
# cut_short ID EVENT: that event was the last line of a run the test SIGKILLed
cut_short() { grep -qxF "$1"$'\t'"$2" "$TEST_TMP/cut-short"; }
for id in "${ids[@]}"; do
        s=$(awk -F'\t' -v id="$id" '$1 == id && $2 == "started"' "$TEST_TMP/events.tsv" | wc -l)
        e=$(awk -F'\t' -v id="$id" '$1 == id && $2 == "exited"' "$TEST_TMP/events.tsv" | wc -l)
        if [ "$s" = 2 ] && cut_short "$id" started; then s=1; repeats=$((repeats + 1)); fi
        if [ "$e" = 2 ] && cut_short "$id" exited; then e=1; repeats=$((repeats + 1)); fi
        if [ "$s" != 1 ] || [ "$e" != 1 ]; then
                echo "$TEST_NAME: $id (${mode[$id]}): $s started, $e exited" >&2
                bad=$((bad + 1))
                continue
        fi
        # the live report, if there is one (a repeat after a SIGKILL is "late")
        read -r _ _ observed ecode estatus < <(awk -F'\t' -v id="$id" '$1 == id && $2 == "exited"' "$TEST_TMP/events.tsv" |
                sort -t$'\t' -k3,3r)
        [ "$observed" = live ] || continue
        live=$((live + 1))
        if [ "${mode[$id]}" = exit ]; then
                want="exited ${code[$id]}"
        else
                want="killed 9"
        fi
        if [ "$ecode $estatus" != "$want" ]; then
                echo "$TEST_NAME: $id: live exit '$ecode $estatus', expected '$want'" >&2
                bad=$((bad + 1))
        fi
done
note "$live of $N exits seen live; $bad containers with a wrong pair or status; $repeats events reported again after a SIGKILL right behind their line"
[ "$bad" = 0 ] || fail "$bad of $N containers have not exactly one started/exited pair with the right status"
note "ok"
