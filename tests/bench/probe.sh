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

bench_report() {
        if [ -n "${P_NOTE:-}" ]; then
                printf '## The kernel probe'"'"'s cost\n\nNot measured in this run: %s.\n\n' "$P_NOTE"
        else
                cat "$W/section.md"
                echo
        fi
}

bench_main "$@"
