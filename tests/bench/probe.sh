#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Benchmark "probe" (tests/bench/lib.sh): what the kernel probe costs (issue 13): runs
# tests/bench/probe-cost.sh, which writes its own section from the figures of this run. Only when
# the daemon was built with the probe (PROBE_LISTEN and probe-storm exist).
. "$(dirname "$0")/lib.sh"

bench_run() {
        local qflag=
        [ "$QUICK" = 1 ] && qflag=--quick
        if [ -z "${PROBE_LISTEN:-}" ] || [ ! -x "$PROBE_LISTEN" ] || [ ! -x "$BIN/probe-storm" ]; then
                result P_NOTE "no probe-listen or probe-storm (built without the probe?)"
                return 0
        fi
        # shellcheck disable=SC2086
        BENCH_BIN=$BIN PROBE_LISTEN=$PROBE_LISTEN bash "$BENCH_SRC/tests/bench/probe-cost.sh" $qflag >"$W/section.md" ||
                fail "probe-cost.sh failed"
}

# pc KEY: a figure of probe-cost.sh's summary line ("<!-- probe-cost: KEY=VALUE ... -->"), if it writes one
pc() { sed -n 's/^<!-- probe-cost: \(.*\) -->$/\1/p' "$W/section.md" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$1=//p"; }

bench_targets() {
        if [ -n "${P_NOTE:-}" ]; then
                echo "| the kernel probe's cost | ≤ 3 % on the storms, ≤ 0.1 ms on kill → \`--json\` | not measured: $P_NOTE | – |"
                return 0
        fi
        [ -n "$(pc rounds)" ] || return 0
        echo "| signal storm, probe attached | ≤ 3 % slower | $(pc signals_pct) % CPU time (median of $(pc rounds) paired rounds) | $(verdict "$(ok "$(pc signals_pct) <= 3")") |"
        echo "| fork/exit storm, probe attached | ≤ 3 % slower | $(pc forks_pct) % CPU time (median of $(pc rounds) paired rounds) | $(verdict "$(ok "$(pc forks_pct) <= 3")") |"
        if [ "$(pc lat_n)" -gt 0 ] 2>/dev/null; then
                echo "| kill → \`--json\` line, with the probe | within 0.1 ms of \`KernelProbe=no\` | $(pc lat_diff_ms) ms (medians, $(pc lat_n) kills each, real runc containers) | $(verdict "$(ok "$(pc lat_diff_ms) <= 0.1")") |"
        else
                echo "| kill → \`--json\` line, with the probe | within 0.1 ms of \`KernelProbe=no\` | not measured in this run | – |"
        fi
        echo "| the probe's memory | reported | maps $(pc maps_kib) KiB, programs $(pc progs_kib) KiB in the kernel; holder RSS $(pc rss_kib) KiB | – |"
}

bench_report() {
        if [ -n "${P_NOTE:-}" ]; then
                printf '## The kernel probe'"'"'s cost\n\nNot measured in this run: %s.\n\n' "$P_NOTE"
        else
                cat "$W/section.md"
                echo
        fi
}

bench_main "$@"
