#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Benchmark "scale" (tests/bench/lib.sh): fake containers (spawn-inits) in the thousands. Per-event
# latency with 1 tracked and with N_SCALE tracked, resident memory as they are added, and N_SCALE
# killed at once (every exit reported once; the last line's delay; the journal's drain).
. "$(dirname "$0")/lib.sh"

bench_run() {
        if [ "$QUICK" = 1 ]; then N_SCALE=2000 N_SAMPLE=50 SCALE_STEPS="500 1000 2000"
        else N_SCALE=10000 N_SAMPLE=200 SCALE_STEPS="1000 2500 5000 7500 10000"; fi
        S_GAP_MS=10
        results N_SCALE N_SAMPLE SCALE_STEPS S_GAP_MS
        # The daemon tracks a container through a pidfd only while its descriptor budget fits under
        # RLIMIT_NOFILE (container.c); past that it watches the state directory only ("untracked":
        # the exit is seen when the runtime removes the directory). Where the hard limit cannot be
        # raised, the figures say how many were untracked.
        ulimit -Hn 1048576 2>/dev/null || ulimit -Hn 262144 2>/dev/null || true
        ulimit -n "$(ulimit -Hn)"
        result NOFILE "$(ulimit -Hn)"

        log "1 tracked, then $N_SCALE tracked (steps: $SCALE_STEPS)"
        local root=$BENCH_ROOTS/scale step have=0 base_started exited_before
        si_start "$root" "$R/s1.stamps"
        daemon_start s journal "$root"
        echo "0 $(proc_rss_kb "$DPID")" >"$W/rss.tsv"
        si cycle "$N_SAMPLE" "$S_GAP_MS"
        kills "$R/s1.stamps" >"$W/s1.kills"
        wait_for 30 count_ge "$R/s.json" '"exited"' "$N_SAMPLE" || fail "1-tracked exits missing"
        json_events "$R/s.json" exited >"$W/s.json.ev"
        lat "$W/s1.kills" "$W/s.json.ev" >"$W/s1.ms"

        si stamps "$R/s-spawn.stamps"
        base_started=$(grep -c '"started"' "$R/s.json")
        for step in $SCALE_STEPS; do
                si spawn $((step - have))
                have=$step
                wait_for 120 count_ge "$R/s.json" '"started"' $((base_started + step)) || fail "started events missing at $step"
                sleep 0.2
                echo "$step $(proc_rss_kb "$DPID")" >>"$W/rss.tsv"
                log "   $step tracked, VmRSS $(proc_rss_kb "$DPID") kB"
        done
        sleep 0.5
        result S_STATUS "$(daemon_status s)"
        result S_FDS "$(proc_fds "$DPID")"
        result S_UNTRACKED "$(echo "$S_STATUS" | sed -n 's/.*; \([0-9]*\) without pidfd.*/\1/p')"
        log "$S_STATUS ($S_FDS descriptors open)"

        log "$N_SAMPLE kills one at a time with $N_SCALE tracked"
        si stamps "$R/sn.stamps"
        # the floor beside the daemon: a bare pidfd watcher on the same N_SAMPLE (the oldest, which
        # kill-each takes), so that what the kernel's own exit costs with N_SCALE tasks is apart
        si list "$W/sn.targets" "$N_SAMPLE"
        "$BIN/pidfd-ref" "$W/sn.targets" >"$R/sn.ref" & REF=$!
        CLEAN_PIDS+=("$REF")
        wait_for 10 has_line "$R/sn.ref" ready || fail "pidfd reference not ready"
        si kill-each "$N_SAMPLE" "$S_GAP_MS"
        wait "$REF"
        si spawn "$N_SAMPLE"
        wait_for 60 count_ge "$R/s.json" '"started"' $((base_started + N_SCALE + N_SAMPLE)) || fail "refill missing"
        kills "$R/sn.stamps" >"$W/sn.kills"
        json_events "$R/s.json" exited >"$W/s.json.ev"
        lat "$W/sn.kills" "$W/s.json.ev" >"$W/sn.ms"
        awk '$1 == "E" { print $2, $4 }' "$R/sn.ref" >"$W/sn.ref.ev"
        lat "$W/sn.kills" "$W/sn.ref.ev" >"$W/sn.ref.ms"
        # paired, same kill: the daemon's --json line minus the reference's receipt
        awk 'NR == FNR { r[$1] = substr($2, length($2) - 11) + 0; next } ($1 in r) { printf "%.4f\n", (substr($2, length($2) - 11) - r[$1]) / 1e6 }' \
                "$W/sn.ref.ev" "$W/s.json.ev" >"$W/sn.diff.ms"

        log "$N_SCALE killed at once"
        si stamps "$R/sall.stamps"
        exited_before=$(grep -c '"exited"' "$R/s.json")
        local cpu0 cpu1
        cpu0=$(proc_cpu_ns "$DPID")
        perf_start killall
        si kill-all
        read -r _ _ KA_N KA_FIRST KA_LAST <<<"$SI_REPLY"
        wait_for 120 count_ge "$R/s.json" '"exited"' $((exited_before + KA_N)) || log "kill-all: exits missing"
        cpu1=$(proc_cpu_ns "$DPID")
        perf_stop killall
        sleep 1
        si wait-reaped
        kills "$R/sall.stamps" >"$W/sall.kills"
        json_events "$R/s.json" exited >"$W/s.json.ev"
        read -r KA_EVENTS KA_UNIQUE KA_DUP < <(awk 'NR == FNR { k[$1]; next } ($1 in k) { n++; if (s[$1]++) d++ } END { printf "%d %d %d\n", n, length(s), d }' \
                "$W/sall.kills" "$W/s.json.ev")
        result KA_LATE "$(awk 'NR == FNR { k[$1]; next } index($0, "\"EXIT_OBSERVED\":\"late\"") && match($0, /"CONTAINER_ID_FULL":"[^"]*"/) && (substr($0, RSTART + 21, RLENGTH - 22) in k)' "$W/sall.kills" "$R/s.json" | wc -l)"
        KA_LAST_LINE=$(awk 'NR == FNR { k[$1]; next } ($1 in k) { t = $2 } END { print t }' "$W/sall.kills" "$W/s.json.ev")
        results KA_N KA_EVENTS KA_UNIQUE KA_DUP
        result KA_CPU_MS "$(calc '%.1f' "($cpu1 - $cpu0) / 1e6")"
        result KA_KILL_SPAN_MS "$(span_ms "$KA_FIRST" "$KA_LAST")"
        result KA_LAST_MS "$(span_ms "$KA_FIRST" "$KA_LAST_LINE")"
        lat "$W/sall.kills" "$W/s.json.ev" >"$W/sall.ms"
        # the journal's drain: until every exit of the burst is stored
        drain_done() {
                journal_dump "$W/journal.tsv"
                [ "$(awk 'NR == FNR { k[$1]; next } ($1 in k) && $4 == "exited"' "$W/sall.kills" "$W/journal.tsv" | wc -l)" -ge "$KA_N" ]
        }
        wait_for 120 drain_done || log "the journal did not get every exit"
        awk 'NR == FNR { k[$1]; next } ($1 in k) && $4 == "exited" { print $1, $3 }' "$W/sall.kills" "$W/journal.tsv" >"$W/sall.jsto.ev"
        result KA_JOURNAL_N "$(wc -l <"$W/sall.jsto.ev")"
        result KA_DRAIN_MS "$(awk -v a="$KA_FIRST" '{ t = substr($2, 8) + 0; if (t > m) m = t } END { printf "%.1f", (m - substr(a, 8)) / 1e6 }' "$W/sall.jsto.ev")"
        daemon_stop
        si_quit
}

bench_targets() {
        local s1 sn s1p sn9 rss_n
        s1=$(med "$W/s1.ms"); sn=$(med "$W/sn.ms"); s1p=$(pct "$W/s1.ms" 0.9); sn9=$(pct "$W/sn.ms" 0.9)
        echo "| latency, $N_SCALE tracked vs 1 ($(count "$W/sn.ms") and $(count "$W/s1.ms") kills) | median within 10 % | $sn ms vs $s1 ms ($(calc '%+.1f' "($sn - $s1) / $s1 * 100") %) | $(verdict "$(ok "($sn - $s1) / $s1 <= 0.10")") |"
        echo "| latency, $N_SCALE tracked vs 1 | p90 within 25 % | $sn9 ms vs $s1p ms ($(calc '%+.1f' "($sn9 - $s1p) / $s1p * 100") %) | $(verdict "$(ok "($sn9 - $s1p) / $s1p <= 0.25")") |"
        echo "| the same $(count "$W/sn.ms") kills with $N_SCALE tracked, pidfd reference beside the daemon | reported | reference p90 $(pct "$W/sn.ref.ms" 0.9) ms; daemon minus reference, paired: median $(med "$W/sn.diff.ms") ms, p90 $(pct "$W/sn.diff.ms" 0.9) ms | – |"
        echo "| $KA_N killed at once | every exit once; last line ≤ 1 s after the first kill | $KA_UNIQUE distinct of $KA_N ($KA_DUP twice, $KA_LATE seen only at the directory's removal); last line $KA_LAST_MS ms | $(verdict "$(ok "$KA_EVENTS == $KA_N && $KA_UNIQUE == $KA_N && $KA_DUP == 0 && $KA_LAST_MS <= 1000")") |"
        rss_n=$(awk -v n="$N_SCALE" '$1 == n { print $2 }' "$W/rss.tsv")
        echo "| resident memory | ≤ 4 MiB + 1 KiB per container ($((4096 + N_SCALE)) kB at $N_SCALE) | $rss_n kB | $(verdict "$(ok "$rss_n <= 4096 + $N_SCALE")") |"
}

bench_report() {
        local untracked=${S_UNTRACKED:-0} tracked
        [ -n "$untracked" ] || untracked=0
        tracked=$((N_SCALE - untracked))
        cat <<EOT
## Scale: fake containers

\`spawn-inits\` children (\`clone(CLONE_VM | CLONE_FILES)\` on small stacks) with runc-format state files, on a tmpfs
root. The daemon's status with $N_SCALE tracked: "$S_STATUS", $S_FDS descriptors open (hard
\`RLIMIT_NOFILE\` $NOFILE).

EOT
        if [ "$untracked" -gt 0 ]; then
                cat <<EOT
**$untracked of the $N_SCALE containers had no pidfd:** with a hard \`RLIMIT_NOFILE\` of $NOFILE the
daemon's descriptor budget (container.c) could not hold them all; it followed those through their
state directories, and their exits are reported when the directory goes or a pidfd frees up for them
(\`EXIT_OBSERVED=late\`). The figures below mix both paths.

EOT
        fi
        cat <<EOT
### Cost per event, 1 tracked and $N_SCALE tracked

$(table "kill → \`--json\`, 1 tracked (cycles: create, $S_GAP_MS ms, kill, $S_GAP_MS ms)" "$W/s1.ms" \
        "kill → \`--json\`, $N_SCALE tracked (kills $S_GAP_MS ms apart)" "$W/sn.ms" \
        "the same kills: pidfd reference (pidfd_open + epoll) readable" "$W/sn.ref.ms" \
        "the same kills: daemon minus reference, paired" "$W/sn.diff.ms")

The reference is the floor any pidfd watcher sees: what it shows beyond the 1-tracked case is the
kernel's own exit with $N_SCALE tasks, not the daemon's work. \`spawn-inits\` reaps each child through
its pidfd (\`waitid(P_PIDFD)\`, O(1) per exit, as a shim per container does), not \`waitpid(-1)\`, whose
walk of $N_SCALE children under the kernel's tasklist lock delays the next victim's exit.

### $KA_N killed at once

\`spawn-inits\` sends $KA_N SIGKILLs in a loop (${KA_KILL_SPAN_MS} ms from first to last) and reaps them as they
die, then removes each state directory (as \`runc delete\` does).

| | |
|---|---|
| exited events for these containers | $KA_EVENTS ($KA_UNIQUE distinct, $KA_DUP twice) |
| of which seen only when the directory went (no pidfd) | $KA_LATE |
| last \`--json\` line after the first kill | $KA_LAST_MS ms |
| journal entries stored | $KA_JOURNAL_N, the last $KA_DRAIN_MS ms after the first kill |
| daemon CPU from the first kill to the last line | $KA_CPU_MS ms ($(calc '%.1f' "$KA_CPU_MS / $KA_N * 1000") µs per exit) |

$(table "kill → \`--json\` line, each of the $KA_N" "$W/sall.ms")

$(perf_block killall "$KA_N killed at once (from the kill to the last exit line)")
### Resident memory

VmRSS while containers are added through inotify, same daemon:

| tracked | VmRSS (kB) | target 4 MiB + 1 KiB each (kB) |
|---:|---:|---:|
$(awk '{ printf "| %d | %d | %d |\n", $1, $2, 4096 + $1 }' "$W/rss.tsv")

EOT
}

bench_main "$@"
