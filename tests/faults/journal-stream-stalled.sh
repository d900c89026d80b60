#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14, item 7, under the unit: with StandardError=journal, stderr is a stream socket to
# journald (JOURNAL_STREAM names it), and a stopped journald fills it. A blocking write there stopped
# the loop as a blocking native send did. Here stderr is a stream nobody reads
# (tests/tools/stalled-stream.py) and 3,000 bad state files give 850 KB of diagnostics at start-up,
# more than the socket holds: the daemon must still become ready and report a real container.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
runc_rootfs

# Long names: one diagnostic line each, about 280 bytes.
for i in $(seq 3000); do
        d=$RUNC_ROOT/$(printf 'bad%0190d' "$i")
        mkdir -p "$d"
        printf '{"garbage' >"$d/state.json"
done
note "3000 bad state files in $RUNC_ROOT"

# Not under memcheck: this wrapper takes the place of valgrind's (as in fd-limit.sh).
DAEMON_WRAPPER="python3 $top_srcdir/tests/tools/stalled-stream.py"
start_daemon -r "$RUNC_ROOT" --log-target=console --json
grep -q '^JOURNAL_STREAM=' "/proc/$DAEMON_PID/environ" 2>/dev/null ||
        tr '\0' '\n' <"/proc/$DAEMON_PID/environ" | grep -q '^JOURNAL_STREAM=' ||
        fail "the daemon was not given JOURNAL_STREAM"

id=$(new_id stream)
runc_run "$id" "${INIT_SLEEP[@]}"
wait_event "$id" started
runc_kill "$id" KILL
wait_event "$id" exited
daemon_alive || fail "daemon died"
stop_daemon
note "ok"
