#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 4 item 3, reload: SIGHUP re-reads the configuration (-c FILE plus FILE.d/*.conf).
#   1. a root added in a drop-in starts being watched, with a scan: a container already there is
#      reported started, once;
#   2. containers tracked before a reload, whose root is still configured, are neither lost nor
#      repeated: an exit after the reload is reported exactly once, and a reload that changes
#      nothing reports nothing;
#   3. a root removed stops being watched: a new container there is not reported, but a container
#      tracked there before the reload stays tracked and its exit is reported once;
#   4. an invalid new configuration (a bad value) is reported with file:line and the old one is
#      kept, entirely (the valid parts of the bad configuration are not applied either);
#   5. -r on the command line keeps precedence over the file's Roots= across reloads.
# Negative checks ("not reported") use a barrier: a container started afterwards in a watched
# root; once its `started` is seen, the earlier one would have been seen too.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
runc_rootfs

A=$TEST_TMP/root-a
B=$TEST_TMP/root-b
C=$TEST_TMP/root-c
mkdir -p "$A" "$B" "$C"
conf=$TEST_TMP/watchd.conf
mkdir -p "$conf.d"
printf '[Watch]\nRoots=%s\n' "$A" >"$conf"

# run_in ROOT ID: a sleeping container ID in state root ROOT.
run_in() {
        RUNC_ROOT=$1 runc_run "$2" "${INIT_SLEEP[@]}"
}

# kill_in ROOT ID
kill_in() {
        RUNC_ROOT=$1 runc_kill "$2" KILL
}

ready_count() {
        grep -cx 'READY=1' "$NOTIFY_OUT" || true
}

_ready_count_is() {
        [ "$(ready_count)" = "$1" ]
}

# last_status: the last STATUS= the daemon sent.
last_status() {
        sed -n 's/^STATUS=//p' "$NOTIFY_OUT" | tail -n 1
}

# reload: SIGHUP, then wait for the READY=1 that ends the reload; the daemon must survive.
reload() {
        local n
        n=$(ready_count)
        kill -HUP "$DAEMON_PID"
        wait_for 10 _ready_count_is "$((n + 1))" || fail "no READY=1 within 10 s of SIGHUP"
        daemon_alive || fail "the daemon died during a reload"
        assert_eq "$(grep -c '^RELOADING=1$' "$NOTIFY_OUT")" "$(( $(ready_count) - 1 ))" \
                "RELOADING=1 messages (one per reload)"
}

# barrier ROOT LABEL: start a container in ROOT (watched) and wait for its `started`.
barrier() {
        local id
        id=$(new_id "$2")
        run_in "$1" "$id"
        wait_event "$id" started
}

# once ID EVENT: exactly one EVENT for ID.
once() {
        assert_event_count "$1" "$2" 1
}

# never ID: no event at all for ID.
never() {
        assert_eq "$(_complete_lines "$DAEMON_OUT" | jq -c --arg id "$1" 'select(.CONTAINER_ID_FULL == $id)' | wc -l)" \
                0 "events for $1 (in a root that is not watched)"
}

# ------------------------------------------------------------------ start: only A

a1=$(new_id rl-a1)
b1=$(new_id rl-b1)
run_in "$A" "$a1"
run_in "$B" "$b1"
start_daemon -c "$conf" --log-target=console --json
assert_eq "$(last_status)" "Tracking 1 container under 1 root" "STATUS at start"
wait_event "$a1" started 2
barrier "$A" rl-bar0
never "$b1"

# ------------------------------------------------------------------ 1. a root added in a drop-in

printf '[Watch]\nRoots=%s\n' "$B" >"$conf.d/50-add-b.conf"
reload
assert_eq "$(last_status)" "Tracking 3 containers under 2 roots" "STATUS after adding root B"
wait_event "$b1" started
once "$b1" started
b2=$(new_id rl-b2)
run_in "$B" "$b2"
wait_event "$b2" started

# ------------------------------------------------------------------ 2. nothing lost, nothing twice

once "$a1" started
a2=$(new_id rl-a2)
run_in "$A" "$a2"
wait_event "$a2" started
kill_in "$A" "$a1"
wait_event "$a1" exited
assert_field "$a1" exited EXIT_OBSERVED live
reload                          # changes nothing: must report nothing
reload
kill_in "$B" "$b1"
wait_event "$b1" exited
barrier "$B" rl-bar1
for id in "$a1" "$b1"; do
        once "$id" started
        once "$id" exited
done
for id in "$a2" "$b2"; do
        once "$id" started
        assert_event_count "$id" exited 0
done

# ------------------------------------------------------------------ 3. a root removed

rm -f "$conf.d/50-add-b.conf"
printf '[Watch]\nRoots=%s\n' "$B" >"$conf"
reload
assert_match "$(last_status)" '^Tracking [0-9]+ containers? under 1 root$' "STATUS after removing root A"
assert_file_contains "$DAEMON_ERR" "No longer watching state root '$A'" "the removal is logged"
a3=$(new_id rl-a3)
run_in "$A" "$a3"
barrier "$B" rl-bar2
never "$a3"
# a2 was tracked (pidfd held) when its root was removed. It is still running, so nothing may claim
# it exited; the daemon keeps its pidfd (tracked containers are never lost) and reports its exit
# once, live, although its root is no longer watched.
assert_event_count "$a2" exited 0
once "$a2" started
kill_in "$A" "$a2"
wait_event "$a2" exited
assert_field "$a2" exited EXIT_OBSERVED live
barrier "$B" rl-bar2b
once "$a2" exited

# ------------------------------------------------------------------ 4. an invalid configuration

# Line 2 is valid (it would add C), line 4 is not: the whole new configuration is refused.
printf '[Watch]\nRoots=%s\n[Exit]\nReapTimeoutSec=abc\n' "$C" >"$conf.d/60-bad.conf"
# STATUS= goes out at most once a second, so the last one seen may lag; the READY=1 that ends a
# reload carries the current one. Take it from a reload that changes nothing (the bad drop-in is
# moved aside for it), then compare with the one after the refused reload.
mv "$conf.d/60-bad.conf" "$TEST_TMP/60-bad.conf.aside"
reload
status_before=$(last_status)
mv "$TEST_TMP/60-bad.conf.aside" "$conf.d/60-bad.conf"
reload
assert_file_contains "$DAEMON_ERR" "$conf.d/60-bad.conf:4: .*ReapTimeoutSec" "the bad value is reported with file:line"
assert_file_contains "$DAEMON_ERR" "keeping the current one" "the old configuration is kept (log)"
assert_eq "$(last_status)" "$status_before" "STATUS after a refused reload"
c1=$(new_id rl-c1)
run_in "$C" "$c1"
b3=$(new_id rl-b3)
run_in "$B" "$b3"
wait_event "$b3" started
never "$c1"
a4=$(new_id rl-a4)
run_in "$A" "$a4"
barrier "$B" rl-bar3
never "$a4"
# b2, tracked all along, still is.
kill_in "$B" "$b2"
wait_event "$b2" exited
once "$b2" exited
rm -f "$conf.d/60-bad.conf"
reload
barrier "$B" rl-bar4
for id in "$b1" "$b2" "$b3"; do
        once "$id" started
done
stop_daemon

# ------------------------------------------------------------------ 5. -r keeps precedence

# A fresh record, so that what the first daemon reported plays no part.
mkdir -p "$TEST_TMP/state2"
export STATE_DIRECTORY=$TEST_TMP/state2
printf '[Watch]\nRoots=%s\n' "$B" >"$conf"
start_daemon -r "$A" -c "$conf" --log-target=console --json
assert_match "$(last_status)" '^Tracking [0-9]+ containers? under 1 root$' "STATUS with -r"
printf '[Watch]\nRoots=%s\n' "$C" >"$conf.d/70-add-c.conf"
reload
assert_match "$(last_status)" '^Tracking [0-9]+ containers? under 1 root$' "STATUS with -r after a reload"
b5=$(new_id rl-b5)
c5=$(new_id rl-c5)
run_in "$B" "$b5"
run_in "$C" "$c5"
barrier "$A" rl-bar5
never "$b5"
never "$c5"
assert_eq "$(events '.CONTAINER_EVENT == "started"' | jq -r .CONTAINER_STATE_DIR | grep -vc "^$A/" || true)" 0 \
        "started events outside the -r root"
stop_daemon
note "ok"
