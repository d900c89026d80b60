#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Benchmark "churn" (tests/bench/lib.sh): fake containers (spawn-inits) created and killed at
# CHURN_RATE per second: none missed or reported twice, the daemon's CPU per 1,000 events.
. "$(dirname "$0")/lib.sh"

bench_run() {
        local root=$BENCH_ROOTS/churn cpu0 cpu1
        if [ "$QUICK" = 1 ]; then CHURN_SECS=5; else CHURN_SECS=60; fi
        CHURN_RATE=500 CHURN_LIFE_MS=200
        results CHURN_SECS CHURN_RATE CHURN_LIFE_MS
        log "$CHURN_RATE containers/s for $CHURN_SECS s, each killed after $CHURN_LIFE_MS ms"
        si_start "$root" "$R/c.stamps"
        daemon_start c journal "$root"
        cpu0=$(proc_cpu_ns "$DPID")
        si churn "$CHURN_RATE" "$CHURN_SECS" "$CHURN_LIFE_MS"
        read -r _ _ CH_N <<<"$SI_REPLY"
        wait_for 60 count_ge "$R/c.json" '"exited"' "$CH_N" || log "exits missing"
        sleep 0.5
        cpu1=$(proc_cpu_ns "$DPID")
        daemon_stop
        si_quit
        awk '$1 == "S" { print $2 }' "$R/c.stamps" | sort -u >"$W/c.created"
        json_events "$R/c.json" started | awk '{ print $1 }' | sort >"$W/c.started"
        json_events "$R/c.json" exited | awk '{ print $1 }' | sort >"$W/c.exited"
        result CH_N "$CH_N"
        result CH_STARTED "$(sort -u "$W/c.started" | comm -12 - "$W/c.created" | wc -l)"
        result CH_EXITED "$(sort -u "$W/c.exited" | comm -12 - "$W/c.created" | wc -l)"
        result CH_DUP "$(( $(wc -l <"$W/c.started") + $(wc -l <"$W/c.exited") - $(sort -u "$W/c.started" | wc -l) - $(sort -u "$W/c.exited" | wc -l) ))"
        result CH_CPU_MS "$(calc '%.0f' "($cpu1 - $cpu0) / 1e6")"
        kills "$R/c.stamps" >"$W/c.kills"
        json_events "$R/c.json" exited >"$W/c.json.ev"
        lat "$W/c.kills" "$W/c.json.ev" >"$W/c.ms"
}

bench_targets() {
        echo "| fake churn, $CHURN_RATE/s for $CHURN_SECS s | none missed or twice; CPU per 1,000 events reported | $CH_STARTED started, $CH_EXITED exited of $CH_N ($CH_DUP twice); $(calc '%.1f' "$CH_CPU_MS / (2 * $CH_N) * 1000") ms CPU per 1,000 events | $(verdict "$(ok "$CH_STARTED == $CH_N && $CH_EXITED == $CH_N && $CH_DUP == 0")") |"
}

bench_report() {
        cat <<EOT
## Churn, fake containers: $CHURN_RATE created and killed per second for $CHURN_SECS s

Each lives ${CHURN_LIFE_MS} ms; reaped at once; its state directory removed after the reap.

| | |
|---|---|
| containers created | $CH_N |
| \`started\` events | $CH_STARTED |
| \`exited\` events | $CH_EXITED |
| reported twice | $CH_DUP |
| daemon CPU | $CH_CPU_MS ms: $(calc '%.1f' "$CH_CPU_MS / (2 * $CH_N) * 1000") ms per 1,000 events, $(calc '%.1f' "$CH_CPU_MS / $CH_N * 1000") ms per 1,000 containers |

$(table "kill → \`--json\` under churn" "$W/c.ms")

EOT
}

bench_main "$@"
