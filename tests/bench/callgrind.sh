#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Benchmark "callgrind" (tests/bench/lib.sh): the instruction counts, the noise-free figures, as
# tests/bench/instructions.sh measures them (and tests/perf/instruction-budgets.sh holds them to
# the figures committed in tests/perf/instruction-budgets.txt): one Docker-sized state.json read,
# one runc container's lifecycle, one Docker container's lifecycle with its config.v2.json.
#
# Debian 12's valgrind (3.19) does not know pidfd_open (syscall 434): instructions.sh uses
# $VALGRIND if it can, else Debian 13's valgrind package unpacked by fetch-valgrind.sh (apt-get
# download with a private source list made from the machine's own apt sources; nothing installed)
# into $BENCH_VALGRIND_DIR.
. "$(dirname "$0")/lib.sh"

bench_run() {
        if [ "$QUICK" = 1 ]; then N_CG=200; else N_CG=1000; fi
        results N_CG
        log "callgrind: instructions.sh -n $N_CG"
        if ! DAEMON=$DAEMON BENCH_BIN=$BIN VALGRIND=${VALGRIND:-} VALGRIND_DIR=${BENCH_VALGRIND_DIR:-$W/valgrind} \
                bash "$BENCH_SRC/tests/bench/instructions.sh" -n "$N_CG" -o "$W/profiles" >"$W/instructions.txt"; then
                result CG_NOTE "tests/bench/instructions.sh failed (see $W/../callgrind.log)"
                return 0
        fi
        result CG_STATE "$(awk '$1 == "docker-state-read" { print $2 }' "$W/instructions.txt")"
        result CG_STATE_FIRST "$(awk '$1 == "docker-state-read-first" { print $2 }' "$W/instructions.txt")"
        result CG_RUNC "$(awk '$1 == "runc-lifecycle" { print $2 }' "$W/instructions.txt")"
        result CG_DOCKER "$(awk '$1 == "docker-lifecycle" { print $2 }' "$W/instructions.txt")"
        result VALGRIND_VERSION "$(awk '$1 == "valgrind" { print $2 }' "$W/instructions.txt")"
        cp "$BENCH_SRC/tests/perf/instruction-budgets.txt" "$W/budgets.txt"
}

budget() { awk -v n="$1" '$1 == n { print $2 }' "$W/budgets.txt"; }

bench_targets() {
        if [ -n "${CG_NOTE:-}" ]; then
                echo "| instructions (callgrind) | – | not measured: $CG_NOTE | – |"
                return 0
        fi
        echo "| instructions to read one Docker-sized state.json (callgrind), the first one read | ≤ 500,000 | $(printf "%'d" "$CG_STATE_FIRST") | $(verdict "$(ok "$CG_STATE_FIRST <= 500000")") |"
        echo "| the same, each further one with the same seccomp profile | ≤ 500,000 | $(printf "%'d" "$CG_STATE") | $(verdict "$(ok "$CG_STATE <= 500000")") |"
        echo "| instructions per runc container lifecycle (callgrind, $N_CG containers) | ≤ 250,000 | $(printf "%'d" "$CG_RUNC") | $(verdict "$(ok "$CG_RUNC <= 250000")") |"
        echo "| instructions per Docker container lifecycle with its config.v2.json | reported | $(printf "%'d" "$CG_DOCKER") | – |"
}

bench_report() {
        local name
        echo "## Instructions (callgrind)"
        echo
        if [ -n "${CG_NOTE:-}" ]; then
                printf 'Not measured in this run: %s.\n\n' "$CG_NOTE"
                return 0
        fi
        cat <<EOT
\`tests/bench/instructions.sh -n $N_CG\`, \`valgrind --tool=callgrind\` ($VALGRIND_VERSION), the daemon with
\`KernelProbe=no\` (the probe's cost is its own section):

| figure | how | instructions | committed budget (\`tests/perf/instruction-budgets.txt\`; \`make check\` fails above +20 %) |
|---|---|---:|---:|
| docker-state-read-first | \`--list --json\` over 1 copy of tests/fixtures/docker/state.json (30 KB) minus over none: a state file never seen before | $(printf "%'d" "$CG_STATE_FIRST") | $(printf "%'d" "$(budget docker-state-read-first)") |
| docker-state-read | \`--list --json\` over $N_CG copies of it minus 10 copies, / $((N_CG - 10)): json-scan remembers large skipped values (util/json-scan.c), and every copy after the first meets its seccomp profile there, as a host's containers with Docker's default profile do | $(printf "%'d" "$CG_STATE") | $(printf "%'d" "$(budget docker-state-read)") |
| runc-lifecycle | $N_CG fake runc containers (spawn-inits, runc-size state) found, tracked, killed together and reported to the journal and \`--json\`, minus a run with none, / $N_CG | $(printf "%'d" "$CG_RUNC") | $(printf "%'d" "$(budget runc-lifecycle)") |
| docker-lifecycle | the same under \`.../runtime-runc/moby\` with Docker-size state files and each container's config.v2.json | $(printf "%'d" "$CG_DOCKER") | $(printf "%'d" "$(budget docker-lifecycle)") |

EOT
        for name in docker-state-read runc-lifecycle docker-lifecycle; do
                printf '### %s: top functions by self cost\n\n```\n%s\n```\n\n' "$name" "$(cat "$W/profiles/$name.top")"
                printf 'Inclusive cost:\n\n```\n%s\n```\n\n' "$(head -30 "$W/profiles/$name.incl")"
        done
}

bench_main "$@"
