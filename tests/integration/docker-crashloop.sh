#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 16: a Docker restart loop (docker run --restart=always of an init that exits 1) is a crash
# loop with no special case: with CrashLoopCount=3 exactly one crashloop entry when the third
# death is seen and one more at the sixth, none for the deaths between or after (up to the
# twelfth); each start carries RESTART_COUNT, the earlier deaths; and node_exporter serves
# counters that match the events. The dockerd may be shared with other tests, so the counters are
# read with MetricsPerContainer=yes, by this container's name label (node_exporter serves the
# labels in alphabetical order).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/docker.sh" || exit 99
. "$top_srcdir/tests/lib/metrics.sh" || exit 99
require_docker
require_metrics_tools
docker_image

mdir=$TEST_TMP/metrics
mkdir -p "$mdir"
metrics_config "$TEST_TMP/m.conf" "$mdir" CrashLoopCount=3 MetricsPerContainer=yes "[Watch]" "DockerDataRoot=$DOCKER_DATA_ROOT"
start_node_exporter "$mdir"
start_daemon -c "$TEST_TMP/m.conf" -r "$DOCKER_STATE_ROOT" --log-target=console --json

# Docker restarts it after 100 ms, 200 ms, 400 ms, ... (the delay doubles): six deaths in a few
# seconds. The init lives a moment, so that each incarnation is seen alive.
id=$(docker_run --restart=always "$DOCKER_IMAGE" sh -c 'sleep 0.3; exit 1')
_deaths_ge() {
        [ "$(event_count "$id" exited)" -ge "$1" ]
}
wait_for 60 _deaths_ge 6 || fail "only $(event_count "$id" exited) deaths of the restart loop seen"
# End the loop, then let the last incarnation die if it still runs.
docker_cmd update --restart=no "$id" >/dev/null || fail "docker update --restart=no failed"
wait_docker_exited "$id" 1
# Docker's count: its restarts, plus the last death
deaths=$(( $(docker_inspect "$id" '{{.RestartCount}}') + 1 ))
wait_for "$EVENT_TIMEOUT" _deaths_ge "$deaths" || fail "$(event_count "$id" exited) deaths seen, Docker counts $deaths"
n=$(event_count "$id" exited)
assert_eq "$n" "$deaths" "deaths seen against Docker's RestartCount + 1"
assert_int_between "$n" 6 11 "deaths of the loop"

# exactly two verdicts: at the third death and at the sixth
assert_event_count "$id" crashloop 2
assert_eq "$(events_for "$id" crashloop | jq -r .RESTART_COUNT | tr '\n' ' ')" "3 6 " "RESTART_COUNT of the verdicts"
assert_eq "$(events_for "$id" crashloop | jq -r .CRASHLOOP_THRESHOLD | tr '\n' ' ')" "3 6 " "thresholds"
name=$(docker_inspect "$id" '{{.Name}}' | sed 's|^/||')
assert_eq "$(event_field "$id" crashloop CONTAINER_NAME)" "$name" "CONTAINER_NAME of the verdict"
assert_field "$id" crashloop CONTAINER_MANAGER docker
assert_field "$id" crashloop PRIORITY 3
assert_match "$(event_field "$id" crashloop CRASHLOOP_REASONS)" '^failed\(1\)( failed\(1\)){2}$' "CRASHLOOP_REASONS"
# each verdict right after the exited entry of the death that reached the threshold
order=$(_complete_lines "$DAEMON_OUT" | jq -r --arg id "$id" \
        'select(.CONTAINER_ID_FULL == $id and (.CONTAINER_EVENT == "exited" or .CONTAINER_EVENT == "crashloop")) | .CONTAINER_EVENT' |
        awk '/exited/ { n++ } /crashloop/ { printf "%d ", n }')
assert_eq "$order" "3 6 " "deaths before each verdict"
# every start but the first follows a death: RESTART_COUNT counts them
assert_eq "$(events_for "$id" started | jq -r .RESTART_COUNT | head -n 6 | tr '\n' ' ')" "0 1 2 3 4 5 " \
        "RESTART_COUNT of the first six starts"

E=container_watchd_container_events_total
wait_metric "$E" "event=\"exited\",manager=\"docker\",name=\"$name\"" "$n"
wait_metric container_watchd_crashloops_total "manager=\"docker\",name=\"$name\"" 2
scrape "$TEST_TMP/s"
assert_eq "$(metric "$TEST_TMP/s" container_watchd_container_exits_total "manager=\"docker\",name=\"$name\",reason=\"failed\",signal=\"\"")" \
        "$n" "exits with reason failed"
assert_eq "$(metric "$TEST_TMP/s" "$E" "event=\"crashloop\",manager=\"docker\",name=\"$name\"")" 2 "crashloop events counted"
assert_eq "$(metric "$TEST_TMP/s" "$E" "event=\"started\",manager=\"docker\",name=\"$name\"")" \
        "$(event_count "$id" started)" "started events counted"
assert_eq "$(metric "$TEST_TMP/s" node_textfile_scrape_error)" 0 "node_exporter's verdict on the file"
assert_promtool_clean "$TEST_TMP/s"
stop_daemon
note "ok"
