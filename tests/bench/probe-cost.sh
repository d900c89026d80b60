#!/bin/bash
# SPDX-License-Identifier: MIT
#
# What the kernel probe costs (issue 13, item 5), side by side in one run, with medians, ratios and
# the number of runs stated. Writes a Markdown section to stdout (report.sh appends it to
# docs/BENCHMARKS.md); progress on stderr. Reports only; asserts no time.
#
#   1. Storms: tests/bench/probe-storm's signal storm (400,000 signals) and fork/exit storm
#      (40,000 short processes) between ordinary (non-container) processes, ROUNDS times with the
#      probe detached and attached (tests/probe/probe-listen holds it, as the daemon would: attached,
#      then no capability left). Each round runs the pair back to back, in alternating order
#      (detached first in odd rounds, attached first in even ones), so that a drift of a shared
#      machine hits both alike (25 short rounds rather than 9 long ones: on a shared VM one
#      round's ratio ranged from -21 % to +33 %, and the median of more pairs moves less); the
#      figure is the median over the rounds of each round's own
#      attached/detached ratio of CPU time (probe-storm's user + system time with its children,
#      which leaves out the waits for a CPU on a loaded machine), with the smallest and largest
#      ratio beside it, and the wall-time ratio. The storms run pinned to one CPU (STORM_CPU,
#      default the last one this script may use): unpinned, the signal ping-pong's two processes
#      land on one CPU or on two from run to run, and a cross-CPU wake-up (an IPI, an exit to the
#      hypervisor on a VM) made the same storm take 1x to 5x the CPU time, whatever the probe.
#   1b. Per program: the kernel's own statistics (kernel.bpf_stats_enabled=1, for a short storm
#      after the measured ones only, then set back): runs and ns per run of each of the holder's
#      programs, with their size. The ns include the statistics' own two clock reads.
#   2. Kill -> --json latency: the daemon itself, with the probe (default) and with KernelProbe=no,
#      in alternating order over LAT_ROUNDS rounds; every round starts LAT_N real runc containers
#      (busybox sleep, each the init of its own PID namespace: the probe follows them), SIGKILLs
#      them one at a time LAT_GAP_MS apart with kill-stamp, and takes each exited line's stamp from
#      stamp-lines on the daemon's stdout. The same kills in both modes: medians, p90, n, and the
#      difference of the medians.
#   3. Memory: the attached probe's maps and programs (kernel memlock from fdinfo) and the holder's
#      resident set.
#
#   probe-cost.sh [--quick]
#   env: BENCH_BIN (probe-storm, stamp-lines, kill-stamp, notify-stamp), PROBE_LISTEN, DAEMON
#        (without it, or without runc and busybox, part 2 is left out and the section says so),
#        ROUNDS (default 25; --quick 2), LAT_ROUNDS (default 4; --quick 2), LAT_N (default 20;
#        --quick 5), LAT_GAP_MS (default 53), STORM_CPU (default the last allowed CPU)
set -uo pipefail

QUICK=0
[ "${1:-}" = --quick ] && QUICK=1
BIN=${BENCH_BIN:?BENCH_BIN: the directory of probe-storm}
LISTEN=${PROBE_LISTEN:?PROBE_LISTEN: tests/probe/probe-listen}
DAEMON=${DAEMON:-}
if [ "$QUICK" = 1 ]; then
        SIGNALS=100000 FORKS=5000 ROUNDS=${ROUNDS:-2} LAT_ROUNDS=${LAT_ROUNDS:-2} LAT_N=${LAT_N:-5}
else
        SIGNALS=400000 FORKS=40000 ROUNDS=${ROUNDS:-25} LAT_ROUNDS=${LAT_ROUNDS:-4} LAT_N=${LAT_N:-20}
fi
LAT_GAP_MS=${LAT_GAP_MS:-53}
STORM_CPU=${STORM_CPU:-$(awk '/^Cpus_allowed_list:/ { n = split($2, a, /[,-]/); print a[n] }' /proc/self/status)}
log() { printf '[probe-cost %s] %s\n' "$(date +%T)" "$*" >&2; }
tmp=$(mktemp -d /tmp/cw-probe-cost.XXXXXX) || exit 1
RUNC_ROOT=$tmp/runc
lp=
dp=
cleanup() {
        [ -n "$lp" ] && kill "$lp" 2>/dev/null
        [ -n "$dp" ] && kill "$dp" 2>/dev/null
        if [ -d "$RUNC_ROOT" ]; then
                for c in "$RUNC_ROOT"/*/; do
                        [ -d "$c" ] || continue
                        runc --root "$RUNC_ROOT" delete -f "$(basename "$c")" >/dev/null 2>&1
                done
        fi
        rm -rf "$tmp"
}
trap cleanup EXIT

wait_until() {   # SECONDS CMD...: poll every 10 ms
        local i
        for ((i = 0; i < $1 * 100; i++)); do "${@:2}" && return 0; sleep 0.01; done
        return 1
}

# ------------------------------------------------------------------ 1. storms
attach() {
        # Emptied here, before the listener starts: the child's own redirection may come after the
        # first look, which would then find the previous round's "ready" and start the storm before
        # this listener is attached.
        : >"$tmp/listen.out"
        "$LISTEN" --drop-privileges >"$tmp/listen.out" 2>"$tmp/listen.err" &
        lp=$!
        listener_up() { grep -q '^ready ' "$tmp/listen.out" 2>/dev/null || ! kill -0 "$lp" 2>/dev/null; }
        wait_until 10 listener_up
        grep -q '^ready ' "$tmp/listen.out" && return 0
        log "the probe did not attach: $(cat "$tmp/listen.err")"
        return 1
}
detach() {
        kill -TERM "$lp" 2>/dev/null
        wait "$lp" 2>/dev/null
        lp=
}
# memory PID: "MAPS_BYTES PROGS_BYTES RSS_KIB" of the probe's holder.
memory() {
        local fd maps=0 progs=0 link m
        for fd in /proc/"$1"/fd/*; do
                link=$(readlink "$fd" 2>/dev/null) || continue
                m=$(sed -n 's/^memlock:[[:space:]]*//p' "/proc/$1/fdinfo/${fd##*/}" 2>/dev/null)
                [ -n "$m" ] || continue
                case $link in
                *bpf-map*) maps=$((maps + m)) ;;
                *bpf-prog*) progs=$((progs + m)) ;;
                esac
        done
        printf '%s %s %s\n' "$maps" "$progs" "$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status")"
}

: >"$tmp/storms"        # "ROUND MODE WORKLOAD N NS"
mem=
for round in $(seq "$ROUNDS"); do
        if [ $((round % 2)) = 1 ]; then order="detached attached"; else order="attached detached"; fi
        for mode in $order; do
                if [ "$mode" = attached ]; then
                        attach || exit 1
                        [ -n "$mem" ] || mem=$(memory "$lp")
                fi
                for w in "signals $SIGNALS" "forks $FORKS"; do
                        # shellcheck disable=SC2086
                        out=$(taskset -c "$STORM_CPU" "$BIN/probe-storm" $w) || { log "probe-storm $w failed"; exit 1; }
                        echo "$round $mode $out" >>"$tmp/storms"
                        log "round $round/$ROUNDS $mode: $out"
                done
                [ "$mode" = attached ] && detach
        done
done

# 1b. Per program, from the kernel's statistics: one more attach, a storm a tenth the size.
# others: this probe's programs held by other processes (other daemons on a shared machine): they
# run in both modes alike.
others=$(bpftool prog show 2>/dev/null | grep -c ' name on_signal_generate ') || others=0
: >"$tmp/progs"         # "NAME RUNS NS XLATED JITED"
STATS_WHY=
stats_old=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null)
if [ -z "$stats_old" ]; then
        STATS_WHY="no kernel.bpf_stats_enabled"
elif ! attach; then
        STATS_WHY="the probe did not attach"
else
        if sysctl -qw kernel.bpf_stats_enabled=1 2>/dev/null; then
                taskset -c "$STORM_CPU" "$BIN/probe-storm" signals $((SIGNALS / 10)) >/dev/null &&
                        taskset -c "$STORM_CPU" "$BIN/probe-storm" forks $((FORKS / 10)) >/dev/null
                sysctl -qw kernel.bpf_stats_enabled="$stats_old"
                for fd in /proc/"$lp"/fdinfo/*; do
                        # Programs only: a link's fdinfo names its program's id too.
                        case $(readlink "/proc/$lp/fd/${fd##*/}" 2>/dev/null) in *bpf-prog*) ;; *) continue ;; esac
                        id=$(sed -n 's/^prog_id:[[:space:]]*//p' "$fd" 2>/dev/null)
                        [ -n "$id" ] || continue
                        runs=$(sed -n 's/^run_cnt:[[:space:]]*//p' "$fd")
                        ns=$(sed -n 's/^run_time_ns:[[:space:]]*//p' "$fd")
                        info=$(bpftool prog show id "$id" 2>/dev/null | tr -s ' \t\n' ' ')
                        name=$(sed -n 's/.* name \([^ ]*\) .*/\1/p' <<<"$info")
                        xl=$(sed -n 's/.* xlated \([0-9]*\)B .*/\1/p' <<<"$info")
                        ji=$(sed -n 's/.* jited \([0-9]*\)B .*/\1/p' <<<"$info")
                        echo "${name:-prog$id} ${runs:-0} ${ns:-0} ${xl:-?} ${ji:-?}" >>"$tmp/progs"
                done
        else
                STATS_WHY="kernel.bpf_stats_enabled cannot be set"
        fi
        detach
fi
prog_rows() {
        sort -u "$tmp/progs" | awk '{ printf "| `%s` | %d | %s | %s B / %s B |\n", $1, $2, ($2 > 0 ? sprintf("%.1f", $3 / $2) : "–"), $4, $5 }'
}

median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print "nan"; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
# ratios FIELD WORKLOAD: per round, attached / detached of the same round (FIELD 5 wall, 6 CPU).
ratios() {
        awk -v f="$1" -v w="$2" '$3 == w { t[$1, $2] = $f; r[$1] = 1 }
                END { for (i in r) if (t[i, "detached"] > 0) printf "%.6f\n", t[i, "attached"] / t[i, "detached"] }' "$tmp/storms"
}
storm_row() {
        local w=$1 n=$2 dw aw dc ac rw rc lo hi
        dw=$(awk -v w="$w" '$2 == "detached" && $3 == w { print $5 }' "$tmp/storms" | median)
        aw=$(awk -v w="$w" '$2 == "attached" && $3 == w { print $5 }' "$tmp/storms" | median)
        dc=$(awk -v w="$w" '$2 == "detached" && $3 == w { print $6 }' "$tmp/storms" | median)
        ac=$(awk -v w="$w" '$2 == "attached" && $3 == w { print $6 }' "$tmp/storms" | median)
        ratios 6 "$w" >"$tmp/ratio.$w"
        rc=$(median <"$tmp/ratio.$w")
        lo=$(sort -g "$tmp/ratio.$w" | head -n 1)
        hi=$(sort -g "$tmp/ratio.$w" | tail -n 1)
        rw=$(ratios 5 "$w" | median)
        awk -v w="$w" -v n="$n" -v dw="$dw" -v aw="$aw" -v dc="$dc" -v ac="$ac" -v rc="$rc" -v rw="$rw" \
                -v lo="$lo" -v hi="$hi" -v k="$ROUNDS" 'BEGIN {
                o = (rc - 1) * 100
                printf "| %s storm, %d %s | %.3f s / %.3f s (%.2f µs each) | %.3f s / %.3f s (%.2f µs each) | %+.1f %% (%+.1f … %+.1f), n = %d | %+.1f %% | %s |\n",
                        w == "signals" ? "signal" : "fork/exit", n, w == "signals" ? "signals" : "processes",
                        dw / 1e9, dc / 1e9, dc / n / 1e3, aw / 1e9, ac / 1e9, ac / n / 1e3,
                        o, (lo - 1) * 100, (hi - 1) * 100, k, (rw - 1) * 100, o <= 3 ? "met" : "NOT met"
        }'
}

# ------------------------------------------------------------------ 2. kill -> --json latency
LAT=1
LAT_WHY=
if [ "$LAT_ROUNDS" -lt 1 ] || [ "$LAT_N" -lt 1 ]; then
        LAT=0 LAT_WHY="LAT_ROUNDS=$LAT_ROUNDS, LAT_N=$LAT_N"
elif [ -z "$DAEMON" ] || [ ! -x "$DAEMON" ]; then
        LAT=0 LAT_WHY="no daemon (DAEMON=)"
elif ! command -v runc >/dev/null || ! command -v busybox >/dev/null || ! command -v jq >/dev/null; then
        LAT=0 LAT_WHY="no runc, busybox or jq"
else
        for t in stamp-lines kill-stamp notify-stamp; do
                [ -x "$BIN/$t" ] || { LAT=0 LAT_WHY="no $BIN/$t"; }
        done
fi

lat_round() {   # MODE (probe | noprobe) ROUND
        local mode=$1 round=$2 name=lat.$2.$1 i id pid
        : >"$tmp/$name.conf"
        [ "$mode" = noprobe ] && printf '[Exit]\nKernelProbe=no\n' >"$tmp/$name.conf"
        mkdir -p "$tmp/state.$name" "$RUNC_ROOT"
        STATE_DIRECTORY=$tmp/state.$name env -u WATCHDOG_USEC -u WATCHDOG_PID \
                "$BIN/notify-stamp" -o "$tmp/$name.notify" "$tmp/notify.sock" -- \
                "$DAEMON" -c "$tmp/$name.conf" -r "$RUNC_ROOT" --json --log-target=console \
                2>"$tmp/$name.err" | "$BIN/stamp-lines" >"$tmp/$name.json" &
        dp=$!
        ready() { grep -q ' READY=1' "$tmp/$name.notify" 2>/dev/null; }
        wait_until 30 ready || { log "daemon ($mode) not ready: $(tail -3 "$tmp/$name.err")"; return 1; }
        if [ "$mode" = probe ] && grep -q 'kernel probe off' "$tmp/$name.notify"; then
                log "the daemon did not load the probe: $(grep -o 'kernel probe off.*' "$tmp/$name.notify" | head -1)"
                return 1
        fi
        : >"$tmp/$name.targets"
        for i in $(seq "$LAT_N"); do
                id=cw-pcost-$$-$round-$mode-$i
                runc --root "$RUNC_ROOT" run -d --bundle "$tmp/bundle" "$id" </dev/null >>"$tmp/runc.log" 2>&1 ||
                        { log "runc run failed: $(tail -3 "$tmp/runc.log")"; return 1; }
                pid=$(jq -r .init_process_pid "$RUNC_ROOT/$id/state.json")
                echo "$id $pid" >>"$tmp/$name.targets"
        done
        started() { [ "$(grep -c '"CONTAINER_EVENT":"started"' "$tmp/$name.json")" -ge "$LAT_N" ]; }
        wait_until 30 started || { log "only $(grep -c '"started"' "$tmp/$name.json") started lines ($mode)"; return 1; }
        "$BIN/kill-stamp" "$tmp/$name.targets" "$LAT_GAP_MS" >"$tmp/$name.kills"
        exited() { [ "$(grep -c '"CONTAINER_EVENT":"exited"' "$tmp/$name.json")" -ge "$LAT_N" ]; }
        wait_until 30 exited || { log "only $(grep -c '"exited"' "$tmp/$name.json") exited lines ($mode)"; return 1; }
        kill -TERM "$(awk '$1 == "start" { print $3; exit }' "$tmp/$name.notify")" 2>/dev/null
        wait "$dp" 2>/dev/null
        dp=
        while read -r id _; do
                runc --root "$RUNC_ROOT" delete -f "$id" >/dev/null 2>&1
        done <"$tmp/$name.targets"
        # Per kill: the exited line's stamp minus the kill's, in ms (ids are runc's, printed in full).
        awk 'function t(s) { return substr(s, length(s) - 11) + 0 }
             NR == FNR { if ($1 == "K") k[$2] = t($4); next }
             index($0, "\"CONTAINER_EVENT\":\"exited\"") && match($0, /"CONTAINER_ID_FULL":"[^"]*"/) {
                     id = substr($0, RSTART + 21, RLENGTH - 22)
                     if ((id in k) && !seen[id]++) { d = t($1) - k[id]; if (d < -5e11) d += 1e12; printf "%.4f\n", d / 1e6 }
             }' "$tmp/$name.kills" "$tmp/$name.json" >>"$tmp/lat.$mode.ms"
        log "latency round $round/$LAT_ROUNDS $mode: $(wc -l <"$tmp/lat.$mode.ms") kills so far, median $(median <"$tmp/lat.$mode.ms") ms"
}

if [ "$LAT" = 1 ]; then
        mkdir -p "$tmp/bundle/rootfs/bin" "$tmp/bundle/rootfs/proc" "$tmp/bundle/rootfs/dev" "$tmp/bundle/rootfs/sys"
        cp "$(command -v busybox)" "$tmp/bundle/rootfs/bin/busybox"
        ln -s busybox "$tmp/bundle/rootfs/bin/sleep"
        (cd "$tmp/bundle" && runc spec) || { log "runc spec failed"; exit 1; }
        jq '.process.terminal = false | .process.args = ["/bin/sleep", "1000000"] | .root.readonly = true
            | .linux.namespaces |= map(select(.type != "network"))' "$tmp/bundle/config.json" >"$tmp/bundle/c.json" &&
                mv "$tmp/bundle/c.json" "$tmp/bundle/config.json"
        : >"$tmp/lat.probe.ms"
        : >"$tmp/lat.noprobe.ms"
        for round in $(seq "$LAT_ROUNDS"); do
                if [ $((round % 2)) = 1 ]; then order="noprobe probe"; else order="probe noprobe"; fi
                for mode in $order; do
                        lat_round "$mode" "$round" || { LAT=0 LAT_WHY="a latency round failed (see the log)"; break 2; }
                done
        done
fi
pct() {         # Q FILE: nearest-rank quantile
        sort -g "$2" | awk -v q="$1" '{ v[NR] = $1 } END { if (NR == 0) { print "nan"; exit } r = int(q * NR); if (r < q * NR) r++; if (r < 1) r = 1; print v[r] }'
}
lat_rows() {
        local mp mn dp9 dn9 np nn
        mp=$(median <"$tmp/lat.probe.ms") mn=$(median <"$tmp/lat.noprobe.ms")
        dp9=$(pct 0.9 "$tmp/lat.probe.ms") dn9=$(pct 0.9 "$tmp/lat.noprobe.ms")
        np=$(wc -l <"$tmp/lat.probe.ms") nn=$(wc -l <"$tmp/lat.noprobe.ms")
        awk -v mp="$mp" -v mn="$mn" -v p9="$dp9" -v n9="$dn9" -v np="$np" -v nn="$nn" 'BEGIN {
                d = mp - mn
                printf "| kill → `--json` line, KernelProbe=no | %.3f ms | %.3f ms | n = %d | |\n", mn, n9, nn
                printf "| kill → `--json` line, with the probe | %.3f ms | %.3f ms | n = %d | difference of the medians %+.3f ms: %s |\n",
                        mp, p9, np, d, (d <= 0.1 ? "met" : "NOT met")
        }'
}

read -r maps progs rss <<<"$mem"
# One line for report.sh's table of targets: "KEY=VALUE ..." in an HTML comment (not shown).
summary() {
        local sig fork lat=- latn=0
        sig=$(ratios 6 signals | median | awk '{ printf "%+.1f", ($1 - 1) * 100 }')
        fork=$(ratios 6 forks | median | awk '{ printf "%+.1f", ($1 - 1) * 100 }')
        if [ "$LAT" = 1 ]; then
                lat=$(awk -v a="$(median <"$tmp/lat.probe.ms")" -v b="$(median <"$tmp/lat.noprobe.ms")" 'BEGIN { printf "%+.3f", a - b }')
                latn=$(wc -l <"$tmp/lat.probe.ms")
        fi
        printf '<!-- probe-cost: rounds=%s signals_pct=%s forks_pct=%s lat_rounds=%s lat_n=%s lat_diff_ms=%s maps_kib=%s progs_kib=%s rss_kib=%s quick=%s -->\n' \
                "$ROUNDS" "$sig" "$fork" "$([ "$LAT" = 1 ] && echo "$LAT_ROUNDS" || echo 0)" "$latn" "$lat" \
                "$((maps / 1024))" "$((progs / 1024))" "$rss" "$QUICK"
}
summary
cat <<EOT
## The kernel probe's cost (issue 13)

\`tests/bench/probe-cost.sh\`$([ "$QUICK" = 1 ] && printf ' (--quick: small N, not a result)'), kernel $(uname -r), $(nproc) CPUs, load average
$(cut -d' ' -f1-3 /proc/loadavg) at the end.

**Storms.** $ROUNDS rounds; each round runs the workload with the probe detached and attached back to
back (the order alternates from round to round). The probe is held by \`tests/probe/probe-listen\` as
the daemon holds it (attached, then no capability left). The processes are ordinary ones outside any
container, so every signal and every exit passes the probe's tracepoints and is dropped by its
in-kernel filter. The storms run pinned to CPU $STORM_CPU (one CPU: no cross-CPU wake-ups, whose cost
varies from run to run far more than the probe's). Other holders of the same programs during the run
(other daemons on a shared machine, attached in both modes alike): $others.
Times are medians over the rounds, wall / CPU (user and system time of the storm
and its children: the probe's programs run in their context, and waits for a CPU taken by other work
are left out). The difference is the median of each round's own attached/detached ratio of CPU time,
with the smallest and the largest in parentheses; the wall-time ratio is beside it.

| workload | detached: wall / CPU | attached: wall / CPU | CPU difference (range), rounds | wall difference | target ≤ 3 % |
|---|---|---|---|---|---|
$(storm_row signals "$SIGNALS")
$(storm_row forks "$FORKS")
EOT
if [ -s "$tmp/progs" ]; then
        cat <<EOT

**Per program** (the kernel's statistics, \`kernel.bpf_stats_enabled=1\` for one more storm of
$((SIGNALS / 10)) signals and $((FORKS / 10)) processes, then set back): the ns per run include the
statistics' own two clock reads.

| program | runs | ns per run | xlated / jited |
|---|---|---|---|
$(prog_rows)
EOT
else
        printf '\n**Per program:** not measured in this run: %s.\n' "${STATS_WHY:-no program statistics}"
fi
if [ "$LAT" = 1 ]; then
        cat <<EOT

**Kill → \`--json\` latency.** The daemon itself with the probe and with \`KernelProbe=no\`,
$LAT_ROUNDS rounds in alternating order; each round starts $LAT_N real runc containers (busybox
\`sleep\`, each the init of its own PID namespace, so the probe records their signals and exits) and
SIGKILLs them one at a time ${LAT_GAP_MS} ms apart (\`kill-stamp\`); the latency of a kill is the time
\`stamp-lines\` read the \`exited\` line from the daemon's stdout minus the time just before \`kill()\`.

| | median | p90 | kills | target: within 0.1 ms |
|---|---|---|---|---|
$(lat_rows)
EOT
else
        printf '\n**Kill → `--json` latency:** not measured in this run: %s.\n' "$LAT_WHY"
fi
cat <<EOT

**Memory** of the attached probe: maps $((maps / 1024)) KiB (the 256 KiB ring buffer and the OOM map),
programs $((progs / 1024)) KiB (kernel memlock from fdinfo, charged to the holder's memory cgroup),
and the holder's resident set $rss KiB (probe-listen: libbpf and the mapped ring buffer).
EOT
