#!/bin/bash
# SPDX-License-Identifier: MIT
# The founding experiment against a real Docker (issue 3, item 1): `docker run --name ws -d -p
# 8000:80 IMAGE httpd -f -p 80` is reported `started` with Docker's name and image, the manager,
# the namespace, the init PID that runc's state.json names and the inode numbers of its
# namespace_paths; `kill -9` of that PID makes `docker ps -a` show Exited (137) and the daemon
# report `exited` killed by SIGKILL, with the same identity.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/docker.sh" || exit 99
. "$top_srcdir/tests/lib/sandbox.sh" || exit 99
require_docker
docker_image

# As the shipped unit runs it (tests/lib/sandbox.sh).
sandbox_daemon
start_docker_daemon

# The name must be unique on the host: tests may run in parallel, and a developer may have a "ws".
name=ws-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
port=8000
if "$DOCKER" ps --format '{{.Ports}}' | grep -q ":$port->"; then
        port=0 # someone else holds 8000 (see tests/fixtures/README.md): any free port will do
        note "host port 8000 is taken; publishing on a random port"
fi
id=$(docker_run --name "$name" -p "$port:80" "$DOCKER_IMAGE" httpd -f -p 80)
wait_docker_running "$id"
wait_event "$id" started

state=$(docker_state_file "$id")
pid=$(jq -r .init_process_pid "$state")
assert_match "$pid" '^[1-9][0-9]*$' "init_process_pid in $state"
assert_eq "$pid" "$(docker_inspect "$id" '{{.State.Pid}}')" "state.json init_process_pid vs docker inspect State.Pid"

assert_event_count "$id" started 1
assert_field "$id" started CONTAINER_EVENT started
assert_field "$id" started MESSAGE_ID "$(catalog_id CONTAINER_STARTED)"
assert_field "$id" started PRIORITY 6
assert_field "$id" started CONTAINER_ID "${id:0:12}"
assert_field "$id" started CONTAINER_NAME "$name"
assert_field "$id" started IMAGE_NAME "$DOCKER_IMAGE"
assert_field "$id" started CONTAINER_MANAGER docker
assert_field "$id" started CONTAINER_RUNTIME runc
assert_field "$id" started CONTAINER_NAMESPACE moby
assert_field "$id" started CONTAINER_STATE_DIR "$DOCKER_STATE_ROOT/$id"
assert_field "$id" started CONTAINER_PID "$pid"
assert_match "$(event_field "$id" started MESSAGE)" "^Container ${id:0:12} \\($name\\) started as pid $pid\\.$" "MESSAGE"

# CONTAINER_NS_<KIND> = the inode of each namespace_paths entry, as lsns shows it.
declare -A kind=([NEWPID]=PID [NEWNET]=NET [NEWNS]=MNT [NEWIPC]=IPC [NEWUTS]=UTS [NEWUSER]=USER [NEWCGROUP]=CGROUP)
n=0
while IFS=$'\t' read -r k path; do
        [ -n "${kind[$k]:-}" ] || continue
        assert_field "$id" started "CONTAINER_NS_${kind[$k]}" "$(ns_inode "$path")"
        n=$((n + 1))
done < <(jq -r '.namespace_paths | to_entries[] | "\(.key)\t\(.value)"' "$state")
assert_int_between "$n" 6 7 "namespace_paths checked"
# Docker's own namespaces differ from the host's (user and cgroup are shared on this setup).
assert_ne "$(event_field "$id" started CONTAINER_NS_NET)" "$(ns_inode /proc/self/ns/net)" "CONTAINER_NS_NET vs the host's"
assert_ne "$(event_field "$id" started CONTAINER_NS_PID)" "$(ns_inode /proc/self/ns/pid)" "CONTAINER_NS_PID vs the host's"
if command -v lsns >/dev/null; then
        assert_match "$(lsns -n -o NS -t net -p "$pid")" "^ *$(event_field "$id" started CONTAINER_NS_NET)\$" "lsns net namespace of $pid"
fi

# The web server answers through the published port: the container is really up.
hostport=$("$DOCKER" port "$id" 80/tcp | sed -n '1s/.*://p')
assert_match "$hostport" '^[0-9]+$' "published host port"
http_answers() {
        local reply
        reply=$(timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$hostport"'
                printf "GET / HTTP/1.0\r\n\r\n" >&3; head -c 9 <&3' 2>/dev/null)
        [ "$reply" = "HTTP/1.0 " ] || [ "$reply" = "HTTP/1.1 " ]
}
wait_for 10 http_answers || fail "httpd does not answer on 127.0.0.1:$hostport"

t_kill=$(now_usec)
kill -KILL "$pid"
wait_docker_exited "$id" 137
wait_event "$id" exited
assert_event_count "$id" exited 1
assert_field "$id" exited CONTAINER_EVENT exited
assert_field "$id" exited MESSAGE_ID "$(catalog_id CONTAINER_EXITED)"
assert_field "$id" exited PRIORITY 4
assert_field "$id" exited EXIT_CODE killed
assert_field "$id" exited EXIT_STATUS 9
assert_field "$id" exited EXIT_SIGNAL SIGKILL
assert_field "$id" exited EXIT_OBSERVED live
assert_field "$id" exited OOM_KILLED 0
assert_match "$(event_field "$id" exited EXIT_STATUS_SOURCE)" '^(pidfd|proc)$' "EXIT_STATUS_SOURCE"
assert_field "$id" exited CONTAINER_NAME "$name"
assert_field "$id" exited IMAGE_NAME "$DOCKER_IMAGE"
assert_field "$id" exited CONTAINER_MANAGER docker
assert_field "$id" exited CONTAINER_PID "$pid"
# The second form is the kernel probe's (issue 13): it names the sender.
assert_match "$(event_field "$id" exited MESSAGE)" "^Container ${id:0:12} \\($name\\) (exited: killed by SIGKILL|was killed: SIGKILL from )" "MESSAGE"
assert_eq "$(docker_inspect "$id" '{{.State.ExitCode}} {{.State.OOMKilled}}')" "137 false" "docker inspect ExitCode OOMKilled"
# The daemon saw it live: the event is no later than a few seconds after the kill.
assert_int_between "$(event_field "$id" exited CONTAINER_LIFETIME_USEC)" 1 $(($(now_usec) - t_kill + 60000000)) "CONTAINER_LIFETIME_USEC"

stop_daemon
note "ok: started/exited for $name (${id:0:12}), init pid $pid, port $hostport"
