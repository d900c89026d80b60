#!/bin/bash
# SPDX-License-Identifier: MIT
# OOM kills of a container's init (issue 3, item 2), against a real Docker: an init that allocates
# past its --memory=16m limit is reported `exited` killed by SIGKILL with OOM_KILLED=1 and priority
# err, agreeing with `docker inspect` State.OOMKilled; an init killed by SIGKILL without memory
# pressure has OOM_KILLED=0 (and Docker says false). The counter is the cgroup's oom_kill (v1
# memory.oom_control or v2 memory.events), read at discovery and at death, before containerd
# removes the cgroup (FACTS.md §4). The daemon runs in the unit's sandbox (tests/lib/sandbox.sh)
# with the unit's four capabilities (SANDBOX_PROBE=1): the cgroup tree is read-only, as
# ProtectControlGroups=yes mounts it, so on cgroup v1 no OOM notification can be registered, and
# the verdict comes from the kernel probe's OOM victim record (issue 12, item 3), which no delay of
# the daemon can lose. Without the probe the counter read at the init's death must come before
# containerd removes the cgroup, a few milliseconds later: tests/probe/why-runc.sh checks that path
# with runc, which removes nothing until told. Docker's own State.OOMKilled is noted, not asserted:
# containerd loses it when its OOM event comes after the exit (containerd#12260), as CI saw once.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/docker.sh" || exit 99
. "$top_srcdir/tests/lib/sandbox.sh" || exit 99
require_docker
docker_image
[ "$("$DOCKER" info -f '{{.MemoryLimit}}')" = true ] || skip_or_fail "dockerd reports no memory limit support"

export SANDBOX_PROBE=1
sandbox_daemon
start_docker_daemon
probe=$(sandbox_probe_state) || exit 1
if [ "$probe" = off ]; then
        [ "${CI:-}" != true ] || fail "no kernel probe in CI: $(grep -m1 'Kernel probe' "$DAEMON_ERR")"
        note "kernel probe off ($(grep -m1 'Kernel probe' "$DAEMON_ERR")): the verdict rests on reading the counter before containerd removes the cgroup"
fi

# The init waits for /tmp/go, so that its baseline is taken while it is harmless, then becomes
# dd (same PID) with a 64 MiB buffer that it fills from /dev/zero.
oom=$(docker_run --memory=16m --memory-swap=16m "$DOCKER_IMAGE" \
        sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done; exec dd if=/dev/zero of=/dev/null bs=64M count=1')
plain=$(docker_run --memory=16m --memory-swap=16m "$DOCKER_IMAGE" sleep 1000)
wait_event "$oom" started
wait_event "$plain" started
cg=$(jq -r '.cgroup_paths.memory // .cgroup_paths[""] // empty' "$(docker_state_file "$oom")")
note "memory cgroup of the OOM container: ${cg:-none}"
[ -n "$cg" ] || fail "state.json of $oom names no memory cgroup"

"$DOCKER" exec "$oom" touch /tmp/go || fail "docker exec $oom failed"
kill -KILL "$(docker_init_pid "$plain")"

wait_docker_exited "$oom" 137
wait_docker_exited "$plain" 137
wait_event "$oom" exited
wait_event "$plain" exited

docker_oom=$(docker_inspect "$oom" '{{.State.OOMKilled}}')
[ "$docker_oom" = true ] || note "Docker's State.OOMKilled of the allocating init is '$docker_oom' (containerd#12260: its OOM event came after the exit)"
assert_field "$oom" exited EXIT_CODE killed
assert_field "$oom" exited EXIT_STATUS 9
assert_field "$oom" exited EXIT_SIGNAL SIGKILL
assert_field "$oom" exited OOM_KILLED 1
assert_field "$oom" exited PRIORITY 3
assert_match "$(event_field "$oom" exited MESSAGE)" "killed by SIGKILL.*out of memory|was killed by the OOM killer" "MESSAGE of the OOM kill"
if [ "$probe" = attached ]; then
        assert_field "$oom" exited REASON_SOURCE probe
        assert_field "$oom" exited OOM_VICTIM_IS_INIT 1
fi

assert_eq "$(docker_inspect "$plain" '{{.State.OOMKilled}}')" false "docker inspect State.OOMKilled of the SIGKILLed init"
assert_field "$plain" exited EXIT_CODE killed
assert_field "$plain" exited EXIT_STATUS 9
assert_field "$plain" exited OOM_KILLED 0
assert_field "$plain" exited PRIORITY 4

# Neither produced an `oom` entry of its own: the init's death says it all.
assert_eq "$(events "(.CONTAINER_EVENT == \"oom\" and (.CONTAINER_ID_FULL == \"$oom\" or .CONTAINER_ID_FULL == \"$plain\"))" | wc -l)" 0 "oom entries for init deaths"

stop_daemon
note "ok: OOM_KILLED=1 for the OOM-killed init (kernel probe $probe), 0 for the plain SIGKILL; Docker said $docker_oom and false"
