#!/bin/bash
# SPDX-License-Identifier: MIT
# Issue 4 item 2, the notify protocol, through a plain NOTIFY_SOCKET listener (notify-listen, the
# stand-in for systemd's socket; FACTS.md 5.5-5.7 and 5.13), message by message:
#   - READY=1 only after the start-up scan: the STATUS= sent with it already counts the containers
#     that existed at start;
#   - STATUS= kept current as containers come and go and as a missing root appears;
#   - RELOADING=1 with MONOTONIC_USEC= (CLOCK_MONOTONIC, taken at the SIGHUP), then READY=1;
#   - STOPPING=1 at SIGTERM, and nothing after it;
#   - WATCHDOG=1 pings when WATCHDOG_USEC is set (several per period), none when it is not set or
#     when WATCHDOG_PID names another process;
#   - ERRNO= (and exit status 2, no READY=1) when the daemon cannot start (no inotify instance);
#   - every message comes from the daemon's PID (NotifyAccess=main in the unit) and uses only the
#     keys of sd_notify(3).
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/runc.sh" || exit 99
require_runc
runc_rootfs
[ -r /proc/timer_list ] || skip_or_fail "/proc/timer_list is not readable (needed for CLOCK_MONOTONIC)"

# ------------------------------------------------------------------ helpers

# messages: every message received so far, one per line: "PID<TAB>LINE1|LINE2|...".
messages() {
        awk 'BEGIN { RS = ""; FS = "\n" }
             {
                pid = "?"; msg = ""
                for (i = 1; i <= NF; i++) {
                        if ($i ~ /^# pid=/) { split($i, a, " "); pid = substr(a[2], 5); continue }
                        msg = msg (msg == "" ? "" : "|") $i
                }
                print pid "\t" msg
             }' "$NOTIFY_OUT"
}

# count_msgs ERE: how many messages (the "LINE1|LINE2" part) match.
count_msgs() {
        messages | cut -f2 | grep -Ec -- "$1" || true
}

# last_status: the text of the last STATUS= sent so far.
last_status() {
        messages | cut -f2 | tr '|' '\n' | sed -n 's/^STATUS=//p' | tail -n 1
}

status_is() {
        [ "$(last_status)" = "$1" ]
}

# wait_status TEXT: poll until the last STATUS= is TEXT.
wait_status() {
        wait_for 10 status_is "$1" || fail "STATUS= did not become '$1' (last: '$(last_status)')"
}

# Failures that should not hide the checks after them: reported together at the end.
DEFERRED=()
defer_fail() {
        printf '%s: FAIL (deferred): %s\n' "$TEST_NAME" "$*" >&2
        DEFERRED+=("$*")
}

# monotonic_usec: CLOCK_MONOTONIC now, in microseconds ("now at N nsecs" is ktime_get()).
monotonic_usec() {
        local ns
        ns=$(awk '/^now at/ { print $3; exit }' /proc/timer_list)
        printf '%s\n' "$((ns / 1000))"
}

# check_senders: every message came from the daemon, and only sd_notify(3) keys were used.
check_senders() {
        local others keys
        others=$(messages | awk -F'\t' -v pid="$DAEMON_PID" '$1 != pid' | head -n 3)
        [ -z "$others" ] || fail "notify messages from a PID other than the daemon's ($DAEMON_PID): $others"
        keys=$(messages | cut -f2 | tr '|' '\n' | sed 's/=.*//' | sort -u |
               grep -vxE 'READY|STATUS|RELOADING|MONOTONIC_USEC|STOPPING|WATCHDOG|ERRNO' || true)
        [ -z "$keys" ] || fail "unexpected notify keys: $(printf '%s' "$keys" | tr '\n' ' ')"
}

ready_count_is() {
        [ "$(count_msgs '(^|\|)READY=1(\||$)')" = "$1" ]
}

watchdog_count() {
        count_msgs '(^|\|)WATCHDOG=1(\||$)'
}

watchdog_at_least() {
        [ "$(watchdog_count)" -ge "$1" ]
}

# ------------------------------------------------------------------ 1. no watchdog: the protocol

unset WATCHDOG_USEC WATCHDOG_PID
a=$(new_id notify-a)
b=$(new_id notify-b)
runc_run "$a" "${INIT_SLEEP[@]}"
runc_run "$b" "${INIT_SLEEP[@]}"
later=$TEST_TMP/later-root        # a root that does not exist yet

start_daemon -r "$RUNC_ROOT" -r "$later" --log-target=console --json
t_start=$(now_usec)
pid1=$DAEMON_PID

# READY=1 comes with the status of the finished scan: both containers are counted. Before it, the
# daemon may only have said how it is starting (STATUS=), nothing else.
ready_msg=$(messages | cut -f2 | grep -m1 -E '(^|\|)READY=1(\||$)')
assert_eq "$ready_msg" "READY=1|STATUS=Tracking 2 containers under 1 root (1 not present yet)" \
        "the READY=1 message"
before=$(messages | cut -f2 | sed '/READY=1/,$d' | grep -v '^STATUS=[^|]*$' || true)
[ -z "$before" ] || fail "messages before READY=1 other than STATUS=: $before"
wait_event "$a" started 2
wait_event "$b" started 2

# STATUS= follows the containers and the roots.
c=$(new_id notify-c)
runc_run "$c" "${INIT_SLEEP[@]}"
wait_status "Tracking 3 containers under 1 root (1 not present yet)"
runc_kill "$a" KILL
wait_event "$a" exited
wait_status "Tracking 2 containers under 1 root (1 not present yet)"
mkdir -p "$later"
wait_for 10 status_is "Tracking 2 containers under 2 roots" ||
        defer_fail "STATUS= not updated when a missing root appeared (last: '$(last_status)')"
d=$(new_id notify-d)
RUNC_ROOT=$later runc_run "$d" "${INIT_SLEEP[@]}"
wait_event "$d" started
wait_status "Tracking 3 containers under 2 roots"

# SIGHUP: RELOADING=1 + MONOTONIC_USEC (taken between our two clock readings), then READY=1.
n_before=$(messages | wc -l)
mono_before=$(monotonic_usec)
kill -HUP "$DAEMON_PID"
wait_for 10 ready_count_is 2 || fail "no second READY=1 within 10 s of SIGHUP"
mono_after=$(monotonic_usec)
reload_msgs=$(messages | tail -n +"$((n_before + 1))" | cut -f2 | grep -v '^WATCHDOG=1$' || true)
rel=$(printf '%s\n' "$reload_msgs" | sed -n 1p)
rdy=$(printf '%s\n' "$reload_msgs" | grep -m1 -E '(^|\|)READY=1(\||$)')
assert_match "$rel" '^RELOADING=1\|' "the first message after SIGHUP"
mono=$(printf '%s\n' "$rel" | tr '|' '\n' | sed -n 's/^MONOTONIC_USEC=//p')
[ -n "$mono" ] || fail "RELOADING=1 came without MONOTONIC_USEC=: '$rel'"
assert_int_between "$mono" "$mono_before" "$mono_after" "MONOTONIC_USEC of RELOADING=1 (CLOCK_MONOTONIC)"
assert_eq "$rdy" "READY=1|STATUS=Tracking 3 containers under 2 roots" "the READY=1 message after the reload"
# RELOADING=1 and READY=1 are distinct messages, in this order, with nothing but STATUS= between.
between=$(printf '%s\n' "$reload_msgs" | sed -n '2,$p' | sed '/READY=1/,$d' | grep -v '^STATUS=[^|]*$' || true)
[ -z "$between" ] || fail "between RELOADING=1 and READY=1: $between"

# Still tracking after the reload: an exit is reported, and STATUS= follows it.
runc_kill "$b" KILL
wait_event "$b" exited
wait_status "Tracking 2 containers under 2 roots"

# No WATCHDOG_USEC: no pings. Observe at least three 400 ms periods of the watchdog run below.
min_window=1200000
elapsed=$(( $(now_usec) - t_start ))
if (( elapsed < min_window )); then
        rest=$((min_window - elapsed))
        sleep "$(printf '%d.%06d' "$((rest / 1000000))" "$((rest % 1000000))")"
fi
assert_eq "$(watchdog_count)" 0 "WATCHDOG=1 messages without WATCHDOG_USEC"

stop_daemon
last=$(messages | tail -n 1 | cut -f2)
assert_match "$last" '(^|\|)STOPPING=1(\||$)' "the last message"
assert_eq "$(count_msgs '(^|\|)STOPPING=1(\||$)')" 1 "number of STOPPING=1 messages"
# (stop_daemon replaced NOTIFY_OUT's owner; the file is still ours to read)
DAEMON_PID=$pid1 check_senders
for id in "$a" "$b" "$c" "$d"; do
        assert_event_count "$id" started 1
done

# ------------------------------------------------------------------ 2. WATCHDOG_USEC=400000

export WATCHDOG_USEC=400000
start_daemon -r "$RUNC_ROOT" --log-target=console --json
pid2=$DAEMON_PID
# $d lives on in the root this run no longer watches: the record of run 1 says the daemon reported
# it, so it is tracked on (as a reload keeps it) and counted.
assert_eq "$(messages | cut -f2 | grep -m1 -E '(^|\|)READY=1(\||$)')" \
        "READY=1|STATUS=Tracking 2 containers under 1 root" "the READY=1 message (watchdog run)"
# sd_event pings at most every period/4 and at least every 3/4 period (FACTS.md 5.7): a 400 ms
# period gives 2-4 pings a second. Eight within 4 s fails a loop that pings once a period or less.
t0=$(now_usec)
base=$(watchdog_count)
wait_for 4 watchdog_at_least "$((base + 8))" ||
        fail "only $(( $(watchdog_count) - base )) WATCHDOG=1 in 4 s with WATCHDOG_USEC=400000"
note "8 WATCHDOG=1 pings in $(( ($(now_usec) - t0) / 1000 )) ms"
assert_eq "$(messages | cut -f2 | grep -Ec '^WATCHDOG=1$' || true)" "$(watchdog_count)" \
        "WATCHDOG=1 is a message of its own"
stop_daemon
DAEMON_PID=$pid2 check_senders

# ------------------------------------------------------------------ 3. WATCHDOG_PID names another process

# sd_watchdog_enabled(): the variables are for someone else (a wrapper, PID 1 here): no pings.
export WATCHDOG_USEC=400000 WATCHDOG_PID=1
start_daemon -r "$RUNC_ROOT" --log-target=console --json
pid3=$DAEMON_PID
sleep 1.2         # an observation window of three periods, not a wait for something to happen
assert_eq "$(watchdog_count)" 0 "WATCHDOG=1 messages when WATCHDOG_PID is another process"
stop_daemon
DAEMON_PID=$pid3 check_senders
unset WATCHDOG_USEC WATCHDOG_PID

# ------------------------------------------------------------------ 4. ERRNO= on a fatal start-up error

# A real failure, not a hook: the daemon runs as an otherwise unused UID whose inotify instances
# (fs.inotify.max_user_instances, counted per user) are all held by inotifywait processes, so its
# inotify_init fails with EMFILE. It must exit with status 2 after telling the service manager
# ERRNO=24, and never READY=1. The socket is abstract and the daemon a copy in a directory that
# UID can reach, because $TEST_TMP is private to root.
require_cmd setpriv inotifywait
max_inst=$(cat /proc/sys/fs/inotify/max_user_instances)
if (( max_inst > 1024 )); then
        note "fs.inotify.max_user_instances is $max_inst: not exhausting it, ERRNO= not checked"
else
        uid=$(( 61000 + $$ % 3000 ))
        while pgrep -u "$uid" >/dev/null; do uid=$((uid + 1)); done
        as_uid=(setpriv --reuid="$uid" --regid="$uid" --clear-groups)
        holders=()
        for _ in $(seq "$max_inst"); do
                "${as_uid[@]}" inotifywait -m -q / >/dev/null 2>&1 &
                holders+=("$!")
                CLEANUP_PIDS+=("$!")
        done
        _all_held() {
                local p n=0
                for p in "${holders[@]}"; do
                        find "/proc/$p/fd" -lname 'anon_inode:inotify' 2>/dev/null | grep -q . && n=$((n + 1))
                done
                [ "$n" = "$max_inst" ]
        }
        wait_for 20 _all_held || fail "could not make $max_inst inotifywait processes hold an instance each"
        chmod 0711 "$TEST_TMP"
        mkdir -m 0755 "$TEST_TMP/bin"
        cp "$DAEMON" "$TEST_TMP/bin/container-watchd"
        sock=@cwd-notify-errno-$$
        NOTIFY_OUT=$TEST_TMP/notify.errno.out
        "$NOTIFY_LISTEN" -C "$sock" "$NOTIFY_OUT" &
        NOTIFY_PID=$!
        CLEANUP_PIDS+=("$NOTIFY_PID")
        wait_for 5 grep -qF -- " $sock" /proc/net/unix || fail "notify-listen did not bind '$sock'"
        NOTIFY_SOCKET=$sock "${as_uid[@]}" "$TEST_TMP/bin/container-watchd" -c /dev/null -r "$RUNC_ROOT" \
                --log-target=console >"$TEST_TMP/daemon.errno.out" 2>"$TEST_TMP/daemon.errno.err" &
        DAEMON_PID=$!
        wait_for 10 pid_dead "$DAEMON_PID" || fail "the daemon did not exit without inotify"
        wait "$DAEMON_PID"
        rc=$?
        assert_eq "$rc" 2 "exit status without inotify (runtime failure)"
        _errno_seen() {
                messages | cut -f2 | grep -qE '(^|\|)ERRNO=24(\||$)'
        }
        wait_for 5 _errno_seen || fail "no ERRNO=24 message: $(messages | cut -f2)"
        assert_eq "$(count_msgs '(^|\|)READY=1(\||$)')" 0 "READY=1 messages from a daemon that failed"
        check_senders
        note "ERRNO=24 after a failed start: $(messages | cut -f2 | grep ERRNO)"
        DAEMON_PID=
        stop_pid "$NOTIFY_PID"
        for p in "${holders[@]}"; do
                kill "$p" 2>/dev/null
        done
fi

[ "${#DEFERRED[@]}" = 0 ] || fail "${#DEFERRED[@]} deferred failure(s): ${DEFERRED[*]}"
note "ok"
