# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# A real Docker for the integration tests (tests/integration/docker-*.sh). Source after common.sh.
# Installs nothing: CI installs docker.io (.ci/packages).
#
# dockerd: a test uses the dockerd that answers `docker info`; when none does, it starts one
# (Debian's /usr/sbin/dockerd, default data root and exec root, its log in $DOCKER_ITEST_DIR) and
# the last docker test to finish stops it again, so parallel tests (make -j) share one:
#   - every test holds a shared flock on $DOCKER_ITEST_DIR/dockerd.users while it uses Docker;
#   - a dockerd started by a test is recorded in $DOCKER_ITEST_DIR/dockerd.pid;
#   - at exit, a test that can turn its shared lock into an exclusive one at once (no other test
#     uses Docker) stops that dockerd. A dockerd that the tests did not start is never stopped.
# CW_DOCKERD_STARTED=1 (exported by whoever started a dockerd for the whole run, e.g. .ci/run
# through `bash tests/lib/docker.sh start-dockerd LOG`): the tests use it, never start or stop one,
# and fail if it does not answer.
#
# Environment:
#   DOCKER            the client; default Debian's /usr/bin/docker when present (a newer client in
#                     /usr/local/bin may be first in $PATH; Debian's matches its dockerd 20.10)
#   DOCKERD           the daemon; default dockerd in $PATH
#   DOCKERD_ARGS      options for a dockerd started here, one per word (default none; the
#                     tests/vm guest's: no iptables, no bridge, vfs)
#   DOCKER_ITEST_DIR  locks, pid file and dockerd log; default /run/container-watchd-itest
#   DOCKERD_TIMEOUT   seconds to wait for a started dockerd to answer (default 60)
#
# After require_docker:
#   DOCKER_DATA_ROOT    dockerd's data root (`docker info` DockerRootDir), for DockerDataRoot=
#   DOCKER_STATE_ROOT   where runc keeps Docker's container state: <exec-root>/runtime-runc/moby
#   DOCKER_IMAGE        a busybox image (docker_image builds it once and keeps it: ~2 MB)
#   docker_run, docker_state_file, docker_init_pid, docker_status, docker_exit_code, ...
# Every container a test creates carries the label container-watchd-itest=$TEST_TMP and is
# removed (docker rm -f) at exit.

DOCKER=${DOCKER:-}
if [ -z "$DOCKER" ]; then
        if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER=docker; fi
fi
DOCKERD=${DOCKERD:-dockerd}
DOCKERD_ARGS=${DOCKERD_ARGS:-}
DOCKER_ITEST_DIR=${DOCKER_ITEST_DIR:-/run/container-watchd-itest}
DOCKERD_TIMEOUT=${DOCKERD_TIMEOUT:-60}
DOCKER_IMAGE=${DOCKER_IMAGE:-container-watchd-itest/busybox:1}
DOCKER_LABEL=container-watchd-itest
DOCKER_DATA_ROOT=
DOCKER_STATE_ROOT=
_DOCKER_USERS_FD=

docker_cmd() {
        "$DOCKER" "$@"
}

docker_answers() {
        "$DOCKER" info >/dev/null 2>&1
}

# _dockerd_exec_root PID: the --exec-root of a running dockerd (default /var/run/docker).
_dockerd_exec_root() {
        local a prev= root=/var/run/docker
        while IFS= read -r -d '' a; do
                case $prev in --exec-root) root=$a ;; esac
                case $a in --exec-root=*) root=${a#--exec-root=} ;; esac
                prev=$a
        done <"/proc/$1/cmdline"
        printf '%s\n' "$root"
}

# dockerd_start LOG: start a dockerd in its own session, wait until it answers. Prints its PID.
# Used by require_docker and by `bash docker.sh start-dockerd`.
dockerd_start() {
        local log=$1 pid deadline
        command -v "$DOCKERD" >/dev/null 2>&1 || return 2
        # No inherited descriptors but the log: a lock fd held by dockerd would never be released.
        # The subshell is not a process-group leader, so setsid execs dockerd without forking: $! is
        # dockerd's PID.
        (
                for fd in /proc/"$BASHPID"/fd/*; do
                        fd=${fd##*/}
                        [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
                done
                # shellcheck disable=SC2086 # DOCKERD_ARGS: one option per word
                exec setsid "$DOCKERD" $DOCKERD_ARGS </dev/null >>"$log" 2>&1
        ) &
        pid=$!
        deadline=$((SECONDS + DOCKERD_TIMEOUT))
        until docker_answers; do
                if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
                        kill -TERM "$pid" 2>/dev/null
                        return 1
                fi
                sleep 0.1
        done
        printf '%s\n' "$pid"
}

# dockerd_stop PID: SIGTERM, wait up to 30 s (dockerd stops its containerd first), then SIGKILL.
dockerd_stop() {
        local pid=$1 i
        kill -TERM "$pid" 2>/dev/null || return 0
        for ((i = 0; i < 300; i++)); do
                kill -0 "$pid" 2>/dev/null || return 0
                sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null
}

_docker_cleanup() {
        local ids pid
        ids=$("$DOCKER" ps -aq --filter "label=$DOCKER_LABEL=$TEST_TMP" 2>/dev/null)
        # shellcheck disable=SC2086 # one id per word
        [ -z "$ids" ] || "$DOCKER" rm -f $ids >/dev/null 2>&1 ||
                echo "$TEST_NAME: warning: could not remove containers $ids" >&2
        [ -n "$_DOCKER_USERS_FD" ] || return 0
        # The last user of a dockerd the tests started stops it.
        if [ "${CW_DOCKERD_STARTED:-}" != 1 ] && [ -s "$DOCKER_ITEST_DIR/dockerd.pid" ] &&
           flock -x -n "$_DOCKER_USERS_FD"; then
                pid=$(cat "$DOCKER_ITEST_DIR/dockerd.pid")
                note "stopping the dockerd the tests started (pid $pid)"
                dockerd_stop "$pid"
                rm -f "$DOCKER_ITEST_DIR/dockerd.pid"
        fi
        exec {_DOCKER_USERS_FD}>&-
        _DOCKER_USERS_FD=
}

# require_docker: root, the client, a dockerd that answers (started if need be), and the paths.
require_docker() {
        local lock pid
        require_root
        require_cmd "$DOCKER" jq flock setsid tar
        mkdir -p "$DOCKER_ITEST_DIR" || fail "cannot create '$DOCKER_ITEST_DIR'"

        if [ "${CW_DOCKERD_STARTED:-}" = 1 ]; then
                docker_answers || fail "CW_DOCKERD_STARTED=1 but '$DOCKER info' fails"
        else
                exec {_DOCKER_USERS_FD}>>"$DOCKER_ITEST_DIR/dockerd.users"
                CLEANUP_HOOKS+=(_docker_cleanup)
                # Blocks while the last user of a test-started dockerd is stopping it.
                flock -s -w 60 "$_DOCKER_USERS_FD" || fail "timed out waiting for the dockerd lock"
                exec {lock}>>"$DOCKER_ITEST_DIR/dockerd.lock"
                flock -x -w 120 "$lock" || fail "timed out waiting for the dockerd start lock"
                if ! docker_answers; then
                        command -v "$DOCKERD" >/dev/null 2>&1 ||
                                skip_or_fail "'$DOCKERD' is not installed (Debian: docker.io)"
                        note "no dockerd answers; starting one (log: $DOCKER_ITEST_DIR/dockerd.log)"
                        pid=$(dockerd_start "$DOCKER_ITEST_DIR/dockerd.log") ||
                                fail "dockerd did not answer within ${DOCKERD_TIMEOUT}s: $(tail -n 20 "$DOCKER_ITEST_DIR/dockerd.log")"
                        printf '%s\n' "$pid" >"$DOCKER_ITEST_DIR/dockerd.pid"
                fi
                exec {lock}>&-
        fi
        if [ "${CW_DOCKERD_STARTED:-}" = 1 ]; then
                CLEANUP_HOOKS+=(_docker_cleanup)
        fi

        DOCKER_DATA_ROOT=$("$DOCKER" info -f '{{.DockerRootDir}}') || fail "docker info failed"
        pid=$(pgrep -o -x dockerd) || fail "docker answers but no dockerd process is visible"
        DOCKER_STATE_ROOT=$(_dockerd_exec_root "$pid")/runtime-runc/moby
        DOCKER_STATE_ROOT=${DOCKER_STATE_ROOT/#\/var\/run\//\/run\/}
        note "dockerd $("$DOCKER" version -f '{{.Server.Version}}'): data root $DOCKER_DATA_ROOT, state root $DOCKER_STATE_ROOT"
}

# docker_image: build $DOCKER_IMAGE once (kept in dockerd for later runs). busybox-static with
# RELATIVE applet links (`ln -s busybox NAME`): `busybox --install -s DIR` run on the host would
# link to the host's path, which does not exist inside the container.
docker_image() {
        local bb rootfs a lock
        "$DOCKER" image inspect "$DOCKER_IMAGE" >/dev/null 2>&1 && return 0
        exec {lock}>>"$DOCKER_ITEST_DIR/image.lock"
        flock -x -w 120 "$lock" || fail "timed out waiting for the image lock"
        if ! "$DOCKER" image inspect "$DOCKER_IMAGE" >/dev/null 2>&1; then
                bb=$(command -v busybox) || skip_or_fail "busybox is not installed (Debian: busybox-static)"
                LC_ALL=C ldd "$bb" >/dev/null 2>&1 && skip_or_fail "'$bb' is dynamically linked; install busybox-static"
                rootfs=$TEST_TMP/image-rootfs
                mkdir -p "$rootfs"/{bin,proc,sys,dev,tmp,etc,www} || fail "mkdir $rootfs"
                cp "$bb" "$rootfs/bin/busybox" || fail "cannot copy busybox"
                for a in $("$bb" --list); do
                        [ "$a" = busybox ] || ln -s busybox "$rootfs/bin/$a" || fail "ln $a"
                done
                echo 'root:x:0:0:root:/:/bin/sh' >"$rootfs/etc/passwd"
                echo 'root:x:0:' >"$rootfs/etc/group"
                tar -C "$rootfs" -c . | "$DOCKER" import -c 'ENV PATH=/bin' -c 'CMD ["sh"]' - "$DOCKER_IMAGE" >/dev/null ||
                        fail "docker import failed"
                note "built image $DOCKER_IMAGE"
        fi
        exec {lock}>&-
}

# docker_run ARGS...: `docker run -d --label ... ARGS` (ARGS = options, image, command).
# Prints the full id.
docker_run() {
        local id
        id=$("$DOCKER" run -d --label "$DOCKER_LABEL=$TEST_TMP" "$@") || fail "docker run $* failed"
        printf '%s\n' "$id"
}

# docker_create ARGS...: like docker_run, `docker create` (start it with docker_cmd start).
docker_create() {
        local id
        id=$("$DOCKER" create --label "$DOCKER_LABEL=$TEST_TMP" "$@") || fail "docker create $* failed"
        printf '%s\n' "$id"
}

docker_state_file() {
        printf '%s/%s/state.json\n' "$DOCKER_STATE_ROOT" "$1"
}

# docker_init_pid ID: init_process_pid from the container's runc state.json.
docker_init_pid() {
        jq -r .init_process_pid "$(docker_state_file "$1")"
}

# docker_inspect ID GO-TEMPLATE
docker_inspect() {
        "$DOCKER" inspect -f "$2" "$1"
}

# docker_status ID: created, running, paused, exited, ...
docker_status() {
        "$DOCKER" inspect -f '{{.State.Status}}' "$1" 2>/dev/null
}

# docker_is STATUS ID
docker_is() {
        [ "$(docker_status "$2")" = "$1" ]
}

# docker_ps_status ID: the STATUS column of `docker ps -a` ("Exited (137) 1 second ago").
docker_ps_status() {
        "$DOCKER" ps -a --no-trunc --filter "id=$1" --format '{{.Status}}'
}

# docker_ps_exited ID CODE: `docker ps -a` shows "Exited (CODE)".
docker_ps_exited() {
        [[ "$(docker_ps_status "$1")" == "Exited ($2)"* ]]
}

# wait_docker_exited ID CODE: poll `docker ps -a` until it shows Exited (CODE).
wait_docker_exited() {
        wait_for 30 docker_ps_exited "$1" "$2" ||
                fail "docker ps -a shows '$(docker_ps_status "$1")' for $1, not 'Exited ($2)'"
}

# wait_docker_running ID: running, with its runc state.json in place.
_docker_running() {
        docker_is running "$1" && [ -s "$(docker_state_file "$1")" ]
}
wait_docker_running() {
        wait_for 30 _docker_running "$1" ||
                fail "container $1 is '$(docker_status "$1")' and its state file $(docker_state_file "$1") is $( [ -e "$(docker_state_file "$1")" ] && echo present || echo absent)"
}

# start_docker_daemon [ARGS...]: the container-watchd daemon watching Docker's state root with
# Docker's data root, --json on the console. DOCKER_DAEMON_CONF (lines such as
# "[Exit]\nKernelProbe=no\n") is appended to its configuration file when set.
start_docker_daemon() {
        printf '[Watch]\nDockerDataRoot=%s\n%b' "$DOCKER_DATA_ROOT" "${DOCKER_DAEMON_CONF:-}" >"$TEST_TMP/docker.conf"
        start_daemon -c "$TEST_TMP/docker.conf" -r "$DOCKER_STATE_ROOT" --log-target=console --json "$@"
}

# ns_inode PATH: the inode number of a /proc/<pid>/ns/* link's target, as lsns shows it.
ns_inode() {
        stat -L -c %i "$1"
}

# Run as a script: start or stop a dockerd for a whole run (.ci/run).
#   bash tests/lib/docker.sh start-dockerd LOG   prints the PID; export CW_DOCKERD_STARTED=1 after
#   bash tests/lib/docker.sh stop-dockerd PID
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
        set -u
        case ${1:-} in
        start-dockerd)
                if docker_answers; then echo "a dockerd already answers" >&2; exit 0; fi
                dockerd_start "${2:-/dev/null}" || { echo "dockerd did not start" >&2; exit 1; }
                ;;
        stop-dockerd)
                dockerd_stop "$2"
                ;;
        *)
                echo "usage: $0 start-dockerd LOG | stop-dockerd PID" >&2
                exit 2
                ;;
        esac
fi
