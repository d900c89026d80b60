#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 16: a metrics directory that cannot be written gives one diagnostic (its own MESSAGE_ID),
# not one per write, and the container events go on into a real (private) journal. Two cases, each
# a small tmpfs in the test's own mount namespace: one full, one read-only. Once the full one has
# room again, the file appears with everything counted meanwhile, and that is said once.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
ITEST_MOUNTNS=1
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
. "$top_srcdir/tests/lib/journald.sh" || exit 99
require_runc
runc_rootfs
start_journald
mkdir -p "$RUNC_ROOT"

metrics_id=$(catalog_id METRICS_WRITE)
[ -n "$metrics_id" ] || fail "no MESSAGE_ID_METRICS_WRITE in catalog-ids.h"

diagnostics() {
        journal_entries ".MESSAGE_ID == \"$metrics_id\"" | wc -l
}
_diag_ge() {
        [ "$(diagnostics)" -ge "$1" ]
}
# _retried PID: that daemon logged at least two further failed attempts (at debug)
_retried() {
        [ "$(journal_entries "._PID == \"$1\" and (.MESSAGE | startswith(\"Failed again to write the metrics textfile\"))" |
                wc -l)" -ge 2 ]
}

# run_case NAME MOUNT_OPTIONS: containers start and die while the directory refuses the file.
run_case() {
        local name=$1 opts=$2 dir=$TEST_TMP/$1 before ids=() id i
        mkdir -p "$dir"
        mount -t tmpfs -o "$opts" "itest-$name" "$dir" || fail "cannot mount a tmpfs on $dir"
        if [ "$name" = full ]; then
                dd if=/dev/zero of="$dir/fill" bs=4k 2>/dev/null || true
                [ "$(df --output=avail "$dir" | tail -n 1)" -eq 0 ] || fail "$dir is not full"
        fi
        # Level=debug: every retry is logged at debug, only the first failure with the MESSAGE_ID
        printf '[Log]\nLevel=debug\n[Alert]\nMetricsTextfile=%s/container-watchd.prom\n' "$dir" >"$TEST_TMP/$name.conf"
        before=$(diagnostics)
        start_daemon -c "$TEST_TMP/$name.conf" -r "$RUNC_ROOT" --log-target=journal
        for i in 1 2 3 4; do
                id=$(new_id "mu-$name-$i")
                ids+=("$id")
                runc_run "$id" "${INIT_SLEEP[@]}"
                wait_journal_event "$id" started
                runc_kill "$id" KILL
                wait_journal_event "$id" exited
                runc_delete "$id"
        done
        # events kept coming and the write was tried again: one diagnostic all the same
        wait_for "$EVENT_TIMEOUT" _diag_ge $((before + 1)) || fail "$name: no diagnostic with MESSAGE_ID $metrics_id"
        wait_for 20 _retried "$DAEMON_PID" || fail "$name: the write was not tried again"
        assert_eq "$(( $(diagnostics) - before ))" 1 "$name: diagnostics for the metrics file"
        journal_entries ".MESSAGE_ID == \"$metrics_id\"" | tail -n 1 | jq -r .MESSAGE >"$TEST_TMP/$name.msg"
        assert_file_contains "$TEST_TMP/$name.msg" "container-watchd.prom" "$name: the diagnostic names the file"
        assert_eq "$(journal_entries ".MESSAGE_ID == \"$metrics_id\"" | tail -n 1 | jq -r .PRIORITY)" 4 \
                "$name: priority of the diagnostic"
        for id in "${ids[@]}"; do
                assert_journal_count "$id" started 1
                assert_journal_count "$id" exited 1
        done
        [ ! -e "$dir/container-watchd.prom" ] || fail "$name: a metrics file appeared"
        daemon_alive || fail "$name: the daemon died"
        if [ "$name" = full ]; then
                # room again: the next retry writes everything counted meanwhile, and says so once
                rm -f "$dir/fill"
                _written() { grep -q '^container_watchd_container_events_total{event="exited",manager="runc"} 4$' "$dir/container-watchd.prom" 2>/dev/null; }
                wait_for 30 _written || fail "full: no metrics file once there was room again"
                wait_for "$EVENT_TIMEOUT" _diag_ge $((before + 2)) || fail "full: the recovery is not said"
                assert_eq "$(( $(diagnostics) - before ))" 2 "full: diagnostics after the recovery"
                journal_entries ".MESSAGE_ID == \"$metrics_id\"" | tail -n 1 | jq -r .PRIORITY >"$TEST_TMP/$name.pri"
                assert_file_contains "$TEST_TMP/$name.pri" '^[56]$' "full: the recovery is notice or info"
        fi
        stop_daemon
        umount "$dir"
}

run_case full size=8k
run_case read-only ro,size=64k
note "ok"
