#!/bin/bash
# SPDX-License-Identifier: MIT
# How Docker containers end, as the daemon reports them next to what Docker says (issue 3, item 1):
# an init that exits 0 and one that exits 3; `docker stop` of an init without a SIGTERM handler
# (PID 1 ignores it: SIGKILL after the grace time, Exited (137)) and of one that traps SIGTERM and
# exits 0; `docker kill -s INT` of an init that traps SIGINT and exits 130 (a normal exit, not a
# signal, for both Docker and the kernel).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/docker.sh" || exit 99
. "$top_srcdir/tests/lib/sandbox.sh" || exit 99
require_docker
docker_image

# As the shipped unit runs it (tests/lib/sandbox.sh).
sandbox_daemon
start_docker_daemon

# Inits that wait for /tmp/go (created with docker exec) before exiting, so that the exit cannot
# happen before the daemon has reported the start.
wait_go='while [ ! -e /tmp/go ]; do sleep 0.05; done'
c0=$(docker_run "$DOCKER_IMAGE" sh -c "$wait_go; exit 0")
c3=$(docker_run "$DOCKER_IMAGE" sh -c "$wait_go; exit 3")
cstop=$(docker_run "$DOCKER_IMAGE" sleep 1000)
cterm=$(docker_run "$DOCKER_IMAGE" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done')
cint=$(docker_run "$DOCKER_IMAGE" sh -c 'trap "exit 130" INT; while :; do sleep 0.1; done')
all="$c0 $c3 $cstop $cterm $cint"
for id in $all; do
        wait_event "$id" started
        assert_field "$id" started CONTAINER_MANAGER docker
done

# check_exit ID DOCKER_CODE EXIT_CODE EXIT_STATUS SIGNAL PRIORITY
check_exit() {
        local id=$1
        wait_docker_exited "$id" "$2"
        wait_event "$id" exited
        assert_event_count "$id" exited 1
        assert_field "$id" exited EXIT_CODE "$3"
        assert_field "$id" exited EXIT_STATUS "$4"
        if [ -n "$5" ]; then
                assert_field "$id" exited EXIT_SIGNAL "$5"
        else
                ! event_has_field "$id" exited EXIT_SIGNAL || fail "exited event of $id has EXIT_SIGNAL"
        fi
        assert_field "$id" exited PRIORITY "$6"
        assert_field "$id" exited EXIT_OBSERVED live
        assert_field "$id" exited OOM_KILLED 0
        assert_match "$(event_field "$id" exited EXIT_STATUS_SOURCE)" '^(pidfd|proc)$' "EXIT_STATUS_SOURCE of $id"
        assert_eq "$(docker_inspect "$id" '{{.State.ExitCode}}')" "$2" "docker inspect ExitCode of $id"
        assert_eq "$(event_field "$id" exited CONTAINER_PID)" "$(event_field "$id" started CONTAINER_PID)" "CONTAINER_PID of $id"
}

"$DOCKER" exec "$c0" touch /tmp/go || fail "docker exec $c0 failed"
"$DOCKER" exec "$c3" touch /tmp/go || fail "docker exec $c3 failed"
check_exit "$c0" 0 exited 0 "" 5
assert_match "$(event_field "$c0" exited MESSAGE)" "exited: exited successfully|exited successfully" "MESSAGE of exit 0"
check_exit "$c3" 3 exited 3 "" 4
assert_match "$(event_field "$c3" exited MESSAGE)" "exited with status 3" "MESSAGE of exit 3"

# docker stop: SIGTERM, 1 s grace, SIGKILL; both at once, the stops take the grace time each.
t0=$(now_usec)
"$DOCKER" stop --time 1 "$cstop" >/dev/null & stop1=$!
"$DOCKER" stop --time 10 "$cterm" >/dev/null & stop2=$!
wait "$stop1" || fail "docker stop $cstop failed"
wait "$stop2" || fail "docker stop $cterm failed"
check_exit "$cstop" 137 killed 9 SIGKILL 4
check_exit "$cterm" 0 exited 0 "" 5
# The handler-less init died only after the grace time; the trapping one well before its 10 s.
# (the exit time = CONTAINER_STARTED_USEC + CONTAINER_LIFETIME_USEC)
exit_after_stop() {
        echo $(( $(event_field "$1" exited CONTAINER_STARTED_USEC) + $(event_field "$1" exited CONTAINER_LIFETIME_USEC) - t0 ))
}
assert_int_between "$(exit_after_stop "$cstop")" 900000 15000000 "exit of the handler-less init after docker stop --time 1 (us)"
assert_int_between "$(exit_after_stop "$cterm")" 0 5000000 "exit of the SIGTERM-trapping init after docker stop --time 10 (us)"

"$DOCKER" kill -s INT "$cint" >/dev/null || fail "docker kill -s INT failed"
check_exit "$cint" 130 exited 130 "" 4

stop_daemon
note "ok: exit 0, exit 3, stop (SIGKILL after grace), stop (SIGTERM trapped), kill -s INT"
