#!/bin/bash
# SPDX-License-Identifier: MIT
# No `unknown` where the runtime knows (issue 12, item 2): when the kernel gives no status for a
# live exit (before 6.15 the containerd shim reaps the init before the daemon can read it), the
# daemon waits, bounded, for Docker's own record (config.v2.json State) and reports it with
# EXIT_STATUS_SOURCE=runtime. CW_TEST_NO_KERNEL_STATUS=1 (daemon/pidwatch.h) makes the daemon
# ignore the kernel's statuses, so that this runs on any kernel. A `--rm` container leaves no record:
# its status stays unknown, honestly. The daemon runs in the unit's sandbox (tests/lib/sandbox.sh).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/docker.sh" || exit 99
. "$top_srcdir/tests/lib/sandbox.sh" || exit 99
require_docker
docker_image

export CW_TEST_NO_KERNEL_STATUS=1
sandbox_daemon
start_docker_daemon
assert_file_contains "$DAEMON_ERR" 'CW_TEST_NO_KERNEL_STATUS=1' "the daemon's note of the test knob"

wait_go='while [ ! -e /tmp/go ]; do sleep 0.05; done'
c3=$(docker_run "$DOCKER_IMAGE" sh -c "$wait_go; exit 3")
ck=$(docker_run "$DOCKER_IMAGE" sleep 1000000)
crm=$(docker_run --rm "$DOCKER_IMAGE" sleep 1000000)
for id in "$c3" "$ck" "$crm"; do
        wait_event "$id" started
done
"$DOCKER" exec "$c3" touch /tmp/go || fail "docker exec $c3 failed"
kill -KILL "$(docker_init_pid "$ck")"
kill -KILL "$(docker_init_pid "$crm")"
wait_docker_exited "$c3" 3
wait_docker_exited "$ck" 137
for id in "$c3" "$ck" "$crm"; do
        wait_event "$id" exited
        assert_event_count "$id" exited 1
        assert_field "$id" exited EXIT_OBSERVED live
done

assert_field "$c3" exited EXIT_CODE exited
assert_field "$c3" exited EXIT_STATUS 3
assert_field "$c3" exited EXIT_STATUS_SOURCE runtime
assert_field "$ck" exited EXIT_CODE killed
assert_field "$ck" exited EXIT_STATUS 9
assert_field "$ck" exited EXIT_SIGNAL SIGKILL
assert_field "$ck" exited EXIT_STATUS_SOURCE runtime
# --rm: dockerd removes the record with the container; nothing else knows the status.
code=$(event_field "$crm" exited EXIT_CODE)
src=$(event_field "$crm" exited EXIT_STATUS_SOURCE)
case $code/$src in
unknown/none) ;;
killed/runtime) note "--rm: dockerd's record was read before the removal" ;;
*) fail "--rm container: EXIT_CODE=$code, EXIT_STATUS_SOURCE=$src" ;;
esac
stop_daemon
note "ok: Docker's record gave the status the kernel did not ($code for --rm)"
