#!/bin/bash
# SPDX-License-Identifier: MIT
# The guest half of runc-status-6.1.sh: BENCH_N plain runc containers (busybox sleep), in batches
# of BENCH_BATCH, each killed with SIGKILL from outside once the daemon reported it started; the
# guest's PID 1 (tests/vm/vm-reaper) reaps them at once. Leaves the daemon's --json lines in $VM_OUT.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "$top_srcdir/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
N=${BENCH_N:-100}
B=${BENCH_BATCH:-10}
require_runc
runc_rootfs
mkdir -p "$RUNC_ROOT"
_has_event() {
        grep -F "\"CONTAINER_ID_FULL\":\"$1\"" "$DAEMON_OUT" 2>/dev/null | grep -qF "\"CONTAINER_EVENT\":\"$2\""
}
_save() { cp "$TEST_TMP"/daemon.*.out "$VM_OUT"/ 2>/dev/null; return 0; }
CLEANUP_HOOKS=(_save "${CLEANUP_HOOKS[@]}")
start_daemon -r "$RUNC_ROOT" --log-target=console --json
spec=$TEST_TMP/spec.json
(cd "$TEST_TMP" && runc spec && mv config.json "$spec") || fail "runc spec"
jq --arg rootfs "$RUNC_ROOTFS" '.process.terminal = false | .process.args = ["sleep", "1000000"]
        | .root = { path: $rootfs, readonly: true } | .linux.namespaces |= map(select(.type != "network"))' \
        "$spec" >"$TEST_TMP/config.json" || fail "jq"
done_n=0
while [ "$done_n" -lt "$N" ]; do
        ids=()
        for ((i = 0; i < B && done_n + i < N; i++)); do
                id=$(new_id b$((done_n + i)))
                mkdir -p "$TEST_TMP/b/$id" && cp "$TEST_TMP/config.json" "$TEST_TMP/b/$id/"
                printf '%s\t%s\n' "$RUNC_ROOT" "$id" >>"$_RUNC_CONTAINERS"
                runc_cmd run --no-pivot -d --bundle "$TEST_TMP/b/$id" "$id" </dev/null >>"$TEST_TMP/runc.log" 2>&1 || fail "runc run"
                ids+=("$id")
        done
        for id in "${ids[@]}"; do
                wait_event "$id" started
                pid=$(_complete_lines "$DAEMON_OUT" | grep -F "\"CONTAINER_ID_FULL\":\"$id\"" |
                        sed -n 's/.*"CONTAINER_PID":"\([0-9]*\)".*/\1/p' | head -n 1)
                kill -KILL "$pid"
        done
        for id in "${ids[@]}"; do
                wait_event "$id" exited
                runc_cmd delete -f "$id" >/dev/null 2>&1
        done
        done_n=$((done_n + ${#ids[@]}))
done
stop_daemon
