#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Benchmark "real-scale" (tests/bench/lib.sh, issue 17 item 3): real containers at scale. One daemon
# watches a private runc root (busybox rootfs, `runc run -d`) and Docker's runc root (the shared
# dockerd: this run's containers carry a label of their own, and only those are removed). Phases:
#   1. one container at a time: create, wait for `started`, kill its init, wait for `exited`,
#      remove; N1 times each for runc and Docker (the one-container case);
#   2. the crowd: N_RUNC + K_RUNC runc and N_DOCKER + K_DOCKER Docker containers created (timed),
#      all tracked at once; K_RUNC + K_DOCKER of them killed one at a time, GAP_MS apart;
#   3. the other N_RUNC + N_DOCKER killed together (kill-stamp, in a shuffled order).
# Consumers in every phase: the daemon's --json line, its journal entry (received, stored) and
# pidfd-ref, the bare pidfd reference, watching the same inits at the same time. The daemon's CPU
# is taken per phase from /proc/PID/schedstat.
. "$(dirname "$0")/lib.sh"

LABEL=cw-bench-real=$$
PREFIX=cwb$$-
DROOT=/run/docker/runtime-runc/moby

bench_cleanup_hook() { runc_cleanup; docker_cleanup; }

# bundle: the shared bundle (runc reads config.json and the read-only rootfs, writes neither)
bundle() {
        local rootfs=$W/rootfs
        B=$W/bundle
        mkdir -p "$rootfs/bin" "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/tmp" "$B"
        cp "$(command -v busybox)" "$rootfs/bin/busybox" || fail "cannot copy busybox"
        chroot "$rootfs" /bin/busybox --install -s /bin || fail "busybox --install failed"
        (cd "$B" && runc spec && mv config.json spec.json) || fail "runc spec failed"
        jq --arg rootfs "$rootfs" '.process.terminal = false | .process.args = ["sleep", "1000000"]
                | .root = { path: $rootfs, readonly: true } | .hostname = "bench"
                | .linux.namespaces |= map(select(.type != "network"))' "$B/spec.json" >"$B/config.json" ||
                fail "cannot write the bundle's config.json"
}
# runc_many FIRST LAST: create runc containers PREFIX FIRST..LAST, 4 at a time
runc_many() {
        seq "$1" "$2" | sed "s/^/${PREFIX}r/" |
                RROOT=$RROOT B=$B ERR=$W/runc-run.err xargs -P 4 -n 10 sh -c \
                        'for id; do runc --root "$RROOT" run -d --bundle "$B" "$id" </dev/null >/dev/null 2>>"$ERR" || echo "$id" >>"$ERR.failed"; done' sh
}
# runc_targets IDS...: "ID PID" from their state.json
runc_targets() {
        local id files=()
        for id in "$@"; do files+=("$RROOT/$id/state.json"); done
        jq -r '"\(.id) \(.init_process_pid)"' "${files[@]}"
}
# docker_many N OUT: create N Docker containers, 4 at a time; their ids to OUT
docker_many() {
        seq "$1" | xargs -P 4 -I{} docker run -d --label "$LABEL" --network none --log-driver none \
                cw-bench-bbox:latest sleep 1000000 2>>"$W/docker-run.err" >>"$2"
}
docker_targets() { docker inspect -f '{{.Id}} {{.State.Pid}}' "$@"; }
# exited_of IDSFILE: how many of these ids have an exited --json line
exited_of() { json_events "$R/x.json" exited | awk 'NR == FNR { k[$1]; next } ($1 in k)' "$1" - | wc -l; }
started_of() { json_events "$R/x.json" started | awk 'NR == FNR { k[$1]; next } ($1 in k)' "$1" - | wc -l; }
all_exited() { [ "$(exited_of "$1")" -ge "$(wc -l <"$1")" ]; }
all_started() { [ "$(started_of "$1")" -ge "$(wc -l <"$1")" ]; }
cpu_ms() { calc '%.1f' "$(proc_cpu_ns "$DPID") / 1e6"; }

# one KIND I: the one-container case, once
one() {
        local kind=$1 i=$2 id ref
        if [ "$kind" = runc ]; then
                id=${PREFIX}one$i
                runc --root "$RROOT" run -d --bundle "$B" "$id" </dev/null >/dev/null 2>>"$W/runc-run.err" || fail "runc run $id failed"
                runc_targets "$id" >"$W/one.targets"
        else
                id=$(docker run -d --label "$LABEL" --network none --log-driver none cw-bench-bbox:latest sleep 1000000) ||
                        fail "docker run failed"
                docker_targets "$id" >"$W/one.targets"
        fi
        awk '{ print $1 }' "$W/one.targets" >"$W/one.ids"
        cat "$W/one.ids" >>"$W/b.$kind.ids"
        wait_for 30 all_started "$W/one.ids" || fail "one $kind: no started event for $id"
        "$BIN/pidfd-ref" "$W/one.targets" >"$R/one.ref" &
        ref=$!
        wait_for 10 has_line "$R/one.ref" ready || fail "one $kind: pidfd-ref not ready"
        # As in the crowd, the kill does not follow the container's start at once: the runtime's
        # own work after a start (runc, containerd, dockerd) is over before the kill, as it is there.
        sleep "$SETTLE_S"
        "$BIN/kill-stamp" "$W/one.targets" 0 >>"$R/b.kills"
        wait_for 30 all_exited "$W/one.ids" || fail "one $kind: no exited event for $id"
        wait_for 10 has_line "$R/one.ref" "^E " || log "one $kind: pidfd-ref saw no exit"
        grep '^E ' "$R/one.ref" >>"$R/b.ref"
        kill "$ref" 2>/dev/null; wait "$ref" 2>/dev/null
        if [ "$kind" = runc ]; then runc --root "$RROOT" delete -f "$id" >/dev/null 2>&1; else docker rm -f "$id" >/dev/null 2>&1; fi
}

bench_run() {
        local i t0 c0 ref first last k
        if [ "$QUICK" = 1 ]; then N_RUNC=30 K_RUNC=10 N_DOCKER=6 K_DOCKER=10 N1=10
        else N_RUNC=500 K_RUNC=50 N_DOCKER=200 K_DOCKER=20 N1=20; fi
        GAP_MS=50 SETTLE_S=1
        overrides N_RUNC K_RUNC N_DOCKER K_DOCKER N1 GAP_MS SETTLE_S
        [ "$DOCKER" = 1 ] && docker_ok || { N_DOCKER=0 K_DOCKER=0; result X_NOTE "runc only: Docker was not used in this run (--no-docker, or no dockerd answered)"; }
        results N_RUNC K_RUNC N_DOCKER K_DOCKER N1 GAP_MS SETTLE_S
        ulimit -n "$(ulimit -Hn)"
        RROOT=$BENCH_ROOTS/real-scale
        mkdir -p "$RROOT" "$DROOT"
        bundle
        : >"$R/b.kills"; : >"$R/b.ref"; : >"$W/b.runc.ids"; : >"$W/b.docker.ids"

        daemon_start x journal "$RROOT" "$DROOT"
        result X_STATUS0 "$(daemon_status x)"
        log "one container at a time: $N1 runc, $N1 Docker"
        for i in $(seq "$N1"); do one runc "$i"; done
        [ "$N_DOCKER" -gt 0 ] && for i in $(seq "$N1"); do one docker "$i"; done

        log "creating $((N_RUNC + K_RUNC)) runc containers"
        t0=$(date +%s%N); c0=$(cpu_ms)
        runc_many 1 $((N_RUNC + K_RUNC))
        result X_RUNC_CREATE_MS "$(calc '%.0f' "($(date +%s%N) - $t0) / 1e6")"
        result X_RUNC_FAILED "$(count "$W/runc-run.err.failed")"
        find "$RROOT" -mindepth 1 -maxdepth 1 -type d -name "${PREFIX}r*" -printf '%f\n' | sort -V >"$W/crowd.runc.ids"
        runc_targets $(cat "$W/crowd.runc.ids") >"$W/crowd.runc.targets"
        : >"$W/crowd.docker.ids"; : >"$W/crowd.docker.targets"
        if [ "$N_DOCKER" -gt 0 ]; then
                log "creating $((N_DOCKER + K_DOCKER)) Docker containers"
                t0=$(date +%s%N)
                docker_many $((N_DOCKER + K_DOCKER)) "$W/crowd.docker.ids"
                result X_DOCKER_CREATE_MS "$(calc '%.0f' "($(date +%s%N) - $t0) / 1e6")"
                # shellcheck disable=SC2046
                docker_targets $(cat "$W/crowd.docker.ids") >"$W/crowd.docker.targets"
        fi
        cat "$W/crowd.runc.ids" "$W/crowd.docker.ids" >"$W/crowd.ids"
        wait_for 120 all_started "$W/crowd.ids" || log "crowd: $(started_of "$W/crowd.ids") of $(wc -l <"$W/crowd.ids") started events"
        sleep 1.5        # STATUS= goes out at most once a second
        result X_CREATE_CPU_MS "$(calc '%.1f' "$(cpu_ms) - $c0")"
        result X_TRACKED "$(wc -l <"$W/crowd.ids")"
        result X_STATUS "$(daemon_status x)"
        result X_FDS "$(proc_fds "$DPID")"
        result X_RSS "$(proc_rss_kb "$DPID")"
        log "tracked: $X_STATUS ($X_FDS descriptors, VmRSS $X_RSS kB)"

        # An init that is already gone (PID 0: it died, or someone else's cleanup took it) is left out.
        result X_NOPID "$(cat "$W/crowd.runc.targets" "$W/crowd.docker.targets" | awk '$2 <= 0' | wc -l)"
        for k in runc docker; do awk '$2 > 0' "$W/crowd.$k.targets" >"$W/crowd.$k.t" && mv "$W/crowd.$k.t" "$W/crowd.$k.targets"; done
        cat "$W/crowd.runc.targets" "$W/crowd.docker.targets" >"$W/crowd.targets"
        "$BIN/pidfd-ref" "$W/crowd.targets" >"$R/crowd.ref" &
        ref=$!
        CLEAN_PIDS+=("$ref")
        wait_for 30 has_line "$R/crowd.ref" ready || fail "crowd: pidfd-ref not ready"
        sleep "$SETTLE_S"

        { head -n "$K_RUNC" "$W/crowd.runc.targets"; head -n "$K_DOCKER" "$W/crowd.docker.targets"; } >"$W/s.targets"
        { tail -n +$((K_RUNC + 1)) "$W/crowd.runc.targets"; tail -n +$((K_DOCKER + 1)) "$W/crowd.docker.targets"; } | shuf >"$W/k.targets"
        awk '{ print $1 }' "$W/s.targets" >"$W/s.ids"
        awk '{ print $1 }' "$W/k.targets" >"$W/k.ids"
        log "$(wc -l <"$W/s.ids") killed one at a time, $GAP_MS ms apart, with $X_TRACKED tracked"
        c0=$(cpu_ms)
        "$BIN/kill-stamp" "$W/s.targets" "$GAP_MS" >"$R/s.kills"
        wait_for 60 all_exited "$W/s.ids" || log "sample: $(exited_of "$W/s.ids") of $(wc -l <"$W/s.ids") exited events"
        result X_SAMPLE_CPU_MS "$(calc '%.1f' "$(cpu_ms) - $c0")"

        log "$(wc -l <"$W/k.ids") killed together"
        c0=$(cpu_ms)
        perf_start burst
        "$BIN/kill-stamp" "$W/k.targets" 0 >"$R/k.kills"
        wait_for 120 all_exited "$W/k.ids" || log "burst: $(exited_of "$W/k.ids") of $(wc -l <"$W/k.ids") exited events"
        result X_BURST_CPU_MS "$(calc '%.1f' "$(cpu_ms) - $c0")"
        perf_stop burst
        first=$(awk 'NR == 1 { print $4 }' "$R/k.kills"); last=$(awk 'END { print $4 }' "$R/k.kills")
        result X_KILL_SPAN_MS "$(span_ms "$first" "$last")"
        json_events "$R/x.json" exited >"$W/x.exited.ev"
        result X_BURST_LAST_MS "$(span_ms "$first" "$(awk 'NR == FNR { k[$1]; next } ($1 in k) { t = $2 } END { print t }' "$W/k.ids" "$W/x.exited.ev")")"
        result X_BURST_EVENTS "$(awk 'NR == FNR { k[$1]; next } ($1 in k)' "$W/k.ids" "$W/x.exited.ev" | wc -l)"
        result X_BURST_UNIQUE "$(awk 'NR == FNR { k[$1]; next } ($1 in k) { print $1 }' "$W/k.ids" "$W/x.exited.ev" | sort -u | wc -l)"
        result X_BURST_N "$(wc -l <"$W/k.ids")"
        result X_BURST_SOURCES "$(awk 'NR == FNR { k[$1]; next } match($0, /"CONTAINER_ID_FULL":"[^"]*"/) && (substr($0, RSTART + 21, RLENGTH - 22) in k)' "$W/k.ids" "$R/x.json" >"$W/k.json"; exit_sources "$W/k.json")"
        # the journal's drain: until every exit of the burst is stored
        drain_done() {
                journal_dump "$W/journal.tsv"
                [ "$(awk 'NR == FNR { k[$1]; next } ($1 in k) && $4 == "exited"' "$W/k.ids" "$W/journal.tsv" | wc -l)" -ge "$X_BURST_N" ]
        }
        wait_for 120 drain_done || log "the journal did not get every exit of the burst"
        result X_BURST_DRAIN_MS "$(span_ms "$first" "$(awk 'NR == FNR { k[$1]; next } ($1 in k) && $4 == "exited" { t = substr($3, 8) + 0; if (t > m) { m = t; s = $3 } } END { print s }' "$W/k.ids" "$W/journal.tsv")")"
        wait_for 30 test ! -e "/proc/$ref" || kill "$ref" 2>/dev/null
        wait "$ref" 2>/dev/null

        log "removing the containers"
        t0=$(date +%s%N)
        bench_cleanup_hook
        result X_REMOVE_MS "$(calc '%.0f' "($(date +%s%N) - $t0) / 1e6")"
        daemon_stop

        # latencies: PHASE (b, s, k) × KIND × CONSUMER
        journal_dump "$W/journal.tsv"
        awk '$4 == "exited" { print $1, $2 }' "$W/journal.tsv" >"$W/jsrc.ev"
        awk '$4 == "exited" { print $1, $3 }' "$W/journal.tsv" >"$W/jsto.ev"
        awk '$1 == "E" { print $2, $4 }' "$R/b.ref" "$R/crowd.ref" >"$W/ref.ev"
        local p k c
        for p in b s k; do
                kills "$R/$p.kills" >"$W/$p.kills"
                for k in runc docker; do
                        if [ "$k" = runc ]; then grep "^${PREFIX}" "$W/$p.kills"; else grep -v "^${PREFIX}" "$W/$p.kills"; fi >"$W/$p.$k.kills"
                        for c in json jsrc jsto ref; do
                                case $c in json) ev=$W/x.exited.ev ;; *) ev=$W/$c.ev ;; esac
                                lat "$W/$p.$k.kills" "$ev" >"$W/$p.$k.$c.ms"
                        done
                done
        done
}

# cmp KIND CONSUMER Q: the one-container and crowd quantiles and the change, "A B PCT"
cmp_q() {
        local a b
        a=$(pct "$W/b.$1.$2.ms" "$3"); b=$(pct "$W/s.$1.$2.ms" "$3")
        echo "$a $b $(case "$a $b" in *nan*) echo nan ;; *) calc '%+.1f' "($b - $a) / $a * 100" ;; esac)"
}

bench_targets() {
        local k a b d n
        for k in runc docker; do
                [ -s "$W/s.$k.json.ms" ] || continue
                read -r a b d <<<"$(cmp_q "$k" json 0.9)"
                n=$(count "$W/s.$k.json.ms")
                echo "| real $k, kill → \`--json\` with $X_TRACKED tracked vs 1 ($n and $(count "$W/b.$k.json.ms") kills) | p90 within 25 % | $b ms vs $a ms ($d %) | $(verdict "$(ok "$d <= 25")") |"
        done
        echo "| $X_BURST_N real containers killed together | every exit once; the last line's delay reported | $X_BURST_UNIQUE distinct of $X_BURST_N ($((X_BURST_EVENTS - X_BURST_UNIQUE)) twice); last line $X_BURST_LAST_MS ms after the first kill | $(verdict "$(ok "$X_BURST_UNIQUE == $X_BURST_N && $X_BURST_EVENTS == $X_BURST_N")") |"
}

bench_report() {
        local k c label a b d
        cat <<EOT
## Real containers at scale

One daemon watches a private runc root (\`runc run -d\`, a busybox rootfs, \`sleep\` as the init; the
inits are re-parented to PID 1, \`$(ps -o comm= -p 1)\` here) and Docker's runc root (the shared dockerd,
\`docker run -d --network none --log-driver none cw-bench-bbox sleep\`)${X_NOTE:+ — $X_NOTE}. Consumers in every phase:
the daemon's \`--json\` line, its journal entry (received, stored) and \`pidfd-ref\` on the same inits.

| | |
|---|---|
| one container at a time | $N1 runc, then $N1 Docker: create, \`started\`, $SETTLE_S s, kill the init, \`exited\`, remove |
| creating the crowd | $((N_RUNC + K_RUNC)) runc in $(calc '%.1f' "$X_RUNC_CREATE_MS / 1000") s ($(calc '%.1f' "($N_RUNC + $K_RUNC) / ($X_RUNC_CREATE_MS / 1000)") per s, 4 at a time; $X_RUNC_FAILED failed)$([ "$N_DOCKER" -gt 0 ] && echo ", $((N_DOCKER + K_DOCKER)) Docker in $(calc '%.1f' "$X_DOCKER_CREATE_MS / 1000") s ($(calc '%.1f' "($N_DOCKER + $K_DOCKER) / ($X_DOCKER_CREATE_MS / 1000)") per s, 4 at a time)") |
| the daemon's CPU while they were created and discovered | $X_CREATE_CPU_MS ms ($(calc '%.2f' "$X_CREATE_CPU_MS / $X_TRACKED") ms per container) |
| tracked at once | $X_TRACKED of this run$([ "${X_NOPID:-0}" -gt 0 ] && echo " ($X_NOPID of them with no running init when listed, left out of the kills)") ("$X_STATUS": other containers of the shared dockerd count too); $X_FDS descriptors open; VmRSS $X_RSS kB |
| killed one at a time with all tracked | $K_RUNC runc + $K_DOCKER Docker, $GAP_MS ms apart, $SETTLE_S s after the last \`started\`; daemon CPU $X_SAMPLE_CPU_MS ms |
| killed together | $X_BURST_N ($N_RUNC runc + $N_DOCKER Docker, shuffled), $X_KILL_SPAN_MS ms from the first kill to the last |
| exited events of the burst | $X_BURST_UNIQUE distinct of $X_BURST_N, $((X_BURST_EVENTS - X_BURST_UNIQUE)) twice; status sources: ${X_BURST_SOURCES:-none} |
| last \`--json\` line of the burst | $X_BURST_LAST_MS ms after the first kill; the journal stored the last $X_BURST_DRAIN_MS ms after it |
| the daemon's CPU for the burst | $X_BURST_CPU_MS ms ($(calc '%.0f' "$X_BURST_CPU_MS / $X_BURST_N * 1000") µs per exit) |
| removing them all | $(calc '%.1f' "$X_REMOVE_MS / 1000") s (\`runc delete -f\`, \`docker rm -f\`) |

### One container vs $X_TRACKED tracked: p50 and p90

Kill → event (ms). "1" is the one-container case; "N" kills one at a time with $X_TRACKED tracked.

| runtime | consumer | n (1, N) | p50, 1 | p50, N | change | p90, 1 | p90, N | change |
|---|---|---|---:|---:|---:|---:|---:|---:|
EOT
        for k in runc docker; do
                [ -s "$W/b.$k.json.ms" ] || continue
                for c in json jsrc jsto ref; do
                        case $c in json) label="\`--json\` line" ;; jsrc) label="journal, received" ;; jsto) label="journal, stored" ;; ref) label="pidfd reference" ;; esac
                        read -r a b d <<<"$(cmp_q "$k" "$c" 0.5)"
                        printf '| %s | %s | %s, %s | %s | %s | %s %% ' "$k" "$label" "$(count "$W/b.$k.$c.ms")" "$(count "$W/s.$k.$c.ms")" "$a" "$b" "$d"
                        read -r a b d <<<"$(cmp_q "$k" "$c" 0.9)"
                        printf '| %s | %s | %s %% |\n' "$a" "$b" "$d"
                done
        done
        cat <<EOT

A p90 needs n ≥ 10 ("nan" where it had fewer). Each one-container kill came after $SETTLE_S s of
quiet, the crowd's $GAP_MS ms apart. The pidfd reference, which does nothing but wait, changed by
$(d=$(cmp_q runc ref 0.9 | awk '{ print $3 }'); echo "$d % at p90 (runc) between the two$(case $d in nan) echo . ;; *) [ "$(ok "$d < -25")" = 1 ] && echo ": what the one-container case has beyond the crowd is then mostly the machine's wake-up from idle, not the daemon's work." || echo ", so the two cases' wake-ups are alike." ;; esac)")

### Every kill, each phase

$(for k in runc docker; do
        [ -s "$W/b.$k.json.ms" ] || continue
        for p in b s k; do
                case $p in b) ph="one at a time, 1 tracked" ;; s) ph="one at a time, $X_TRACKED tracked" ;; k) ph="killed together" ;; esac
                table "$k, $ph: \`--json\` line" "$W/$p.$k.json.ms" "$k, $ph: journal, received" "$W/$p.$k.jsrc.ms" \
                        "$k, $ph: journal, stored" "$W/$p.$k.jsto.ms" "$k, $ph: pidfd reference" "$W/$p.$k.ref.ms" | sed '1,2d; /^$/d; /^Where n/d'
        done
done | { printf '| measure (ms) | n | median | p90 | p99 | max |\n|---|---:|---:|---:|---:|---:|\n'; cat; })

(No p99 where n < 100, no p90 where n < 10: the max column is the largest value.)

$(perf_block burst "the $X_BURST_N killed together")
EOT
}

bench_main "$@"
