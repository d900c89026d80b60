#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14, item 4: a state root that is a symbolic link. The daemon never follows a link at a
# root (a local user who can make one must not steer its watches, nor flood the journal): it says
# so once, watches the parent, and, whatever happens in the parent meanwhile, neither retries in a
# loop nor announces the root; once the link is replaced by a directory the root is watched and
# its containers are reported. A root below a symbolic link that does not exist yet (/var/run →
# /run) is picked up when it appears.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/state-file.sh" || exit 99
require_root

start_sleeper pid

parent=$TEST_TMP/parent
real=$TEST_TMP/real
mkdir -p "$parent" "$real"
ln -s "$real" "$parent/root"
behind=$(new_id behind)
write_state "$real" "$behind" "$pid"

# /var/run → /run: the root's parent does not exist yet, and an ancestor is a link.
mkdir -p "$TEST_TMP/run"
ln -s "$TEST_TMP/run" "$TEST_TMP/varrun"
late=$TEST_TMP/varrun/docker/root

start_daemon -r "$parent/root" -r "$late" --log-target=console --json
diag() { stderr_lines_matching "State root '$parent/root' is a symbolic link"; }
announced() { [ "$(stderr_lines_matching "Watching state root '$parent/root'")" -ge 1 ]; }
# said by the start-up scan, before READY=1
[ "$(diag)" -ge 1 ] || fail "no diagnostic for the root that is a symbolic link"
# Activity in the parent makes the daemon look at the root again, each time.
for i in 1 2 3; do
        mkdir "$parent/other$i"
done
mkdir "$TEST_TMP/run/unrelated"
# the last of these is seen when a container appears in the other root (events keep their order)
mkdir -p "$TEST_TMP/run/docker/root"
in_late=$(new_id late)
write_state "$late" "$in_late" "$pid"
wait_event "$in_late" started
assert_field "$in_late" started CONTAINER_STATE_DIR "$late/$in_late"
assert_eq "$(diag)" 1 "diagnostics for the root that is a symbolic link"
assert_eq "$(stderr_lines_matching "Watching state root '$parent/root'")" 0 "announcements of the symbolic-link root"
assert_eq "$(stderr_lines_matching "Watching state root '$late'")" 1 "announcements of the late root below a link"
assert_event_count "$behind" started 0

# The link replaced by a directory: watched from now on.
rm "$parent/root"
mkdir "$parent/root"
wait_for 5 announced ||
        fail "the root is not watched after the link was replaced by a directory"
now=$(new_id now)
write_state "$parent/root" "$now" "$pid"
wait_event "$now" started
kill -KILL "$pid"
wait_event "$now" exited
wait_event "$in_late" exited
assert_eq "$(stderr_lines_matching "Watching state root '$parent/root'")" 1 "announcements of the root"
assert_event_count "$behind" started 0
assert_event_count "$now" started 1
! event_has_field "$now" started CONTAINER_OWNER_UID || fail "CONTAINER_OWNER_UID on a container of a root only root controls"
daemon_alive || fail "daemon died"
stop_daemon
note "ok"
