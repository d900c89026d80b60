#!/bin/bash
# SPDX-License-Identifier: MIT
# Why a Docker container died (issue 13, item 4), with the kernel probe and the real dockerd:
#   - `docker stop -t 2` of an init that traps nothing (a PID-namespace init ignores SIGTERM without
#     a handler): stop-timeout, the SIGTERM and the SIGKILL from the same sender, STOP_GRACE_USEC
#     about 2 s, SIGNALS with both;
#   - `docker stop -t 2` of an init that handles SIGTERM and exits 143: stopped;
#   - `docker kill`: killed, not oom-killed.
# The sender is whatever Docker actually uses (containerd-shim or runc): the test records it.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/docker.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99     # sig_caught
require_docker
docker_image
grep -qx '#define HAVE_PROBE 1' "$top_builddir/config.h" || skip_or_fail "built without the probe (configure --enable-probe)"
start_docker_daemon
! grep -q '^STATUS=.*kernel probe off' "$NOTIFY_OUT" || fail "the probe did not load: $(grep -i probe "$DAEMON_ERR")"

tag=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')

a=$(docker_run --name "why-stop-$tag" "$DOCKER_IMAGE" sleep 1000000)
wait_docker_running "$a"
wait_event "$a" started
"$DOCKER" stop -t 2 "$a" >/dev/null || fail "docker stop failed"
wait_event "$a" exited
assert_field "$a" exited DEATH_REASON stop-timeout
assert_field "$a" exited REASON_SOURCE probe
assert_field "$a" exited EXIT_SIGNAL SIGKILL
assert_field "$a" exited OOM_KILLED 0
assert_int_between "$(event_field "$a" exited STOP_GRACE_USEC)" 1500000 6000000 "STOP_GRACE_USEC of docker stop -t 2"
sender=$(event_field "$a" exited SIGNAL_SENDER_COMM)
assert_match "$sender" '^(containerd-shim|runc|dockerd|containerd)' "SIGNAL_SENDER_COMM of docker stop"
assert_match "$(event_field "$a" exited SIGNALS)" '^SIGTERM@-[0-9]+\.[0-9]{3}s:[^ ]+ SIGKILL@0:[^ ]+$' "SIGNALS of docker stop"
note "docker stop -t 2 (no handler): $(event_field "$a" exited MESSAGE) [$(event_field "$a" exited SIGNALS)]"

b=$(docker_run --name "why-stop-trap-$tag" "$DOCKER_IMAGE" sh -c 'trap "exit 143" TERM; sleep 1000000 & wait')
wait_docker_running "$b"
wait_event "$b" started
wait_for 10 sig_caught "$(docker_init_pid "$b")" 15 || fail "the init installed no SIGTERM handler"
"$DOCKER" stop -t 2 "$b" >/dev/null || fail "docker stop failed"
wait_event "$b" exited
assert_field "$b" exited DEATH_REASON stopped
assert_field "$b" exited EXIT_STATUS 143
note "docker stop -t 2 (trapped): $(event_field "$b" exited MESSAGE)"

c=$(docker_run --name "why-kill-$tag" "$DOCKER_IMAGE" sleep 1000000)
wait_docker_running "$c"
wait_event "$c" started
"$DOCKER" kill "$c" >/dev/null || fail "docker kill failed"
wait_event "$c" exited
assert_field "$c" exited DEATH_REASON killed
assert_field "$c" exited OOM_KILLED 0
event_has_field "$c" exited SIGNAL_SENDER_COMM || fail "no sender for docker kill"
note "docker kill: $(event_field "$c" exited MESSAGE)"
stop_daemon
note "PASS"
