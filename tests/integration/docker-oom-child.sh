#!/bin/bash
# SPDX-License-Identifier: MIT
# An OOM kill of a child while the container's init keeps running (issue 3, item 2): one
# CONTAINER_EVENT=oom entry (priority err, MESSAGE_ID_CONTAINER_OOM) with the container's identity,
# and no exit; the init's own later end is then an ordinary `exited`: DEATH_REASON=killed and
# OOM_KILLED=0 for the docker kill that follows (issue 13: a child's OOM kill never makes a later
# kill an OOM death).
# Not in the unit's sandbox (tests/lib/sandbox.sh), on purpose: this is the cgroup v1 eventfd path.
# On cgroup v1 a read-only cgroup tree allows no OOM notification; docker-oom-child-sandbox.sh
# covers that case (the kernel probe's victim record as the trigger), tests/vm/kernel-6.1.sh and
# docker-6.1.sh the sandboxed v2 case.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/docker.sh" || exit 99
require_docker
docker_image
[ "$("$DOCKER" info -f '{{.MemoryLimit}}')" = true ] || skip_or_fail "dockerd reports no memory limit support"

start_docker_daemon

name=oomchild-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
# The init (sh) runs dd as a child on /tmp/go, writes dd's status, and carries on.
id=$(docker_run --name "$name" --memory=16m --memory-swap=16m "$DOCKER_IMAGE" sh -c '
        while [ ! -e /tmp/go ]; do sleep 0.05; done
        dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null
        echo $? >/tmp/dd-status
        while :; do sleep 0.1; done')
wait_docker_running "$id"
wait_event "$id" started
pid=$(docker_init_pid "$id")

"$DOCKER" exec "$id" touch /tmp/go || fail "docker exec failed"
dd_done() { "$DOCKER" exec "$id" cat /tmp/dd-status >/dev/null 2>&1; }
wait_for 20 dd_done || fail "the child dd did not finish"
assert_eq "$("$DOCKER" exec "$id" cat /tmp/dd-status)" 137 "exit status of the OOM-killed child (128+SIGKILL)"
pid_running "$pid" || fail "the init died, it should have survived its child's OOM kill"

wait_event "$id" oom
assert_event_count "$id" oom 1
assert_field "$id" oom PRIORITY 3
assert_field "$id" oom MESSAGE_ID "$(catalog_id CONTAINER_OOM)"
assert_field "$id" oom CONTAINER_NAME "$name"
assert_field "$id" oom CONTAINER_MANAGER docker
assert_field "$id" oom CONTAINER_PID "$pid"
assert_event_count "$id" exited 0

"$DOCKER" kill "$id" >/dev/null || fail "docker kill failed"
wait_docker_exited "$id" 137
wait_event "$id" exited
assert_field "$id" exited EXIT_CODE killed
assert_event_count "$id" oom 1
# Docker's OOMKilled means "an OOM kill happened in the container" (FACTS.md 4.5). OOM_KILLED does
# not (issue 13): the child's OOM kill was reported as such, the init died of docker kill.
assert_eq "$(docker_inspect "$id" '{{.State.OOMKilled}}')" true "docker inspect State.OOMKilled"
assert_field "$id" exited OOM_KILLED 0
assert_field "$id" exited DEATH_REASON killed
# With the kernel probe the oom entry names the victim.
if event_has_field "$id" oom OOM_VICTIM_PID; then
        assert_field "$id" oom OOM_VICTIM_COMM dd
        assert_field "$id" oom OOM_VICTIM_IS_INIT 0
        assert_field "$id" oom OOM_TRIGGER_COMM dd
        assert_field "$id" exited REASON_SOURCE probe
fi

stop_daemon
note "ok: one oom entry for the child's OOM kill, the init lived on"
