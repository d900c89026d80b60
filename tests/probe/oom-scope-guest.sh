#!/bin/bash
# SPDX-License-Identifier: MIT
# OOM_SCOPE ancestor and host (issue 13, item 4), with the daemon and real runc containers, for the
# tests/vm guest only (tests/probe/why-kernel-6.1.sh runs it there): its second scenario runs the
# whole machine out of memory, which is harmless in a qemu guest and never done on a real host.
# Needs the probe with its out_of_memory fentry (the memory cgroup whose limit was hit: Debian 12's
# 6.1 takes it, FACTS.md §8) and cgroup v2.
#   - ancestor: a parent cgroup limited to 24 MiB, under it a container with its own 256 MiB limit
#     whose init (dd) takes 64 MiB: the parent's limit is hit. The exited entry: oom-killed,
#     OOM_VICTIM_IS_INIT=1, OOM_SCOPE=ancestor, and MESSAGE says a parent cgroup's limit was hit;
#   - host: a container without a limit whose init (sh) starts three dd of a third of the guest's
#     memory each, together more than it has (oom_score_adj 1000: the OOM killer takes them, not
#     the daemon): an oom entry naming a dd with OOM_SCOPE=host while the init lives, then the
#     init's own exit 0, exited, OOM_KILLED=0.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
[ "${VM_GUEST:-}" = 1 ] || fail "oom-scope-guest.sh runs a host out of memory: only inside the tests/vm guest (why-kernel-6.1.sh)"
require_runc
runc_rootfs
grep -qx '#define HAVE_PROBE 1' "$top_builddir/config.h" || skip_or_fail "built without the probe (configure --enable-probe)"
[ -f /sys/fs/cgroup/cgroup.subtree_control ] || fail "no cgroup v2 at /sys/fs/cgroup"
[ "$(awk '$2 == "/" { print $3; exit }' /proc/mounts)" = rootfs ] && RUNC_RUN_FLAGS=(--no-pivot)
mkdir -p "$RUNC_ROOT"
mib=$((1024 * 1024))

printf '[Log]\nLevel=debug\n' >"$TEST_TMP/debug.conf"
start_daemon -c "$TEST_TMP/debug.conf" -r "$RUNC_ROOT" --log-target=console --json
! grep -q '^STATUS=.*kernel probe off' "$NOTIFY_OUT" || fail "the probe did not load: $(grep -i probe "$DAEMON_ERR")"
grep -q 'Kernel probe attached\.$' "$DAEMON_ERR" ||
        fail "the probe is attached without its OOM scope (out_of_memory fentry): $(grep -i 'probe' "$DAEMON_ERR" | tail -3)"

# --------------------------------------------------------------------------- ancestor
parent=/sys/fs/cgroup/cw-scope-$$
mkdir "$parent" || fail "cannot create $parent"
_rm_parent() { rmdir "$parent"/* "$parent" 2>/dev/null; return 0; }
CLEANUP_HOOKS+=(_rm_parent)
echo $((24 * mib)) >"$parent/memory.max" || fail "cannot limit $parent"
echo '+memory +pids' >"$parent/cgroup.subtree_control" || fail "cannot enable memory in $parent"
a=$(new_id scope-ancestor)
RUNC_BUNDLE_EDIT=".linux.cgroupsPath = \"/${parent##*/}/$a\" | .linux.resources.memory = {limit: $((256 * mib))}" \
        runc_run "$a" dd if=/dev/zero of=/dev/null bs=64M count=1
wait_event "$a" exited
assert_eq "$(cat "$parent/memory.max")" $((24 * mib)) "the parent's limit"
assert_field "$a" exited DEATH_REASON oom-killed
assert_field "$a" exited OOM_KILLED 1
assert_field "$a" exited OOM_VICTIM_IS_INIT 1
assert_field "$a" exited OOM_VICTIM_COMM dd
assert_field "$a" exited OOM_SCOPE ancestor
assert_match "$(event_field "$a" exited MESSAGE)" "was killed by the OOM killer: init dd used [0-9.]+M when a parent cgroup's limit was hit" "MESSAGE"
grep -q '^oom_kill [1-9]' "$parent/memory.events" || fail "the parent's memory.events counts no OOM kill: $(cat "$parent/memory.events")"
# What cgroup v2 says without the probe's fentry (FACTS.md §8): the limit hit was the parent's, so
# the container's own memory.events counts the kill (oom_kill) but no "oom" of its own, while the
# parent's counts both.
assert_eq "$(awk '$1 == "oom" { print $2 }' "$parent/$a/memory.events")" 0 "the container's memory.events oom (the parent's limit was hit)"
assert_eq "$(awk '$1 == "oom_kill" { print $2 }' "$parent/$a/memory.events")" 1 "the container's memory.events oom_kill"
assert_int_between "$(awk '$1 == "oom" { print $2 }' "$parent/memory.events")" 1 1000 "the parent's memory.events oom"
note "ancestor: $(event_field "$a" exited MESSAGE)"

# --------------------------------------------------------------------------- host
total_kib=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)
each=$((total_kib / 3 / 1024))M
h=$(new_id scope-host)
RUNC_BUNDLE_EDIT='.process.oomScoreAdj = 1000' runc_run "$h" sh -c \
        "for i in 1 2 3; do dd if=/dev/zero of=/dev/null bs=$each count=1 2>/dev/null & done; wait; exit 0"
# Filling the guest's memory under TCG takes a while (tens of seconds on a loaded machine).
wait_event "$h" oom 120
assert_field "$h" oom OOM_SCOPE host
assert_field "$h" oom OOM_VICTIM_COMM dd
assert_field "$h" oom OOM_VICTIM_IS_INIT 0
assert_ne "$(event_field "$h" oom OOM_VICTIM_PID)" "$(event_field "$h" started CONTAINER_PID)" "OOM_VICTIM_PID of a child"
wait_event "$h" exited 120
assert_field "$h" exited DEATH_REASON exited
assert_field "$h" exited OOM_KILLED 0
assert_field "$h" exited EXIT_STATUS 0
note "host: three dd of $each each; oom entry for dd[$(event_field "$h" oom OOM_VICTIM_PID)] with OOM_SCOPE=host; init exited 0"
stop_daemon
note "PASS"
