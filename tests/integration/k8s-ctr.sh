#!/bin/bash
# SPDX-License-Identifier: MIT
# Kubernetes pods as containerd's CRI plugin runs them (issue 3, item 3), imitated with containerd's
# own `ctr` (it ships with Docker's containerd) in the k8s.io namespace: a sandbox and a container
# that joins its network/IPC/UTS namespaces, with the io.kubernetes.cri.* annotations CRI sets
# (containerd pkg/cri/annotations; see tests/fixtures/README.md for the same setup). The daemon,
# watching /run/containerd/runc/* as by default, must report CONTAINER_MANAGER=kubernetes, the pod's
# name, namespace and UID, the container's name and image, and mark the sandbox.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/docker.sh" || exit 99
require_docker
require_cmd ctr
docker_image

# Docker's containerd; the shim keeps runc state under /run/containerd/runc/<namespace> whichever
# socket it serves (checked below, not assumed).
CTR_ADDRESS=${CTR_ADDRESS:-/run/docker/containerd/containerd.sock}
[ -S "$CTR_ADDRESS" ] || CTR_ADDRESS=/run/containerd/containerd.sock
[ -S "$CTR_ADDRESS" ] || skip_or_fail "no containerd socket (tried /run/docker/containerd and /run/containerd)"
ctr_k8s() {
        ctr --address "$CTR_ADDRESS" --namespace k8s.io "$@"
}
ctr_k8s version >/dev/null || fail "ctr cannot talk to $CTR_ADDRESS"

suffix=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
ref=docker.io/container-watchd-itest/busybox:1
if ! ctr_k8s images ls -q | grep -qxF "$ref"; then
        "$DOCKER" save "$DOCKER_IMAGE" | ctr_k8s images import --base-name docker.io/container-watchd-itest/busybox - >/dev/null ||
                fail "ctr images import failed"
fi
ctr_k8s images ls -q | grep -qxF "$ref" || fail "image $ref is not in containerd's k8s.io namespace: $(ctr_k8s images ls -q)"

sandbox=cw-sandbox-$suffix
web=cw-web-$suffix
pod=cw-pod-$suffix
uid=$(cat /proc/sys/kernel/random/uuid)
ROOT=/run/containerd/runc/k8s.io

_ctr_cleanup() {
        local id
        for id in "$web" "$sandbox"; do
                ctr_k8s tasks kill -s KILL "$id" >/dev/null 2>&1
                ctr_k8s tasks rm -f "$id" >/dev/null 2>&1
                ctr_k8s containers rm "$id" >/dev/null 2>&1
        done
}
CLEANUP_HOOKS+=(_ctr_cleanup)

# The daemon with the default roots' containerd entry (one root per namespace directory).
printf '[Watch]\nDockerDataRoot=%s\n' "$DOCKER_DATA_ROOT" >"$TEST_TMP/k8s.conf"
start_daemon -c "$TEST_TMP/k8s.conf" -r '/run/containerd/runc/*' --log-target=console --json

common=(--annotation io.kubernetes.cri.sandbox-id="$sandbox"
        --annotation io.kubernetes.cri.sandbox-name="$pod"
        --annotation io.kubernetes.cri.sandbox-namespace=default
        --annotation io.kubernetes.cri.sandbox-uid="$uid")
ctr_k8s run -d --cgroup "/kubepods/besteffort/pod$uid/$sandbox" "${common[@]}" \
        --annotation io.kubernetes.cri.container-type=sandbox \
        --annotation io.kubernetes.cri.sandbox-log-directory="/var/log/pods/default_${pod}_$uid" \
        "$ref" "$sandbox" sleep 100000 >/dev/null || fail "ctr run $sandbox failed"
wait_for 20 test -s "$ROOT/$sandbox/state.json" || fail "no state.json in $ROOT/$sandbox: the shim keeps runc state elsewhere ($(ls /run/containerd/runc 2>&1))"
spid=$(jq -r .init_process_pid "$ROOT/$sandbox/state.json")

ctr_k8s run -d --cgroup "/kubepods/besteffort/pod$uid/$web" "${common[@]}" \
        --annotation io.kubernetes.cri.container-type=container \
        --annotation io.kubernetes.cri.container-name=web \
        --annotation io.kubernetes.cri.image-name="$ref" \
        --with-ns "network:/proc/$spid/ns/net" --with-ns "ipc:/proc/$spid/ns/ipc" --with-ns "uts:/proc/$spid/ns/uts" \
        "$ref" "$web" httpd -f -p 8080 >/dev/null || fail "ctr run $web failed"
wait_for 20 test -s "$ROOT/$web/state.json" || fail "no state.json in $ROOT/$web"
wpid=$(jq -r .init_process_pid "$ROOT/$web/state.json")

wait_event "$sandbox" started
wait_event "$web" started
for id in "$sandbox" "$web"; do
        assert_field "$id" started CONTAINER_MANAGER kubernetes
        assert_field "$id" started CONTAINER_NAMESPACE k8s.io
        assert_field "$id" started CONTAINER_RUNTIME runc
        assert_field "$id" started CONTAINER_STATE_DIR "$ROOT/$id"
        assert_field "$id" started K8S_POD_NAME "$pod"
        assert_field "$id" started K8S_POD_NAMESPACE default
        assert_field "$id" started K8S_POD_UID "$uid"
done
assert_field "$sandbox" started CONTAINER_PID "$spid"
assert_field "$sandbox" started K8S_CONTAINER_TYPE sandbox
assert_field "$sandbox" started CONTAINER_NAME "$pod"
! event_has_field "$sandbox" started K8S_CONTAINER_NAME || fail "the sandbox has a K8S_CONTAINER_NAME"
! event_has_field "$sandbox" started IMAGE_NAME || fail "the sandbox has an IMAGE_NAME (CRI sets none)"
assert_field "$web" started CONTAINER_PID "$wpid"
assert_field "$web" started K8S_CONTAINER_TYPE container
assert_field "$web" started K8S_CONTAINER_NAME web
assert_field "$web" started CONTAINER_NAME web
assert_field "$web" started IMAGE_NAME "$ref"
# The container shares the sandbox's network namespace, as in a pod.
assert_eq "$(event_field "$web" started CONTAINER_NS_NET)" "$(event_field "$sandbox" started CONTAINER_NS_NET)" "CONTAINER_NS_NET of web vs its sandbox"
assert_ne "$(event_field "$web" started CONTAINER_NS_PID)" "$(event_field "$sandbox" started CONTAINER_NS_PID)" "CONTAINER_NS_PID of web vs its sandbox"

# The container dies; the pod lives on. containerd deletes nothing until `ctr task rm`.
ctr_k8s tasks kill -s KILL "$web" >/dev/null || fail "ctr tasks kill failed"
wait_event "$web" exited
assert_field "$web" exited EXIT_CODE killed
assert_field "$web" exited EXIT_STATUS 9
assert_field "$web" exited CONTAINER_NAME web
assert_field "$web" exited K8S_POD_NAME "$pod"
assert_field "$web" exited K8S_CONTAINER_TYPE container
assert_event_count "$sandbox" exited 0
ctr_k8s tasks rm "$web" >/dev/null 2>&1

# Then the sandbox.
ctr_k8s tasks kill -s KILL "$sandbox" >/dev/null || fail "ctr tasks kill $sandbox failed"
wait_event "$sandbox" exited
assert_field "$sandbox" exited K8S_CONTAINER_TYPE sandbox
assert_field "$sandbox" exited CONTAINER_NAME "$pod"

stop_daemon
note "ok: pod $pod (uid $uid): sandbox $sandbox and container web, state in $ROOT"
