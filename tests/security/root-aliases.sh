#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14, item 2: state roots that are one directory, and roots a user can redirect.
#   - Two roots that resolve to one directory (a link above one of them, as /var/run beside /run):
#     watched once, under the first root's name, with one warning; every container is reported
#     once, the ones there at start and the ones created later.
#   - A root below a symbolic link in a directory an ordinary user owns (a user who owns
#     /run/user/UID pointing "docker" at the system's /run/docker): the link is not followed (one
#     warning); the system's containers are reported once, under the system root only.
#   - Ownership along the path: a container directory owned by root, below a directory the user
#     owns (who could have put it there), is that user's: one that names root's process is refused.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/state-file.sh" || exit 99
require_root

start_sleeper pid

# one directory, two names
real=$TEST_TMP/real/runtime-runc/moby
mkdir -p "$real"
ln -s real "$TEST_TMP/link"
alias=$TEST_TMP/link/runtime-runc/moby
before=$(new_id before)
write_state "$real" "$before" "$pid"

# the system's root, and a user's directory with a link to it
sys=$TEST_TMP/sys/runtime-runc/moby
mkdir -p "$sys" "$TEST_TMP/user"
chown 65534:65534 "$TEST_TMP/user"
ln -s "$TEST_TMP/sys" "$TEST_TMP/user/docker"
chown -h 65534:65534 "$TEST_TMP/user/docker"
redirected=$TEST_TMP/user/docker/runtime-runc/moby
system=$(new_id system)
write_state "$sys" "$system" "$pid"

# root's directories below the user's
below=$TEST_TMP/owned/root-made/moby
mkdir -p "$below"
chown 65534:65534 "$TEST_TMP/owned"
planted=$(new_id planted)
write_state "$below" "$planted" "$pid"

start_daemon -r "$real" -r "$alias" -r "$sys" -r "$redirected" -r "$below" --log-target=console --json
wait_event "$before" started
wait_event "$system" started
assert_field "$before" started CONTAINER_STATE_DIR "$real/$before"
assert_field "$system" started CONTAINER_STATE_DIR "$sys/$system"
wait_for 5 grep -q "Refusing container '$below/$planted'" "$DAEMON_ERR" ||
        fail "no refusal for a root-owned directory below the user's"

later=$(new_id later)
write_state "$real" "$later" "$pid"
wait_event "$later" started
assert_field "$later" started CONTAINER_STATE_DIR "$real/$later"

kill -KILL "$pid"
for id in "$before" "$later" "$system"; do
        wait_event "$id" exited
done
for id in "$before" "$later" "$system"; do
        assert_event_count "$id" started 1
        assert_event_count "$id" exited 1
done
assert_event_count "$planted" started 0
assert_event_count "$planted" exited 0
assert_eq "$(stderr_lines_matching "State root '$alias' is the same directory as '$real'")" 1 "warnings about the alias"
assert_eq "$(stderr_lines_matching "State root '$redirected' is below a symbolic link that an ordinary user controls")" 1 \
        "warnings about the redirected root"
assert_eq "$(stderr_lines_matching "Watching state root '($alias|$redirected)'")" 0 "announcements of the alias and the redirected root"
daemon_alive || fail "daemon died"
stop_daemon
note "ok"
