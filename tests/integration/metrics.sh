#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 16 with real parts: runc containers die with known reasons (exit 0, exit 3, SIGKILL);
# Debian's node_exporter, started here on a loopback port with its textfile collector reading the
# daemon's MetricsTextfile= directory, serves counters that match, and promtool check metrics
# accepts what it serves. One runc id run and killed three times is a crash loop at
# CrashLoopCount=3 (one crashloop entry, RESTART_COUNT on each start). The counters, the restart
# count and the loop's threshold survive a restart of the daemon; container_watchd_up is 0 while
# it is stopped.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
. "$top_srcdir/tests/lib/metrics.sh" || exit 99
require_runc
require_metrics_tools
runc_rootfs

mdir=$TEST_TMP/metrics
mkdir -p "$mdir"
metrics_config "$TEST_TMP/m.conf" "$mdir" CrashLoopCount=3 CrashLoopWindowSec=10min
start_node_exporter "$mdir"
start_daemon -c "$TEST_TMP/m.conf" -r "$RUNC_ROOT" --log-target=console --json

E=container_watchd_container_events_total
X=container_watchd_container_exits_total

ok=$(new_id m-ok)
bad=$(new_id m-bad)
kil=$(new_id m-kill)
runc_run "$ok" "${INIT_WAIT_USR1[@]}" 0
runc_run "$bad" "${INIT_WAIT_USR1[@]}" 3
runc_run "$kil" "${INIT_SLEEP[@]}"
for id in "$ok" "$bad" "$kil"; do
        wait_event "$id" started
        assert_field "$id" started RESTART_COUNT 0
done
wait_metric "$E" 'event="started",manager="runc"' 3
wait_metric container_watchd_containers_tracked "" 3
wait_sig_caught "$(runc_pid "$ok")" 10
wait_sig_caught "$(runc_pid "$bad")" 10
runc_kill "$ok" USR1
runc_kill "$bad" USR1
runc_kill "$kil" KILL
for id in "$ok" "$bad" "$kil"; do
        wait_event "$id" exited
done
assert_field "$ok" exited EXIT_STATUS 0
assert_field "$bad" exited EXIT_STATUS 3
assert_field "$kil" exited EXIT_SIGNAL SIGKILL

wait_metric "$E" 'event="exited",manager="runc"' 3
wait_metric container_watchd_containers_tracked "" 0
scrape "$TEST_TMP/s1"
assert_eq "$(metric "$TEST_TMP/s1" "$X" 'manager="runc",reason="exited",signal=""')" 1 "exits, reason exited"
assert_eq "$(metric "$TEST_TMP/s1" "$X" 'manager="runc",reason="failed",signal=""')" 1 "exits, reason failed"
assert_eq "$(metric "$TEST_TMP/s1" "$X" 'manager="runc",reason="killed",signal="SIGKILL"')" 1 "exits, reason killed"
assert_eq "$(grep -c "^$X{" "$TEST_TMP/s1")" 3 "exit series"
assert_eq "$(metric "$TEST_TMP/s1" container_watchd_up)" 1 "container_watchd_up"
assert_eq "$(metric "$TEST_TMP/s1" container_watchd_events_dropped_total)" 0 "events dropped"
assert_eq "$(metric "$TEST_TMP/s1" node_textfile_scrape_error)" 0 "node_exporter's verdict on the file"
# a family without samples yet is in the file (node_exporter serves only families with samples)
grep -q '^# TYPE container_watchd_crashloops_total counter$' "$mdir/container-watchd.prom" || fail "no crashloops_total family"
! grep -q "$ok\|m-ok" "$TEST_TMP/s1" || fail "a container id in the labels without MetricsPerContainer="
assert_promtool_clean "$TEST_TMP/s1"
assert_eq "$(stat -c %a "$mdir/container-watchd.prom")" 644 "mode of the textfile"
assert_eq "$(find "$mdir" -name '.*' -type f | wc -l)" 0 "temporary files left in the directory"

# A crash loop: one runc id, three incarnations killed one after the other.
loop=$(new_id m-loop)
_count_ge() {
        [ "$(event_count "$1" "$2")" -ge "$3" ]
}
crash_once() {
        local n=$1
        runc_run "$loop" "${INIT_SLEEP[@]}"
        wait_for "$EVENT_TIMEOUT" _count_ge "$loop" started "$n" || fail "start $n of $loop not seen"
        assert_eq "$(events_for "$loop" started | sed -n "${n}p" | jq -r .RESTART_COUNT)" "$2" "RESTART_COUNT of start $n"
        runc_kill "$loop" KILL
        wait_for "$EVENT_TIMEOUT" _count_ge "$loop" exited "$n" || fail "death $n of $loop not seen"
        runc_delete "$loop"
}
crash_once 1 0
crash_once 2 1
assert_event_count "$loop" crashloop 0
crash_once 3 2
wait_event "$loop" crashloop
assert_event_count "$loop" crashloop 1
assert_field "$loop" crashloop RESTART_COUNT 3
assert_field "$loop" crashloop CRASHLOOP_THRESHOLD 3
assert_field "$loop" crashloop CRASHLOOP_WINDOW_USEC 600000000
assert_field "$loop" crashloop CRASHLOOP_REASONS "killed(SIGKILL) killed(SIGKILL) killed(SIGKILL)"
assert_field "$loop" crashloop PRIORITY 3
assert_field "$loop" crashloop MESSAGE_ID "$(catalog_id CONTAINER_CRASHLOOP)"
assert_match "$(event_field "$loop" crashloop CRASHLOOP_FIRST_USEC)" '^[0-9]{16}$' "CRASHLOOP_FIRST_USEC"
# the crashloop entry comes right after the exited entry of the third death
assert_eq "$(events 'has("CONTAINER_EVENT")' | tail -n 2 | jq -r .CONTAINER_EVENT | tr '\n' ' ')" "exited crashloop " \
        "order of the last entries"
wait_metric container_watchd_crashloops_total 'manager="runc"' 1
wait_metric "$E" 'event="crashloop",manager="runc"' 1
scrape "$TEST_TMP/s2"
assert_promtool_clean "$TEST_TMP/s2"

# A restart of the daemon: up is 0 while it is away, the counters go on after it.
stop_daemon
scrape "$TEST_TMP/s3"
assert_eq "$(metric "$TEST_TMP/s3" container_watchd_up)" 0 "container_watchd_up after a clean stop"
start_daemon -c "$TEST_TMP/m.conf" -r "$RUNC_ROOT" --log-target=console --json
# a change makes the daemon write the file: one more start of the loop (its fourth incarnation)
runc_run "$loop" "${INIT_SLEEP[@]}"
wait_event "$loop" started
assert_field "$loop" started RESTART_COUNT 3
wait_metric "$E" 'event="started",manager="runc"' 7
scrape "$TEST_TMP/s4"
for s in "$E"'{event="exited",manager="runc"}' "$X"'{manager="runc",reason="killed",signal="SIGKILL"}' \
         "$X"'{manager="runc",reason="failed",signal=""}' 'container_watchd_crashloops_total{manager="runc"}'; do
        assert_eq "$(metric "$TEST_TMP/s4" "$s")" "$(metric "$TEST_TMP/s2" "$s")" "$s after a restart"
done
assert_eq "$(metric "$TEST_TMP/s4" container_watchd_up)" 1 "container_watchd_up after the restart"
assert_promtool_clean "$TEST_TMP/s4"
# the loop goes on where it was: the fourth death is no new verdict (the next is at 6)
runc_kill "$loop" KILL
wait_event "$loop" exited
wait_metric "$E" 'event="exited",manager="runc"' 7
assert_event_count "$loop" crashloop 0
stop_daemon
note "ok"
