#!/bin/bash
# SPDX-License-Identifier: MIT
# Docker's lifecycle verbs and what the daemon makes of them (issue 3, item 1):
#   docker run --rm      name and image still known at the exit, although Docker deletes its
#                        record (config.v2.json) right after it;
#   docker restart       exactly one `exited` and one new `started`, same id and state directory,
#                        a new init PID;
#   docker pause/unpause no event (the init is frozen, not dead);
#   docker exec          no event (not the init).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/docker.sh" || exit 99
require_docker
docker_image

start_docker_daemon
suffix=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')

# ------------------------------------------------------------------ docker run --rm
rmname=rm-$suffix
rmid=$(docker_run --rm --name "$rmname" "$DOCKER_IMAGE" sh -c 'while [ ! -e /tmp/go ]; do sleep 0.05; done; exit 5')
wait_event "$rmid" started
assert_field "$rmid" started CONTAINER_NAME "$rmname"
"$DOCKER" exec "$rmid" touch /tmp/go || fail "docker exec $rmid failed"
wait_event "$rmid" exited
assert_field "$rmid" exited EXIT_CODE exited
assert_field "$rmid" exited EXIT_STATUS 5
assert_field "$rmid" exited CONTAINER_NAME "$rmname"
assert_field "$rmid" exited IMAGE_NAME "$DOCKER_IMAGE"
assert_field "$rmid" exited CONTAINER_MANAGER docker
# Docker removed the container and its record: the names came from what was read at discovery.
rm_gone() { ! "$DOCKER" inspect "$rmid" >/dev/null 2>&1 && [ ! -e "$DOCKER_DATA_ROOT/containers/$rmid" ]; }
wait_for 30 rm_gone || fail "docker did not remove the --rm container $rmid"
assert_event_count "$rmid" exited 1

# ------------------------------------------------------------------ docker restart
rsname=rs-$suffix
rsid=$(docker_run --name "$rsname" "$DOCKER_IMAGE" sleep 1000)
wait_docker_running "$rsid"
wait_event "$rsid" started
pid1=$(docker_init_pid "$rsid")
assert_field "$rsid" started CONTAINER_PID "$pid1"

"$DOCKER" restart -t 1 "$rsid" >/dev/null || fail "docker restart failed"
wait_docker_running "$rsid"
pid2=$(docker_init_pid "$rsid")
assert_ne "$pid2" "$pid1" "init PID after docker restart"
two_starts() { [ "$(event_count "$rsid" started)" -ge 2 ]; }
wait_for "$EVENT_TIMEOUT" two_starts || fail "no second 'started' event for $rsid after docker restart"
wait_event "$rsid" exited
assert_event_count "$rsid" exited 1
assert_field "$rsid" exited CONTAINER_PID "$pid1"
assert_field "$rsid" exited EXIT_CODE killed   # sleep ignores SIGTERM as PID 1: SIGKILL after 1 s
assert_field "$rsid" exited EXIT_STATUS 9
assert_field "$rsid" exited CONTAINER_NAME "$rsname"
second=$(events_for "$rsid" started | sed -n 2p)
assert_eq "$(jq -r .CONTAINER_PID <<<"$second")" "$pid2" "CONTAINER_PID of the second start"
assert_eq "$(jq -r .CONTAINER_STATE_DIR <<<"$second")" "$DOCKER_STATE_ROOT/$rsid" "CONTAINER_STATE_DIR of the second start"
assert_eq "$(jq -r .CONTAINER_NAME <<<"$second")" "$rsname" "CONTAINER_NAME of the second start"
# In the order it happened: the old init's exit, then the new start.
order=$(events "(.CONTAINER_ID_FULL == \"$rsid\")" | jq -r '.CONTAINER_EVENT + ":" + .CONTAINER_PID' | tr '\n' ' ')
assert_eq "$order" "started:$pid1 exited:$pid1 started:$pid2 " "event order for docker restart"

# ------------------------------------------------------------------ pause/unpause, exec
"$DOCKER" pause "$rsid" >/dev/null || fail "docker pause failed"
wait_for 10 docker_is paused "$rsid" || fail "container is not paused"
"$DOCKER" unpause "$rsid" >/dev/null || fail "docker unpause failed"
wait_for 10 docker_is running "$rsid" || fail "container is not running after unpause"
out=$("$DOCKER" exec "$rsid" sh -c 'echo exec-ok; exit 7')
assert_eq "$?/$out" "7/exec-ok" "docker exec status/output"
"$DOCKER" exec -d "$rsid" sleep 0.2 || fail "docker exec -d failed"
assert_eq "$(docker_init_pid "$rsid")" "$pid2" "init PID after pause/unpause/exec"

# The end of the container: its SIGKILL is the next and last event. Everything the daemon would
# have (wrongly) reported for pause/unpause/exec would be in its output before this one.
"$DOCKER" kill "$rsid" >/dev/null || fail "docker kill failed"
wait_docker_exited "$rsid" 137
two_exits() { [ "$(event_count "$rsid" exited)" -ge 2 ]; }
wait_for "$EVENT_TIMEOUT" two_exits || fail "no 'exited' event for $rsid after docker kill"
order=$(events "(.CONTAINER_ID_FULL == \"$rsid\")" | jq -r '.CONTAINER_EVENT + ":" + .CONTAINER_PID' | tr '\n' ' ')
assert_eq "$order" "started:$pid1 exited:$pid1 started:$pid2 exited:$pid2 " "all events of $rsid"
last=$(events_for "$rsid" exited | sed -n 2p)
assert_eq "$(jq -r '.EXIT_CODE + " " + .EXIT_STATUS' <<<"$last")" "killed 9" "exit of the restarted init"

stop_daemon
# Nothing else was reported for these two containers, after the daemon stopped either.
assert_eq "$(events "(.CONTAINER_ID_FULL == \"$rmid\" or .CONTAINER_ID_FULL == \"$rsid\")" | wc -l)" 6 "events in all"
note "ok: --rm ($rmname), restart ($pid1 -> $pid2), pause/unpause and exec without events"
