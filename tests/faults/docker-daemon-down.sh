#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 5 with Docker: a container killed while the daemon was stopped is reported at the next
# start, once, late, with the status Docker recorded in config.v2.json (EXIT_STATUS_SOURCE=runtime:
# 137 = killed by SIGKILL) although Docker removed runc's state directory meanwhile; a container
# still running is tracked again without a second `started`.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/docker.sh" || exit 99
require_docker
docker_image

start_docker_daemon
victim=$(docker_run "$DOCKER_IMAGE" sleep 1000000)
survivor=$(docker_run "$DOCKER_IMAGE" sleep 1000000)
wait_docker_running "$victim"
wait_docker_running "$survivor"
wait_event "$victim" started
wait_event "$survivor" started
stop_daemon

kill -KILL "$(docker_init_pid "$victim")"
wait_docker_exited "$victim" 137
victim_state=$(docker_state_file "$victim")
wait_for 10 test ! -e "$victim_state" || fail "Docker kept the state directory of $victim"

start_docker_daemon
wait_event "$victim" exited
assert_event_count "$victim" exited 1
assert_event_count "$victim" started 0
assert_event_count "$survivor" started 0
assert_field "$victim" exited EXIT_OBSERVED late
assert_field "$victim" exited EXIT_STATUS_SOURCE runtime
assert_field "$victim" exited EXIT_CODE killed
assert_field "$victim" exited EXIT_SIGNAL SIGKILL
assert_field "$victim" exited CONTAINER_NAME "$(docker_inspect "$victim" '{{.Name}}' | sed 's,^/,,')"

kill -KILL "$(docker_init_pid "$survivor")"
wait_event "$survivor" exited
assert_field "$survivor" exited EXIT_OBSERVED live
assert_field "$survivor" exited EXIT_CODE killed
stop_daemon
note "ok"
