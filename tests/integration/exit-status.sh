#!/bin/bash
# SPDX-License-Identifier: MIT
# How each kind of container death is reported (DESIGN.md §3): SIGKILL, exit 0, exit 3, SIGTERM
# to an init without a handler (nothing happens: the kernel drops it), to one with a handler, and
# to one whose handler re-sends SIGTERM to itself; an init that exits at once; and an init whose
# parent is runc itself (not the lazy PID 1).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
runc_rootfs

exited_id=$(catalog_id CONTAINER_EXITED)
[ -n "$exited_id" ] || fail "no MESSAGE_ID_CONTAINER_EXITED in daemon/catalog-ids.h"

mkdir -p "$RUNC_ROOT"
start_daemon -r "$RUNC_ROOT" --log-target=console --json

# check_exit ID CODE STATUS SIGNAL PRIORITY: the one `exited` event of ID, observed live.
check_exit() {
        local id=$1 code=$2 status=$3 signal=$4 prio=$5
        assert_field "$id" exited CONTAINER_EVENT exited
        assert_field "$id" exited CONTAINER_ID "${id:0:12}"
        assert_field "$id" exited MESSAGE_ID "$exited_id"
        assert_field "$id" exited EXIT_CODE "$code"
        assert_field "$id" exited EXIT_STATUS "$status"
        if [ -n "$signal" ]; then
                assert_field "$id" exited EXIT_SIGNAL "$signal"
        else
                ! event_has_field "$id" exited EXIT_SIGNAL || fail "exited event of $id has EXIT_SIGNAL"
        fi
        assert_field "$id" exited EXIT_OBSERVED live
        assert_match "$(event_field "$id" exited EXIT_STATUS_SOURCE)" '^(proc|pidfd)$' "EXIT_STATUS_SOURCE of $id"
        assert_field "$id" exited PRIORITY "$prio"
        assert_field "$id" exited OOM_KILLED 0
        assert_match "$(event_field "$id" exited MESSAGE)" "^Container ${id:0:12}( |$)" "MESSAGE of $id"
}

# --- SIGKILL from the host
k=$(new_id exit-sigkill)
t0=$(now_usec)
runc_run "$k" "${INIT_SLEEP[@]}"
wait_event "$k" started
pid_k=$(runc_pid "$k")
kill -KILL "$pid_k"
wait_event "$k" exited
t1=$(now_usec)
check_exit "$k" killed 9 SIGKILL 4
assert_field "$k" exited CONTAINER_PID "$pid_k"
assert_int_between "$(event_field "$k" exited CONTAINER_LIFETIME_USEC)" 1 $((t1 - t0 + 1000000)) \
        "CONTAINER_LIFETIME_USEC of $k (test saw $((t1 - t0)) us)"
note "SIGKILL: source $(event_field "$k" exited EXIT_STATUS_SOURCE), $(event_field "$k" exited CONTAINER_LIFETIME_USEC) us"

# --- exit 0 and exit 3 (the init exits when it gets SIGUSR1)
z=$(new_id exit-zero)
e=$(new_id exit-three)
runc_run "$z" "${INIT_WAIT_USR1[@]}" 0
runc_run "$e" "${INIT_WAIT_USR1[@]}" 3
wait_event "$z" started
wait_event "$e" started
for id in "$z" "$e"; do
        pid=$(runc_pid "$id")
        wait_sig_caught "$pid" 10
        kill -USR1 "$pid"
done
wait_event "$z" exited
wait_event "$e" exited
check_exit "$z" exited 0 "" 5
check_exit "$e" exited 3 "" 4
assert_int_between "$(event_field "$z" exited CONTAINER_LIFETIME_USEC)" 1 60000000 "CONTAINER_LIFETIME_USEC of $z"

# --- SIGTERM to a handler-less init: the kernel drops it (PID 1 of its namespace), no exit.
n=$(new_id exit-term-ignored)
runc_run "$n" "${INIT_SLEEP[@]}"
wait_event "$n" started
pid_n=$(runc_pid "$n")
kill -TERM "$pid_n"
# Signals to a namespace init without a handler are discarded at send time, so this is final:
pid_running "$pid_n" || fail "handler-less init $pid_n died of SIGTERM"
shdpnd=$(awk '/^ShdPnd:/ { print $2 }' "/proc/$pid_n/status")
(( (16#$shdpnd >> 14) & 1 )) && fail "SIGTERM is pending for $pid_n, not dropped"
# Barrier: a later container is reported, and the TERMed one has still not exited.
bar=$(new_id exit-barrier1)
runc_run "$bar" "${INIT_SLEEP[@]}"
wait_event "$bar" started
assert_event_count "$n" exited 0
runc_kill "$n" KILL
wait_event "$n" exited
check_exit "$n" killed 9 SIGKILL 4

# --- SIGTERM to an init with a handler: it exits 143 (a normal exit, not a signal death).
t=$(new_id exit-term-trapped)
runc_run "$t" "${INIT_WAIT_USR1[@]}" 7
wait_event "$t" started
pid_t=$(runc_pid "$t")
wait_sig_caught "$pid_t" 15
runc_kill "$t" TERM
wait_event "$t" exited
check_exit "$t" exited 143 "" 4

# --- A handler that resets the trap and re-sends SIGTERM to itself, the usual way for a process
# to die "by" the signal it caught. As PID 1 of its namespace the init cannot: its own default-
# action SIGTERM is dropped too, so the shell carries on and exits 42. "Killed by SIGTERM" is
# impossible for a container init; the daemon must report what happened, a normal exit.
s=$(new_id exit-term-rekill)
runc_run "$s" sh -c 'trap "trap - TERM; kill -TERM \$\$" TERM; sleep 1000000 & wait; exit 42'
wait_event "$s" started
pid_s=$(runc_pid "$s")
wait_sig_caught "$pid_s" 15
runc_kill "$s" TERM
wait_event "$s" exited
check_exit "$s" exited 42 "" 4

# --- An init that exits immediately (possibly before the daemon has looked at it).
f=$(new_id exit-fast)
runc_run "$f" true
wait_event "$f" exited
assert_field "$f" exited EXIT_CODE exited
assert_field "$f" exited EXIT_STATUS 0
assert_field "$f" exited PRIORITY 5

# --- runc as the parent (foreground `runc run`): reaped at once, not 1 s later by PID 1.
g=$(new_id exit-fg)
runc_run_foreground "$g" "${INIT_SLEEP[@]}"
wait_event "$g" started
pid_g=$(runc_pid "$g")
kill -KILL "$pid_g"
wait_event "$g" exited
check_exit "$g" killed 9 SIGKILL 4
note "foreground runc: source $(event_field "$g" exited EXIT_STATUS_SOURCE)"

# Exactly one `exited` (and at most one `started`) per container, after one more barrier.
bar2=$(new_id exit-barrier2)
runc_run "$bar2" "${INIT_SLEEP[@]}"
wait_event "$bar2" started
for id in "$k" "$z" "$e" "$n" "$t" "$s" "$f" "$g"; do
        assert_event_count "$id" exited 1
        assert_match "$(event_count "$id" started)" '^[01]$' "number of started events of $id"
done
for id in "$k" "$z" "$e" "$n" "$t" "$s" "$g"; do
        assert_event_count "$id" started 1
done
stop_daemon
note "ok"
