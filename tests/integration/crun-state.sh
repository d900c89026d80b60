#!/bin/bash
# SPDX-License-Identifier: MIT
# crun's state layout (issue 3, item 5): <root>/<id>/status (pid, process-start-time, ...) plus the
# config.json crun copies beside it, handled like runc's state.json.
#   1. A crun-layout directory written for a real process (a `sleep` of this test, with its real
#      /proc start time), with CRI-O annotations in config.json: started with
#      CONTAINER_RUNTIME=crun and the annotations' names; a wrong start time is a stranger's process
#      and is never tracked; the kill is reported live.
#   2. Real crun 1.8.1, when installed: it refuses hybrid cgroups, so it runs in a private mount
#      namespace without /sys/fs/cgroup/unified and with --cgroup-manager=disabled (see
#      tests/fixtures/README.md); the daemon watches its --root from the host.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_root
require_cmd jq

ROOT=$TEST_TMP/crun
mkdir -p "$ROOT"
start_daemon -r "$ROOT" --log-target=console --json

# fake_crun_dir ID PID START: the files crun 1.8.1 writes (keys as in tests/fixtures/crun/status.*),
# config.json first and status last by rename, as crun does.
fake_crun_dir() {
        local id=$1 pid=$2 start=$3 d=$ROOT/$1
        mkdir -p "$d"
        jq -n '{ociVersion: "1.0.2", process: {args: ["sleep"]}, root: {path: "rootfs"},
                annotations: {"io.kubernetes.cri-o.ContainerType": "container",
                              "io.kubernetes.cri-o.ContainerName": "k8s_sleeper_p_ns_u_0",
                              "io.kubernetes.cri-o.ImageName": "img.example/sleeper:1",
                              "io.kubernetes.cri-o.Labels": "{\"io.kubernetes.container.name\":\"sleeper\",\"io.kubernetes.pod.name\":\"p\",\"io.kubernetes.pod.namespace\":\"ns\",\"io.kubernetes.pod.uid\":\"u\"}"}}' \
                >"$d/config.json"
        jq -n --argjson pid "$pid" --argjson start "$start" --arg b "$TEST_TMP" \
                '{pid: $pid, "process-start-time": $start, "cgroup-path": "", scope: null, rootfs: "rootfs",
                  "systemd-cgroup": false, bundle: $b, created: "2026-11-29T00:00:00.000000000Z",
                  owner: 0, detached: true, external_descriptors: "[\"/dev/null\",\"pipe:[1]\",\"pipe:[2]\"]"}' \
                >"$d/status.tmp"
        mv "$d/status.tmp" "$d/status"
}
start_ticks() {
        sed -E 's/^.*\) //' "/proc/$1/stat" | awk '{ print $20 }'
}

# ------------------------------------------------------------------ 1. the layout, a real process
sleep 1000000 &
sp=$!
CLEANUP_PIDS+=("$sp")
st=$(start_ticks "$sp")
id=$(new_id crun-fake)
fake_crun_dir "$id" "$sp" "$st"
wait_event "$id" started
assert_field "$id" started CONTAINER_RUNTIME crun
assert_field "$id" started CONTAINER_PID "$sp"
assert_field "$id" started CONTAINER_STATE_DIR "$ROOT/$id"
assert_field "$id" started CONTAINER_MANAGER cri-o
assert_field "$id" started CONTAINER_NAME sleeper
assert_field "$id" started IMAGE_NAME img.example/sleeper:1
assert_field "$id" started K8S_POD_NAME p
assert_field "$id" started CONTAINER_STARTED_USEC 1795910400000000

# The same PID with another start time is somebody else: reported gone at once (its started entry,
# then a late exit: pairs always match), never tracked.
id2=$(new_id crun-stranger)
fake_crun_dir "$id2" "$sp" $((st + 1))
wait_event "$id2" exited
assert_field "$id2" exited EXIT_CODE unknown
assert_field "$id2" exited EXIT_OBSERVED late
assert_event_count "$id2" started 1

kill -KILL "$sp"
wait_event "$id" exited
assert_field "$id" exited EXIT_CODE killed
assert_field "$id" exited EXIT_STATUS 9
assert_field "$id" exited EXIT_OBSERVED live
assert_field "$id" exited CONTAINER_RUNTIME crun
wait "$sp" 2>/dev/null

# ------------------------------------------------------------------ 2. real crun
if ! command -v crun >/dev/null; then
        stop_daemon
        skip_or_fail "crun is not installed (Debian: crun); the layout test above passed"
fi
runc_rootfs
cid=$(new_id crun-real)
RUNC_ROOT=$ROOT runc_bundle "$cid" sleep 1000000
# No cgroups at all for crun here: a private view without the v2 mount, the manager disabled.
jq 'del(.linux.resources) | del(.linux.cgroupsPath) | .linux.namespaces |= map(select(.type != "cgroup"))' \
        "$RUNC_BUNDLE/config.json" >"$RUNC_BUNDLE/config.json.new" && mv "$RUNC_BUNDLE/config.json.new" "$RUNC_BUNDLE/config.json"
crun_in_ns() {
        unshare -m --propagation private sh -c 'umount /sys/fs/cgroup/unified 2>/dev/null; exec "$@"' sh \
                crun --root "$ROOT" --cgroup-manager=disabled "$@"
}
_crun_cleanup() {
        crun_in_ns kill "$cid" KILL >/dev/null 2>&1
        crun_in_ns delete -f "$cid" >/dev/null 2>&1
}
CLEANUP_HOOKS+=(_crun_cleanup)
crun_in_ns run -d --bundle "$RUNC_BUNDLE" "$cid" </dev/null >"$TEST_TMP/crun.log" 2>&1 ||
        fail "crun run failed: $(cat "$TEST_TMP/crun.log")"
wait_event "$cid" started
cpid=$(jq -r .pid "$ROOT/$cid/status")
assert_field "$cid" started CONTAINER_RUNTIME crun
assert_field "$cid" started CONTAINER_PID "$cpid"
assert_field "$cid" started CONTAINER_MANAGER runc
assert_eq "$(start_ticks "$cpid")" "$(jq -r '."process-start-time"' "$ROOT/$cid/status")" "crun's process-start-time vs /proc"
kill -KILL "$cpid"
wait_event "$cid" exited
assert_field "$cid" exited EXIT_CODE killed
assert_field "$cid" exited EXIT_STATUS 9
crun_in_ns delete -f "$cid" >/dev/null 2>&1

stop_daemon
note "ok: crun layout for a real process, a stranger refused, real crun $(crun --version | sed -n 's/^crun version //p')"
