#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Benchmark "idle" (tests/bench/lib.sh, issue 17 item 4): the idle daemon with the shipped watchdog.
# Two daemons side by side over the same window and the same N_IDLE fake containers, both with
# WATCHDOG_USEC from the shipped unit's WatchdogSec= (what systemd sets): "shipped", the default
# configuration (the kernel probe loaded when the build has it), and "no-probe", KernelProbe=no, so
# that what the probe's records cost shows apart from the watchdog. Over IDLE_SECS nothing happens
# in the benchmark's own containers. Counted per daemon: its wake-ups (schedstat's count of times
# scheduled in, every thread), context switches and CPU time; the WATCHDOG=1 datagrams notify-stamp
# received, and their spacing; the system calls of the window (perf trace: tracepoints, no wake-up
# of its own).
. "$(dirname "$0")/lib.sh"

# task_sum PID FIELD: schedstat FIELD (1 = ns on CPU, 3 = times scheduled in) over every thread
task_sum() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk -v f="$2" '{ s += $f } END { printf "%d\n", s }'; }
# task_ctxt PID KIND: voluntary (it blocked: each is one sleep, so one wake-up) or nonvoluntary
# (preempted) context switches over every thread
task_ctxt() { cat /proc/"$1"/task/*/status 2>/dev/null | awk -v k="^$2_ctxt_switches" '$1 ~ k { s += $2 } END { print s + 0 }'; }
VARIANTS="shipped no-probe"

bench_run() {
        local root=$BENCH_ROOTS/idle unit=$BENCH_SRC/systemd/container-watchd.service.in v t0 t1 tp
        declare -A pid pipe s0 c0 x0 y0 tps
        # Two daemons, each with a pidfd and /proc/PID/stat per container under a hard limit that
        # may be 20,000 (the budget in container.c): N_IDLE stays below half of it.
        # sd-event pings every 1/2 to 3/4 of the period: 3 × 22.5 s holds three pings at least.
        if [ "$QUICK" = 1 ]; then N_IDLE=500 IDLE_SECS=32; else N_IDLE=5000 IDLE_SECS=68; fi
        overrides N_IDLE IDLE_SECS
        WATCHDOG_SEC=$(sed -n 's/^WatchdogSec=//p' "$unit" | tail -1)
        [ -n "$WATCHDOG_SEC" ] || fail "no WatchdogSec= in $unit"
        WATCHDOG_USEC=$(systemd-analyze timespan "$WATCHDOG_SEC" | awk '$1 == "μs:" { print $2 }')
        [ -n "$WATCHDOG_USEC" ] || fail "cannot convert WatchdogSec=$WATCHDOG_SEC"
        results N_IDLE IDLE_SECS WATCHDOG_SEC WATCHDOG_USEC VARIANTS
        ulimit -n "$(ulimit -Hn)"

        log "$N_IDLE tracked, WATCHDOG_USEC=$WATCHDOG_USEC (WatchdogSec=$WATCHDOG_SEC), idle for $IDLE_SECS s: $VARIANTS"
        si_start "$root" "$R/i.stamps"
        si spawn "$N_IDLE"
        : >"$W/shipped.conf"
        printf '[Exit]\nKernelProbe=no\n' >"$W/no-probe.conf"
        DAEMON_ENV=("WATCHDOG_USEC=$WATCHDOG_USEC")
        for v in $VARIANTS; do
                DAEMON_CONF=$W/$v.conf daemon_start "$v" journal "$root"
                pid[$v]=$DPID pipe[$v]=$DPIPE
        done
        DAEMON_ENV=()
        for v in $VARIANTS; do
                wait_for 120 count_ge "$R/$v.json" '"started"' "$N_IDLE" || fail "$v: started events missing"
        done
        # Settled: the throttled STATUS= (at most once a second) has gone out after the last start.
        sleep 2
        tp=0
        perf trace -o /dev/null -- true >/dev/null 2>&1 && tp=1
        for v in $VARIANTS; do
                result "I_STATUS_${v//-/_}" "$(daemon_status "$v")"
                result "I_RSS_${v//-/_}" "$(proc_rss_kb "${pid[$v]}")"
                if [ "$tp" = 1 ]; then
                        perf trace -p "${pid[$v]}" -o "$W/$v.trace" >/dev/null 2>&1 &
                        tps[$v]=$!
                fi
        done
        [ "$tp" = 1 ] && sleep 1       # perf's own start-up, before the window opens
        t0=$(date +%s%N)
        for v in $VARIANTS; do s0[$v]=$(task_sum "${pid[$v]}" 3); c0[$v]=$(task_sum "${pid[$v]}" 1); x0[$v]=$(task_ctxt "${pid[$v]}" voluntary); y0[$v]=$(task_ctxt "${pid[$v]}" nonvoluntary); done
        sleep "$IDLE_SECS"       # the measurement window itself
        t1=$(date +%s%N)
        for v in $VARIANTS; do
                local k=${v//-/_}
                result "I_WAKEUPS_$k" $(($(task_sum "${pid[$v]}" 3) - s0[$v]))
                result "I_CPU_NS_$k" $(($(task_sum "${pid[$v]}" 1) - c0[$v]))
                result "I_VOL_$k" $(($(task_ctxt "${pid[$v]}" voluntary) - x0[$v]))
                result "I_INVOL_$k" $(($(task_ctxt "${pid[$v]}" nonvoluntary) - y0[$v]))
        done
        for v in $VARIANTS; do
                [ -n "${tps[$v]:-}" ] || continue
                kill -INT "${tps[$v]}" 2>/dev/null
                wait "${tps[$v]}" 2>/dev/null
        done
        result I_WINDOW_MS "$(calc '%.0f' "($t1 - $t0) / 1e6")"
        for v in $VARIANTS; do
                local k=${v//-/_}
                # notifications inside the window, and the spacing of every WATCHDOG=1 since READY=1
                awk -v a="$t0" -v b="$t1" '$1 ~ /^[0-9]+$/ && $1 >= a && $1 <= b' "$R/$v.notify" >"$W/$v.window"
                result "I_PINGS_$k" "$(grep -c 'WATCHDOG=1' "$W/$v.window")"
                result "I_OTHER_$k" "$(grep -vc 'WATCHDOG=1' "$W/$v.window")"
                awk '/WATCHDOG=1/ && $1 ~ /^[0-9]+$/ { if (p) printf "%.3f\n", ($1 - p) / 1e9; p = $1 }' "$R/$v.notify" >"$W/$v.intervals"
                if [ -s "$W/$v.trace" ]; then
                        # "NAME COUNT" per system call (perf trace: "TIME (DUR ms): name(args) = ret")
                        awk 'match($0, /\): [a-z_0-9]+\(/) { n[substr($0, RSTART + 3, RLENGTH - 4)]++ }
                                END { for (s in n) print s, n[s] }' "$W/$v.trace" | sort -k2,2nr -k1,1 >"$W/$v.syscalls"
                fi
        done
        for v in $VARIANTS; do DPID=${pid[$v]} DPIPE=${pipe[$v]}; daemon_stop; done
        si_quit
}

half_s() { calc '%.1f' "$WATCHDOG_USEC / 2e6"; }
tq_s() { calc '%.1f' "$WATCHDOG_USEC * 0.75 / 1e6"; }
# the fewest and the most pings the window can hold at sd-event's spacing (1/2 to 3/4 of the period)
min_pings() { calc '%d' "int($I_WINDOW_MS / ($WATCHDOG_USEC * 0.75 / 1e3))"; }
max_pings() { calc '%d' "int($I_WINDOW_MS / ($WATCHDOG_USEC / 2e3)) + 1"; }
# intervals_ok V: every ping between WatchdogSec/2 and 3/4 of it (2 % slack), and some
intervals_ok() {
        [ -s "$W/$1.intervals" ] || { echo 0; return; }
        awk -v lo="$(calc '%.3f' "$WATCHDOG_USEC / 2e6 * 0.98")" -v hi="$(calc '%.3f' "$WATCHDOG_USEC * 0.75 / 1e6 * 1.02")" \
                '{ if ($1 < lo || $1 > hi) bad++ } END { print bad ? 0 : 1 }' "$W/$1.intervals"
}
v_get() { local n="I_$1_${2//-/_}"; echo "${!n}"; }

bench_targets() {
        local v w p c
        for v in $VARIANTS; do
                w=$(v_get VOL "$v"); p=$(v_get PINGS "$v"); c=$(v_get CPU_NS "$v")
                echo "| idle, $N_IDLE tracked, WatchdogSec=$WATCHDOG_SEC, $(calc '%.0f' "$I_WINDOW_MS / 1000") s, $v | one wake-up per watchdog ping ($(half_s)–$(tq_s) s apart), none other | $w wake-ups, $p pings ($(min_pings)–$(max_pings) fit), $(calc '%.3f' "$c / 1e6") ms CPU | $(verdict "$(ok "$w == $p && $p >= $(min_pings) && $p <= $(max_pings) && $(intervals_ok "$v") == 1")") |"
        done
}

bench_report() {
        local v
        cat <<EOT
## Idle with the shipped watchdog

\`WatchdogSec=$WATCHDOG_SEC\` in \`systemd/container-watchd.service.in\`, so \`WATCHDOG_USEC=$WATCHDOG_USEC\` in the
daemon's environment, as systemd sets it. Two daemons side by side over the same
$(calc '%.1f' "$I_WINDOW_MS / 1000") s, both tracking the same $N_IDLE fake containers, in which nothing happens: "shipped"
with the default configuration, "no-probe" with \`KernelProbe=no\`. Whatever else runs on the
machine runs for both.

| over the window | $(echo $VARIANTS | sed 's/ / | /g') |
|---|$(for v in $VARIANTS; do printf -- '---:|'; done)
| status | $(for v in $VARIANTS; do printf '%s | ' "$(v_get STATUS "$v")"; done)
| VmRSS (kB) | $(for v in $VARIANTS; do printf '%s | ' "$(v_get RSS "$v")"; done)
| wake-ups: voluntary context switches (each one sleep of the loop) | $(for v in $VARIANTS; do printf '%s | ' "$(v_get VOL "$v")"; done)
| preemptions: nonvoluntary context switches | $(for v in $VARIANTS; do printf '%s | ' "$(v_get INVOL "$v")"; done)
| times scheduled in (\`/proc/PID/task/*/schedstat\`) | $(for v in $VARIANTS; do printf '%s | ' "$(v_get WAKEUPS "$v")"; done)
| CPU time (ms) | $(for v in $VARIANTS; do printf '%s | ' "$(calc '%.3f' "$(v_get CPU_NS "$v") / 1e6")"; done)
| \`WATCHDOG=1\` received (the window holds $(min_pings) to $(max_pings)) | $(for v in $VARIANTS; do printf '%s | ' "$(v_get PINGS "$v")"; done)
| other notifications | $(for v in $VARIANTS; do printf '%s | ' "$(v_get OTHER "$v")"; done)
| spacing of \`WATCHDOG=1\` since \`READY=1\` (s: min, median, max; n) | $(for v in $VARIANTS; do
        if [ -s "$W/$v.intervals" ]; then sort -g "$W/$v.intervals" | awk '{ a[NR] = $1 } END { printf "%.3f, %.3f, %.3f; %d | ", a[1], a[int((NR + 1) / 2)], a[NR], NR }'; else printf 'none | '; fi
done)
| system calls in the window (\`perf trace -p\`) | $(for v in $VARIANTS; do
        if [ -s "$W/$v.syscalls" ]; then awk '{ s += $2; l = l sprintf("%s%s × %d", l ? ", " : "", $1, $2) } END { printf "%d: %s | ", s, l }' "$W/$v.syscalls"; else printf 'not traced | '; fi
done)

$(for v in $VARIANTS; do
        w=$(v_get VOL "$v"); p=$(v_get PINGS "$v")
        [ "$w" -gt "$p" ] 2>/dev/null || continue
        r=$(awk '$1 == "readlink" { print $2 }' "$W/$v.syscalls" 2>/dev/null)
        printf '%s: %d wake-ups besides the %d pings' "$v" $((w - p)) "$p"
        if [ -n "$r" ]; then
                printf '; the trace has %d readlink() calls, with an open of a /proc/PID/cgroup after each: what the daemon does for a record of the kernel probe (util/proc-sender.c: a signal'"'"'s sender), for processes outside this benchmark'"'"'s containers, in which nothing happened.

' "$r"
        else
                printf '.

'
        fi
done)

sd-event pings the watchdog on any loop iteration once a quarter of the period has passed since
the last ping, and otherwise wakes for it between a half and three quarters of the period: a ping
spacing below $(half_s) s means the loop woke for something else.

EOT
}

bench_main "$@"
