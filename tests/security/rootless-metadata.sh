#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 14, item 3: a state root an ordinary user controls gets names and images only from that
# user's own stores, read with no more than that user's access. Seen before: a uid-65534 container
# in a ".../runtime-runc/moby" root was named from the *system* DockerDataRoot with an id the user
# chose (CONTAINER_NAME=prod-db IMAGE_NAME=postgres:16), and a Podman-labelled one from any
# containers.json its state file's bundle path pointed at.
#   - moby root of uid 65534, the system data root holding a record for that id: no name, no image;
#   - Podman label, bundle pointing into a root-owned containers-storage: no name;
#   - Podman label, bundle in the user's own containers-storage (its containers.json the user's):
#     the name and image from it;
#   - the same, its containers.json below a directory of root's the user cannot search: no name;
#   - the moby container's exit found late: no status from the system data root's record.
# Root-owned roots keep reading the system stores (tests/integration/docker-*.sh, podman-run.sh).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
require_root
require_cmd setpriv

setpriv --reuid=65534 --regid=65534 --clear-groups sleep 1000000 &
upid=$!
CLEANUP_PIDS+=("$upid")
owned() { [ "$(stat -c %u "/proc/$upid" 2>/dev/null)" = 65534 ]; }
wait_for 5 owned || fail "the user's process did not start"
ustart=$(sed 's/.*) //' "/proc/$upid/stat" | cut -d' ' -f20)

hexid() { od -An -N32 -tx1 /dev/urandom | tr -d ' \n'; }

# state ROOT ID LABELS_JSON: a state.json naming the user's process, written by the user's runtime
state() {
        mkdir -p "$1/$2"
        printf '{"id":"%s","init_process_pid":%d,"init_process_start":%s,"config":{"labels":%s}}\n' \
                "$2" "$upid" "$ustart" "$3" >"$1/$2/state-tmp"
        chown -R 65534:65534 "$1/$2"
        mv "$1/$2/state-tmp" "$1/$2/state.json"
}
# storage DIR ID NAME IMAGE OWNER: a containers-storage with DIR/overlay-containers/containers.json
storage() {
        mkdir -p "$1/overlay-containers/$2/userdata"
        printf '[{"id":"%s","names":["%s"],"metadata":"{\\"image-name\\":\\"%s\\",\\"name\\":\\"%s\\"}"}]\n' \
                "$2" "$3" "$4" "$3" >"$1/overlay-containers/containers.json"
        chown -R "$5" "$1"
}

# The system's dockerd data root, with a record for the id the user will choose.
data=$TEST_TMP/docker-data
spoof=$(hexid)
mkdir -p "$data/containers/$spoof"
printf '{"ID":"%s","Name":"/prod-db","Config":{"Image":"postgres:16"}}\n' "$spoof" >"$data/containers/$spoof/config.v2.json"
printf '[Watch]\nDockerDataRoot=%s\n' "$data" >"$TEST_TMP/cw.conf"

user=$TEST_TMP/user
mkdir -p "$user/docker/runtime-runc/moby" "$user/runc"
chown -R 65534:65534 "$user"

# The user can reach its own files below the test's directory (mktemp made it 0700).
chmod 0755 "$TEST_TMP"
# ... but not those below a directory of root's that it cannot search: its own containers.json
# there is nothing it could read, so it names nothing either.
hidden=$TEST_TMP/hidden
mkdir -m 0700 "$hidden"
away=$(hexid)
storage "$hidden/storage" "$away" secret localhost/secret:1 65534:65534

sysstore=$TEST_TMP/sys-storage
borrow=$(hexid)
storage "$sysstore" "$borrow" prod-db postgres:16 0:0
own=$(hexid)
storage "$user/storage" "$own" mine localhost/mine:1 65534:65534

start_daemon -c "$TEST_TMP/cw.conf" -r "$user/docker/runtime-runc/moby" -r "$user/runc" --log-target=console --json
state "$user/docker/runtime-runc/moby" "$spoof" '[]'
state "$user/runc" "$borrow" "[\"bundle=$sysstore/overlay-containers/$borrow/userdata\",\"io.container.manager=libpod\"]"
state "$user/runc" "$own" "[\"bundle=$user/storage/overlay-containers/$own/userdata\",\"io.container.manager=libpod\"]"
state "$user/runc" "$away" "[\"bundle=$hidden/storage/overlay-containers/$away/userdata\",\"io.container.manager=libpod\"]"
for id in "$spoof" "$borrow" "$own" "$away"; do
        wait_event "$id" started
done
assert_field "$spoof" started CONTAINER_MANAGER docker
assert_eq "$(event_field "$spoof" started CONTAINER_NAME)" "" "CONTAINER_NAME of a user's container from the system data root"
assert_eq "$(event_field "$spoof" started IMAGE_NAME)" "" "IMAGE_NAME of a user's container from the system data root"
assert_field "$borrow" started CONTAINER_MANAGER podman
assert_eq "$(event_field "$borrow" started CONTAINER_NAME)" "" "CONTAINER_NAME from a root-owned containers.json"
assert_field "$own" started CONTAINER_NAME mine
assert_field "$own" started IMAGE_NAME localhost/mine:1
assert_eq "$(event_field "$away" started CONTAINER_NAME)" "" "CONTAINER_NAME from a containers.json the user cannot reach"
# every entry of a container in a root the user controls says whose word it is
for id in "$spoof" "$borrow" "$own"; do
        assert_field "$id" started CONTAINER_OWNER_UID 65534
done
daemon_alive || fail "daemon died"

# Nor does its exit status come from the system's data root: there, the record for that id says it
# exited with 42. The user's process ends while the daemon is stopped, and the directories go with
# it: the restarted daemon reports the exits late, from its record.
printf '{"ID":"%s","Name":"/prod-db","Config":{"Image":"postgres:16"},"State":{"Running":false,"ExitCode":42,"FinishedAt":"2026-12-01T10:00:00.000000000Z"}}\n' \
        "$spoof" >"$data/containers/$spoof/config.v2.json"
stop_daemon
kill -KILL "$upid"
wait "$upid" 2>/dev/null
rm -rf "${user:?}/docker/runtime-runc/moby/$spoof" "$user/runc/$borrow" "$user/runc/$own" "$user/runc/$away"
start_daemon -c "$TEST_TMP/cw.conf" -r "$user/docker/runtime-runc/moby" -r "$user/runc" --log-target=console --json
wait_event "$spoof" exited
assert_field "$spoof" exited EXIT_OBSERVED late
assert_field "$spoof" exited EXIT_CODE unknown
assert_field "$spoof" exited CONTAINER_OWNER_UID 65534
stop_daemon
note "ok"
