#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Benchmark "events" (tests/bench/lib.sh; issue 15, item 4): kill → a live reader's line, every reader
# following the same kills at the same time: `container-watchctl events --json` (the live path, over
# the daemon's subscriber socket), the daemon's own `--json` stdout, `journalctl -f -o json` (the live
# journal reader) and, on real Docker containers, `docker events` `die`. Every line is stamped with
# CLOCK_REALTIME when its reader's read() returns (stamp-lines); kills are stamped by spawn-inits or
# kill-stamp just before the kill(2).
. "$(dirname "$0")/lib.sh"

CTL=${BENCH_CTL:-$(dirname "$DAEMON")/../ctl/container-watchctl}
# Only this run's containers carry this label; cleanup removes those and nothing else.
LABEL=cw-bench-events=$$

# live_events FILE EVENT: "ID NS" of the stamped JSON lines (stamp-lines output) of that event
live_events() {
        jq -rR --arg ev "$2" 'split("\t") as [$t, $j] | ($j | fromjson? // empty) |
                select(.CONTAINER_EVENT == $ev) | "\(.CONTAINER_ID_FULL) \($t)"' "$1"
}
# paired KILLS A B: per kill, B's line minus A's line (ms), from two "ID NS" files (first line per id)
paired() {
        awk 'function t(s) { return substr(s, length(s) - 11) + 0 }
             FILENAME == ARGV[1] { k[$1] = 1; next }
             FILENAME == ARGV[2] { if (($1 in k) && !($1 in a)) a[$1] = t($2); next }
             ($1 in a) && !seen[$1]++ { printf "%.4f\n", (t($2) - a[$1]) / 1e6 }' "$1" "$2" "$3"
}
# has_event FILE EVENT ID: a JSON line of that event of that container in FILE
has_event() { grep -F -- "\"CONTAINER_ID_FULL\":\"$3\"" "$1" 2>/dev/null | grep -q -F -- "\"CONTAINER_EVENT\":\"$2\""; }

# readers_start P: ctl events and journalctl -f, each through stamp-lines, into $R/P.ctl and $R/P.jf
# (CTLPID, JFPID: the readers themselves; their stamp-lines ends at their end). Both start with
# --since this second, so that no event is lost while they start up: the started events come
# from the history or live, and every reader has them all before the first kill.
readers_start() {
        local t0
        t0=$(date +%s)
        "$CTL" events --directory="$JDIR" --socket="$W/events.sock" --since="@$t0" --json 2>"$R/$1.ctl.err" \
                > >("$BIN/stamp-lines" >"$R/$1.ctl") &
        CTLPID=$!
        journalctl -D "$JDIR" -f --since="@$t0" -o json SYSLOG_IDENTIFIER=container-watchd 2>"$R/$1.jf.err" \
                > >("$BIN/stamp-lines" >"$R/$1.jf") &
        JFPID=$!
        CLEAN_PIDS+=("$CTLPID" "$JFPID")
}
readers_stop() {
        kill "$CTLPID" "$JFPID" 2>/dev/null
        wait "$CTLPID" "$JFPID" 2>/dev/null
}

# finish P KILLS: the phase's "ID NS" streams and their latencies
finish() {
        local p=$1 s
        json_events "$R/$p.json" exited >"$W/$p.json.ev"
        live_events "$R/$p.ctl" exited >"$W/$p.ctl.ev"
        live_events "$R/$p.jf" exited >"$W/$p.jf.ev"
        for s in json ctl jf; do lat "$2" "$W/$p.$s.ev" >"$W/$p.$s.ms"; done
        paired "$2" "$W/$p.json.ev" "$W/$p.ctl.ev" >"$W/$p.diff.ms"
}

bench_run() {
        if [ "$QUICK" = 1 ]; then N_SIDE=40 N_DOCKER=5; else N_SIDE=200 N_DOCKER=20; fi
        KILL_GAP_MS=37 DOCKER_GAP_MS=317
        overrides N_SIDE N_DOCKER
        results N_SIDE N_DOCKER KILL_GAP_MS DOCKER_GAP_MS
        [ -x "$CTL" ] || fail "no container-watchctl at '$CTL' (build it, or set BENCH_CTL)"
        printf '[Events]\nSocket=%s\n' "$W/events.sock" >"$W/events.conf"
        DAEMON_CONF=$W/events.conf

        log "fake: $N_SIDE kills, ${KILL_GAP_MS} ms apart: container-watchctl events, --json, journalctl -f"
        local root=$BENCH_ROOTS/events-a
        si_start "$root" "$R/a.stamps"
        daemon_start a journal "$root"
        readers_start a
        si spawn "$N_SIDE"
        wait_for 30 count_ge "$R/a.json" '"started"' "$N_SIDE" || fail "fake: started events missing"
        wait_for 30 count_ge "$R/a.ctl" '"started"' "$N_SIDE" ||
                fail "fake: container-watchctl events has $(grep -c started "$R/a.ctl") started events: $(cat "$R/a.ctl.err")"
        wait_for 30 count_ge "$R/a.jf" '"started"' "$N_SIDE" || fail "fake: journalctl -f has not followed the started events"
        si kill-each "$N_SIDE" "$KILL_GAP_MS"
        wait_for 30 count_ge "$R/a.json" '"exited"' "$N_SIDE" || fail "fake: exited events missing"
        wait_for 30 count_ge "$R/a.ctl" '"exited"' "$N_SIDE" || fail "fake: exited events missing in container-watchctl events"
        wait_for 30 count_ge "$R/a.jf" '"exited"' "$N_SIDE" || fail "fake: exited events missing in journalctl -f"
        readers_stop
        daemon_stop
        si_quit
        kills "$R/a.stamps" >"$W/a.kills"
        finish a "$W/a.kills"

        docker_step phase_docker
}

bench_cleanup_hook() { docker_cleanup; }
phase_docker() {
        local id i f
        log "docker: $N_DOCKER Docker containers, init killed ${DOCKER_GAP_MS} ms apart"
        mkdir -p /run/docker/runtime-runc/moby
        # The same daemon's record as in the fake step (a restart, not a first start), as on a
        # host; EVENT_SEQ goes on past the fake step's numbers with or without it (DESIGN.md §3).
        DAEMON_STATE_FROM=$W/state/a daemon_start d journal /run/docker/runtime-runc/moby
        readers_start d
        { docker events --filter type=container --filter event=die --filter "label=$LABEL" --format '{{.Actor.ID}}' 2>"$W/d.events.err" &
          echo $! >"$W/d.events.pid"; wait; } | "$BIN/stamp-lines" >"$R/d.events" &
        DEVPIPE=$!
        wait_for 5 test -s "$W/d.events.pid"
        DEV=$(cat "$W/d.events.pid")
        CLEAN_PIDS+=("$DEV")
        : >"$W/d.targets"
        for i in $(seq "$N_DOCKER"); do
                id=$(docker run -d --label "$LABEL" --network none --log-driver none cw-bench-bbox:latest sleep 100000) ||
                        { D_FAIL="docker run failed"; return 1; }
                echo "$id $(docker inspect -f '{{.State.Pid}}' "$id")" >>"$W/d.targets"
        done
        # every reader follows these containers before the first kill
        for id in $(awk '{ print $1 }' "$W/d.targets"); do
                wait_for 30 has_event "$R/d.ctl" started "$id" && wait_for 30 has_event "$R/d.jf" started "$id" ||
                        { D_FAIL="no started event of $id in the readers"; return 1; }
        done
        "$BIN/kill-stamp" "$W/d.targets" "$DOCKER_GAP_MS" >"$R/d.kills"
        wait_for 60 count_ge "$R/d.events" . "$N_DOCKER" || log "docker: only $(wc -l <"$R/d.events") die events"
        for id in $(awk '{ print $1 }' "$W/d.targets"); do
                for f in json ctl jf; do
                        wait_for 30 has_event "$R/d.$f" exited "$id" || log "docker: no exited line of $id in $f"
                done
        done
        kill "$DEV" 2>/dev/null; wait "$DEVPIPE" 2>/dev/null
        readers_stop
        daemon_stop
        awk '{ print $1 }' "$W/d.targets" | xargs -r docker rm -f >/dev/null 2>&1
        kills "$R/d.kills" >"$W/d.kills"
        finish d "$W/d.kills"
        awk '{ print $2, $1 }' "$R/d.events" >"$W/d.docker.ev"
        lat "$W/d.kills" "$W/d.docker.ev" >"$W/d.docker.ms"
        result DOCKER_VERSION "$(docker version --format '{{.Server.Version}}' 2>/dev/null)"
        return 0
}

have_docker() { [ -z "${D_NOTE:-}" ] && [ -s "$W/d.ctl.ms" ] && [ -s "$W/d.docker.ms" ]; }

bench_targets() {
        local a_json a_ctl d_ctl d_dock
        a_json=$(med "$W/a.json.ms"); a_ctl=$(med "$W/a.ctl.ms")
        echo "| kill → \`container-watchctl events\` line, median ($(count "$W/a.ctl.ms") kills) | within 0.3 ms of the \`--json\` line | $a_ctl ms vs $a_json ms (paired median +$(med "$W/a.diff.ms") ms) | $(verdict "$(ok "$a_ctl - $a_json <= 0.3")") |"
        if have_docker; then
                d_ctl=$(med "$W/d.ctl.ms"); d_dock=$(med "$W/d.docker.ms")
                echo "| kill → \`container-watchctl events\` line, median ($(count "$W/d.ctl.ms") Docker kills) | ≥ 10× faster than \`docker events\` \`die\` | $d_ctl ms vs \`docker events\` $d_dock ms: **$(calc '%.1f' "$d_dock / $d_ctl")×** | $(verdict "$(ok "$d_dock / $d_ctl >= 10")") |"
        else
                echo "| kill → \`container-watchctl events\` line, median | ≥ 10× faster than \`docker events\` \`die\` | not measured: $D_NOTE | – |"
        fi
}

bench_report() {
        cat <<EOT
## Live readers: container-watchctl events, --json, journalctl -f, docker events

Every reader follows the same kills in the same run, and every line is stamped (\`stamp-lines\`,
CLOCK_REALTIME) when its reader's \`read()\` returns; each kill is stamped just before the
\`kill(PID, SIGKILL)\`. \`container-watchctl events --json\` is the live path, over the daemon's
subscriber socket; \`journalctl -f -o json\` is the live journal reader (journald wakes the readers
that follow it on its own timer, FACTS.md §9), measured as a live stream, not from the entries'
stored timestamps.

### Fake containers (spawn-inits), $N_SIDE kills ${KILL_GAP_MS} ms apart

$(table "container-watchd \`--json\` line" "$W/a.json.ms" \
        "\`container-watchctl events --json\` line" "$W/a.ctl.ms" \
        "\`journalctl -f -o json\` line (live journal reader)" "$W/a.jf.ms" \
        "paired: \`events\` line minus \`--json\` line, same kill" "$W/a.diff.ms")

EOT
        if ! have_docker; then
                printf '### Real Docker containers\n\nNot measured in this run: %s.\n\n' "$D_NOTE"
                return 0
        fi
        cat <<EOT
### Real Docker containers: $N_DOCKER kills of the container init, ${DOCKER_GAP_MS} ms apart

\`docker run -d --network none --log-driver none cw-bench-bbox sleep 100000\`; each init is killed
from the host by \`kill-stamp\`. \`docker events --filter event=die\` is read through \`stamp-lines\`.
Docker $DOCKER_VERSION.

$(table "container-watchd \`--json\` line" "$W/d.json.ms" \
        "\`container-watchctl events --json\` line" "$W/d.ctl.ms" \
        "\`journalctl -f -o json\` line (live journal reader)" "$W/d.jf.ms" \
        "\`docker events\` \`die\` line" "$W/d.docker.ms" \
        "paired: \`events\` line minus \`--json\` line, same kill" "$W/d.diff.ms")

Ratio of medians, \`docker events\` / \`container-watchctl events\`: **$(calc '%.1f' "$(med "$W/d.docker.ms") / $(med "$W/d.ctl.ms")")×**;
\`journalctl -f\` / \`container-watchctl events\`: **$(calc '%.0f' "$(med "$W/d.jf.ms") / $(med "$W/d.ctl.ms")")×**.

EOT
}

bench_main "$@"
