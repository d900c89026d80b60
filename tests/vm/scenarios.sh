#!/bin/bash
# SPDX-License-Identifier: MIT
# The kernel matrix workload (tests/vm/README.md): real runc containers dying in every way the
# contract names, watched by the daemon with --json. Runs in the qemu guest (kernel-6.1.sh) and on
# the host (kernel-host.sh), in both cases under tests/vm/vm-reaper, which reaps every orphaned init
# at once as containerd-shim and conmon do. It asserts nothing about the statuses: it writes what
# happened into $VM_OUT, and tests/vm/expect.sh judges it on the host, per kernel feature.
#
# $VM_OUT gets: containers.tsv (LABEL, full id, init PID, one line per container), the daemon's
# stdout and stderr of each run (daemon.N.out / daemon.N.err), dd-status.oom-child (the exit status
# of the OOM-killed child), and `done` once every scenario ran.
#
# Scenarios, one daemon run (run 1) for all but the last:
#   exit0, exit3   an init that exits 0 / 3 on SIGUSR1
#   term           SIGTERM to an init that traps it: exits 143
#   sigkill        SIGKILL from outside
#   segv           an init that dies of a real SIGSEGV (tests/vm/crash)
#   oom-init       an init killed by its own 16 MiB memory limit (dd bs=64M as the init)
#   oom-child      a child OOM-killed while the init lives; then the init exits 0 on SIGUSR1
#   late           restart catch-up: started in run 1, killed while the daemon is stopped,
#                  reported by run 2 (same $STATE_DIRECTORY) as a late exit
# With SCEN_SANDBOX=1 the daemon runs in the shipped unit's sandbox (tests/lib/sandbox.sh: read-only
# cgroup tree and file system, dynamic user, two capabilities).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
. "$top_srcdir/tests/lib/sandbox.sh" || exit 99
: "${VM_OUT:?VM_OUT must name the output directory}"
VM_CRASH=${VM_CRASH:-$top_builddir/tests/vm/crash}
require_runc
[ -x "$VM_CRASH" ] || fail "'$VM_CRASH' is not built"
runc_rootfs
mkdir -p "$VM_OUT" "$RUNC_ROOT"

# An initramfs root cannot be pivot_root'ed away from (FACTS.md §7).
RUNC_RUN_FLAGS=()
[ "$(awk '$2 == "/" { print $3; exit }' /proc/mounts)" = rootfs ] && RUNC_RUN_FLAGS=(--no-pivot)

_scen_save() {
        cp "$TEST_TMP"/daemon.*.out "$TEST_TMP"/daemon.*.err "$VM_OUT"/ 2>/dev/null
        return 0
}
CLEANUP_HOOKS=(_scen_save "${CLEANUP_HOOKS[@]}")

# Under TCG every program start costs (jq about 0.4 s, runc 0.3-1.3 s): one jq per container, no
# `runc state`, and the polling of common.sh's wait_event done with grep (the daemon prints one
# compact JSON object per line, CONTAINER_EVENT before CONTAINER_ID_FULL).
_has_event() {
        grep -F "\"CONTAINER_ID_FULL\":\"$1\"" "$DAEMON_OUT" 2>/dev/null | grep -qF "\"CONTAINER_EVENT\":\"$2\""
}

SPEC=$TEST_TMP/bundles/.spec.json
mkdir -p "$TEST_TMP/bundles"
(cd "$TEST_TMP/bundles" && "$RUNC" spec && mv config.json "$SPEC") || fail "runc spec failed"

# scen_run LABEL MEMORY_LIMIT ARGS...: a detached container running ARGS (MEMORY_LIMIT in bytes, or
# ""), as tests/lib/runc.sh's runc_run makes them, plus its own read-write /ctl (holding a copy of
# the crash program). Records ID[LABEL].
declare -A ID PID
scen_run() {
        local label=$1 mem=$2 id ctl bundle
        shift 2
        id=$(new_id "$label")
        ctl=$TEST_TMP/ctl/$id
        bundle=$TEST_TMP/bundles/$id
        mkdir -p "$ctl" "$bundle" && cp "$VM_CRASH" "$ctl/crash" || fail "cannot prepare $ctl"
        jq --arg rootfs "$RUNC_ROOTFS" --arg ctl "$ctl" --arg mem "$mem" --args '
                .process.terminal = false
                | .process.args = $ARGS.positional
                | .root = { path: $rootfs, readonly: true }
                | .hostname = "itest"
                | .linux.namespaces |= map(select(.type != "network"))
                | .mounts += [{ destination: "/ctl", type: "bind", source: $ctl, options: ["rbind", "rw"] }]
                | if $mem == "" then . else .linux.resources.memory = { limit: ($mem | tonumber) } end
        ' -- "$@" <"$SPEC" >"$bundle/config.json" || fail "cannot write $bundle/config.json"
        printf '%s\t%s\n' "$RUNC_ROOT" "$id" >>"$_RUNC_CONTAINERS"
        runc_cmd run "${RUNC_RUN_FLAGS[@]}" -d --bundle "$bundle" "$id" </dev/null >>"$TEST_TMP/runc-$id.log" 2>&1 ||
                fail "runc run $id failed: $(cat "$TEST_TMP/runc-$id.log")"
        ID[$label]=$id
        note "ran $label"
}

# scen_started LABEL: wait for the daemon's `started` entry of LABEL; records PID[LABEL] from it.
scen_started() {
        local label=$1 id=${ID[$1]}
        wait_event "$id" started
        PID[$label]=$(_complete_lines "$DAEMON_OUT" | grep -F "\"CONTAINER_ID_FULL\":\"$id\"" |
                sed -n 's/.*"CONTAINER_PID":"\([0-9]*\)".*/\1/p' | head -n 1)
        [ -n "${PID[$label]}" ] || fail "no CONTAINER_PID in the started entry of $id"
        printf '%s\t%s\t%s\n' "$label" "$id" "${PID[$label]}" >>"$VM_OUT/containers.tsv"
}

[ "${SCEN_SANDBOX:-}" = 1 ] && sandbox_daemon
# Under TCG a poll costs a program start: the inits wait for /ctl/go every 0.2 s in the guest.
WAIT_GO="while [ ! -e /ctl/go ]; do sleep ${WAIT_INTERVAL:-0.05}; done"

start_daemon -r "$RUNC_ROOT" --log-target=console --json

scen_run exit0 "" "${INIT_WAIT_USR1[@]}" 0
scen_run exit3 "" "${INIT_WAIT_USR1[@]}" 3
scen_run term "" "${INIT_WAIT_USR1[@]}" 7
scen_run sigkill "" "${INIT_SLEEP[@]}"
scen_run segv "" sh -c "$WAIT_GO; exec /ctl/crash"
scen_run oom-init 16777216 sh -c "$WAIT_GO; exec dd if=/dev/zero of=/dev/null bs=64M count=1"
scen_run oom-child 16777216 sh -c "trap 'exit 0' USR1; $WAIT_GO
        dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo \$? >/ctl/dd-status
        sleep 1000000 & wait"
scen_run late "" "${INIT_SLEEP[@]}"
for l in exit0 exit3 term sigkill segv oom-init oom-child late; do
        scen_started "$l"
done
note "all containers started"

for l in exit0 exit3; do
        wait_sig_caught "${PID[$l]}" 10
        kill -USR1 "${PID[$l]}"
done
wait_sig_caught "${PID[term]}" 15
kill -TERM "${PID[term]}"
kill -KILL "${PID[sigkill]}"
touch "$TEST_TMP/ctl/${ID[segv]}/go" "$TEST_TMP/ctl/${ID[oom-init]}/go"
for l in exit0 exit3 term sigkill segv oom-init; do
        wait_event "${ID[$l]}" exited
done

# The child's OOM kill, while its init lives on; then the init's own, ordinary end.
wait_sig_caught "${PID[oom-child]}" 10
touch "$TEST_TMP/ctl/${ID[oom-child]}/go"
wait_for 20 test -s "$TEST_TMP/ctl/${ID[oom-child]}/dd-status" || fail "the OOM child's dd never finished"
cp "$TEST_TMP/ctl/${ID[oom-child]}/dd-status" "$VM_OUT/dd-status.oom-child"
wait_event "${ID[oom-child]}" oom
pid_running "${PID[oom-child]}" || fail "the init of oom-child died with its child"
kill -USR1 "${PID[oom-child]}"
wait_event "${ID[oom-child]}" exited
stop_daemon

# Restart catch-up: the init dies (and is reaped) while no daemon runs.
kill -KILL "${PID[late]}"
wait_for 20 pid_gone "${PID[late]}" || fail "init ${PID[late]} of 'late' was never reaped"
start_daemon -r "$RUNC_ROOT" --log-target=console --json
wait_event "${ID[late]}" exited
stop_daemon

: >"$VM_OUT/done"
note "ok: every scenario ran"
