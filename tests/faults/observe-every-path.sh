#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14, item 9: what watching a container needs is the same on every path that starts
# tracking it. A container found while no descriptor was left (untracked) still gets its
# CONTAINER_NS_* on its started entry; once promoted (descriptors freed up), and once restored from
# the record after a restart that dropped its root, it gets its OOM watch: a child's OOM kill is an
# "oom" entry.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
require_cmd prlimit
runc_rootfs

limit=$((16 * 1024 * 1024))
# A container whose child runs into its 16 MiB limit when /ctl/go appears, while the init lives on.
run_oomer() {
        local id=$1 ctl=$TEST_TMP/ctl/$1
        mkdir -p "$ctl" || fail "cannot make $ctl"
        RUNC_BUNDLE_EDIT=".linux.resources.memory = {limit: $limit} | .mounts += [{ destination: \"/ctl\", type: \"bind\", source: \"$ctl\", options: [\"rbind\", \"rw\"] }]" \
                runc_run "$id" sh -c 'while [ ! -e /ctl/go ]; do sleep 0.05; done; dd if=/dev/zero of=/dev/null bs=64M count=1; exec sleep 1000000'
}
go() {
        : >"$TEST_TMP/ctl/$1/go"
}

# 1. untracked, then promoted: RLIMIT_NOFILE 100 leaves descriptors for a handful of containers.
N=14
ids=()
DAEMON_WRAPPER="prlimit --nofile=100:100 --" start_daemon -r "$RUNC_ROOT" --log-target=console --json
for i in $(seq $N); do
        ids+=("$(new_id obs$i)")
        run_oomer "${ids[-1]}"
        wait_event "${ids[-1]}" started
done
assert_eq "$(stderr_lines_matching 'Out of file descriptors')" 1 "'out of file descriptors' diagnostics"
wait_for 5 grep -q 'without pidfd' "$NOTIFY_OUT" || fail "no container is untracked: the test proves nothing"
# every started entry names the namespaces, tracked or not (the last ones found were not)
for id in "${ids[@]}"; do
        pid=$(runc_pid "$id")
        assert_field "$id" started CONTAINER_NS_PID "$(ns_inode "$pid" pid)"
        assert_field "$id" started CONTAINER_NS_MNT "$(ns_inode "$pid" mnt)"
done
last=${ids[-1]}
# The first ones end, one by one, until the descriptors they held have gone to every untracked one.
killed=0
for id in "${ids[@]:0:$((N - 1))}"; do
        grep -q 'All containers are tracked through pidfds again' "$DAEMON_ERR" && break
        runc_kill "$id" KILL
        wait_event "$id" exited
        killed=$((killed + 1))
        wait_for 2 grep -q 'All containers are tracked through pidfds again' "$DAEMON_ERR"
done
grep -q 'All containers are tracked through pidfds again' "$DAEMON_ERR" ||
        fail "the untracked containers were not promoted"
note "$killed containers ended before every one was tracked"
go "$last"
wait_event "$last" oom 20
runc_kill "$last" KILL
wait_event "$last" exited
assert_field "$last" exited EXIT_OBSERVED live
assert_event_count "$last" oom 1
stop_daemon

# 2. restored from the record: its root is dropped from the configuration at the restart.
b=$TEST_TMP/b
x=$(new_id restored)
RUNC_ROOT=$b run_oomer "$x"
start_daemon -r "$RUNC_ROOT" -r "$b" --log-target=console --json
wait_event "$x" started
stop_daemon
start_daemon -r "$RUNC_ROOT" --log-target=console --json
go "$x"
wait_event "$x" oom 20
RUNC_ROOT=$b runc_kill "$x" KILL
wait_event "$x" exited
assert_field "$x" exited EXIT_OBSERVED live
assert_event_count "$x" oom 1
assert_event_count "$x" started 0
stop_daemon
note "ok"
