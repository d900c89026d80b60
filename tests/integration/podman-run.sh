#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 3, Podman with runc, for real: `podman run -d --runtime runc` puts the container's state in
# /run/runc with io.container.manager=libpod; the daemon watching /run/runc reports it started with
# CONTAINER_MANAGER=podman, Podman's name and image (containers-storage), and, after a SIGKILL of
# its init, exited killed by SIGKILL, exactly once each. On this host Podman needs the --ulimit flags
# of tests/fixtures/README.md (the bounding set lacks CAP_SYS_RESOURCE).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_root
require_cmd podman conmon runc jq
runc_rootfs

PODMAN=(podman --cgroup-manager cgroupfs --events-backend file)
image=localhost/container-watchd-itest-busybox:1
if ! "${PODMAN[@]}" image exists "$image" 2>/dev/null; then
        tar -C "$RUNC_ROOTFS" -c . | "${PODMAN[@]}" import - "$image" >/dev/null ||
                fail "podman import of the busybox rootfs failed"
fi

name=cw-podman-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
_podman_cleanup() { "${PODMAN[@]}" rm -f "$name" >/dev/null 2>&1; }
CLEANUP_HOOKS+=(_podman_cleanup)

# /run/runc is Podman's runc root (rootful); other containers may live there too.
start_daemon -r /run/runc --log-target=console --json
id=$("${PODMAN[@]}" run -d --runtime runc --network none --ulimit nofile=1024:20000 \
        --ulimit nproc=32768:32768 --name "$name" "$image" sleep 1000000) ||
        fail "podman run failed"
wait_event "$id" started 20
assert_field "$id" started CONTAINER_MANAGER podman
assert_field "$id" started CONTAINER_NAME "$name"
assert_field "$id" started IMAGE_NAME "$image"
assert_field "$id" started CONTAINER_RUNTIME runc
pid=$(jq -r .init_process_pid "/run/runc/$id/state.json")
assert_field "$id" started CONTAINER_PID "$pid"

kill -KILL "$pid"
wait_event "$id" exited
assert_field "$id" exited EXIT_CODE killed
assert_field "$id" exited EXIT_SIGNAL SIGKILL
assert_field "$id" exited CONTAINER_NAME "$name"
assert_event_count "$id" started 1
assert_event_count "$id" exited 1
status_ok() { "${PODMAN[@]}" inspect -f '{{.State.Status}}' "$name" 2>/dev/null | grep -q exited; }
wait_for 20 status_ok || fail "podman does not show $name exited"
stop_daemon
note "ok"
