#!/bin/bash
# SPDX-License-Identifier: MIT
# Containers created while the daemon runs: exactly one `started` event each, with the contract's
# fields (DESIGN.md §3), also when `runc update` rewrites state.json afterwards.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
runc_rootfs

mkdir -p "$RUNC_ROOT"
start_daemon -r "$RUNC_ROOT" --log-target=console --json

a=$(new_id started-a)
b=$(new_id started-b)
t0=$(now_usec)
runc_run "$a" "${INIT_SLEEP[@]}"
runc_run "$b" "${INIT_SLEEP[@]}"
t1=$(now_usec)
wait_event "$a" started
wait_event "$b" started

started_id=$(catalog_id CONTAINER_STARTED)
[ -n "$started_id" ] || fail "no MESSAGE_ID_CONTAINER_STARTED in daemon/catalog-ids.h"

for id in "$a" "$b"; do
        pid=$(runc_pid "$id")
        assert_eq "$(jq -r .init_process_pid "$(runc_state_file "$id")")" "$pid" "runc state pid vs state.json"
        assert_field "$id" started CONTAINER_EVENT started
        assert_field "$id" started CONTAINER_ID "${id:0:12}"
        assert_field "$id" started CONTAINER_ID_FULL "$id"
        assert_field "$id" started CONTAINER_PID "$pid"
        assert_field "$id" started CONTAINER_STATE_DIR "$RUNC_ROOT/$id"
        assert_field "$id" started CONTAINER_RUNTIME runc
        assert_field "$id" started CONTAINER_MANAGER runc
        assert_field "$id" started MESSAGE_ID "$started_id"
        assert_field "$id" started PRIORITY 6
        assert_match "$(event_field "$id" started MESSAGE)" "^Container ${id:0:12}( |$)" "MESSAGE of $id"
        for ns in pid mnt ipc uts; do
                assert_field "$id" started "CONTAINER_NS_${ns^^}" "$(ns_inode "$pid" "$ns")"
        done
        # The container has no network namespace of its own: runc records the host's.
        assert_field "$id" started CONTAINER_NS_NET "$(ns_inode "$pid" net)"
        assert_int_between "$(event_field "$id" started CONTAINER_STARTED_USEC)" \
                $((t0 - 1000000)) $((t1 + 1000000)) "CONTAINER_STARTED_USEC of $id"
        for f in EXIT_CODE EXIT_STATUS EXIT_SIGNAL EXIT_OBSERVED CONTAINER_LIFETIME_USEC CONTAINER_NAMESPACE; do
                ! event_has_field "$id" started "$f" || fail "the started event of $id has $f"
        done
done

# runc update rewrites state.json (write to a temporary file, rename): still the same container.
ino_before=$(stat -c %i "$(runc_state_file "$a")")
runc_cmd update --pids-limit 100 "$a" >"$TEST_TMP/update.log" 2>&1 ||
        fail "runc update --pids-limit failed: $(cat "$TEST_TMP/update.log")"
ino_after=$(stat -c %i "$(runc_state_file "$a")")
assert_ne "$ino_after" "$ino_before" "state.json inode after runc update (the test relies on a rewrite)"
runc_cmd update --memory 64M "$a" >"$TEST_TMP/update.log" 2>&1 ||
        fail "runc update --memory failed: $(cat "$TEST_TMP/update.log")"

# Barrier: a container created after the updates is reported, so the updates were processed too.
c=$(new_id started-barrier)
runc_run "$c" "${INIT_SLEEP[@]}"
wait_event "$c" started

assert_event_count "$a" started 1
assert_event_count "$b" started 1
assert_event_count "$c" started 1
for id in "$a" "$b" "$c"; do
        assert_event_count "$id" exited 0
done
daemon_alive || fail "daemon died"

# Stopping the daemon is not a container exit.
stop_daemon
for id in "$a" "$b" "$c"; do
        assert_event_count "$id" started 1
        assert_event_count "$id" exited 0
done
assert_eq "$(events 'has("CONTAINER_EVENT")' | wc -l)" 3 "number of container events in total"
note "ok"
