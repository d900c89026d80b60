#!/bin/bash
# SPDX-License-Identifier: MIT
# The container image (issue 8, item 2) with the real dockerd:
#   - deploy/container/build-image.sh builds the image from the built daemon, with no registry;
#   - deploy/container/run.sh runs it as documented (host PID namespace, read-only state roots and
#     Docker records, the journal socket directory, the record in a host directory, every
#     capability dropped but two, read-only root), pointed at a private journald whose socket
#     directory dockerd can see (tests/packaging/lib.sh: dockerd runs outside the test's
#     namespaces, and bind-mount sources are resolved in dockerd's mount namespace);
#   - the daemon runs as the child of cw-supervise, in the host PID namespace, in the watcher
#     container's mount namespace; READY=1 makes the HEALTHCHECK healthy;
#   - another container is killed with SIGKILL: the journal gets its `exited` entry with
#     CONTAINER_NAME, EXIT_CODE=killed, EXIT_STATUS=9, EXIT_SIGNAL=SIGKILL, written by the daemon
#     in the container (_PID);
#   - a wedged event loop (the daemon stopped with SIGSTOP) stops the WATCHDOG=1 pings: cw-supervise
#     aborts it and the container exits with status 3, for the restart policy;
#   - restarted, it reports nothing twice (the record is in the host directory), and `docker stop`
#     stops it cleanly (exit status 0).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/journald.sh" || exit 99
. "$top_srcdir/tests/lib/docker.sh" || exit 99
. "$top_srcdir/tests/packaging/lib.sh" || exit 99
require_root
require_cmd cc ldd chroot busybox
[ -x "$DAEMON" ] || fail "daemon '$DAEMON' is not built"
require_docker
docker_image
start_visible_journald

tag=container-watchd-itest/watcher:$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
watcher=cw-watcher-${tag##*:}
_image_cleanup() {
        "$DOCKER" rm -f "$watcher" >/dev/null 2>&1
        "$DOCKER" image rm -f "$tag" >/dev/null 2>&1
        return 0
}
CLEANUP_HOOKS+=(_image_cleanup)

# ---------------------------------------------------------------- build
t0=$SECONDS
built=$(DOCKER=$DOCKER bash "$top_srcdir/deploy/container/build-image.sh" -b "$DAEMON" -t "$tag" 2>"$TEST_TMP/build.err") ||
        fail "build-image.sh failed: $(cat "$TEST_TMP/build.err")"
assert_eq "$built" "$tag" "image printed by build-image.sh"
note "built $tag in $((SECONDS - t0)) s, $("$DOCKER" image inspect -f '{{.Size}}' "$tag") bytes"
assert_eq "$("$DOCKER" image inspect -f '{{json .Config.Entrypoint}}' "$tag")" \
        '["/usr/sbin/cw-supervise","--","/usr/sbin/container-watchd"]' "image entry point"
# Nothing but what the image holds: the daemon runs there with its copied libraries.
out=$("$DOCKER" run --rm --network none --entrypoint /usr/sbin/container-watchd "$tag" --version) ||
        fail "the daemon does not run in the image: $out"
assert_match "$out" '^container-watchd [0-9]' "--version in the image"

# ---------------------------------------------------------------- run as documented
state=$TEST_TMP/record
# The roots: Docker's (the dockerd in use) plus the defaults that exist, as run.sh does.
roots=$(dirname "$DOCKER_STATE_ROOT")
for r in /run/containerd/runc /run/runc /run/crun; do [ "$r" != "$roots" ] && roots+=" $r"; done
CW_IMAGE=$tag CW_NAME=$watcher CW_STATE_DIR=$state CW_JOURNAL_DIR=$JOURNAL_RUN CW_ROOTS=$roots \
        CW_DOCKER_ROOT=$DOCKER_DATA_ROOT DOCKER=$DOCKER \
        bash "$top_srcdir/deploy/container/run.sh" --label "$DOCKER_LABEL=$TEST_TMP" \
        --restart no --health-interval 1s --health-start-period 1s -e CW_WATCHDOG_SEC=3 \
        >"$TEST_TMP/run.out" 2>&1 || fail "run.sh failed: $(cat "$TEST_TMP/run.out")"

watcher_health() {
        "$DOCKER" inspect -f '{{.State.Health.Status}}' "$watcher" 2>/dev/null
}
watcher_healthy() {
        [ "$(watcher_health)" = healthy ]
}
if ! wait_for 30 watcher_healthy; then
        "$DOCKER" logs "$watcher" 2>&1 | tail -n 20 >&2
        fail "the watcher container is '$(docker_status "$watcher")', health '$(watcher_health)'"
fi
sup=$("$DOCKER" inspect -f '{{.State.Pid}}' "$watcher")
dpid=$(pgrep -P "$sup") || fail "no container-watchd child of cw-supervise (pid $sup)"
note "watcher healthy: cw-supervise pid $sup, container-watchd pid $dpid (host PIDs)"
# Host PID namespace, the container's own mount namespace, and not any namespace's init.
assert_eq "$(stat -L -c %i "/proc/$dpid/ns/pid")" "$(stat -L -c %i /proc/self/ns/pid)" "PID namespace of the daemon (the test's, the host's)"
assert_ne "$(stat -L -c %i "/proc/$dpid/ns/mnt")" "$(stat -L -c %i /proc/self/ns/mnt)" "mount namespace of the daemon (the watcher container's)"
assert_eq "$(awk '/^NSpid:/ { print NF - 1 }' "/proc/$dpid/status")" 1 "PID namespace depth of the daemon"
# Writable: only the record; the journal socket directory is read-only (sending to a socket there
# still works), and so is the root file system.
rw=$("$DOCKER" inspect -f '{{range .Mounts}}{{if .RW}}{{.Destination}}{{"\n"}}{{end}}{{end}}' "$watcher" | sort | xargs)
assert_eq "$rw" "/var/lib/container-watchd" "read-write bind mounts of the watcher"
assert_eq "$(docker_inspect "$watcher" '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.PidMode}}')" "true host" "ReadonlyRootfs PidMode"
ro=$("$DOCKER" inspect -f '{{range .Mounts}}{{if not .RW}}{{.Destination}}{{"\n"}}{{end}}{{end}}' "$watcher")
grep -qxF "$(dirname "$DOCKER_STATE_ROOT")" <<<"$ro" || fail "Docker's state root is not bound read-only: $ro"
grep -qxF /var/lib/docker/containers <<<"$ro" || fail "Docker's container records are not bound read-only: $ro"
grep -qxF /run/systemd/journal <<<"$ro" || fail "the journal socket directory is not bound read-only: $ro"
# The capabilities of the daemon are exactly the two it needs.
capeff=$(awk '/^CapEff:/ { print $2 }' "/proc/$dpid/status")
assert_eq "$((16#$capeff))" "$(((1 << 2) | (1 << 19)))" "CapEff of the daemon (DAC_READ_SEARCH, SYS_PTRACE)"
# The daemon's own start-up diagnostics arrived in the journal through the bound socket.
_daemon_logged() {
        [ -n "$(journal_entries ".\"_PID\" == \"$dpid\"" | head -n 1)" ]
}
wait_for 10 _daemon_logged || fail "no journal entry from the daemon (pid $dpid) in the private journal"

# ---------------------------------------------------------------- a container killed with SIGKILL
name=victim-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
id=$(docker_run --name "$name" "$DOCKER_IMAGE" sleep 1000000)
wait_docker_running "$id"
wait_journal_event "$id" started 15
pid=$(docker_init_pid "$id")
assert_eq "$(journal_field "$id" started CONTAINER_PID)" "$pid" "CONTAINER_PID of started"
assert_eq "$(journal_field "$id" started CONTAINER_NAME)" "$name" "CONTAINER_NAME of started"

"$DOCKER" kill -s KILL "$id" >/dev/null || fail "docker kill -s KILL $id failed"
wait_docker_exited "$id" 137
wait_journal_event "$id" exited 15
assert_journal_count "$id" exited 1
assert_eq "$(journal_field "$id" exited _PID)" "$dpid" "_PID of exited (the daemon in the watcher container)"
assert_eq "$(journal_field "$id" exited SYSLOG_IDENTIFIER)" container-watchd "SYSLOG_IDENTIFIER"
assert_eq "$(journal_field "$id" exited MESSAGE_ID)" "$(catalog_id CONTAINER_EXITED)" "MESSAGE_ID"
assert_eq "$(journal_field "$id" exited CONTAINER_ID)" "${id:0:12}" "CONTAINER_ID"
assert_eq "$(journal_field "$id" exited CONTAINER_ID_FULL)" "$id" "CONTAINER_ID_FULL"
assert_eq "$(journal_field "$id" exited CONTAINER_NAME)" "$name" "CONTAINER_NAME"
assert_eq "$(journal_field "$id" exited IMAGE_NAME)" "$DOCKER_IMAGE" "IMAGE_NAME"
assert_eq "$(journal_field "$id" exited CONTAINER_MANAGER)" docker "CONTAINER_MANAGER"
assert_eq "$(journal_field "$id" exited CONTAINER_PID)" "$pid" "CONTAINER_PID"
assert_eq "$(journal_field "$id" exited EXIT_CODE)" killed "EXIT_CODE"
assert_eq "$(journal_field "$id" exited EXIT_STATUS)" 9 "EXIT_STATUS"
assert_eq "$(journal_field "$id" exited EXIT_SIGNAL)" SIGKILL "EXIT_SIGNAL"
assert_eq "$(journal_field "$id" exited EXIT_OBSERVED)" live "EXIT_OBSERVED"
assert_eq "$(journal_field "$id" exited PRIORITY)" 4 "PRIORITY"
# The record went to the host directory.
[ -s "$state/reported" ] || fail "the daemon wrote no record into $state (the bound state directory)"

# ---------------------------------------------------------------- a wedged loop is detected
kill -STOP "$dpid"
_watcher_exited() {
        [ "$(docker_status "$watcher")" = exited ]
}
wait_for 20 _watcher_exited || { kill -CONT "$dpid"; fail "the watcher did not exit within 20 s of its daemon being stopped"; }
assert_eq "$(docker_inspect "$watcher" '{{.State.ExitCode}}')" 3 "exit status of the watcher after a watchdog timeout"
"$DOCKER" logs "$watcher" 2>&1 | grep -q 'no WATCHDOG=1 within 3s' ||
        fail "cw-supervise did not report the watchdog timeout: $("$DOCKER" logs "$watcher" 2>&1 | tail -n 5)"

# ---------------------------------------------------------------- restart, then a clean stop
# The record in the host directory survives the container: the restarted daemon reports nothing
# twice. docker stop's SIGTERM reaches the daemon through cw-supervise: exit status 0.
"$DOCKER" start "$watcher" >/dev/null || fail "docker start $watcher failed"
wait_for 30 watcher_healthy || fail "the restarted watcher is not healthy: '$(watcher_health)'"
bar=$(docker_run --name "$name-barrier" "$DOCKER_IMAGE" sleep 1000000)
wait_docker_running "$bar"
wait_journal_event "$bar" started 15
assert_journal_count "$id" exited 1
assert_journal_count "$id" started 1
"$DOCKER" stop -t 10 "$watcher" >/dev/null || fail "docker stop $watcher failed"
assert_eq "$(docker_inspect "$watcher" '{{.State.ExitCode}}')" 0 "exit status of the watcher after docker stop"

note "ok: image $tag; ${name} (${id:0:12}) killed, exited entry from the watcher container; wedge detected"
