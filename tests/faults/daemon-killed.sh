#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 5, restart of the daemon after a crash (SIGKILL, no chance to clean up): a container that
# exited meanwhile is reported once, late, with the status that is still knowable (an init whose
# parent has not reaped it: field 52 of /proc/<pid>/stat); one whose directory is gone too is reported
# from the record (EXIT_CODE=unknown once its init is reaped); one still running is tracked again without a second `started`; nothing
# is reported twice across several restarts.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
runc_rootfs

zombie=$(new_id zombie)
gone=$(new_id gone)
alive=$(new_id alive)
# The zombie's parent is a foreground runc, stopped before the init is killed, so that the init
# stays a zombie for as long as the test needs: a `runc run -d` init is re-parented to PID 1, which
# reaps it whenever it likes (1.4-1.7 s on the reference machine, at once under systemd), and a
# second daemon slowed by memcheck can start after that.
runc_run_foreground "$zombie" "${INIT_SLEEP[@]}"
zombie_runc=$RUNC_FG_PID
for id in "$gone" "$alive"; do
        runc_run "$id" "${INIT_SLEEP[@]}"
done
start_daemon -r "$RUNC_ROOT" --log-target=console --json
for id in "$zombie" "$gone" "$alive"; do
        wait_event "$id" started
done
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=

pid_zombie=$(runc_pid "$zombie")
kill -STOP "$zombie_runc"
kill -KILL "$pid_zombie"
wait_for 10 pid_dead "$pid_zombie" || fail "init $pid_zombie of $zombie did not die"
pid_gone "$pid_zombie" && fail "init $pid_zombie of $zombie was reaped although its parent runc is stopped"
runc_kill "$gone" KILL
_gone_stopped() { [ "$(runc_status "$gone")" = stopped ]; }
wait_for 10 _gone_stopped || fail "$gone did not stop"
runc_delete "$gone"

for run in 2 3; do
        start_daemon -r "$RUNC_ROOT" --log-target=console --json
        barrier=$(new_id barrier$run)
        runc_run "$barrier" "${INIT_SLEEP[@]}"
        wait_event "$barrier" started
        if [ "$run" = 2 ]; then
                assert_event_count "$zombie" exited 1
                assert_field "$zombie" exited EXIT_OBSERVED late
                assert_field "$zombie" exited EXIT_CODE killed
                assert_field "$zombie" exited EXIT_SIGNAL SIGKILL
                assert_event_count "$gone" exited 1
                assert_field "$gone" exited EXIT_OBSERVED late
                # its directory is gone, but the record remembers its pid: a zombie still tells
                # (plain runc's init is reaped late), a reaped one does not
                code=$(event_field "$gone" exited EXIT_CODE)
                assert_match "$code" '^(killed|unknown)$' "EXIT_CODE of $gone"
                assert_field "$gone" exited CONTAINER_ID_FULL "$gone"
                # Now let runc reap the zombie and delete its container: run 3 reports nothing of it.
                kill -CONT "$zombie_runc"
                _zombie_deleted() { [ ! -e "$RUNC_ROOT/$zombie" ]; }
                wait_for 10 _zombie_deleted || fail "foreground runc did not delete $zombie after its init died"
        fi
        # nothing else: no started for the survivors, nothing at all in run 3 but the barrier
        for id in "$zombie" "$gone" "$alive"; do
                assert_event_count "$id" started 0
        done
        [ "$run" = 3 ] && assert_eq "$(events 'has("CONTAINER_EVENT")' | wc -l)" 1 "events in run 3"
        stop_daemon
done

# The survivor is still tracked live by a fourth run.
start_daemon -r "$RUNC_ROOT" --log-target=console --json
runc_kill "$alive" KILL
wait_event "$alive" exited
assert_field "$alive" exited EXIT_OBSERVED live
assert_event_count "$alive" started 0
stop_daemon
note "ok"
