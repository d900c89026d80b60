#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Benchmark "startup" (tests/bench/lib.sh): from fork+exec of the daemon to READY=1 with N_SCALE
# existing fake containers (spawn-inits), runc-size and Docker-size state files, journal and console
# targets, and an extra profiled run of each size (not timed).
. "$(dirname "$0")/lib.sh"

bench_run() {
        local root=$BENCH_ROOTS/startup size target runs i name
        if [ "$QUICK" = 1 ]; then N_SCALE=2000 STARTUP_RUNS=1; else N_SCALE=10000 STARTUP_RUNS=3; fi
        DOCKER_SIZE=30720
        results N_SCALE STARTUP_RUNS DOCKER_SIZE
        ulimit -Hn 1048576 2>/dev/null || ulimit -Hn 262144 2>/dev/null || true
        ulimit -n "$(ulimit -Hn)"
        log "start-up with $N_SCALE existing containers"
        si_start "$root" "$R/su.stamps"
        si spawn "$N_SCALE"
        result STATE_SIZE_RUNC "$(stat -c %s "$(ls -d "$root"/*/state.json | head -1)")"
        : >"$W/startup.tsv"
        for size in runc docker; do
                if [ "$size" = docker ]; then si rewrite "$DOCKER_SIZE"; fi
                if [ "$HAVE_PERF" = 1 ]; then      # one extra, profiled run, not timed
                        perf_start "startup-$size"
                        daemon_start "su-$size-prof" journal "$root"
                        perf_stop "startup-$size"
                        daemon_stop
                fi
                for target in journal console; do
                        runs=$STARTUP_RUNS
                        [ "$target" = console ] && runs=1
                        for i in $(seq "$runs"); do
                                name=su-$size-$target-$i
                                daemon_start "$name" "$target" "$root"
                                echo "$size $target $i $(ready_ms "$name") $(proc_rss_kb "$DPID")" >>"$W/startup.tsv"
                                log "   $size-size, $target: READY after $(ready_ms "$name") ms"
                                daemon_stop
                        done
                done
        done
        si_quit
}

su_med() { awk -v s="$1" -v t="$2" '$1 == s && $2 == t { print $4 }' "$W/startup.tsv" >"$W/su.$1.$2.ms"; med "$W/su.$1.$2.ms"; }

bench_targets() {
        local r d
        r=$(su_med runc journal); d=$(su_med docker journal)
        echo "| start-up with $N_SCALE existing, runc-size (median of $STARTUP_RUNS) | \`READY=1\` ≤ 1 s | $r ms | $(verdict "$(ok "$r <= 1000")") |"
        echo "| start-up with $N_SCALE existing, Docker-size (median of $STARTUP_RUNS) | \`READY=1\` ≤ 1 s | $d ms | $(verdict "$(ok "$d <= 1000")") |"
}

bench_report() {
        local size t
        cat <<EOT
## Start-up with $N_SCALE existing containers

From fork+exec of the daemon to its \`READY=1\` (\`notify-stamp\`); state roots on tmpfs, as \`/run\` is
on a stock host; a fresh record directory (\`STATE_DIRECTORY\`) each run, so the daemon reports and
records a \`started\` event for every container it finds, as at its first start on a host.
runc-size files are $STATE_SIZE_RUNC bytes, Docker-size ${DOCKER_SIZE} bytes (padding in \`config\`, as
Docker's seccomp profile does).

| state files | log target | runs | READY=1 (ms, each run) | median (ms) | VmRSS at READY (kB) |
|---|---|---:|---|---:|---|
EOT
        for size in runc docker; do
                for t in journal console; do
                        awk -v s="$size" -v t="$t" -v m="$(su_med "$size" "$t")" '$1 == s && $2 == t { n++; ms = ms (ms ? ", " : "") $4; kb = kb (kb ? ", " : "") $5 }
                                END { if (n) printf "| %s-size | %s | %d | %s | %s | %s |\n", s, t, n, ms, n > 1 ? m : "–", kb }' "$W/startup.tsv"
                done
        done
        echo
        perf_block startup-runc "start-up with $N_SCALE runc-size state files (an extra, untimed run)"
        perf_block startup-docker "start-up with $N_SCALE Docker-size state files (an extra, untimed run)"
}

bench_main "$@"
