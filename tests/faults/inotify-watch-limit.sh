#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 5, inotify watch limits: when no more inotify watches can be added (here the user
# namespace's limit, /proc/sys/user/max_inotify_watches, is 1: enough for the root and nothing
# else), the daemon says so once, rescans every second until watches fit again, and still reports
# every container that appears, exactly once.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_root
require_runc
require_cmd unshare
runc_rootfs
unshare -Ur true 2>/dev/null || skip_or_fail "cannot create a user namespace"

# The daemon runs as root of a user namespace of its own (uid 0 maps to 0), whose inotify watch
# limit is 1; everything else is as usual.
cat >"$TEST_TMP/limited" <<'WRAP'
#!/bin/sh
echo 1 >/proc/sys/user/max_inotify_watches || exit 98
exec "$@"
WRAP
chmod +x "$TEST_TMP/limited"
DAEMON_WRAPPER="unshare -Ur -- $TEST_TMP/limited" start_daemon -r "$RUNC_ROOT" --log-target=console --json

ids=()
for i in 1 2 3; do
        ids+=("$(new_id limit$i)")
        runc_run "${ids[-1]}" "${INIT_SLEEP[@]}"
done
for id in "${ids[@]}"; do
        wait_event "$id" started 10
        assert_event_count "$id" started 1
done
assert_eq "$(stderr_lines_matching 'inotify watch limit')" 1 "watch-limit diagnostics"
daemon_alive || fail "daemon died"
stop_daemon
note "ok"
