#!/bin/bash
# SPDX-License-Identifier: MIT
# Run the container-watchd image (build-image.sh) on a Docker host, watching the host's containers
# and writing to the host's journal:
#   --pid=host                 runc records init PIDs in the host PID namespace; pidfds and
#                              /proc/<pid> must refer to them (FACTS 1.12). cw-supervise is the
#                              daemon's parent, so the daemon is no namespace's init either.
#   --cgroupns=host            the cgroup paths in state.json are the host's (OOM counters).
#   read-only binds            every state root that exists (default roots of DESIGN.md section 4)
#                              at the same path, Docker's container records (names and images),
#                              the host's /sys/fs/cgroup; the directory of the journal socket (the
#                              directory, not the socket, so that a journald restart is survived;
#                              sending to a socket on a read-only mount works, only creating files
#                              there does not).
#   the persistent record      a host directory, read-write: the only thing the daemon writes.
#   least privilege            root in the container but every capability dropped except the two
#                              the unit keeps (DAC_READ_SEARCH, SYS_PTRACE), no-new-privileges,
#                              a read-only root file system, no network.
# usage: run.sh [EXTRA DOCKER RUN OPTIONS...]
# Environment (defaults in brackets):
#   CW_IMAGE [container-watchd:latest]  CW_NAME [container-watchd]
#   CW_STATE_DIR [/var/lib/container-watchd]   host directory for the record
#   CW_JOURNAL_DIR [/run/systemd/journal]      host directory holding journald's socket
#   CW_DOCKER_ROOT [docker info's DockerRootDir, else /var/lib/docker]
#   CW_ROOTS ["/run/docker/runtime-runc /run/containerd/runc /run/runc /run/crun"]  host
#            directories bound read-only at the same path (missing ones are skipped: restart the
#            container after installing a runtime, or create the directory first). Never bind
#            /run/containerd or /run/docker whole: a read-only mount does not stop connect() on
#            the engine sockets in them, and those sockets are root on the host.
#   DOCKER [docker]
set -euo pipefail

DOCKER=${DOCKER:-docker}
CW_IMAGE=${CW_IMAGE:-container-watchd:latest}
CW_NAME=${CW_NAME:-container-watchd}
CW_STATE_DIR=${CW_STATE_DIR:-/var/lib/container-watchd}
CW_JOURNAL_DIR=${CW_JOURNAL_DIR:-/run/systemd/journal}
CW_ROOTS=${CW_ROOTS:-/run/docker/runtime-runc /run/containerd/runc /run/runc /run/crun}
if [ -z "${CW_DOCKER_ROOT:-}" ]; then
        CW_DOCKER_ROOT=$("$DOCKER" info -f '{{.DockerRootDir}}' 2>/dev/null || echo /var/lib/docker)
fi

# shellcheck disable=SC2054 # the commas are in mount options
args=(
        run -d --name "$CW_NAME" --restart unless-stopped
        --pid host --cgroupns host --network none
        --read-only --tmpfs /run/container-watchd:mode=0755,size=1m --tmpfs /tmp:size=1m
        # No CAP_BPF/CAP_PERFMON for the kernel probe (issue 13): Debian 12's Docker (20.10) knows
        # neither ("unknown capability") and its default seccomp profile refuses bpf() anyway. The
        # daemon then runs without the probe and says so in one line and in STATUS=. With Docker
        # 23 or later, add "--cap-add BPF --cap-add PERFMON" (dropped once the probe is attached).
        --cap-drop ALL --cap-add DAC_READ_SEARCH --cap-add SYS_PTRACE
        --security-opt no-new-privileges
        --memory 128m --pids-limit 16
        --mount "type=bind,src=$CW_STATE_DIR,dst=/var/lib/container-watchd"
        --mount "type=bind,src=$CW_JOURNAL_DIR,dst=/run/systemd/journal,readonly"
)
[ -d "$CW_STATE_DIR" ] || mkdir -p "$CW_STATE_DIR"
chmod 0700 "$CW_STATE_DIR"
for r in $CW_ROOTS; do
        [ -d "$r" ] && args+=(--mount "type=bind,src=$r,dst=$r,readonly")
done
# The daemon reads DockerDataRoot=/var/lib/docker (its default): bind the records there.
[ -d "$CW_DOCKER_ROOT/containers" ] &&
        args+=(--mount "type=bind,src=$CW_DOCKER_ROOT/containers,dst=/var/lib/docker/containers,readonly")
[ -d /sys/fs/cgroup ] && args+=(--mount "type=bind,src=/sys/fs/cgroup,dst=/sys/fs/cgroup,readonly")

exec "$DOCKER" "${args[@]}" "$@" "$CW_IMAGE"
