#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 5, descriptor limits: with RLIMIT_NOFILE at 100 (soft and hard) the daemon can hold pidfds
# for only about a dozen containers. It must say so once, keep tracking what it can, follow the
# rest through their state directories, and still report every container's start and exit exactly
# once: the untracked ones get a pidfd as soon as tracked ones end (their exits then show as late).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
require_cmd prlimit
runc_rootfs

N=16
ids=()
for i in $(seq $N); do
        ids+=("$(new_id fd$i)")
done

DAEMON_WRAPPER="prlimit --nofile=100:100 --" start_daemon -r "$RUNC_ROOT" --log-target=console --json
for id in "${ids[@]}"; do
        runc_run "$id" "${INIT_SLEEP[@]}"
done
for id in "${ids[@]}"; do
        wait_event "$id" started
done
assert_eq "$(stderr_lines_matching 'Out of file descriptors')" 1 "'out of file descriptors' diagnostics"
wait_for 5 grep -q 'without pidfd' "$NOTIFY_OUT" || fail "STATUS= does not mention the untracked containers"

# All die while the daemon is stopped, so that the untracked ones are certainly dead before a
# pidfd frees up for them (they stay zombies: plain runc's inits are reaped late or never).
pids=()
for id in "${ids[@]}"; do
        pids+=("$(runc_pid "$id")")
done
kill -STOP "$DAEMON_PID"
kill -KILL "${pids[@]}"
for p in "${pids[@]}"; do
        wait_for 10 pid_dead "$p" || fail "init $p did not die"
done
kill -CONT "$DAEMON_PID"
for id in "${ids[@]}"; do
        wait_event "$id" exited
done
live=0
for id in "${ids[@]}"; do
        assert_event_count "$id" started 1
        assert_event_count "$id" exited 1
        if [ "$(event_field "$id" exited EXIT_OBSERVED)" = live ]; then
                live=$((live + 1))
                assert_field "$id" exited EXIT_CODE killed
        else
                # a zombie's status, unless PID 1 reaped it first
                assert_match "$(event_field "$id" exited EXIT_CODE)" '^(killed|unknown)$' "EXIT_CODE of late $id"
        fi
done
# Some were tracked (live), some were not (late): both paths were taken.
assert_int_between "$live" 1 $((N - 1)) "exits observed live"
wait_for 5 grep -q 'All containers are tracked through pidfds again' "$DAEMON_ERR" ||
        fail "no notice that every container is tracked again"
stop_daemon
note "ok ($live of $N live)"
