#!/bin/bash
# SPDX-License-Identifier: MIT
# `container-watchd --list` scans the roots once, prints one line per container found (id, name,
# manager, pid, alive or not, started) and exits 0; no events, no readiness, nothing kept running.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
runc_rootfs
[ -x "$DAEMON" ] || fail "daemon '$DAEMON' is not built"

a=$(new_id list-alive)
d=$(new_id list-dead)
runc_run "$a" "${INIT_SLEEP[@]}"
runc_run "$d" "${INIT_SLEEP[@]}"
pid_a=$(runc_pid "$a")
pid_d=$(runc_pid "$d")
kill -KILL "$pid_d"
wait_for 20 pid_gone "$pid_d" || fail "init $pid_d was never reaped"
empty_root=$TEST_TMP/empty-root
mkdir -p "$empty_root"

# shellcheck disable=SC2086
timeout 20 $DAEMON_WRAPPER "$DAEMON" -c "$TEST_TMP/empty.conf" -r "$RUNC_ROOT" -r "$empty_root" \
        -r "$TEST_TMP/does-not-exist" --list >"$TEST_TMP/list.out" 2>"$TEST_TMP/list.err"
rc=$?
DAEMON_ERR=$TEST_TMP/list.err
DAEMON_OUT=$TEST_TMP/list.out
note "--list printed:"
sed 's/^/    /' "$TEST_TMP/list.out"
assert_eq "$rc" 0 "exit status of --list"

line_a=$(grep -E "(^|[^[:alnum:]-])${a:0:12}" "$TEST_TMP/list.out")
line_d=$(grep -E "(^|[^[:alnum:]-])${d:0:12}" "$TEST_TMP/list.out")
assert_eq "$(printf '%s\n' "$line_a" | grep -c .)" 1 "lines naming $a"
assert_eq "$(printf '%s\n' "$line_d" | grep -c .)" 1 "lines naming $d"
assert_match "$line_a" "(^|[^0-9])$pid_a([^0-9]|$)" "line of the live container shows its pid"
assert_ne "$line_a" "$line_d" "lines of the live and the dead container"
# Only those two containers exist: the rest of the output is at most a header.
others=$(grep -v -e "${a:0:12}" -e "${d:0:12}" "$TEST_TMP/list.out" | grep -c .)
(( others <= 1 )) || fail "--list printed $others lines that name neither container"
# --list is not the service: it must not leave anything running or write events.
grep -q '"CONTAINER_EVENT"' "$TEST_TMP/list.out" && fail "--list printed events"

note "ok"
