#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Benchmark "latency" (tests/bench/lib.sh): kill → event, side by side, every consumer watching the
# same kills at the same time: container-watchd (its --json line, its journal entry as received and
# as stored), the bare pidfd reference (pidfd-ref) and a poller (kill -0 every $POLL_MS ms).
#   fake: spawn-inits containers reaped at once; lazy: reaped late, as plain `runc run -d` under a
#   slow PID 1; docker: real Docker containers' inits, with `docker events` beside them.
# Also draws $BENCH_DOCS/bench-latency.png (empirical CDFs).
. "$(dirname "$0")/lib.sh"

bench_run() {
        if [ "$QUICK" = 1 ]; then N_SIDE=40 N_LAZY=10 N_DOCKER=5; else N_SIDE=200 N_LAZY=20 N_DOCKER=20; fi
        # Kill gaps are not multiples of the poller's 100 ms, so that its phase varies from kill to kill.
        KILL_GAP_MS=37 DOCKER_GAP_MS=317 LAZY_REAP_MS=1200 POLL_MS=100 LAZY_GAP_MS=100
        results N_SIDE N_LAZY N_DOCKER KILL_GAP_MS DOCKER_GAP_MS LAZY_REAP_MS POLL_MS LAZY_GAP_MS

        log "fake: $N_SIDE kills, ${KILL_GAP_MS} ms apart: daemon --json, journal, pidfd reference, polling"
        local root=$BENCH_ROOTS/latency-a
        si_start "$root" "$R/a.stamps"
        daemon_start a journal "$root"
        si spawn "$N_SIDE"
        si list "$W/a.targets"
        wait_for 30 count_ge "$R/a.json" '"started"' "$N_SIDE" || fail "fake: started events missing"
        "$BIN/pidfd-ref" "$W/a.targets" >"$R/a.ref" & REF=$!
        "$BIN/poll-watch" "$W/a.targets" "$POLL_MS" >"$R/a.poll" & POLL=$!
        CLEAN_PIDS+=("$REF" "$POLL")
        wait_for 10 has_line "$R/a.ref" ready && wait_for 10 has_line "$R/a.poll" ready || fail "fake: watchers not ready"
        si kill-each "$N_SIDE" "$KILL_GAP_MS"
        wait_for 30 count_ge "$R/a.json" '"exited"' "$N_SIDE" || fail "fake: exited events missing"
        wait "$REF" "$POLL"
        daemon_stop
        si_quit
        kills "$R/a.stamps" >"$W/a.kills"
        json_events "$R/a.json" exited >"$W/a.json.ev"
        awk '$1 == "E" { print $2, $4 }' "$R/a.ref" >"$W/a.ref.ev"
        awk '$1 == "X" { print $2, $4 }' "$R/a.ref" >"$W/a.refx.ev"
        awk '$1 == "P" { print $2, $4 }' "$R/a.poll" >"$W/a.poll.ev"
        journal_dump "$W/journal.tsv"
        awk '$4 == "exited" { print $1, $2 }' "$W/journal.tsv" >"$W/a.jsrc.ev"
        awk '$4 == "exited" { print $1, $3 }' "$W/journal.tsv" >"$W/a.jsto.ev"
        for s in json ref refx poll jsrc jsto; do lat "$W/a.kills" "$W/a.$s.ev" >"$W/a.$s.ms"; done
        # paired difference, same kill: daemon --json line minus the reference's receipt
        awk 'NR == FNR { r[$1] = substr($2, length($2) - 11) + 0; next } ($1 in r) { printf "%.4f\n", (substr($2, length($2) - 11) - r[$1]) / 1e6 }' \
                "$W/a.ref.ev" "$W/a.json.ev" >"$W/a.diff.ms"

        log "lazy: $N_LAZY kills with the reaper $LAZY_REAP_MS ms late"
        root=$BENCH_ROOTS/latency-a2
        si_start "$root" "$R/a2.stamps" --reap-delay "$LAZY_REAP_MS"
        daemon_start a2 journal "$root"
        si spawn "$N_LAZY"
        si list "$W/a2.targets"
        wait_for 30 count_ge "$R/a2.json" '"started"' "$N_LAZY" || fail "lazy: started events missing"
        "$BIN/pidfd-ref" "$W/a2.targets" >"$R/a2.ref" & REF=$!
        "$BIN/poll-watch" "$W/a2.targets" "$POLL_MS" >"$R/a2.poll" & POLL=$!
        CLEAN_PIDS+=("$REF" "$POLL")
        wait_for 10 has_line "$R/a2.ref" ready && wait_for 10 has_line "$R/a2.poll" ready || fail "lazy: watchers not ready"
        si kill-each "$N_LAZY" "$LAZY_GAP_MS"
        wait_for 30 count_ge "$R/a2.json" '"exited"' "$N_LAZY" || fail "lazy: exited events missing"
        wait "$REF" "$POLL"
        daemon_stop
        si_quit
        kills "$R/a2.stamps" >"$W/a2.kills"
        json_events "$R/a2.json" exited >"$W/a2.json.ev"
        awk '$1 == "E" { print $2, $4 }' "$R/a2.ref" >"$W/a2.ref.ev"
        awk '$1 == "X" { print $2, $4 }' "$R/a2.ref" >"$W/a2.refx.ev"
        awk '$1 == "P" { print $2, $4 }' "$R/a2.poll" >"$W/a2.poll.ev"
        for s in json ref refx poll; do lat "$W/a2.kills" "$W/a2.$s.ev" >"$W/a2.$s.ms"; done
        result A2_SOURCES "$(exit_sources "$R/a2.json")"

        docker_step phase_docker
}

# Only this run's containers carry this label; cleanup removes those and nothing else.
LABEL=cw-bench-latency=$$
bench_cleanup_hook() { docker_cleanup; }
phase_docker() {
        local id i
        log "docker: $N_DOCKER Docker containers, init killed ${DOCKER_GAP_MS} ms apart"
        DROOT=/run/docker/runtime-runc/moby
        { docker events --filter type=container --filter event=die --filter "label=$LABEL" --format '{{.Actor.ID}}' 2>"$W/d.events.err" &
          echo $! >"$W/d.events.pid"; wait; } | "$BIN/stamp-lines" >"$R/d.events" &
        DEVPIPE=$!
        wait_for 5 test -s "$W/d.events.pid"
        DEV=$(cat "$W/d.events.pid")
        CLEAN_PIDS+=("$DEV")
        : >"$W/d.targets"
        for i in $(seq "$N_DOCKER"); do
                id=$(docker run -d --label "$LABEL" --network none --log-driver none cw-bench-bbox:latest sleep 100000) ||
                        { D_FAIL="docker run failed"; kill "$DEV" 2>/dev/null; wait "$DEVPIPE"; return 1; }
                echo "$id $(docker inspect -f '{{.State.Pid}}' "$id")" >>"$W/d.targets"
        done
        mkdir -p "$DROOT"
        daemon_start d journal "$DROOT"
        "$BIN/pidfd-ref" "$W/d.targets" >"$R/d.ref" & REF=$!
        "$BIN/poll-watch" "$W/d.targets" "$POLL_MS" >"$R/d.poll" & POLL=$!
        CLEAN_PIDS+=("$REF" "$POLL")
        wait_for 10 has_line "$R/d.ref" ready && wait_for 10 has_line "$R/d.poll" ready ||
                { D_FAIL="watchers not ready"; return 1; }
        sleep 1
        "$BIN/kill-stamp" "$W/d.targets" "$DOCKER_GAP_MS" >"$R/d.kills"
        wait_for 60 count_ge "$R/d.events" . "$N_DOCKER" || log "docker: only $(wc -l <"$R/d.events") die events"
        wait_for 30 count_ge "$R/d.json" '"exited"' "$N_DOCKER" || log "docker: exited events missing"
        sleep 0.5
        wait "$REF" "$POLL"
        kill "$DEV" 2>/dev/null; wait "$DEVPIPE" 2>/dev/null
        daemon_stop
        awk '{ print $1 }' "$W/d.targets" | xargs -r docker rm -f >/dev/null 2>&1
        kills "$R/d.kills" >"$W/d.kills"
        json_events "$R/d.json" exited >"$W/d.json.ev"
        awk '{ print $2, $1 }' "$R/d.events" >"$W/d.docker.ev"
        awk '$1 == "E" { print $2, $4 }' "$R/d.ref" >"$W/d.ref.ev"
        awk '$1 == "X" { print $2, $4 }' "$R/d.ref" >"$W/d.refx.ev"
        awk '$1 == "P" { print $2, $4 }' "$R/d.poll" >"$W/d.poll.ev"
        journal_dump "$W/journal.tsv"
        awk '$4 == "exited" { print $1, $2 }' "$W/journal.tsv" >"$W/d.jsrc.ev"
        awk '$4 == "exited" { print $1, $3 }' "$W/journal.tsv" >"$W/d.jsto.ev"
        for s in json docker ref refx poll jsrc jsto; do lat "$W/d.kills" "$W/d.$s.ev" >"$W/d.$s.ms"; done
        result D_SOURCES "$(exit_sources "$R/d.json")"
        result DOCKER_VERSION "$(docker version --format '{{.Server.Version}}' 2>/dev/null)"
        return 0
}

have_docker() { [ -z "${D_NOTE:-}" ] && [ -s "$W/d.json.ms" ]; }

bench_targets() {
        local a_json a_ref d_jsto d_dock
        a_json=$(med "$W/a.json.ms"); a_ref=$(med "$W/a.ref.ms")
        echo "| kill → \`--json\` line, median ($(count "$W/a.json.ms") kills) | within 0.3 ms of the pidfd reference | $a_json ms vs $a_ref ms (paired median +$(med "$W/a.diff.ms") ms) | $(verdict "$(ok "$a_json - $a_ref <= 0.3")") |"
        if have_docker; then
                d_jsto=$(med "$W/d.jsto.ms"); d_dock=$(med "$W/d.docker.ms")
                echo "| kill → journal entry, median ($(count "$W/d.jsto.ms") Docker kills) | ≥ 10× faster than Docker's \`die\` | journal $d_jsto ms (stored) vs \`docker events\` $d_dock ms: **$(calc '%.1f' "$d_dock / $d_jsto")×** | $(verdict "$(ok "$d_dock / $d_jsto >= 10")") |"
        else
                echo "| kill → journal entry, median | ≥ 10× faster than Docker's \`die\` | not measured: $D_NOTE | – |"
        fi
}

plot() {
        local s
        cdf() { sort -g "$1" | awk -v n="$(wc -l <"$1")" '{ print $1, NR / n }' >"$2"; }
        for s in json ref poll jsrc jsto; do cdf "$W/a.$s.ms" "$W/a.$s.cdf"; done
        if have_docker; then for s in json docker ref poll jsrc jsto; do cdf "$W/d.$s.ms" "$W/d.$s.cdf"; done; fi
        {
                echo "set terminal pngcairo size 1300,620 font 'DejaVu Sans,10'"
                echo "set output '$BENCH_DOCS/bench-latency.png'"
                echo "set logscale x; set xrange [0.02:300]; set xlabel 'kill → event received (ms, log scale)'"
                echo "set ylabel 'fraction of kills'; set key below horizontal maxrows 2; set grid; set yrange [0:1.02]"
                echo "set style line 1 lw 2 lc rgb '#6a3d9a'; set style line 2 lw 2 lc rgb '#1b9e77'"
                echo "set style line 3 lw 2 lc rgb '#66a6d9'; set style line 4 lw 2 lc rgb '#e6a100'"
                echo "set style line 5 lw 2 lc rgb '#d62728'; set style line 6 lw 2 lc rgb '#7f7f7f'"
                have_docker && echo "set multiplot layout 1,2"
                echo "set title 'spawn-inits containers: $N_SIDE kills, same run'"
                echo "plot '$W/a.ref.cdf' w steps ls 1 t 'pidfd reference', '$W/a.json.cdf' w steps ls 2 t 'container-watchd --json', '$W/a.jsrc.cdf' w steps ls 3 t 'journal, socket receipt', '$W/a.jsto.cdf' w steps ls 4 t 'journal, stored', '$W/a.poll.cdf' w steps ls 6 t 'kill -0 every $POLL_MS ms'"
                if have_docker; then
                        echo "set title 'Docker $DOCKER_VERSION containers: $N_DOCKER kills, same run'"
                        echo "plot '$W/d.ref.cdf' w steps ls 1 t 'pidfd reference', '$W/d.json.cdf' w steps ls 2 t 'container-watchd --json', '$W/d.jsrc.cdf' w steps ls 3 t 'journal, socket receipt', '$W/d.jsto.cdf' w steps ls 4 t 'journal, stored', '$W/d.docker.cdf' w steps ls 5 t 'docker events die', '$W/d.poll.cdf' w steps ls 6 t 'kill -0 every $POLL_MS ms'"
                        echo "unset multiplot"
                fi
        } >"$W/plot.gp"
        gnuplot "$W/plot.gp" 2>"$W/gnuplot.err" || { log "gnuplot failed: $(cat "$W/gnuplot.err")"; return 1; }
}

bench_report() {
        local img=
        [ -n "${BENCH_DOCS:-}" ] && plot && img=1
        cat <<EOT
## Latency, side by side

$([ -n "$img" ] && echo '![kill → event latency, empirical CDFs](bench-latency.png)')

### Fake containers (spawn-inits), $N_SIDE kills ${KILL_GAP_MS} ms apart, reaped at once by their parent

Each kill is one \`kill(PID, SIGKILL)\` stamped just before the call. All consumers watch the same
PIDs at the same time: container-watchd (its \`--json\` stdout read by \`stamp-lines\`; its journal
entries read back afterwards), the pidfd reference, and the polling watcher.

$(table "pidfd reference (pidfd_open + epoll): readable" "$W/a.ref.ms" \
        "pidfd reference: reaped (HUP, PIDFD_GET_INFO)" "$W/a.refx.ms" \
        "container-watchd \`--json\` line" "$W/a.json.ms" \
        "container-watchd journal entry, socket receipt (\`_SOURCE_REALTIME_TIMESTAMP\`)" "$W/a.jsrc.ms" \
        "container-watchd journal entry, stored (\`__REALTIME_TIMESTAMP\`)" "$W/a.jsto.ms" \
        "\`kill -0\` every $POLL_MS ms" "$W/a.poll.ms" \
        "paired: \`--json\` line minus reference, same kill" "$W/a.diff.ms")

The \`--json\` figure includes one more hop than the reference (a pipe write, and the reader's
wake-up), which any consumer of the stream pays too.

### Lazy reaper: $N_LAZY kills, the parent reaps $LAZY_REAP_MS ms late (as plain \`runc run -d\` under a slow PID 1)

$(table "pidfd reference: readable" "$W/a2.ref.ms" \
        "pidfd reference: reaped" "$W/a2.refx.ms" \
        "container-watchd \`--json\` line" "$W/a2.json.ms" \
        "\`kill -0\` every $POLL_MS ms (a zombie still answers)" "$W/a2.poll.ms")

Exit status sources reported by the daemon: ${A2_SOURCES:-none}.

EOT
        if ! have_docker; then
                printf '### Real Docker containers\n\nNot measured in this run: %s.\n\n' "$D_NOTE"
                return 0
        fi
        local d_dock d_jsto d_json
        d_dock=$(med "$W/d.docker.ms"); d_jsto=$(med "$W/d.jsto.ms"); d_json=$(med "$W/d.json.ms")
        cat <<EOT
### Real Docker containers: $N_DOCKER kills of the container init, ${DOCKER_GAP_MS} ms apart

\`docker run -d --network none --log-driver none cw-bench-bbox sleep 100000\` (a busybox image made
with \`docker import\`); each init is killed with \`kill(PID, SIGKILL)\` from the host by
\`kill-stamp\`, and the containerd shim reaps it. \`docker events --filter event=die\` is read through
\`stamp-lines\`. Docker $DOCKER_VERSION.

$(table "pidfd reference: readable" "$W/d.ref.ms" \
        "pidfd reference: reaped" "$W/d.refx.ms" \
        "container-watchd \`--json\` line" "$W/d.json.ms" \
        "container-watchd journal entry, socket receipt" "$W/d.jsrc.ms" \
        "container-watchd journal entry, stored" "$W/d.jsto.ms" \
        "\`kill -0\` every $POLL_MS ms" "$W/d.poll.ms" \
        "\`docker events\` \`die\`" "$W/d.docker.ms")

Exit status sources reported by the daemon: ${D_SOURCES:-none}. Ratio of medians, Docker \`die\` /
journal entry stored: **$(calc '%.1f' "$d_dock / $d_jsto")×**; / \`--json\` line: **$(calc '%.0f' "$d_dock / $d_json")×**.

EOT
}

bench_main "$@"
