#!/bin/bash
# SPDX-License-Identifier: MIT
# `container-watchd --list --json`: the containers found, as JSON (one object per line, or one
# array), with the same field names as the events: CONTAINER_ID, CONTAINER_ID_FULL,
# CONTAINER_PID, ... and an alive/not-alive flag.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
runc_rootfs
[ -x "$DAEMON" ] || fail "daemon '$DAEMON' is not built"

a=$(new_id listj-alive)
d=$(new_id listj-dead)
runc_run "$a" "${INIT_SLEEP[@]}"
runc_run "$d" "${INIT_SLEEP[@]}"
pid_a=$(runc_pid "$a")
pid_d=$(runc_pid "$d")
kill -KILL "$pid_d"
wait_for 20 pid_gone "$pid_d" || fail "init $pid_d was never reaped"

# shellcheck disable=SC2086
timeout 20 $DAEMON_WRAPPER "$DAEMON" -c "$TEST_TMP/empty.conf" -r "$RUNC_ROOT" --list --json \
        >"$TEST_TMP/list.out" 2>"$TEST_TMP/list.err"
rc=$?
DAEMON_ERR=$TEST_TMP/list.err
DAEMON_OUT=$TEST_TMP/list.out
note "--list --json printed:"
sed 's/^/    /' "$TEST_TMP/list.out"
assert_eq "$rc" 0 "exit status of --list --json"

# Accept a stream of objects or one array; normalise to one compact object per line.
jq -c 'if type == "array" then .[] else . end' "$TEST_TMP/list.out" >"$TEST_TMP/list.objs" 2>"$TEST_TMP/jq.err" ||
        fail "--list --json output is not JSON: $(cat "$TEST_TMP/jq.err")"
assert_eq "$(jq -r 'type' "$TEST_TMP/list.objs" | sort -u | tr '\n' ' ')" "object " "types of the listed items"
assert_eq "$(wc -l <"$TEST_TMP/list.objs")" 2 "number of containers listed"

obj() {
        jq -c --arg id "$1" 'select(.CONTAINER_ID_FULL == $id)' "$TEST_TMP/list.objs"
}
oa=$(obj "$a")
od=$(obj "$d")
[ -n "$oa" ] || fail "no object with CONTAINER_ID_FULL=$a"
[ -n "$od" ] || fail "no object with CONTAINER_ID_FULL=$d"
assert_eq "$(jq -r .CONTAINER_ID <<<"$oa")" "${a:0:12}" "CONTAINER_ID of $a"
assert_eq "$(jq -r '.CONTAINER_PID | tostring' <<<"$oa")" "$pid_a" "CONTAINER_PID of $a"
assert_eq "$(jq -r '.CONTAINER_RUNTIME // ""' <<<"$oa")" runc "CONTAINER_RUNTIME of $a"

# The alive flag: a key containing "alive" (any case); true-ish for a, false-ish for d.
truthy='(. == true or . == "1" or . == 1 or . == "yes" or . == "true")'
falsy='(. == false or . == "0" or . == 0 or . == "no" or . == "false")'
key=$(jq -r 'keys[] | select(test("alive"; "i"))' <<<"$oa" | head -n 1)
[ -n "$key" ] || fail "the listed objects have no alive field: $oa"
jq -e --arg k "$key" ".[\$k] | $truthy" <<<"$oa" >/dev/null || fail "$key of the live container is not true: $oa"
jq -e --arg k "$key" ".[\$k] | $falsy" <<<"$od" >/dev/null || fail "$key of the dead container is not false: $od"

# The field contract (DESIGN.md §2, §3): a row carries the identity fields of a started entry,
# nothing an event alone says; tests/unit/test-events.c compares the two for a CRI container.
identity='["CONTAINER_ID","CONTAINER_ID_FULL","CONTAINER_NAME","IMAGE_NAME","CONTAINER_MANAGER",
  "CONTAINER_RUNTIME","CONTAINER_NAMESPACE","CONTAINER_STATE_DIR","CONTAINER_PID","CONTAINER_STARTED_USEC",
  "K8S_POD_NAME","K8S_POD_NAMESPACE","K8S_POD_UID","K8S_CONTAINER_NAME","K8S_CONTAINER_TYPE","CONTAINER_ALIVE"]'
extra=$(jq -r --argjson ok "$identity" 'keys - $ok | .[]' <<<"$oa")
assert_eq "$extra" "" "fields of a --list --json row that are not identity fields"
for k in CONTAINER_STATE_DIR CONTAINER_MANAGER CONTAINER_STARTED_USEC; do
        jq -e --arg k "$k" 'has($k)' <<<"$oa" >/dev/null || fail "the row of $a lacks $k: $oa"
done
note "ok"
