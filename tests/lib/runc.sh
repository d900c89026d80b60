# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# Real runc containers for the integration tests. Source after common.sh.
#
# The rootfs is busybox-static with its applets installed as symlinks; it is built once and cached
# in $top_builddir/tests/rootfs (removed by `make clean`). Every container gets its own bundle
# directory under $TEST_TMP with a config.json from `runc spec`, edited with jq: no terminal, the
# caller's command, the shared read-only rootfs, and no network namespace (not needed, and slow to
# create and destroy). The PID namespace is kept, so the init is PID 1 of its namespace, as in
# every real container: it ignores signals it has no handler for, SIGKILL/SIGSTOP aside.
#
# runc runs with `--root $RUNC_ROOT` (default $TEST_TMP/runc); set RUNC_ROOT per call or globally
# to use another state root. Containers started here are deleted (`runc delete -f`) at exit.
#
# Note: the init of `runc run -d` is re-parented to PID 1, which on the reference machine reaps
# orphans 1-1.5 s late. The daemon then reads the exit status from /proc (EXIT_STATUS_SOURCE=proc).

RUNC=${RUNC:-runc}
RUNC_ROOT=${RUNC_ROOT:-$TEST_TMP/runc}
RUNC_ROOTFS=${RUNC_ROOTFS:-$top_builddir/tests/rootfs}
_RUNC_CONTAINERS=$TEST_TMP/runc-containers      # "ROOT<TAB>ID" per line, for cleanup
# Extra flags for `runc run` in runc_run (e.g. --no-pivot where / is the initramfs, tests/vm).
[ -n "${RUNC_RUN_FLAGS+x}" ] || RUNC_RUN_FLAGS=()

require_runc() {
        require_root
        require_cmd "$RUNC" jq busybox chroot
}

# runc_rootfs: build the cached rootfs if needed. Safe when tests build it in parallel: each builds
# in a private directory and renames it into place; the loser discards its copy.
runc_rootfs() {
        local bb tmp
        [ -x "$RUNC_ROOTFS/bin/busybox" ] && [ -e "$RUNC_ROOTFS/bin/sh" ] && return 0
        bb=$(command -v busybox) || skip_or_fail "busybox is not installed (Debian: busybox-static)"
        # A dynamically linked busybox would need its libraries inside the rootfs.
        if LC_ALL=C ldd "$bb" >/dev/null 2>&1; then
                skip_or_fail "'$bb' is dynamically linked; install busybox-static"
        fi
        mkdir -p "$(dirname "$RUNC_ROOTFS")"
        tmp=$(mktemp -d "$RUNC_ROOTFS.tmp.XXXXXX") || fail "cannot create a directory next to '$RUNC_ROOTFS'"
        mkdir -p "$tmp/bin" "$tmp/proc" "$tmp/sys" "$tmp/dev" "$tmp/tmp" "$tmp/etc" "$tmp/ctl"
        cp "$bb" "$tmp/bin/busybox" || fail "cannot copy busybox"
        # Inside a chroot so that the links point at /bin/busybox, not at the host path.
        chroot "$tmp" /bin/busybox --install -s /bin || fail "busybox --install failed"
        chmod 0755 "$tmp"
        if ! mv -T "$tmp" "$RUNC_ROOTFS" 2>/dev/null; then
                rm -rf "$tmp"
                [ -x "$RUNC_ROOTFS/bin/busybox" ] || fail "cannot install the rootfs at '$RUNC_ROOTFS'"
        fi
}

# runc_bundle ID ARGS...: create the bundle $TEST_TMP/bundles/ID running ARGS; sets RUNC_BUNDLE.
# RUNC_BUNDLE_EDIT, when set, is one more jq filter applied to config.json (e.g. a memory limit:
# RUNC_BUNDLE_EDIT='.linux.resources.memory = {limit: 16777216}' runc_run ID ...).
runc_bundle() {
        local id=$1 base=$TEST_TMP/bundles/.spec.json
        shift
        runc_rootfs
        RUNC_BUNDLE=$TEST_TMP/bundles/$id
        mkdir -p "$RUNC_BUNDLE"
        if [ ! -s "$base" ]; then
                (cd "$TEST_TMP/bundles" && "$RUNC" spec && mv config.json .spec.json) ||
                        fail "runc spec failed"
        fi
        # With --args, the arguments after the filter (and after --, so that "-c" is not an option
        # of jq) are positional strings: the spec comes on stdin.
        jq --arg rootfs "$RUNC_ROOTFS" --args '
                .process.terminal = false
                | .process.args = $ARGS.positional
                | .root = { path: $rootfs, readonly: true }
                | .hostname = "itest"
                | .linux.namespaces |= map(select(.type != "network"))
                | '"${RUNC_BUNDLE_EDIT:-.}"'
        ' -- "$@" <"$base" >"$RUNC_BUNDLE/config.json" || fail "cannot write $RUNC_BUNDLE/config.json"
}

# runc_cmd ARGS...: runc with the current --root.
runc_cmd() {
        "$RUNC" --root "$RUNC_ROOT" "$@"
}

_runc_cleanup() {
        local root id
        [ -f "$_RUNC_CONTAINERS" ] || return 0
        while IFS=$'\t' read -r root id; do
                [ -d "$root/$id" ] || continue
                timeout 10 "$RUNC" --root "$root" kill "$id" KILL >/dev/null 2>&1
                timeout 10 "$RUNC" --root "$root" delete -f "$id" >/dev/null 2>&1 ||
                        echo "$TEST_TMP: warning: could not delete container '$id' in '$root'" >&2
        done <"$_RUNC_CONTAINERS"
}
CLEANUP_HOOKS+=(_runc_cleanup)

# runc_run ID ARGS...: start a detached container running ARGS in $RUNC_ROOT. runc's and the
# container's output go to $TEST_TMP/runc-ID.log (stdin is /dev/null, so nothing waits on a tty).
runc_run() {
        local id=$1
        shift
        runc_bundle "$id" "$@"
        printf '%s\t%s\n' "$RUNC_ROOT" "$id" >>"$_RUNC_CONTAINERS"
        runc_cmd run "${RUNC_RUN_FLAGS[@]}" -d --bundle "$RUNC_BUNDLE" "$id" </dev/null >>"$TEST_TMP/runc-$id.log" 2>&1 ||
                fail "runc run $id failed: $(cat "$TEST_TMP/runc-$id.log")"
}

# runc_run_foreground ID ARGS...: `runc run` without -d, in the background of this shell: runc
# stays the init's parent (a child subreaper: it reaps the init at once, then deletes the
# container). Sets RUNC_FG_PID to runc's PID.
runc_run_foreground() {
        local id=$1
        shift
        runc_bundle "$id" "$@"
        printf '%s\t%s\n' "$RUNC_ROOT" "$id" >>"$_RUNC_CONTAINERS"
        # A simple command (not the runc_cmd function), so that $! is runc itself, not a subshell.
        "$RUNC" --root "$RUNC_ROOT" run --bundle "$RUNC_BUNDLE" "$id" </dev/null >>"$TEST_TMP/runc-$id.log" 2>&1 &
        RUNC_FG_PID=$!
        CLEANUP_PIDS+=("$RUNC_FG_PID")
        wait_for 10 runc_is_running "$id" || fail "runc run $id (foreground) did not start: $(cat "$TEST_TMP/runc-$id.log")"
}

# runc_status ID: created, running, paused, stopped (or nothing if unknown).
runc_status() {
        runc_cmd state "$1" 2>/dev/null | jq -r .status
}

runc_is_running() {
        [ "$(runc_status "$1")" = running ]
}

# runc_pid ID: the init's host PID according to `runc state` (0 once it is stopped).
runc_pid() {
        runc_cmd state "$1" | jq -r .pid
}

# runc_state_file ID: path of the container's state.json.
runc_state_file() {
        printf '%s/%s/state.json\n' "$RUNC_ROOT" "$1"
}

# runc_kill ID SIGNAL: runc kill (the signal goes to the init).
runc_kill() {
        runc_cmd kill "$1" "$2" || fail "runc kill $1 $2 failed"
}

# runc_delete ID: runc delete -f.
runc_delete() {
        runc_cmd delete -f "$1" || fail "runc delete -f $1 failed"
}

# sig_caught PID SIGNUM: PID has a handler for signal SIGNUM (SigCgt in /proc/PID/status).
sig_caught() {
        local mask
        mask=$(awk '/^SigCgt:/ { print $2 }' "/proc/$1/status" 2>/dev/null) || return 1
        [ -n "$mask" ] && (( (16#$mask >> ($2 - 1)) & 1 ))
}

# wait_sig_caught PID SIGNUM: wait until the init installed its handler (a signal sent earlier
# to a handler-less PID-namespace init would be dropped, and the test would hang).
wait_sig_caught() {
        wait_for 10 sig_caught "$1" "$2" || fail "process $1 installed no handler for signal $2"
}

# ns_inode PID KIND: inode number of /proc/PID/ns/KIND (as lsns prints it).
ns_inode() {
        stat -L -c %i "/proc/$1/ns/$2"
}

# A busybox sh init that waits (PID 1 of its namespace) and exits with CODE on SIGUSR1, with 143
# on SIGTERM (the shell convention for "terminated", but a normal exit), and ignores the rest.
# usage: runc_run ID "${INIT_WAIT_USR1[@]}" CODE
INIT_WAIT_USR1=(sh -c 'trap "exit $0" USR1; trap "exit 143" TERM; sleep 1000000 & wait; exit 99')
# A handler-less init: SIGTERM from the host is dropped by the kernel, SIGKILL kills it.
INIT_SLEEP=(sleep 1000000)
