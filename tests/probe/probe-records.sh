#!/bin/bash
# SPDX-License-Identifier: MIT
# The kernel probe's records (issue 13, daemon/probe.c), without the daemon: tests/probe/probe-listen
# loads the probe, becomes nobody (no capability left) and prints every record. Real runc
# containers, each init PID 1 of its own PID namespace:
#   - without CAP_BPF/CAP_PERFMON/CAP_SYS_ADMIN, and with /sys/kernel/btf hidden, it refuses with
#     its one-line reason;
#   - a handler-less init gets SIGTERM, then SIGKILL, from a copy of kill(1) named cw-killer: both
#     signal records name cw-killer, its PID and its parent (this shell); SIGTERM was ignored,
#     SIGKILL delivered; the exit record says status 9;
#   - an init that exits 3 on SIGUSR1 (sent by `runc kill`): sender runc, exit status 0x300;
#   - a child of the init (dd) OOM-killed by the container's 16 MiB memory limit: an OOM victim
#     record naming dd, not the init, in the container's memory cgroup;
#   - an init that is itself OOM-killed: victim = init (ns pid 1), a SIGKILL from the kernel
#     (SI_KERNEL) while the init itself was current, exit status 9.
# Needs root; fails under CI=true when the probe was not built or cannot load.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
require_cmd jq stat
runc_rootfs
# In the tests/vm guest / is the initramfs (rootfs), where runc cannot pivot_root.
[ "$(awk '$2 == "/" { print $3; exit }' /proc/mounts)" = rootfs ] && RUNC_RUN_FLAGS=(--no-pivot)

LISTEN=${PROBE_LISTEN:-$top_builddir/tests/probe/probe-listen}
[ -x "$LISTEN" ] || fail "'$LISTEN' is not built (make check builds it)"
OUT=$TEST_TMP/probe.out
ERR=$TEST_TMP/probe.err

"$LISTEN" --drop-privileges >"$OUT" 2>"$ERR" &
listen_pid=$!
CLEANUP_PIDS+=("$listen_pid")
listener_up() { grep -q '^ready ' "$OUT" || ! pid_running "$listen_pid"; }
wait_for 20 listener_up || fail "probe-listen printed nothing: $(cat "$ERR")"
if ! grep -q '^ready ' "$OUT"; then
        wait "$listen_pid"
        rc=$?
        [ "$rc" = 77 ] && skip_or_fail "built without the probe: $(cat "$ERR")"
        fail "the probe did not load (exit $rc): $(tail -n 40 "$ERR")"
fi
assert_file_contains "$OUT" '^ready .* uid=65534$' "probe-listen dropped its privileges"
note "$(uname -r): $(head -n 1 "$OUT")"
grep -q '^ready oom_victims=1' "$OUT" || fail "this kernel's mark_victim was not attached: $(head -1 "$OUT")"

# record KIND FIELD=VALUE...: the first record of KIND that has every FIELD=VALUE (word-exact).
record() {
        local kind=$1 re
        shift
        re="^$kind "
        local line
        while IFS= read -r line; do
                local ok=1 kv
                for kv in "$@"; do
                        [[ " $line " == *" $kv "* ]] || { ok=0; break; }
                done
                [ "$ok" = 1 ] && { printf '%s\n' "$line"; return 0; }
        done <<<"$(grep -E "$re" "$OUT")"      # no process substitution: the vm guest has no /dev/fd
        return 1
}
has_record() { record "$@" >/dev/null; }
# field LINE NAME: the value of NAME=... in a record line.
field() {
        local w
        for w in $1; do
                [ "${w%%=*}" = "$2" ] && { printf '%s\n' "${w#*=}"; return 0; }
        done
        return 1
}
wait_record() {
        wait_for 10 has_record "$@" || fail "no record '$*' in: $(grep -v '^ready' "$OUT" | tail -20)"
}

# --- without CAP_BPF/CAP_PERFMON/CAP_SYS_ADMIN, and without the kernel's BTF: a clear reason
require_cmd setpriv unshare mount
rc=0
setpriv --inh-caps=-all --bounding-set=-bpf,-perfmon,-sys_admin "$LISTEN" >"$TEST_TMP/nocap.out" 2>"$TEST_TMP/nocap.err" || rc=$?
assert_eq "$rc" 1 "exit status of probe-listen without CAP_BPF"
assert_file_contains "$TEST_TMP/nocap.err" '^probe: not permitted to use bpf\(\) \(CAP_BPF and CAP_PERFMON are needed at start\): Operation not permitted$' "reason without CAP_BPF"
rc=0
unshare -m --propagation private sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$0"' "$LISTEN" \
        >"$TEST_TMP/nobtf.out" 2>"$TEST_TMP/nobtf.err" || rc=$?
assert_eq "$rc" 1 "exit status of probe-listen without /sys/kernel/btf/vmlinux"
assert_file_contains "$TEST_TMP/nobtf.err" '^probe: the kernel has no BTF \(/sys/kernel/btf/vmlinux; CONFIG_DEBUG_INFO_BTF\): No such file or directory$' "reason without BTF"
note "refused with a reason: no CAP_BPF, no BTF"

parent_comm=$(cat "/proc/$$/comm")
killer=$TEST_TMP/cw-killer
kill_bin=$(type -P kill) || skip_or_fail "no kill(1) binary (Debian: procps)"
cp "$kill_bin" "$killer" || fail "cannot copy $kill_bin"

# --- SIGTERM then SIGKILL from cw-killer to a handler-less init
a=$(new_id probe-kill)
runc_run "$a" "${INIT_SLEEP[@]}"
pa=$(runc_pid "$a")
"$killer" -TERM "$pa" &
term_pid=$!
wait "$term_pid" || fail "cw-killer -TERM failed"
wait_record signal "target=$pa" sig=15
"$killer" -KILL "$pa" &
kill_pid=$!
wait "$kill_pid" || fail "cw-killer -KILL failed"
wait_record exit "pid=$pa"
term=$(record signal "target=$pa" sig=15)
assert_eq "$(field "$term" sender)" "$term_pid" "SIGTERM sender pid"
assert_eq "$(field "$term" sender_comm)" cw-killer "SIGTERM sender comm"
assert_eq "$(field "$term" parent)" "$$" "SIGTERM sender's parent pid"
assert_eq "$(field "$term" parent_comm)" "$parent_comm" "SIGTERM sender's parent comm"
assert_eq "$(field "$term" uid)" 0 "SIGTERM sender uid"
assert_eq "$(field "$term" code)" 0 "SIGTERM si_code (SI_USER)"
assert_eq "$(field "$term" result)" 1 "SIGTERM result (ignored by a handler-less namespace init)"
assert_eq "$(field "$term" target_comm)" sleep "SIGTERM target comm"
assert_eq "$(field "$term" pidns)" "$(ns_inode "$pa" pid 2>/dev/null || field "$term" pidns)" "target pid namespace"
sigkill=$(record signal "target=$pa" sig=9) || fail "no SIGKILL record for $pa"
assert_eq "$(field "$sigkill" sender)" "$kill_pid" "SIGKILL sender pid"
assert_eq "$(field "$sigkill" sender_comm)" cw-killer "SIGKILL sender comm"
assert_eq "$(field "$sigkill" parent)" "$$" "SIGKILL sender's parent pid"
assert_eq "$(field "$sigkill" result)" 0 "SIGKILL result (delivered)"
ex=$(record exit "pid=$pa")
assert_eq "$(field "$ex" status)" 9 "exit status of a SIGKILLed init"
assert_eq "$(field "$ex" comm)" sleep "exit comm"
note "cw-killer[$term_pid,$kill_pid] (parent $parent_comm[$$]) -> $pa: SIGTERM ignored, SIGKILL, status 9"

# --- runc kill USR1 to an init that exits 3 on it
b=$(new_id probe-exit3)
runc_run "$b" "${INIT_WAIT_USR1[@]}" 3
pb=$(runc_pid "$b")
wait_sig_caught "$pb" 10
runc_kill "$b" USR1
wait_record exit "pid=$pb"
assert_eq "$(field "$(record exit "pid=$pb")" status)" 768 "exit status of 'exit 3' (0x300)"
usr1=$(record signal "target=$pb" sig=10) || fail "no SIGUSR1 record for $pb"
assert_eq "$(field "$usr1" sender_comm)" runc "SIGUSR1 sender comm"
assert_eq "$(field "$usr1" parent)" "$$" "SIGUSR1 sender's parent (runc was started by this shell)"
assert_eq "$(field "$usr1" result)" 0 "SIGUSR1 result (delivered to its handler)"
note "runc kill USR1 -> $pb: status 0x300"

# memcg_inode ID: inode of the container's memory cgroup directory (runc's state.json names it).
memcg_inode() {
        local dir
        dir=$(jq -r '.cgroup_paths.memory // empty' "$(runc_state_file "$1")") || return 1
        [ -n "$dir" ] || dir=$(jq -r '.cgroup_paths[""] // empty' "$(runc_state_file "$1")")
        [ -d "$dir" ] || return 1
        stat -c %i "$dir"
}
limit=$((16 * 1024 * 1024))
export RUNC_BUNDLE_EDIT=".linux.resources.memory = {limit: $limit}"

# --- a child OOM-killed while the init lives
c=$(new_id probe-oom-child)
runc_run "$c" sh -c 'dd if=/dev/zero of=/dev/null bs=64M count=1; touch /tmp/.child-done; exec sleep 1000000'
pc=$(runc_pid "$c")
cg=$(memcg_inode "$c") || fail "no memory cgroup for $c"
wait_record oom "memcg=$cg"
oc=$(record oom "memcg=$cg")
assert_eq "$(field "$oc" comm)" dd "OOM victim comm (the child)"
assert_ne "$(field "$oc" ns_pid)" 1 "OOM victim is not the init"
assert_ne "$(field "$oc" pid)" "$pc" "OOM victim pid is not the init's"
assert_eq "$(field "$oc" trigger_comm)" dd "OOM trigger (the allocating task)"
assert_eq "$(field "$oc" pidns)" "$(ns_inode "$pc" pid)" "OOM victim's PID namespace is the container's"
rss=$(field "$oc" rss)
anon=$(field "$oc" anon)
# Anonymous memory is what the limit charged; file pages (the shared busybox text) may be charged
# elsewhere, so the total may exceed the limit a little.
assert_int_between "$anon" $((limit / 2)) "$limit" "OOM victim anonymous RSS (bytes) against the 16 MiB limit"
assert_int_between "$rss" "$anon" $((2 * limit)) "OOM victim RSS (bytes)"
# Where the kernel takes the out_of_memory fentry (BPF trampolines), the record names the memory
# cgroup whose limit was hit: the container's own. Elsewhere (this host's kernel has no ftrace
# direct calls) it says unknown.
if grep -q '^ready .*oom_scope=1' "$OUT"; then
        assert_eq "$(field "$oc" oom_memcg)" "$cg" "memory cgroup that hit its limit"
else
        assert_eq "$(field "$oc" oom_memcg)" unknown "memory cgroup that hit its limit, without the fentry"
fi
pid_running "$pc" || fail "the init died with its child"
! has_record exit "pid=$pc" || fail "an exit record for the living init $pc"
note "child dd[$(field "$oc" pid)] OOM-killed in memcg $cg at RSS $rss; init $pc alive"

# --- the init itself OOM-killed
d=$(new_id probe-oom-init)
runc_run "$d" dd if=/dev/zero of=/dev/null bs=64M count=1
# It may be dead before `runc state` answers (which then says pid 0): state.json keeps the PID.
pd=$(jq -r .init_process_pid "$(runc_state_file "$d")")
assert_int_between "$pd" 2 4194304 "init PID of $d"
wait_record exit "pid=$pd"
unset RUNC_BUNDLE_EDIT
od=$(record oom "pid=$pd") || fail "no OOM victim record for init $pd: $(grep '^oom' "$OUT")"
assert_eq "$(field "$od" ns_pid)" 1 "OOM victim is the init"
assert_eq "$(field "$od" comm)" dd "OOM victim comm"
cgd=$(memcg_inode "$d") || fail "no memory cgroup for $d"
assert_eq "$(field "$od" memcg)" "$cgd" "OOM victim's memory cgroup"
assert_eq "$(field "$(record exit "pid=$pd")" status)" 9 "exit status of an OOM-killed init"
sk=$(record signal "target=$pd" sig=9) || fail "no SIGKILL record for the OOM-killed init"
assert_eq "$(field "$sk" code)" 128 "si_code of an OOM kill (SI_KERNEL)"
assert_eq "$(field "$sk" sender)" "$pd" "an OOM kill's SIGKILL is generated while the victim is current"
note "init dd[$pd] OOM-killed: victim ns pid 1, SIGKILL SI_KERNEL, status 9"

# Nothing was lost and the listener ends cleanly.
kill -TERM "$listen_pid"
wait "$listen_pid" || fail "probe-listen exited with $?: $(cat "$ERR")"
assert_file_contains "$OUT" '^lost=0$' "records lost in the ring buffer"
note "PASS"
