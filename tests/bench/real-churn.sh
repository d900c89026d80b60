#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Benchmark "real-churn" (tests/bench/lib.sh, issue 17 item 5): churn of real runc containers.
# CHURN_RATE containers a second for CHURN_SECS s in a private runc root (busybox rootfs, `runc run
# -d`); each lives CHURN_LIFE_MS, then its init is killed (kill-stamp) and it is deleted (`runc delete
# -f`). Measured: every container's started and exited events (none missed, none twice), the daemon's
# CPU per 1,000 containers, and its VmRSS and the size of its record (STATE_DIRECTORY) sampled every
# SAMPLE_SECS, the first sample before the first container, the last after the last exit.
. "$(dirname "$0")/lib.sh"

PREFIX=cwc$$-

bench_cleanup_hook() { runc_cleanup; }

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

# life ID: one container's life: run, CHURN_LIFE_MS, kill its init (stamped), delete
life() {
        local id=$1 pid
        if ! runc --root "$RROOT" run -d --bundle "$B" "$id" </dev/null >/dev/null 2>>"$W/runc-run.err"; then
                echo "F $id" >>"$R/done"
                return
        fi
        echo "$id" >>"$W/created.ids"
        pid=$(jq -r .init_process_pid "$RROOT/$id/state.json" 2>/dev/null)
        sleep "$LIFE_S"
        echo "$id $pid" >"$W/t.$id"
        "$BIN/kill-stamp" "$W/t.$id" 0 >>"$R/kills"
        rm -f "$W/t.$id"
        runc --root "$RROOT" delete -f "$id" >/dev/null 2>>"$W/runc-delete.err"
        echo "D $id" >>"$R/done"
}

record_bytes() { du -sb "$W/state/c" | awk '{ print $1 }'; }
# sample LABEL: "LABEL SECONDS VMRSS_KB RECORD_BYTES CPU_NS CREATED" into samples.tsv
sample() {
        echo "$1 $(calc '%.1f' "($(date +%s%N) - $T0) / 1e9") $(proc_rss_kb "$DPID") $(record_bytes) $(proc_cpu_ns "$DPID") $(count "$W/created.ids")" >>"$W/samples.tsv"
}
done_n() { count "$R/done"; }
all_done() { [ "$(done_n)" -ge "$CH_N" ]; }
mine() { json_events "$R/c.json" "$1" | awk 'NR == FNR { k[$1]; next } ($1 in k) { print $1 }' "$W/created.ids" -; }
all_exited() { [ "$(mine exited | sort -u | wc -l)" -ge "$(count "$W/created.ids")" ]; }

bench_run() {
        local i next now t_end
        if [ "$QUICK" = 1 ]; then CHURN_RATE=5 CHURN_SECS=12 SAMPLE_SECS=4
        else CHURN_RATE=20 CHURN_SECS=300 SAMPLE_SECS=30; fi
        CHURN_LIFE_MS=1000 PERF_HZ=199
        overrides CHURN_RATE CHURN_SECS CHURN_LIFE_MS SAMPLE_SECS
        CH_N=$((CHURN_RATE * CHURN_SECS))
        MAX_LIVE=$(calc '%d' "$CHURN_RATE * ($CHURN_LIFE_MS / 1000 + 2)")
        LIFE_S=$(calc '%.3f' "$CHURN_LIFE_MS / 1000")
        results CHURN_RATE CHURN_SECS CHURN_LIFE_MS SAMPLE_SECS CH_N MAX_LIVE PERF_HZ
        RROOT=$BENCH_ROOTS/real-churn
        mkdir -p "$RROOT"
        bundle
        : >"$R/done"; : >"$R/kills"; : >"$W/created.ids"; : >"$W/samples.tsv"
        daemon_start c journal "$RROOT"
        sleep 1.5        # the STATUS= of READY has gone out; the record is written
        perf_start churn "$PERF_HZ"
        T0=$(date +%s%N)
        sample start
        log "$CH_N containers, $CHURN_RATE a second for $CHURN_SECS s, each killed after $CHURN_LIFE_MS ms"
        next=$SAMPLE_SECS
        # The driver forks nothing but the lives (and a sleep when it is early): $EPOCHREALTIME
        # and integer arithmetic, so that it keeps the pace on a busy machine.
        local t0_us=${EPOCHREALTIME/./} now_us due_us wait_us frac live=0 behind=0
        for ((i = 0; i < CH_N; i++)); do
                # pace: container i starts at T0 + i / CHURN_RATE (if the machine keeps up)
                now_us=${EPOCHREALTIME/./}
                due_us=$((t0_us + i * 1000000 / CHURN_RATE))
                wait_us=$((due_us - now_us))
                if [ "$wait_us" -gt 0 ]; then
                        printf -v frac '%06d' $((wait_us % 1000000))
                        sleep "$((wait_us / 1000000)).$frac"
                fi
                # At most MAX_LIVE lives at once: when runc slows down (a busy machine), the driver
                # falls behind the pace instead of piling up runc processes; the page gives the
                # rate it reached.
                while [ "$live" -ge "$MAX_LIVE" ]; do
                        wait -n 2>/dev/null
                        live=$((live - 1))
                        behind=1
                done
                life "${PREFIX}$i" &
                live=$((live + 1))
                if [ $(( (${EPOCHREALTIME/./} - t0_us) / 1000000 )) -ge "$next" ]; then
                        sample during
                        next=$((next + SAMPLE_SECS))
                fi
        done
        result CH_SPAWN_S "$(calc '%.1f' "($(date +%s%N) - $T0) / 1e9")"
        result CH_BEHIND "$behind"
        wait_for $((60 + CH_N / 10)) all_done || log "only $(done_n) of $CH_N lives ended"
        wait_for 60 all_exited || log "exited events missing"
        sleep 1.5
        t_end=$(date +%s%N)
        sample end
        perf_stop churn
        result CH_WALL_S "$(calc '%.1f' "($t_end - $T0) / 1e9")"
        result CH_CREATED "$(count "$W/created.ids")"
        result CH_FAILED "$(grep -c '^F ' "$R/done")"
        result CH_STARTED "$(mine started | sort -u | wc -l)"
        result CH_EXITED "$(mine exited | sort -u | wc -l)"
        result CH_DUP "$(( $(mine started | wc -l) + $(mine exited | wc -l) - CH_STARTED - CH_EXITED ))"
        result CH_STATUS "$(daemon_status c)"
        result CH_SOURCES "$(exit_sources "$R/c.json")"
        daemon_stop
        kills "$R/kills" >"$W/kills"
        json_events "$R/c.json" exited >"$W/json.ev"
        lat "$W/kills" "$W/json.ev" >"$W/kill-json.ms"
}

# s FIELD LABEL: a field of the start or end sample (2 s, 3 rss, 4 record, 5 cpu, 6 created)
s() { awk -v l="$2" -v f="$1" '$1 == l { v = $f } END { print v }' "$W/samples.tsv"; }
cpu_per_k() { calc '%.1f' "($(s 5 end) - $(s 5 start)) / 1e6 / $CH_CREATED * 1000"; }

bench_targets() {
        echo "| real runc churn, $CHURN_RATE/s for $CHURN_SECS s | none missed or twice; CPU per 1,000 containers; RSS and record at the end vs the start | $CH_STARTED started, $CH_EXITED exited of $CH_CREATED ($CH_DUP twice); $(cpu_per_k) ms CPU per 1,000; VmRSS $(s 3 start) → $(s 3 end) kB; record $(s 4 start) → $(s 4 end) bytes | $(verdict "$(ok "$CH_STARTED == $CH_CREATED && $CH_EXITED == $CH_CREATED && $CH_DUP == 0 && $CH_CREATED > 0")") |"
}

bench_report() {
        cat <<EOT
## Churn of real runc containers: $CHURN_RATE a second for $CHURN_SECS s

Each container (\`runc run -d\`, busybox rootfs, private root on tmpfs) lives $CHURN_LIFE_MS ms; then its init
is killed with SIGKILL (\`kill-stamp\`) and the container deleted (\`runc delete -f\`). The lives overlap:
the driver starts container i at i / $CHURN_RATE s when the machine keeps up.

| | |
|---|---|
| containers asked for | $CH_N |
| created | $CH_CREATED ($CH_FAILED \`runc run\` failures), in $CH_SPAWN_S s: $(calc '%.1f' "$CH_CREATED / $CH_SPAWN_S") a second$([ "${CH_BEHIND:-0}" = 1 ] && echo " (**behind the pace**: $MAX_LIVE lives at once, the most the driver allows, were not done in time)") |
| \`started\` events | $CH_STARTED |
| \`exited\` events | $CH_EXITED |
| reported twice | $CH_DUP |
| exit status sources | ${CH_SOURCES:-none} |
| daemon CPU, first sample to last ($(calc '%.1f' "$(s 2 end) - $(s 2 start)") s) | $(calc '%.0f' "($(s 5 end) - $(s 5 start)) / 1e6") ms: **$(cpu_per_k) ms per 1,000 containers** |
| VmRSS, start → end | $(s 3 start) → $(s 3 end) kB |
| record (\`STATE_DIRECTORY\`), start → end | $(s 4 start) → $(s 4 end) bytes |
| status at the end | "$CH_STATUS" |

Samples (\`start\` before the first container, \`end\` after the last exit):

| sample | s | VmRSS (kB) | record (bytes) | daemon CPU (ms) | created so far |
|---|---:|---:|---:|---:|---:|
$(awk '{ printf "| %s | %.1f | %d | %d | %.0f | %d |\n", $1, $2, $3, $4, $5 / 1e6, $6 }' "$W/samples.tsv")

$(table "kill → \`--json\` line under churn" "$W/kill-json.ms")

$(perf_block churn "the whole churn ($PERF_HZ Hz)")
EOT
}

bench_main "$@"
