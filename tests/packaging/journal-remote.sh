#!/bin/bash
# SPDX-License-Identifier: MIT
# Collecting a fleet's events with the journal's own transport (issue 8, item 4; docs/fleet.md):
#   node:    a private journald (this test's mount namespace), container-watchd writing to it
#            (--log-target=journal), real runc containers, systemd-journal-upload reading it;
#   central: systemd-journal-remote listening on 127.0.0.1 (plain HTTP; the port is chosen by the
#            kernel and handed over as a listening descriptor), writing journal files into a
#            directory of this test.
# A runc container that carries the CRI annotations of a Kubernetes pod (runc copies its
# annotations into state.json's labels) and a plain one are started and killed with SIGKILL. Their
# entries must arrive centrally with every field intact (the node's and the central entry are
# compared field by field, trusted fields included) and be found there with
# `journalctl -D DIR CONTAINER_EVENT=exited`, `CONTAINER_NAME=web`, `K8S_POD_NAME=<pod>`.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
ITEST_MOUNTNS=1
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
. "$top_srcdir/tests/lib/journald.sh" || exit 99
REMOTE=${JOURNAL_REMOTE:-/lib/systemd/systemd-journal-remote}
UPLOAD=${JOURNAL_UPLOAD:-/lib/systemd/systemd-journal-upload}
if [ ! -x "$REMOTE" ] || [ ! -x "$UPLOAD" ]; then
        skip_or_fail "systemd-journal-remote / -upload are not installed (Debian: systemd-journal-remote)"
fi
require_runc
require_cmd python3
runc_rootfs
start_journald

central=$TEST_TMP/central
mkdir -p "$central"

# ---------------------------------------------------------------- central: journal-remote
# python3 binds 127.0.0.1:0, writes the port, and execs journal-remote with the listening socket
# as descriptor 3, the way systemd's socket activation would (--listen-http=-3, LISTEN_FDS=1):
# no port guessing, no race.
python3 - "$TEST_TMP/remote.port" "$REMOTE" "--output=$central/" <<'EOF' >"$TEST_TMP/remote.log" 2>&1 &
import os, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
s.listen(16)
if s.fileno() != 3:
    os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write("%d\n" % s.getsockname()[1])
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
# Socket activation (sd_listen_fds): exec keeps the PID.
os.environ["LISTEN_PID"] = str(os.getpid())
os.environ["LISTEN_FDS"] = "1"
os.execv(sys.argv[2], [sys.argv[2], "--listen-http=-3", sys.argv[3]])
EOF
REMOTE_PID=$!
CLEANUP_PIDS+=("$REMOTE_PID")
wait_for 10 test -s "$TEST_TMP/remote.port" || fail "journal-remote did not start: $(cat "$TEST_TMP/remote.log")"
port=$(cat "$TEST_TMP/remote.port")
_remote_listening() {
        pid_running "$REMOTE_PID" && [ "$(readlink "/proc/$REMOTE_PID/exe")" = "$(readlink -f "$REMOTE")" ]
}
wait_for 10 _remote_listening || fail "journal-remote is not running: $(cat "$TEST_TMP/remote.log")"
note "systemd-journal-remote (pid $REMOTE_PID) on http://127.0.0.1:$port -> $central"

# ---------------------------------------------------------------- node: journal-upload
"$UPLOAD" --url="http://127.0.0.1:$port" --directory="$JOURNAL_DIR" \
        --save-state="$TEST_TMP/upload.state" >"$TEST_TMP/upload.log" 2>&1 &
UPLOAD_PID=$!
CLEANUP_PIDS+=("$UPLOAD_PID")

_dump_fleet() {
        printf -- '----- journal-remote log\n'; tail -n 20 "$TEST_TMP/remote.log" 2>/dev/null
        printf -- '----- journal-upload log\n'; tail -n 20 "$TEST_TMP/upload.log" 2>/dev/null
        printf -- '----- central journal (container-watchd entries)\n'
        journalctl -D "$central" -o json --no-pager SYSLOG_IDENTIFIER=container-watchd 2>&1 |
                jq -c '{CONTAINER_EVENT, CONTAINER_ID_FULL, MESSAGE}' 2>&1 | tail -n 20
}
DUMP_HOOKS+=(_dump_fleet)

# ---------------------------------------------------------------- the daemon and two containers
mkdir -p "$RUNC_ROOT"
start_daemon -r "$RUNC_ROOT" --log-target=journal

# A container as containerd's CRI plugin would create it for pod $pod, container "web".
pod=web-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
uid=$(cat /proc/sys/kernel/random/uuid)
k=$(new_id fleet-k8s)
runc_bundle "$k" "${INIT_SLEEP[@]}"
jq --arg pod "$pod" --arg uid "$uid" '.annotations = {
        "io.kubernetes.cri.container-type": "container",
        "io.kubernetes.cri.container-name": "web",
        "io.kubernetes.cri.sandbox-name": $pod,
        "io.kubernetes.cri.sandbox-namespace": "default",
        "io.kubernetes.cri.sandbox-uid": $uid,
        "io.kubernetes.cri.image-name": "docker.io/library/busybox:latest" }' \
        "$RUNC_BUNDLE/config.json" >"$RUNC_BUNDLE/config.json.new" ||
        fail "cannot add annotations to $RUNC_BUNDLE/config.json"
mv "$RUNC_BUNDLE/config.json.new" "$RUNC_BUNDLE/config.json" || fail "cannot replace $RUNC_BUNDLE/config.json"
_k8s_cleanup() {
        [ -d "$RUNC_ROOT/$k" ] || return 0
        timeout 10 "$RUNC" --root "$RUNC_ROOT" delete -f "$k" >/dev/null 2>&1
}
CLEANUP_HOOKS+=(_k8s_cleanup)
runc_cmd run -d --bundle "$RUNC_BUNDLE" "$k" </dev/null >>"$TEST_TMP/runc-$k.log" 2>&1 ||
        fail "runc run $k failed: $(cat "$TEST_TMP/runc-$k.log")"
jq -e --arg pod "$pod" '.config.labels | index("io.kubernetes.cri.sandbox-name=" + $pod)' \
        "$(runc_state_file "$k")" >/dev/null || fail "runc did not copy the annotations into state.json labels"

p=$(new_id fleet-plain)
runc_run "$p" "${INIT_SLEEP[@]}"
wait_journal_event "$k" started
wait_journal_event "$p" started
kill -KILL "$(runc_pid "$k")" "$(runc_pid "$p")"
wait_journal_event "$k" exited
wait_journal_event "$p" exited
assert_eq "$(journal_field "$k" exited K8S_POD_NAME)" "$pod" "K8S_POD_NAME on the node"

# ---------------------------------------------------------------- arrival, central
# central_json ARGS...: the central journal's entries matching journalctl ARGS, one JSON per line.
central_json() {
        journalctl -D "$central" -o json --no-pager "$@" 2>/dev/null
}
_arrived() {
        [ "$(central_json CONTAINER_ID_FULL="$1" CONTAINER_EVENT="$2" | wc -l)" -ge 1 ]
}
for id in "$k" "$p"; do
        for ev in started exited; do
                wait_for 20 _arrived "$id" "$ev" || fail "the '$ev' entry of $id did not reach the central journal within 20 s"
        done
done
files=$(find "$central" -name '*.journal' | wc -l)
assert_int_between "$files" 1 100 "journal files written by journal-remote"

# Every field intact: the node's entry and the central one are the same, trusted fields and
# timestamps included; only the cursor (a position in a different file) may differ.
strip='del(.__CURSOR, .__SEQNUM, .__SEQNUM_ID)'
for id in "$k" "$p"; do
        for ev in started exited; do
                node=$(journalctl -D "$JOURNAL_DIR" -o json --no-pager CONTAINER_ID_FULL="$id" CONTAINER_EVENT="$ev" | jq -S -c "$strip")
                cent=$(central_json CONTAINER_ID_FULL="$id" CONTAINER_EVENT="$ev" | jq -S -c "$strip")
                [ "$(wc -l <<<"$cent")" = 1 ] || fail "the '$ev' entry of $id arrived $(wc -l <<<"$cent") times"
                if [ "$node" != "$cent" ]; then
                        diff <(jq -S . <<<"$node") <(jq -S . <<<"$cent") >&2
                        fail "the '$ev' entry of $id differs between the node and the central journal (diff above)"
                fi
        done
done
nfields=$(central_json CONTAINER_ID_FULL="$k" CONTAINER_EVENT=exited | jq 'keys | length')
note "entries identical on both sides ($nfields fields in the K8s exited entry)"

# The queries of docs/fleet.md.
q=$(central_json CONTAINER_EVENT=exited K8S_POD_NAME="$pod" | jq -r .CONTAINER_ID_FULL)
assert_eq "$q" "$k" "journalctl -D central CONTAINER_EVENT=exited K8S_POD_NAME=$pod"
q=$(central_json CONTAINER_NAME=web CONTAINER_EVENT=exited | jq -r .CONTAINER_ID_FULL)
assert_eq "$q" "$k" "journalctl -D central CONTAINER_NAME=web CONTAINER_EVENT=exited"
q=$(central_json CONTAINER_EVENT=exited | jq -r .CONTAINER_ID_FULL | sort | xargs)
assert_eq "$q" "$(printf '%s\n' "$k" "$p" | sort | xargs)" "journalctl -D central CONTAINER_EVENT=exited"
e=$(central_json CONTAINER_EVENT=exited K8S_POD_NAME="$pod")
for f in K8S_POD_NAMESPACE=default K8S_POD_UID="$uid" K8S_CONTAINER_NAME=web CONTAINER_MANAGER=kubernetes \
         IMAGE_NAME=docker.io/library/busybox:latest EXIT_CODE=killed EXIT_STATUS=9 EXIT_SIGNAL=SIGKILL \
         SYSLOG_IDENTIFIER=container-watchd "_PID=$DAEMON_PID" "MESSAGE_ID=$(catalog_id CONTAINER_EXITED)"; do
        assert_eq "$(jq -r --arg f "${f%%=*}" '.[$f] // "" | tostring' <<<"$e")" "${f#*=}" "central ${f%%=*}"
done
# journalctl -x on the central side explains the entry with the catalog, if it is installed.
if journalctl --list-catalog "$(catalog_id CONTAINER_EXITED)" >/dev/null 2>&1; then
        journalctl -D "$central" -x --no-pager CONTAINER_EVENT=exited K8S_POD_NAME="$pod" | grep -q "${k:0:12}" ||
                fail "journalctl -x on the central journal does not show the entry"
fi

stop_daemon
note "ok: 4 entries from the node journal in $central via journal-upload -> journal-remote (http://127.0.0.1:$port)"
