#!/bin/bash
# SPDX-License-Identifier: MIT
# The CRI plugin's status checkpoint against a real containerd (issue 12, item 2): a private
# containerd 1.6 (Debian's containerd) with its CRI plugin, driven over CRI by tests/tools/
# cri-client.py (grpcio; Debian 12 has no crictl): a host-network pod and one container, whose init
# is then killed with SIGKILL. The daemon runs with CW_TEST_NO_KERNEL_STATUS=1 (it ignores the
# kernel's statuses, as on a kernel before 6.15 whose reaper won the race), so the status must come
# from the checkpoint the CRI plugin writes at <root>/io.containerd.grpc.v1.cri/containers/<id>/status
# (ExitCode 137, FinishedAt): EXIT_CODE=killed, EXIT_STATUS=9, EXIT_STATUS_SOURCE=runtime, and
# CONTAINER_MANAGER=kubernetes from the annotations the plugin writes.
# In a private mount namespace: /var/lib gets a tmpfs holding the containerd root at the daemon's
# fixed path, /var/lib/containerd. The shim's runc root is the test's own. The pod's images are
# tests/lib/docker.sh's busybox, saved from dockerd into containerd (no registry); the sandbox image
# sleeps.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
ITEST_MOUNTNS=1
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/docker.sh" || exit 99
require_docker
require_cmd containerd ctr /usr/bin/python3
/usr/bin/python3 -c 'import grpc' 2>/dev/null || skip_or_fail "no grpc module for /usr/bin/python3 (Debian: python3-grpcio)"
docker_image
CRI_CLIENT=$top_srcdir/tests/tools/cri-client.py

# The sandbox image: the same busybox, whose command sleeps (a pause container must stay up).
PAUSE_IMAGE=container-watchd-itest/pause:1
if ! "$DOCKER" image inspect "$PAUSE_IMAGE" >/dev/null 2>&1; then
        tmpc=$("$DOCKER" create --label "$DOCKER_LABEL=$TEST_TMP" "$DOCKER_IMAGE" true) || fail "docker create failed"
        "$DOCKER" export "$tmpc" | "$DOCKER" import -c 'ENV PATH=/bin' -c 'CMD ["sleep", "1000000"]' - "$PAUSE_IMAGE" >/dev/null ||
                fail "docker import of $PAUSE_IMAGE failed"
        "$DOCKER" rm -f "$tmpc" >/dev/null
fi
"$DOCKER" save "$PAUSE_IMAGE" >"$TEST_TMP/pause.tar" || fail "docker save failed"

mount -t tmpfs -o mode=0755 itest-varlib /var/lib || fail "cannot mount a tmpfs on /var/lib"
mkdir -p /var/lib/containerd "$TEST_TMP/cri-state" "$TEST_TMP/cni" "$TEST_TMP/runc" "$TEST_TMP/logs"
SOCK=$TEST_TMP/containerd.sock
cat >"$TEST_TMP/containerd.toml" <<EOT
version = 2
root = "/var/lib/containerd"
state = "$TEST_TMP/cri-state"
[grpc]
  address = "$SOCK"
[ttrpc]
  address = ""
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/$PAUSE_IMAGE"
  disable_apparmor = true
  # This machine's root has no CAP_SYS_RESOURCE: runc could not lower a pause's oom_score_adj.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "$TEST_TMP/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$TEST_TMP/cni"
    conf_dir = "$TEST_TMP/cni"
EOT
containerd --config "$TEST_TMP/containerd.toml" >"$TEST_TMP/containerd.log" 2>&1 </dev/null &
CONTAINERD_PID=$!
_containerd_stop() {
        [ -n "${POD:-}" ] && /usr/bin/python3 "$CRI_CLIENT" "$SOCK" rmpod "$POD" >/dev/null 2>&1
        stop_pid "$CONTAINERD_PID"
        return 0
}
CLEANUP_HOOKS=(_containerd_stop "${CLEANUP_HOOKS[@]}")
_containerd_dump() { printf -- '----- containerd.log (errors)\n'; grep -i 'level=error' "$TEST_TMP/containerd.log" | tail -n 10; }
DUMP_HOOKS+=(_containerd_dump)
wait_for 30 test -S "$SOCK" || fail "containerd did not open $SOCK: $(tail -n 5 "$TEST_TMP/containerd.log")"
ctr --address "$SOCK" -n k8s.io images import --snapshotter native "$TEST_TMP/pause.tar" >/dev/null ||
        fail "ctr images import failed"

export CW_TEST_NO_KERNEL_STATUS=1
# The shim's runc root is Root/<containerd namespace>.
RUNC_K8S=$TEST_TMP/runc/k8s.io
mkdir -p "$RUNC_K8S"
start_daemon -r "$RUNC_K8S" --log-target=console --json

read -r POD CID < <(/usr/bin/python3 "$CRI_CLIENT" "$SOCK" run cwcri "docker.io/$PAUSE_IMAGE" sleep 1000000 2>"$TEST_TMP/cri.err") ||
        true
[ -n "${CID:-}" ] || fail "CRI run failed: $(tail -n 3 "$TEST_TMP/cri.err")"
note "pod $POD, container $CID"
wait_event "$CID" started
assert_field "$CID" started CONTAINER_MANAGER kubernetes
assert_field "$CID" started CONTAINER_NAME cwcri-c
pid=$(jq -r .init_process_pid "$RUNC_K8S/$CID/state.json")
[ -n "$pid" ] && [ "$pid" != null ] || fail "no init PID in $RUNC_K8S/$CID/state.json"
kill -KILL "$pid"
wait_event "$CID" exited
checkpoint=/var/lib/containerd/io.containerd.grpc.v1.cri/containers/$CID/status
note "the CRI plugin's checkpoint: $(cat "$checkpoint")"
assert_eq "$(jq -r .ExitCode "$checkpoint")" 137 "ExitCode in the checkpoint"
assert_field "$CID" exited EXIT_CODE killed
assert_field "$CID" exited EXIT_STATUS 9
assert_field "$CID" exited EXIT_STATUS_SOURCE runtime
stop_daemon
note "ok: the status from the CRI plugin's own checkpoint"
