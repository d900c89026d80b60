#!/bin/bash
# SPDX-License-Identifier: MIT
# Why a Docker container died (issue 13, item 4), with the kernel probe and the real dockerd:
#   - `docker stop -t 2` of an init that traps nothing (a PID-namespace init ignores SIGTERM without
#     a handler): stop-timeout, the SIGTERM and the SIGKILL from the same sender, STOP_GRACE_USEC
#     about 2 s, SIGNALS with both;
#   - `docker stop -t 2` of an init that handles SIGTERM and exits 143: stopped;
#   - `docker kill`: killed, not oom-killed;
#   - an init that dies of a real SIGSEGV (tests/vm/crash, bind-mounted): crashed, SEGV_MAPERR;
#   - an init OOM-killed by its --memory=16m: oom-killed, OOM_KILLED=1, the init as the victim,
#     SIGNAL_CODE=SI_KERNEL, and Docker's own State.OOMKilled agrees;
# then the same five with KernelProbe=no: the verdicts that the status and the OOM counter allow
# (killed, failed for the trapped 143, killed, crashed, oom-killed from the counters), the fields of
# before (EXIT_*, OOM_KILLED, the names), and no SIGNAL_SENDER_*, SIGNALS or STOP_GRACE_USEC.
# The sender is whatever Docker actually uses (containerd-shim or runc): the test records it.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/docker.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99     # sig_caught
require_docker
docker_image
grep -qx '#define HAVE_PROBE 1' "$top_builddir/config.h" || skip_or_fail "built without the probe (configure --enable-probe)"
CRASH=$top_builddir/tests/vm/crash
[ -x "$CRASH" ] || fail "'$CRASH' is not built (make check builds it)"
[ "$("$DOCKER" info -f '{{.MemoryLimit}}')" = true ] || skip_or_fail "dockerd reports no memory limit support"
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
init_pid=$(docker_init_pid "$b")
wait_for 10 sig_caught "$init_pid" 15 || fail "the init installed no SIGTERM handler"
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

# run_crash NAME: a container whose init dies of a real SIGSEGV.
run_crash() {
        docker_run --name "$1" -v "$CRASH:/crash:ro" "$DOCKER_IMAGE" /crash
}
# run_oom NAME: a container whose init becomes dd with a 64 MiB buffer under a 16 MiB limit once
# /tmp/go exists (so that it is discovered, and its OOM counter read, before it dies).
run_oom() {
        docker_run --name "$1" --memory=16m --memory-swap=16m "$DOCKER_IMAGE" \
                sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done; exec dd if=/dev/zero of=/dev/null bs=64M count=1'
}
# oom_go ID: let its init allocate, wait for its end and Docker's verdict.
oom_go() {
        wait_docker_running "$1"
        wait_event "$1" started
        "$DOCKER" exec "$1" touch /tmp/go || fail "docker exec $1 failed"
        wait_docker_exited "$1" 137
        wait_event "$1" exited
        assert_eq "$(docker_inspect "$1" '{{.State.OOMKilled}}')" true "docker inspect State.OOMKilled"
}

d=$(run_crash "why-segv-$tag")
wait_docker_exited "$d" 139
wait_event "$d" exited
assert_field "$d" exited DEATH_REASON crashed
assert_field "$d" exited REASON_SOURCE probe
assert_field "$d" exited EXIT_STATUS 11
assert_field "$d" exited SIGNAL_CODE SEGV_MAPERR
assert_field "$d" exited OOM_KILLED 0
assert_match "$(event_field "$d" exited MESSAGE)" "crashed: SIGSEGV \\(SEGV_MAPERR\\)" "MESSAGE of a SIGSEGV"
note "SIGSEGV: $(event_field "$d" exited MESSAGE)"

e=$(run_oom "why-oom-$tag")
oom_go "$e"
assert_field "$e" exited DEATH_REASON oom-killed
assert_field "$e" exited REASON_SOURCE probe
assert_field "$e" exited OOM_KILLED 1
assert_field "$e" exited OOM_VICTIM_IS_INIT 1
assert_field "$e" exited OOM_VICTIM_COMM dd
assert_field "$e" exited OOM_VICTIM_PID "$(event_field "$e" started CONTAINER_PID)"
assert_field "$e" exited SIGNAL_CODE SI_KERNEL
assert_field "$e" exited PRIORITY 3
assert_match "$(event_field "$e" exited MESSAGE)" "was killed by the OOM killer: init dd used [0-9.]+M of its 16M limit" "MESSAGE of an OOM kill"
scope=$(event_field "$e" exited OOM_SCOPE)
[ -z "$scope" ] || assert_eq "$scope" container "OOM_SCOPE of an init over its own limit"
note "OOM: $(event_field "$e" exited MESSAGE) (scope '${scope:-not known here}')"
stop_daemon

# --------------------------------------------------------------------------- KernelProbe=no
printf '[Watch]\nDockerDataRoot=%s\n[Exit]\nKernelProbe=no\n' "$DOCKER_DATA_ROOT" >"$TEST_TMP/docker-noprobe.conf"
start_daemon -c "$TEST_TMP/docker-noprobe.conf" -r "$DOCKER_STATE_ROOT" --log-target=console --json
grep -qF '; kernel probe off: disabled (KernelProbe=no)' "$NOTIFY_OUT" || fail "STATUS= does not say the probe is off"

# no_probe_fields ID: none of the probe's fields; the fields of before all there.
no_probe_fields() {
        local f
        for f in SIGNAL_SENDER_PID SIGNAL_SENDER_COMM SIGNAL_CODE SIGNALS STOP_GRACE_USEC OOM_VICTIM_PID OOM_SCOPE; do
                ! event_has_field "$1" exited "$f" || fail "$f without the probe ($1)"
        done
        for f in EXIT_CODE EXIT_STATUS EXIT_STATUS_SOURCE OOM_KILLED CONTAINER_NAME IMAGE_NAME CONTAINER_LIFETIME_USEC; do
                event_has_field "$1" exited "$f" || fail "no $f without the probe ($1)"
        done
        assert_field "$1" exited REASON_SOURCE "${2:-none}"
}

g=$(docker_run --name "noprobe-stop-$tag" "$DOCKER_IMAGE" sleep 1000000)
wait_docker_running "$g"
wait_event "$g" started
"$DOCKER" stop -t 2 "$g" >/dev/null || fail "docker stop failed"
wait_event "$g" exited
assert_field "$g" exited DEATH_REASON killed
assert_field "$g" exited EXIT_SIGNAL SIGKILL
assert_field "$g" exited OOM_KILLED 0
no_probe_fields "$g"

h=$(docker_run --name "noprobe-stop-trap-$tag" "$DOCKER_IMAGE" sh -c 'trap "exit 143" TERM; sleep 1000000 & wait')
wait_docker_running "$h"
wait_event "$h" started
init_pid=$(docker_init_pid "$h")
wait_for 10 sig_caught "$init_pid" 15 || fail "the init installed no SIGTERM handler"
"$DOCKER" stop -t 2 "$h" >/dev/null || fail "docker stop failed"
wait_event "$h" exited
assert_field "$h" exited DEATH_REASON failed
assert_field "$h" exited EXIT_STATUS 143
no_probe_fields "$h"

i=$(docker_run --name "noprobe-kill-$tag" "$DOCKER_IMAGE" sleep 1000000)
wait_docker_running "$i"
wait_event "$i" started
"$DOCKER" kill "$i" >/dev/null || fail "docker kill failed"
wait_event "$i" exited
assert_field "$i" exited DEATH_REASON killed
assert_field "$i" exited OOM_KILLED 0
no_probe_fields "$i"

j=$(run_crash "noprobe-segv-$tag")
wait_docker_exited "$j" 139
wait_event "$j" exited
assert_field "$j" exited DEATH_REASON crashed
assert_field "$j" exited EXIT_STATUS 11
no_probe_fields "$j"

k=$(run_oom "noprobe-oom-$tag")
oom_go "$k"
assert_field "$k" exited DEATH_REASON oom-killed
assert_field "$k" exited OOM_KILLED 1
assert_field "$k" exited EXIT_SIGNAL SIGKILL
assert_field "$k" exited PRIORITY 3
no_probe_fields "$k" counters
note "without the probe: $(event_field "$k" exited MESSAGE)"
stop_daemon
note "PASS"
